"""The rule writers' commands: `explain`, `stats` and `diff` (the tools themselves are in `dsl.tools`).

The tools are imported when a command runs, so building the argument parser stays cheap.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from dsl.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    HELP_FORMAT,
    DocumentStream,
    UsageError,
    add_corpus_options,
    add_encoding_errors,
    add_paths,
    add_rules_options,
    err,
    load_pack,
)

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


def add_explain(sub: Any) -> None:
    """Add `explain` to the CLI's subparsers."""
    e = sub.add_parser("explain", help="show why a rule matched or not, token by token", formatter_class=HELP_FORMAT,
                       epilog=EXPLAIN_EPILOG)
    e.add_argument("path", nargs="?", metavar="FILE", help="a text file, or '-' for standard input")
    e.add_argument("--rule", required=True, metavar="NAME", help="the rule to explain")
    e.add_argument("--text", help="explain on this text instead of a file")
    _add_format(e)
    e.add_argument("-v", "--verbose", action="store_true",
                   help="also list the start tokens where nothing matched, every failing alternative "
                        "and the whole compiled pattern")
    add_encoding_errors(e)
    add_rules_options(e)
    e.set_defaults(func=cmd_explain)


def add_stats(sub: Any) -> None:
    """Add `stats` to the CLI's subparsers."""
    s = _corpus_command(sub, "stats", "matches per rule and label over a corpus, silent rules, time per rule",
                        STATS_EPILOG)
    _add_format(s)
    s.add_argument("--sort", choices=("pack", "time", "made", "name"), default="pack",
                   help="order of the rule table: pack order (phase, priority; default), time, mentions made, name")
    add_corpus_options(s)
    s.set_defaults(func=cmd_stats)


def add_diff(sub: Any) -> None:
    """Add `diff` to the CLI's subparsers."""
    d = _corpus_command(sub, "diff", "mentions gained and lost between two versions of a pack, by rule",
                        DIFF_EPILOG)
    d.add_argument("--rules-new", action="append", required=True, metavar="PACK",
                   help="the new version of the pack (repeat for several files); --rules is the old one")
    _add_format(d)
    add_corpus_options(d)
    d.set_defaults(func=cmd_diff)


def _corpus_command(sub: Any, name: str, help_text: str, epilog: str) -> argparse.ArgumentParser:
    """A command over a corpus: its PATH arguments (its options follow, then `add_corpus_options`)."""
    p = sub.add_parser(name, help=help_text, formatter_class=HELP_FORMAT, epilog=epilog)
    add_paths(p)
    return p


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text")


def cmd_explain(args: argparse.Namespace) -> int:
    """`arabic-ie explain`: the trace of one rule over one text."""
    from dsl.io.inputs import InputProblem, is_tty, iter_inputs
    from dsl.tools.explain import explain, write_explanation
    if (args.text is None) == (args.path is None):
        raise UsageError("give either --text TEXT or one FILE ('-' for standard input)")
    pack = load_pack(args)
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
                err(str(p))
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
    from dsl.tools.stats import collect, write_stats
    pack = load_pack(args)
    docs = DocumentStream(args.paths, args.glob, args.encoding_errors)
    st = collect(pack, docs)
    st.failed = docs.failed
    write_stats(sys.stdout, st, args.format, args.sort)
    return EXIT_INPUT if st.failed else EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """`arabic-ie diff`: what a new version of a pack gains and loses over a corpus."""
    from dsl.pack.pack import Pack
    from dsl.pack.shipped import default_packs
    from dsl.tools.diff import diff_corpus, write_diff
    old = load_pack(args)
    new = Pack.load(args.rules_new, allow_paths=args.allow_path or (), cache=not args.no_cache)
    docs = DocumentStream(args.paths, args.glob, args.encoding_errors)
    res = diff_corpus(old, new, docs)
    res.failed = docs.failed
    old_name = ", ".join(args.rules or [str(p) for p in default_packs().paths])
    write_diff(sys.stdout, res, args.format, old_name, ", ".join(args.rules_new))
    return EXIT_INPUT if res.failed else EXIT_OK
