"""The overlap policy: priority, then length, then position; deterministic; explains removals."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dsl.doc.mention import Arg, Mention
from dsl.pack.overlap import resolve_overlaps


def m(start: int, end: int, rule: str = "r", priority: int = 0, label: str = "Person") -> Mention:
    return Mention(label, rule, start, end, "x" * (end - start), start, end, priority=priority)


def test_longer_wins_at_equal_priority():
    kept, removed = resolve_overlaps([m(0, 2, "short"), m(0, 5, "long")])
    assert [k.rule for k in kept] == ["long"]
    assert removed[0].removed.rule == "short" and removed[0].winner.rule == "long"


def test_priority_beats_length():
    kept, _ = resolve_overlaps([m(0, 2, "important", priority=5), m(0, 5, "long")])
    assert [k.rule for k in kept] == ["important"]


def test_earlier_wins_at_equal_priority_and_length():
    kept, _ = resolve_overlaps([m(3, 6, "later"), m(1, 4, "earlier")])
    assert [k.rule for k in kept] == ["earlier"]


def test_keep_all_keeps_everything_in_text_order():
    kept, removed = resolve_overlaps([m(3, 6), m(0, 5), m(1, 2)], "keep_all")
    assert [(k.start, k.end) for k in kept] == [(0, 5), (1, 2), (3, 6)] and removed == []


def test_non_overlapping_mentions_all_stay():
    kept, _ = resolve_overlaps([m(0, 2), m(2, 4), m(4, 9)])
    assert len(kept) == 3


def test_to_dict_is_the_documented_json_object():
    mention = Mention("Meeting", "meet", 10, 20, "لقاء حجازي وحفتر", 2, 5,
                      {"partner": Arg(16, 20, "حفتر", label="Person"),
                       "all": (Arg(10, 14, "لقاء"), Arg(16, 20, "حفتر"))}, doc="a.txt")
    assert mention.to_dict() == {
        "doc": "a.txt", "label": "Meeting", "start": 10, "end": 20, "text": "لقاء حجازي وحفتر",
        "rule": "meet", "args": {"partner": {"start": 16, "end": 20, "text": "حفتر", "label": "Person"},
                                 "all": [{"start": 10, "end": 14, "text": "لقاء"},
                                         {"start": 16, "end": 20, "text": "حفتر"}]}}


spans = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 6), st.integers(0, 2)), max_size=12)


@given(spans, st.randoms())
def test_resolution_is_deterministic_and_leaves_no_overlap(items, rnd):
    ms = [m(s, s + n, f"r{i}", p) for i, (s, n, p) in enumerate(items)]
    kept, removed = resolve_overlaps(ms)
    shuffled = list(ms)
    rnd.shuffle(shuffled)
    assert resolve_overlaps(shuffled)[0] == kept
    for a in kept:
        for b in kept:
            assert a is b or not (a.start < b.end and b.start < a.end)
    assert len(kept) + len(removed) == len({x.key() for x in ms})
