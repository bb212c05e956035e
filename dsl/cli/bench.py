"""`arabic-ie bench`: its options; the measurements themselves are in `dsl.bench`."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from dsl.bench.config import BenchConfig
from dsl.cli.common import EXIT_OK, EXIT_USAGE, HELP_FORMAT

DESCRIPTION = "`arabic-ie bench`: throughput, match counts and memory of every stage, side by side with spaCy."
EPILOG = """examples:
  arabic-ie bench
  arabic-ie bench --quick --json
  arabic-ie bench --corpus my-articles/ --rules 1000 --no-spacy"""


def add_bench(sub: Any) -> None:
    """Add `bench` to the CLI's subparsers."""
    p = sub.add_parser("bench", help="measure throughput, matches and memory, side by side with spaCy",
                       formatter_class=HELP_FORMAT, description=DESCRIPTION, epilog=EPILOG)
    p.add_argument("--corpus", metavar="PATH", help="a text file or a folder of *.txt files (default: generated "
                   "from the sample articles)")
    p.add_argument("--chars", type=int, help="size of the generated corpus (default 1000000)")
    p.add_argument("--rules", type=_sizes, metavar="N,N", help="pack sizes (default 10,100,1000)")
    p.add_argument("--gazetteers", type=_sizes, metavar="N,N", help="gazetteer sizes (default 1000,10000,100000)")
    p.add_argument("--runs", type=int, help="passes per measurement; the median is reported (default 5)")
    p.add_argument("--seed", type=int, default=1, help="seed of the generated corpus, packs and gazetteers")
    p.add_argument("--no-spacy", action="store_true", help="skip the spaCy side even when spaCy is installed")
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurements (child processes)")
    p.add_argument("--quick", action="store_true", help="a smoke test: 30k characters, 10/100 rules, 1k entries, "
                   "1 pass (cold caches: the figures are not comparable to a full run)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (for tools)")
    p.set_defaults(func=cmd_bench)


def _sizes(s: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in s.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {s!r}") from None


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """The measurements the options ask for: `--quick` sets small defaults, explicit options still win."""
    cfg = BenchConfig(corpus=args.corpus, seed=args.seed, spacy=not args.no_spacy, memory=not args.no_memory)
    if args.quick:
        cfg = replace(cfg, chars=30_000, rule_sizes=(10, 100), gazetteer_sizes=(1_000,), runs=1,
                      memory_docs=2, budget=5.0)
    explicit = {"chars": args.chars, "rule_sizes": args.rules, "gazetteer_sizes": args.gazetteers,
                "runs": args.runs}
    return replace(cfg, **{k: v for k, v in explicit.items() if v is not None})


def cmd_bench(args: argparse.Namespace) -> int:
    """Print the table (or JSON); exit 0, or 2 when the corpus cannot be read."""
    from dsl.bench.report import format_report
    from dsl.bench.stages import run_bench
    cfg = config_from_args(args)
    try:
        report = run_bench(cfg, out=sys.stderr)
    except (FileNotFoundError, ValueError) as e:
        sys.stderr.write(f"arabic-ie: bench: {e}\n")
        return EXIT_USAGE
    if args.quick:
        # A smoke test: one cold pass over a small corpus says nothing about the project's targets.
        report["targets_judged"] = False
        for t in report["targets"]:
            t["met"] = None
    if args.json:
        import json
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_report(report))
    return EXIT_OK
