"""The event pack's output contract, beyond each rule's own examples.

Every Meeting, Visit or Appointment has at least one named side (an argument that is a Person
mention); a meeting's side that is described rather than named (نظيره الفرنسي، وفدا من ...) is a
plain span with no label; adverbials between a trigger and its arguments do not change who did what.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import Pack

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ("Meeting", "Visit", "Appointment")


@pytest.fixture(scope="module")
def pack() -> Pack:
    return Pack.load([ROOT / "rules"])


def _args(m) -> dict[str, list]:
    return {k: list(v) if isinstance(v, tuple) else [v] for k, v in m.args.items()}


def _texts() -> list[str]:
    texts = []
    for r in yaml.safe_load((ROOT / "rules" / "events.yaml").read_text(encoding="utf-8"))["rules"]:
        texts += [e["text"] for e in r.get("examples", [])]
    for name in ("dev_news.yaml", "heldout_news.yaml", "heldout2_news.yaml"):
        texts += [it["text"] for it in yaml.safe_load((ROOT / "tests" / "eval" / name).read_text(encoding="utf-8"))]
    return texts


def test_every_event_has_a_named_side(pack):
    seen = 0
    for text in _texts():
        for m in pack.match(text):
            if m.label in EVENTS:
                seen += 1
                persons = [a for v in _args(m).values() for a in v if a.label == "Person"]
                assert persons, f"{m.rule}: {m.label} {m.text!r} has no Person argument"
    assert seen > 100


@pytest.mark.parametrize("text,partner", [
    ("والتقى الوزير سامح شكري نظيره الأردني على هامش القمة.", "نظيره الأردني"),
    ("وعقدت الوزيرة نجلاء بودن جلسة عمل مع وفد من رجال الأعمال الإيطاليين.", "وفد من رجال الأعمال الإيطاليين"),
])
def test_a_described_partner_is_a_plain_span(pack, text, partner):
    [m] = [m for m in pack.match(text) if m.label == "Meeting"]
    d = m.to_dict()["args"]
    assert d["partner"]["text"] == partner and "label" not in d["partner"]
    assert d["agent"]["label"] == "Person"


def test_a_named_partner_is_a_person(pack):
    [m] = [m for m in pack.match("وبحث الرئيس قيس سعيد مع وزير الخارجية الجزائري أحمد عطاف سبل التعاون.")
           if m.label == "Meeting"]
    partner = m.to_dict()["args"]["partner"]
    assert partner["text"] == "أحمد عطاف" and partner["label"] == "Person"


@pytest.mark.parametrize("text", [
    "والتقى الوزير سامح شكري نظيره الأردني جون دو في عمان.",       # a name follows: the name is the side
    "وبحث الوزير سامح شكري مع المسؤول عن ملف المياه زكرتوف بلال الأزمة.",
])
def test_no_described_partner_when_a_possible_name_follows(pack, text):
    for m in pack.match(text):
        if m.label == "Meeting":
            assert "label" in m.to_dict()["args"]["partner"], m


ADVERBIALS = ["اليوم", "أمس", "مساء أمس", "بعد ظهر اليوم", "يوم الأحد", "الأسبوع الماضي", "مطلع الشهر المقبل",
              "في القاهرة", "بالقاهرة", "في قصر الرئاسة", "مجددا", "، اليوم الأحد ،", "قبل عشرة أيام"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(ADVERBIALS), min_size=0, max_size=2), st.sampled_from([
    ("وبحث الرئيس عبد المجيد تبون {adv} مع وزير الخارجية التونسي نبيل عمار ملف الحدود.", "عبد المجيد تبون",
     "نبيل عمار"),
    ("والتقى الرئيس عبد المجيد تبون {adv} رئيس الحكومة الليبية عبد الحميد الدبيبة.", "عبد المجيد تبون",
     "عبد الحميد الدبيبة"),
    ("وأكد الرئيس عبد المجيد تبون خلال لقائه {adv} وزير الخارجية التونسي نبيل عمار أهمية التعاون.",
     "عبد المجيد تبون", "نبيل عمار"),
]))
def test_adverbials_do_not_change_who_met_whom(pack, advs, case):
    template, agent, partner = case
    text = template.format(adv=" ".join(advs))
    found = [m for m in pack.match(text) if m.label == "Meeting"]
    assert len(found) == 1, (text, found)
    args = {k: [a.text for a in v] for k, v in _args(found[0]).items()}
    assert args["agent"] == [agent] and args["partner"] == [partner], (text, args)
