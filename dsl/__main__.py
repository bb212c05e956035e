"""`python -m dsl` is the `arabic-ie` command."""
import sys

from .cli import main

sys.exit(main())
