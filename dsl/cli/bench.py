"""`arabic-ie bench`: its options; the measurements themselves are in `dsl.bench`."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from dsl.bench.config import BenchConfig
from dsl.cli.common import EXIT_OK, EXIT_USAGE, HELP_FORMAT

DESCRIPTION = ("`arabic-ie bench`: what users get, side by side with spaCy: the shipped packs through `Pack.match` "
               "and the command line, spaCy's Matcher and ours on spaCy's tokens, the start, memory.")
EPILOG = """examples:
  arabic-ie bench
  arabic-ie bench --corpus ../shared/data/anercorp-dev/dev.txt    # real news (a token per line) and generated
  arabic-ie bench --quick --json
  arabic-ie bench --corpus my-articles/ --no-spacy"""


def add_bench(sub: Any) -> None:
    """Add `bench` to the CLI's subparsers."""
    p = sub.add_parser("bench", help="measure what users get (Pack.match, the command line), side by side with spaCy",
                       formatter_class=HELP_FORMAT, description=DESCRIPTION, epilog=EPILOG)
    p.add_argument("--corpus", metavar="PATH", help="a folder of *.txt files, a text file, or a file of one token per "
                   "line (`token TAG`, a blank line between sentences; grouped into documents of --doc-sentences "
                   "sentences); default: generated from the sample articles. With --corpus, the command line also "
                   "runs over the generated corpus")
    p.add_argument("--doc-sentences", type=int, default=10, metavar="N",
                   help="sentences per document of a token-per-line corpus (default 10)")
    p.add_argument("--chars", type=int, help="size of the generated corpus (default 1000000)")
    p.add_argument("--rules", action="append", metavar="PACK", help="the packs run end to end (default: the shipped "
                   "rules/); repeatable")
    p.add_argument("--patterns", type=_sizes, metavar="N,N", help="pattern counts of the spaCy comparison "
                   "(default 10,1000)")
    p.add_argument("--peer-chars", type=int, metavar="N", help="characters of the spaCy comparison (default 300000)")
    p.add_argument("--gazetteers", type=_sizes, metavar="N,N", help="gazetteer sizes (default 1000,10000,100000)")
    p.add_argument("--runs", type=int, help="runs per measurement; the median is reported (default 3)")
    p.add_argument("--seed", type=int, default=1, help="seed of the generated corpus, patterns and gazetteers")
    p.add_argument("--no-spacy", action="store_true", help="skip the spaCy side even when spaCy is installed")
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurements (child processes)")
    p.add_argument("--no-cli", action="store_true", help="skip the command-line measurements (child processes)")
    p.add_argument("--quick", action="store_true", help="a smoke test: 30k characters, 10/100 patterns, 1k entries, "
                   "1 run (figures not comparable to a full run)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (for tools)")
    p.set_defaults(func=cmd_bench)


def _sizes(s: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in s.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {s!r}") from None


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """The measurements the options ask for: `--quick` sets small defaults, explicit options still win."""
    cfg = BenchConfig(corpus=args.corpus, doc_sentences=args.doc_sentences, seed=args.seed,
                      rules=tuple(args.rules or ()), spacy=not args.no_spacy, memory=not args.no_memory,
                      cli=not args.no_cli)
    if args.quick:
        cfg = replace(cfg, chars=30_000, peer_sizes=(10, 100), peer_chars=30_000, gazetteer_sizes=(1_000,), runs=1,
                      memory_docs=2, budget=5.0)
    explicit = {"chars": args.chars, "peer_sizes": args.patterns, "gazetteer_sizes": args.gazetteers,
                "runs": args.runs, "peer_chars": args.peer_chars}
    return replace(cfg, **{k: v for k, v in explicit.items() if v is not None})


def cmd_bench(args: argparse.Namespace) -> int:
    """Print the report (or JSON); exit 0, or 2 when the corpus cannot be read."""
    from dsl.bench.report import format_report
    from dsl.bench.stages import run_bench
    cfg = config_from_args(args)
    try:
        report = run_bench(cfg, out=sys.stderr)
    except (FileNotFoundError, IsADirectoryError, ValueError) as e:
        sys.stderr.write(f"arabic-ie: bench: {e}\n")
        return EXIT_USAGE
    if args.quick:
        # A smoke test: one cold pass over a small corpus says nothing about the project's targets.
        report["targets_judged"] = False
        for t in report["targets"]:
            t["met"] = None
    if args.json:
        import json
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    else:
        print(format_report(report))
    return EXIT_OK
