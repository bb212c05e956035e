"""Precision and recall of the shipped packs on news sentences beyond the sample articles.

dev_news.yaml was used while writing the rules; heldout_news.yaml and heldout2_news.yaml were
annotated before the packs saw them (their first-run scores are in the closing notes). Both are
regression guards here (precision first: a false event costs more than a missed one);
`python tests/eval/score_news.py FILE -v` prints every miss and extra.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from dsl import Pack

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "eval"))
from score_news import score  # noqa: E402


@pytest.fixture(scope="module")
def pack() -> Pack:
    return Pack.load([ROOT / "rules"])


@pytest.mark.parametrize("name", ["dev_news.yaml", "heldout_news.yaml", "heldout2_news.yaml"])
def test_precision_and_recall(pack, name):
    items = yaml.safe_load((ROOT / "tests" / "eval" / name).read_text(encoding="utf-8"))
    s = score(pack, items)
    detail = s.summary() + "\n" + "\n".join(s.notes)
    assert s.ratio(s.tp_p, s.tp_p + s.fp_p) >= 0.95, detail
    assert s.ratio(s.tp_e, s.tp_e + s.fp_e) >= 0.95, detail
    assert s.ratio(s.tp_p, s.tp_p + s.fn_p) >= 0.90, detail
    assert s.ratio(s.tp_e, s.tp_e + s.fn_e) >= 0.85, detail
