"""The rule writers' commands: `explain`, `stats` and `diff` (wired into `cli.py` by `register`).

Kept apart from their modules (`explain.py`, `stats.py`, `diffing.py`) so that building the
argument parser imports nothing heavy: `arabic-ie --help` stays fast.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

EXPLAIN_EPILOG = """examples:
  arabic-ie explain --rule person_title --text 'والتقى المشير وحفتر في بنغازي'
  arabic-ie explain --rule meeting_held_talks examples/000_457475bf7bf8e888.txt
  arabic-ie explain --rule person_name --format json --text '...' | jq .attempts

For each start token the rule was tried at: how many tokens it got through and which
elements failed at the furthest token (file:line:col, the constraint, the token and its
attributes); then the matches, the mentions, and what the overlap policy removed and why."""

STATS_EPILOG = """examples:
  arabic-ie stats examples/
  arabic-ie stats --sort time --rules my-pack.yaml corpus/
  arabic-ie stats --format json corpus/ > stats.json"""

DIFF_EPILOG = """examples:
  arabic-ie diff --rules rules/ --rules-new my-rules/ examples/
  mkdir /tmp/old && git archive HEAD rules gazetteers | tar -x -C /tmp/old
  arabic-ie diff --rules /tmp/old/rules --rules-new rules/ corpus/
  arabic-ie diff --rules old.yaml --rules-new new.yaml --format json corpus/

Mentions are compared by (document, label, start, end, arguments): + gained, - lost,
~ same span and label with other arguments; grouped by the rule that made them."""


def register(sub: Any, add_rules: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the explain, stats and diff subcommands to `sub` (argparse subparsers)."""
    fmt = argparse.RawDescriptionHelpFormatter
    e = sub.add_parser("explain", help="show why a rule matched or not, token by token", formatter_class=fmt,
                       epilog=EXPLAIN_EPILOG)
    e.add_argument("path", nargs="?", metavar="FILE", help="a text file, or '-' for standard input")
    e.add_argument("--rule", required=True, metavar="NAME", help="the rule to explain")
    e.add_argument("--text", help="explain on this text instead of a file")
    e.add_argument("--format", choices=("text", "json"), default="text")
    e.add_argument("-v", "--verbose", action="store_true",
                   help="also list the start tokens where nothing matched, every failing alternative "
                        "and the whole compiled pattern")
    e.add_argument("--encoding-errors", choices=("strict", "replace", "skip"), default="strict")
    add_rules(e)
    e.set_defaults(func=cmd_explain)

    s = sub.add_parser("stats", help="matches per rule and label over a corpus, silent rules, time per rule",
                       formatter_class=fmt, epilog=STATS_EPILOG)
    s.add_argument("paths", nargs="*", metavar="PATH", help="files, folders (recursive) or '-' for stdin")
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.add_argument("--sort", choices=("pack", "time", "made", "name"), default="pack",
                   help="order of the rule table: pack order (phase, priority; default), time, mentions made, name")
    s.add_argument("--glob", default="*.txt", help="which files to read inside folders (default: *.txt)")
    s.add_argument("--encoding-errors", choices=("strict", "replace", "skip"), default="strict")
    add_rules(s)
    s.set_defaults(func=cmd_stats)

    d = sub.add_parser("diff", help="mentions gained and lost between two versions of a pack, by rule",
                       formatter_class=fmt, epilog=DIFF_EPILOG)
    d.add_argument("paths", nargs="*", metavar="PATH", help="files, folders (recursive) or '-' for stdin")
    d.add_argument("--rules-new", action="append", required=True, metavar="PACK",
                   help="the new version of the pack (repeat for several files); --rules is the old one")
    d.add_argument("--format", choices=("text", "json"), default="text")
    d.add_argument("--glob", default="*.txt", help="which files to read inside folders (default: *.txt)")
    d.add_argument("--encoding-errors", choices=("strict", "replace", "skip"), default="strict")
    add_rules(d)
    d.set_defaults(func=cmd_diff)


def _stream(args: argparse.Namespace):  # noqa: ANN202 - a generator of InputDoc, problems reported as they come
    from dsl.cli.main import UsageError, _err
    from dsl.io.inputs import InputProblem, is_tty, iter_inputs
    paths = args.paths or ["-"]
    if paths == ["-"] and is_tty(sys.stdin):
        raise UsageError("no input: give files or folders, or pipe text into standard input ('-')")
    args._failed = 0
    for item in iter_inputs(paths, glob=args.glob, errors=args.encoding_errors):
        if isinstance(item, InputProblem):
            _err(("warning: " if item.skipped else "") + str(item))
            args._failed += 0 if item.skipped else 1
        else:
            yield item


def cmd_explain(args: argparse.Namespace) -> int:
    """`arabic-ie explain`: the trace of one rule over one text."""
    from dsl.cli.main import EXIT_INPUT, EXIT_OK, UsageError, _err, _load_pack
    from dsl.tools.explain import explain, write_explanation
    from dsl.io.inputs import InputProblem, is_tty, iter_inputs
    if (args.text is None) == (args.path is None):
        raise UsageError("give either --text TEXT or one FILE ('-' for standard input)")
    pack = _load_pack(args)
    rule = pack.rule(args.rule)      # an unknown name is a PackError with a did-you-mean
    if args.text is not None:
        doc_id, text = "--text", args.text
    else:
        if args.path == "-" and is_tty(sys.stdin):
            raise UsageError("no input: give a file, or pipe text into standard input ('-')")
        items = list(iter_inputs([args.path], errors=args.encoding_errors))
        docs = [d for d in items if not isinstance(d, InputProblem)]
        for p in items:
            if isinstance(p, InputProblem):
                _err(str(p))
        if len(docs) != 1:
            if not docs:
                return EXIT_INPUT
            raise UsageError(f"{args.path}: explain reads one document, not {len(docs)} (give one file)")
        doc_id, text = docs[0].id, docs[0].text
    ex = explain(pack, rule.name, text, id=doc_id)
    write_explanation(sys.stdout, ex, args.format, verbose=args.verbose)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """`arabic-ie stats`: counts and times per rule over a corpus."""
    from dsl.cli.main import EXIT_INPUT, EXIT_OK, _load_pack
    from dsl.tools.stats import collect, write_stats
    pack = _load_pack(args)
    st = collect(pack, _stream(args))
    st.failed = args._failed
    write_stats(sys.stdout, st, args.format, args.sort)
    return EXIT_INPUT if st.failed else EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """`arabic-ie diff`: what a new version of a pack gains and loses over a corpus."""
    from dsl.cli.main import EXIT_INPUT, EXIT_OK, _load_pack
    from dsl.tools.diff import diff_corpus, write_diff
    from dsl.pack.pack import Pack, default_rules_dir
    old = _load_pack(args)
    new = Pack.load(args.rules_new, allow_paths=args.allow_path or (), cache=not args.no_cache)
    res = diff_corpus(old, new, _stream(args))
    res.failed = args._failed
    old_name = ", ".join(args.rules or [str(default_rules_dir())])
    write_diff(sys.stdout, res, args.format, old_name, ", ".join(args.rules_new))
    return EXIT_INPUT if res.failed else EXIT_OK
