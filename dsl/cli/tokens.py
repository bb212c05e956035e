"""`arabic-ie tokens`: the morphological tokens of a text, as the rules see them."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from dsl.cli.common import EXIT_INPUT, EXIT_OK, HELP_FORMAT, add_encoding_errors, add_rules_options, err, load_pack


def add_tokens(sub: Any) -> None:
    """Add `tokens` to the CLI's subparsers."""
    k = sub.add_parser("tokens", help="show the morphological tokens of a text", formatter_class=HELP_FORMAT,
                       epilog="examples:\n  arabic-ie tokens --text 'والمشير حفتر'\n"
                              "  arabic-ie tokens --format jsonl examples/000_457475bf7bf8e888.txt")
    k.add_argument("paths", nargs="*", metavar="PATH", help="files or '-' for stdin")
    k.add_argument("--text", help="analyze this text instead of files")
    k.add_argument("--format", choices=("table", "jsonl"), default="table")
    add_encoding_errors(k)
    add_rules_options(k)
    k.set_defaults(func=cmd_tokens)


def cmd_tokens(args: argparse.Namespace) -> int:
    from dsl.io.inputs import InputDoc, InputProblem, iter_inputs
    from dsl.io.writers import write_tokens
    if args.text is not None:
        docs: list[Any] = [InputDoc("--text", args.text)]
    else:
        docs = list(iter_inputs(args.paths or ["-"], errors=args.encoding_errors))
    if args.rules:
        analyzer = load_pack(args).analyzer
    else:
        from dsl.morph.analyzer import default_analyzer
        analyzer = default_analyzer()
    failures = 0
    for d in docs:
        if isinstance(d, InputProblem):
            err(str(d))
            failures += 1
            continue
        doc = analyzer.analyze(d.text, id=d.id)
        write_tokens(sys.stdout, doc.tokens, args.format, d.id if len(docs) > 1 else None)
    return EXIT_INPUT if failures else EXIT_OK
