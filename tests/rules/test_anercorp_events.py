"""The ANERcorp event annotation (tests/eval/anercorp_events.yaml) and its scorer, without the corpus.

The corpus is not part of the project: these tests check the annotation file's shape (and that it
stores no sentences) and the scorer's matching criterion on invented sentences. The figures on the
corpus come from `python tests/eval/score_anercorp_events.py`, run by hand.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("score_anercorp_events",
                                               ROOT / "tests" / "eval" / "score_anercorp_events.py")
sc = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = sc
_spec.loader.exec_module(sc)

DOC = yaml.safe_load((ROOT / "tests" / "eval" / "anercorp_events.yaml").read_text(encoding="utf-8"))
N_SENTENCES = 3920


def _strings(item: dict) -> list[str]:
    out = []
    for v in item.values():
        out += [x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str)]
    return out


def test_annotation_shape():
    assert set(DOC) == {"events", "negatives", "ambiguous", "judged_empty"}
    for e in DOC["events"]:
        assert e["label"] in sc.LABELS, e
        assert 0 <= e["sent"] < N_SENTENCES and e["trigger"], e
        scored = [r for r in sc.SCORED[e["label"]] if r in e and r != "position"]
        assert scored, f"an event needs a named side: {e}"
        assert set(e) <= {"sent", "label", "trigger", "note", "place", *sc.SCORED[e["label"]]} | {
            f"{r}_desc" for r in ("agent", "partner", "appointer", "appointee", "position", "destination")}, e
    for n in DOC["negatives"]:
        assert n["negative"] is True and n["trigger"] and n["why"], n
    assert len(DOC["negatives"]) >= 50
    for a in DOC["ambiguous"]:
        assert a["trigger"] and a["why"], a


def test_sentence_lists_are_consistent():
    events = {e["sent"] for e in DOC["events"]}
    negatives = [n["sent"] for n in DOC["negatives"]]
    ambiguous = {a["sent"] for a in DOC["ambiguous"]}
    empty = DOC["judged_empty"]
    assert len(negatives) == len(set(negatives)) and len(empty) == len(set(empty))
    assert not set(negatives) & (events | ambiguous)
    assert not set(empty) & (events | ambiguous | set(negatives))
    assert all(0 <= s < N_SENTENCES for s in [*negatives, *ambiguous, *empty])


def test_no_corpus_text_is_stored():
    """Argument strings and notes only: nothing as long as a sentence."""
    for item in DOC["events"] + DOC["negatives"] + DOC["ambiguous"]:
        for s in _strings(item):
            arabic_words = [w for w in s.split() if any("\u0600" <= c <= "\u06ff" for c in w)]
            assert len(arabic_words) <= 8, f"too long to be an argument: {s!r}"


# ---- the matching criterion, on invented sentences ------------------------------------------------

SENT = "وأكد الرئيس قيس سعيد خلال لقائه في تونس الرئيس عبد المجيد تبون أهمية التعاون ."


def _span(text: str, part: str) -> tuple[int, int, str]:
    i = text.index(part)
    return (i, i + len(part), part)


def _pred(label: str, mention: str, **args: str) -> sc.Pred:
    a, b, t = _span(SENT, mention)
    return sc.Pred(0, label, (a, b), t, "r", {k: [_span(SENT, v)] for k, v in args.items()})


def _gold(**d: object) -> sc.Gold:
    g = sc.Gold.from_yaml({"sent": 0, **d})
    g.resolve(SENT)
    assert not g.missing
    return g


def test_directed_meeting_is_strict_on_who_is_who():
    g = _gold(label="Meeting", trigger="لقائه", agent="قيس سعيد", partner="عبد المجيد تبون")
    mention = "قيس سعيد خلال لقائه في تونس الرئيس عبد المجيد تبون"
    assert sc.event_matches(g, _pred("Meeting", mention, agent="قيس سعيد", partner="عبد المجيد تبون"))
    # lenient on boundaries: a title or a missing first name is fine
    assert sc.event_matches(g, _pred("Meeting", mention, agent="الرئيس قيس سعيد", partner="تبون"))
    # the sides swapped, a side missing, a span covering both sides, the wrong label: no
    assert not sc.event_matches(g, _pred("Meeting", mention, agent="عبد المجيد تبون", partner="قيس سعيد"))
    assert not sc.event_matches(g, _pred("Meeting", mention, partner="عبد المجيد تبون"))
    assert not sc.event_matches(g, _pred("Meeting", mention, agent="قيس سعيد", partner=mention))
    assert not sc.event_matches(g, _pred("Visit", mention, agent="قيس سعيد", partner="عبد المجيد تبون"))


def test_trigger_must_be_inside_the_mention_or_its_trigger_argument():
    g = _gold(label="Meeting", trigger="لقائه", agent="قيس سعيد", partner="عبد المجيد تبون")
    far = _pred("Meeting", "في تونس الرئيس عبد المجيد تبون", agent="قيس سعيد", partner="عبد المجيد تبون")
    assert not sc.event_matches(g, far)
    far.args["trigger"] = [_span(SENT, "لقائه")]
    assert sc.event_matches(g, far)


def test_symmetric_meeting_takes_either_order_but_two_sides():
    g = _gold(label="Meeting", trigger="لقائه", participant="قيس سعيد", partner="عبد المجيد تبون")
    mention = "قيس سعيد خلال لقائه في تونس الرئيس عبد المجيد تبون"
    assert sc.event_matches(g, _pred("Meeting", mention, participant="عبد المجيد تبون", partner="قيس سعيد"))
    assert sc.event_matches(g, _pred("Meeting", mention, agent="قيس سعيد", partner="عبد المجيد تبون"))
    assert not sc.event_matches(g, _pred("Meeting", mention, participant="قيس سعيد"))


def test_coordinated_sides_strict_and_lenient():
    g = _gold(label="Meeting", trigger="لقائه", agent=["قيس سعيد", "عبد المجيد تبون"])
    p = _pred("Meeting", "قيس سعيد خلال لقائه", agent="قيس سعيد")
    assert not sc.event_matches(g, p)
    assert sc.event_matches(g, p, lenient=True)


def test_strings_are_found_through_clitics_and_diacritics():
    text = "وصل الرئيس إلى المغرب ثم عاد للمغرب مع ميلِفا ."
    assert len(sc.find_spans(text, "المغرب")) == 1             # a whole word, not inside للمغرب
    assert sc.find_spans("وعاد للمغرب .", "المغرب") == [(6, 11)]   # the ل+ال contraction
    assert sc.find_spans(text, "ميلفا")
    assert not sc.find_spans("عليه السلام", "علي")


def test_one_to_one_pairing_and_duplicates():
    g = _gold(label="Meeting", trigger="لقائه", agent="قيس سعيد", partner="عبد المجيد تبون")
    mention = "قيس سعيد خلال لقائه في تونس الرئيس عبد المجيد تبون"
    p = _pred("Meeting", mention, agent="قيس سعيد", partner="عبد المجيد تبون")
    doc = {"events": [g.raw], "negatives": [], "ambiguous": [], "judged_empty": []}
    res = sc.score(doc, [SENT], [p, p])
    assert res.tp["Meeting"] == 1 and res.duplicates == 1 and sum(res.fp.values()) == 0


def test_false_positive_and_ambiguous_sentences():
    p = _pred("Visit", "قيس سعيد خلال لقائه في تونس", agent="قيس سعيد", destination="تونس")
    doc = {"events": [], "negatives": [{"sent": 0, "negative": True, "trigger": "لقائه", "why": "-"}],
           "ambiguous": [], "judged_empty": []}
    assert sc.score(doc, [SENT], [p]).fp["Visit"] == 1
    doc = {"events": [], "negatives": [], "ambiguous": [{"sent": 0, "trigger": "لقائه", "why": "-"}],
           "judged_empty": []}
    res = sc.score(doc, [SENT], [p])
    assert res.ignored == 1 and not res.fp


def test_scorer_says_so_when_the_corpus_is_missing(tmp_path, capsys):
    assert sc.main(["--corpus", str(tmp_path / "absent.txt")]) == 2
    err = capsys.readouterr().err
    assert "corpus not found" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("sent,tokens", [(0, ["a", "b"]), (11, ["c"])])
def test_documents_are_built_like_score_persons(tmp_path, sent, tokens):
    sents = [["w"] * 3 for _ in range(12)]
    sents[sent] = tokens
    docs = sc.build_docs(sents, tmp_path, 10)
    assert sorted(docs) == ["doc00000.txt", "doc00001.txt"]
    name = f"doc{sent // 10:05d}.txt"
    lines = (tmp_path / name).read_text(encoding="utf-8").split("\n")
    assert lines[sent % 10] == " ".join(tokens) and lines[-1] == ""


def test_reachability_counts_events_whose_persons_were_all_found():
    g = _gold(label="Meeting", trigger="لقائه", agent="قيس سعيد", partner="عبد المجيد تبون")
    doc = {"events": [g.raw], "negatives": [], "ambiguous": [], "judged_empty": []}
    both = {0: [_span(SENT, "قيس سعيد")[:2], _span(SENT, "عبد المجيد تبون")[:2]]}
    one = {0: [_span(SENT, "قيس سعيد")[:2]]}
    assert g.persons_found(both[0]) and not g.persons_found(one[0])
    hit = _pred("Meeting", "قيس سعيد خلال لقائه في تونس الرئيس عبد المجيد تبون",
                agent="قيس سعيد", partner="عبد المجيد تبون")
    res = sc.score(doc, [SENT], [hit], both)
    assert (res.reachable, res.reachable_tp) == (1, 1)
    res = sc.score(doc, [SENT], [], one)
    assert (res.reachable, res.reachable_tp) == (0, 0)
    assert sc.score(doc, [SENT], [hit]).reachable == 0      # no Person output given: nothing counted


def test_person_mentions_are_read_back_per_sentence(tmp_path):
    docs = sc.build_docs([["a", "b"], ["قيس", "سعيد", "."]], tmp_path, 10)
    line = ('{"doc": "%s", "label": "Person", "start": 4, "end": 12, "text": "قيس سعيد"}'
            % (tmp_path / "doc00000.txt"))
    assert sc.read_persons(line + "\nnot json\n", docs, 10) == {1: [(0, 8)]}
