"""`python -m dsl` is the `arabic-ie` command."""
import sys

from dsl.cli.main import main

sys.exit(main())
