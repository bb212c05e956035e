"""`arabic-ie evaluate`: precision, recall and F1 of a pack on annotated data (the scorer is `dsl.tools.evaluate`)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from dsl.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    HELP_FORMAT,
    UsageError,
    add_encoding_errors,
    add_glob,
    add_rules_options,
    err,
    load_pack,
)

EPILOG = """examples:
  arabic-ie evaluate --gold ner.conll
  arabic-ie evaluate --gold dev.txt --map PERS=Person --show 20
  arabic-ie evaluate --gold ner.conll --rules my-pack.yaml --labels Person --json
  arabic-ie evaluate --gold spans.jsonl corpus/

Gold is IOB/CoNLL ('token TAG' per line, a blank line between sentences; -DOCSTART- lines
split documents, else --doc-sentences sentences make one) or JSON Lines spans
({"doc", "label", "start", "end"} over text files; a .jsonl/.json file). On IOB gold a
predicted mention counts for the whole corpus tokens its characters overlap. Default map:
PER, PERS -> Person, LOC -> Location, ORG -> Organization."""


def add_evaluate(sub: Any) -> None:
    """Add `evaluate` to the CLI's subparsers."""
    from dsl.cli.match import workers_arg
    e = sub.add_parser("evaluate", help="score a pack on annotated data: precision, recall, F1 per label",
                       formatter_class=HELP_FORMAT, epilog=EPILOG)
    e.add_argument("paths", nargs="*", metavar="PATH",
                   help="with JSON Lines gold: the text files or folders to evaluate on (default: the documents "
                        "the gold names)")
    e.add_argument("--gold", required=True, metavar="FILE", help="the annotated corpus (IOB/CoNLL or JSON Lines)")
    e.add_argument("--gold-format", choices=("iob", "spans"),
                   help="how to read --gold (default: spans for .jsonl/.json, else iob)")
    e.add_argument("--map", action="append", default=[], metavar="TAG=Label",
                   help="score the gold's TAG as the pack's Label (repeatable; added to the defaults)")
    e.add_argument("--labels", action="append", metavar="L1,L2",
                   help="score exactly these labels (default: the gold's labels that are mapped or that the "
                        "pack produces)")
    e.add_argument("--doc-sentences", type=_positive, default=10, metavar="N",
                   help="IOB without -DOCSTART-: N consecutive sentences make one document (default 10)")
    e.add_argument("--show", type=int, default=0, metavar="N",
                   help="print up to N false positives and N misses per label, with context")
    e.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    e.add_argument("--workers", type=workers_arg, default=None, metavar="N",
                   help="processes to match with, as for match (default 'auto')")
    add_glob(e)
    add_encoding_errors(e)
    add_rules_options(e)
    e.set_defaults(func=cmd_evaluate)


def _positive(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of sentences (1 or more), not {s!r}")
    return n


def cmd_evaluate(args: argparse.Namespace) -> int:
    from dsl.errors import InputError
    from dsl.io.gold import read_gold
    from dsl.tools.evaluate import evaluate, parse_map, write_evaluation
    try:
        mapping = parse_map(args.map)
    except ValueError as e:
        raise UsageError(f"--map: {e}") from None
    labels = [x for v in (args.labels or []) for x in v.split(",") if x] or None
    pack = load_pack(args)
    if labels:
        unknown = sorted(set(labels) - set(pack.labels()))
        if unknown:
            raise UsageError(f"--labels names unknown label(s): {', '.join(unknown)} "
                             f"(the packs produce: {', '.join(pack.labels())})")
    try:
        gold = read_gold(args.gold, format=args.gold_format, doc_sentences=args.doc_sentences, texts=args.paths,
                         glob=args.glob, errors=args.encoding_errors)
    except InputError as e:
        if e.pos is not None:
            raise                               # a bad line: file:line:column: message
        raise UsageError(str(e)) from None      # a file that cannot be read: arabic-ie: FILE: ...
    ev = evaluate(pack, gold, label_map=mapping, labels=labels, workers=args.workers)
    for line in ev.failed:
        err(line)
    write_evaluation(sys.stdout, ev, "json" if args.json else "text", args.show)
    return EXIT_INPUT if ev.failed else EXIT_OK
