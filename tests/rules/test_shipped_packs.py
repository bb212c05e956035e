"""The shipped packs: they check, their examples pass, they are written for the construction
(enough examples, none taken from the sample articles), and the sample articles' output is a
reviewed golden file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsl import Pack

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "rules" / "golden" / "examples.jsonl"
ARTICLES = sorted((ROOT / "examples").glob("*.txt"))


@pytest.fixture(scope="module")
def pack() -> Pack:
    return Pack.load([ROOT / "rules"])


def test_every_rule_has_two_positive_and_one_negative_example(pack):
    for r in pack.rules:
        pos = [e for e in r.examples if any(x.label == r.label for x in e.expect)]
        neg = [e for e in r.examples if not e.expect]
        assert len(pos) >= 2 and len(neg) >= 1, f"{r.pos}: rule {r.name}: {len(pos)} positive, {len(neg)} negative"


def test_no_example_is_taken_from_the_sample_articles(pack):
    articles = [p.read_text(encoding="utf-8") for p in ARTICLES]
    grams = set()
    for a in articles:
        words = a.split()
        grams |= {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}
    for r in pack.rules:
        for e in r.examples:
            words = e.text.split()
            shared = [" ".join(words[i:i + 5]) for i in range(len(words) - 4) if " ".join(words[i:i + 5]) in grams]
            assert not shared, f"{e.pos}: example of {r.name} shares '{shared[0]}' with a sample article"


def test_examples_pass(pack):
    from dsl.tools.ruletest import run_examples
    failures = [r.describe() for r in run_examples(pack) if not r.ok]
    assert not failures, "\n".join(failures)


def _match_examples() -> list[dict]:
    r = subprocess.run([sys.executable, "-m", "dsl", "match", *[str(p.relative_to(ROOT)) for p in ARTICLES]],
                       capture_output=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    return [json.loads(x) for x in r.stdout.decode("utf-8").splitlines()]


def test_golden_output_on_the_sample_articles():
    """Any change in behaviour on the sample articles shows up here as a diff to review.

    After reviewing an intended change: ARABIC_IE_UPDATE_GOLDEN=1 python -m pytest tests/rules/test_shipped_packs.py
    """
    got = _match_examples()
    if os.environ.get("ARABIC_IE_UPDATE_GOLDEN"):
        GOLDEN.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in got), encoding="utf-8")
    want = [json.loads(x) for x in GOLDEN.read_text(encoding="utf-8").splitlines()]

    def show(ms: list[dict]) -> set[str]:
        return {f"{m['doc']} {m['label']} {m['start']}-{m['end']} {m['text']} {m['rule']} "
                f"{json.dumps(m['args'], ensure_ascii=False, sort_keys=True)}" for m in ms}

    lost, gained = sorted(show(want) - show(got)), sorted(show(got) - show(want))
    assert not lost and not gained, "lost:\n  " + "\n  ".join(lost) + "\ngained:\n  " + "\n  ".join(gained)
    assert got == want  # same order too
