"""The rule-pack commands: `test` (the rules' examples), `check` (validation), `schema` (JSON Schema)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dsl.cli.common import EXIT_OK, EXIT_TESTS, HELP_FORMAT, UsageError, add_rules_options, load_pack, packs_line

TEST_EPILOG = """examples:
  arabic-ie test                                   # the shipped packs (or $ARABIC_IE_RULES)
  arabic-ie test my-pack.yaml
  arabic-ie test --rule meeting_held_talks rules/events.yaml
  arabic-ie test --rule person_title -v"""


def _add_packs(p: argparse.ArgumentParser) -> None:
    """PACK arguments: added to `--rules` by the dispatcher."""
    p.add_argument("packs", nargs="*", metavar="PACK",
                   help="packs or folders (default: $ARABIC_IE_RULES, else the shipped packs)")


def add_test(sub: Any) -> None:
    """Add `test` to the CLI's subparsers."""
    t = sub.add_parser("test", help="run every rule's examples; ends with 'N passed, N failed'",
                       formatter_class=HELP_FORMAT, epilog=TEST_EPILOG)
    _add_packs(t)
    add_rules_options(t)
    t.add_argument("--rule", action="append", metavar="NAME", help="only this rule's examples (repeatable)")
    t.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    t.set_defaults(func=cmd_test)


def add_check(sub: Any) -> None:
    """Add `check` to the CLI's subparsers."""
    c = sub.add_parser("check", help="validate packs and gazetteers; list every error (file:line:column)",
                       formatter_class=HELP_FORMAT,
                       epilog="examples:\n  arabic-ie check rules/\n  arabic-ie check my-pack.yaml")
    _add_packs(c)
    add_rules_options(c)
    c.set_defaults(func=cmd_check)


def add_schema(sub: Any) -> None:
    """Add `schema` to the CLI's subparsers."""
    s = sub.add_parser("schema", help="print the JSON Schema of rule packs (for editors)")
    s.add_argument("--path", action="store_true", help="print where the installed schema file is instead")
    s.set_defaults(func=cmd_schema)


def cmd_test(args: argparse.Namespace) -> int:
    from dsl.errors import PackError
    from dsl.tools.ruletest import run_examples
    pack = load_pack(args)
    try:
        results = run_examples(pack, args.rule or None)
    except PackError as e:
        raise UsageError(f"--rule: {e.one_line()}") from None
    failed = [r for r in results if not r.ok]
    print(packs_line(args, pack))
    for r in failed:
        print(r.describe())
    if args.verbose:
        for r in results:
            if r.ok:
                print(f"{r.pos}: rule {r.rule}: ok")
    silent = [r.name for r in pack.rules if r.enabled and not r.examples]
    if silent:
        print(f"note: {len(silent)} rule(s) have no examples: {', '.join(silent)}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return EXIT_TESTS if failed else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    pack = load_pack(args)
    for w in getattr(pack, "warnings", ()):
        sys.stderr.write(w.render() + "\n")
    n_entries = sum(len(g.gazetteer) for g in pack.gazetteers.values())
    print(f"ok: {len(pack.rules)} rules in {len(pack.phases)} phase(s), {len(pack.gazetteers)} gazetteers "
          f"({n_entries} entries), labels: {', '.join(pack.labels())}")
    print(packs_line(args, pack))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from dsl.pack.schema import json_schema
    if args.path:
        print(Path(__file__).resolve().parent.parent / "pack" / "pack.schema.json")
        return EXIT_OK
    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK
