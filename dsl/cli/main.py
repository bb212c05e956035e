"""The `arabic-ie` command line (also `python -m dsl`): the parser and the dispatch.

Exit codes: 0 success; 1 rule examples failed (`test`); 2 usage, rule-pack or gazetteer
errors, or the output cannot be written; 3 some input documents could not be read or
failed (the others were processed); 130, 143, 129 when stopped by SIGINT, SIGTERM, SIGHUP.
Messages go to stderr, results to stdout, one whole line at a time.

One module per command group adds its commands to the parser (`match`, `packs`, `tokens`,
`tools`, `bench`); each imports what its commands need when they run, so `--help` stays fast.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from dsl.cli import bench, evaluate, match, packs, tokens, tools
from dsl.cli.common import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, HELP_FORMAT, ArgParser, UsageError, err
from dsl.errors import DslError, ErrorList
from dsl.version import __version__

#: The commands, in the order `arabic-ie --help` lists them.
COMMANDS = (match.add_match, packs.add_test, packs.add_check, tokens.add_tokens, packs.add_schema,
            tools.add_explain, tools.add_stats, tools.add_diff, evaluate.add_evaluate, bench.add_bench)


def build_parser() -> argparse.ArgumentParser:
    ap = ArgParser(prog="arabic-ie", formatter_class=HELP_FORMAT,
                   description="Rule-based information extraction for Arabic text.",
                   epilog="commands: match, test, check, tokens, schema, explain, stats, diff, evaluate, bench.  "
                          "'arabic-ie COMMAND --help' for each.\n"
                          "exit codes: 0 ok, 1 rule examples failed, 2 usage or rule errors, 3 some inputs unreadable, "
                          "130/143/129 stopped by SIGINT/SIGTERM/SIGHUP")
    ap.add_argument("--version", action="version", version=f"arabic-ie {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgParser)
    for add in COMMANDS:
        add(sub)
    return ap


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    err(f"warning: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    with warnings.catch_warnings():
        # Warnings (e.g. a regex timeout naming its rule) are one `arabic-ie: warning: ...` line each.
        warnings.showwarning = _show_warning
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        if getattr(args, "packs", None):
            args.rules = (args.rules or []) + args.packs
        args.program = argv is None   # the process is this command (not a caller's main([...]))
        return int(args.func(args))
    except UsageError as e:
        msg = str(e)   # the parser's own errors already start with its name: `arabic-ie match: ...`, once
        sys.stderr.write((msg if msg.startswith("arabic-ie") else f"arabic-ie: {msg}") + "\n")
        return EXIT_USAGE
    except ErrorList as e:
        for item in e.errors:
            sys.stderr.write(item.render() + "\n")
        err(f"{len(e.errors)} errors")
        return EXIT_USAGE
    except DslError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # `arabic-ie match ... | head`: stop quietly; silence the flush at interpreter exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        err("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
