"""`arabic-ie evaluate` / `dsl.evaluate`: a pack scored on annotated data, label by label.

The sentences and the pack are invented for these tests; the expected figures are worked
out by hand in the comments.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsl import Evaluation, Pack, evaluate
from dsl.cli.main import main
from dsl.tools.evaluate import LabelScore, parse_map

PACK = """\
name: eval-demo
sets:
  ranks: [مشير, فريق]
  places: [القاهرة, بنغازي]
rules:
  - name: ranked
    label: Person
    span: name
    pattern: '[stem in ranks] (?<name> [shape=arabic & !def]{1,2})'
  - name: place
    label: Location
    pattern: '[norm in places]'
"""

# Two documents of two sentences (doc_sentences=2). The pack finds خليفة حفتر and حمدان; it
# reads "سعيد إن" for the gold سعيد (a boundary error: a false positive that overlaps, and a
# miss) and misses كمال (after الرئيس, not a rank). Every place is found, وبنغازي without its
# clitic, which counts as the whole corpus token. الأحد is MISC, which nothing maps.
IOB = """\
وصل O
المشير O
خليفة B-PERS
حفتر I-PERS
إلى O
بنغازي B-LOC
. O

وقال O
الفريق O
سعيد B-PERS
إن O
الوضع O
هادئ O
. O

زار O
وفد O
القاهرة B-LOC
وبنغازي B-LOC
. O

التقى O
الرئيس O
كمال B-PERS
يوم O
الأحد B-MISC
مع O
المشير O
حمدان B-PERS
. O
"""


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    pack, gold = tmp_path / "demo.yaml", tmp_path / "gold.conll"
    pack.write_text(PACK, encoding="utf-8")
    gold.write_text(IOB, encoding="utf-8")
    return pack, gold


def test_scores_per_label_exact_and_overlapping(files):
    pack, gold = files
    ev = evaluate(Pack.load([pack]), str(gold), doc_sentences=2)
    assert isinstance(ev, Evaluation) and ev.documents == 2
    assert list(ev.labels) == ["Location", "Person"]         # gold labels that are mapped or produced
    assert ev.labels["Location"] == LabelScore("Location", tp=3, predicted=3, gold=3, overlapping=3)
    person = ev.labels["Person"]
    assert person == LabelScore("Person", tp=2, predicted=3, gold=4, overlapping=3)
    assert (person.precision, person.recall) == (2 / 3, 0.5)
    assert person.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert person.overlap_precision == 1.0
    assert dict(ev.unscored_gold) == {"MISC": 1}
    assert ev.overall == LabelScore("overall", 5, 6, 7, 6)
    errors = [(e.kind, e.label, e.text, e.near) for e in ev.errors]
    assert errors == [("fp", "Person", "سعيد إن", "سعيد"), ("miss", "Person", "سعيد", "سعيد إن"),
                      ("miss", "Person", "كمال", "")]
    with pytest.raises(AttributeError):
        ev.documents = 3                                          # frozen


def test_map_and_labels_choose_what_is_scored(files):
    pack, gold = files
    p = Pack.load([pack])
    ev = evaluate(p, str(gold), doc_sentences=2, label_map={"MISC": "Person"})
    assert ev.labels["Person"].gold == 5 and not ev.unscored_gold
    ev = evaluate(p, str(gold), doc_sentences=2, labels=["Person"])
    assert list(ev.labels) == ["Person"] and dict(ev.unscored_predicted) == {"Location": 3}
    assert dict(ev.unscored_gold) == {"LOC": 3, "MISC": 1}
    assert parse_map(["PERS=Person", " X = Y "]) == {"PERS": "Person", "X": "Y"}
    with pytest.raises(ValueError, match="expected TAG=Label, not 'PERS'"):
        parse_map(["PERS"])


def test_cli_json_has_the_documented_keys(files, capsys):
    pack, gold = files
    code = main(["evaluate", "--rules", str(pack), "--gold", str(gold), "--doc-sentences", "2", "--json",
                 "--workers", "1"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["labels"]) == {"Location", "Person"}
    assert set(out["labels"]["Person"]) >= {"precision", "recall", "f1", "tp", "predicted", "gold"}
    assert (out["labels"]["Person"]["tp"], out["labels"]["Person"]["predicted"], out["labels"]["Person"]["gold"]) \
        == (2, 3, 4)


def test_cli_show_prints_false_positives_and_misses_in_context(files, capsys):
    pack, gold = files
    assert main(["evaluate", "--rules", str(pack), "--gold", str(gold), "--doc-sentences", "2", "--show", "5",
                 "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert f"FP   Person       {gold}:1@" in out and "«سعيد إن»  (overlaps gold «سعيد»)  [ranked]" in out
    assert "MISS Person" in out and "«كمال»" in out and "التقى الرئيس [كمال] يوم الأحد مع" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith(("Person", "Location"))}
    assert rows["Person"] == ["0.667", "0.500", "0.571", "2", "3", "4", "1.000"]
    assert "not scored, gold: MISC (1)" in out


def test_match_iob_output_read_back_by_evaluate_scores_one(files, tmp_path, capsys):
    """`--format iob` is the inverse of evaluate's IOB reading: the same pack scores 1.0 on its own output."""
    pack, _ = files
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("وصل المشير خليفة حفتر إلى بنغازي.\nوقال الفريق سعيد إن الوضع هادئ.",
                                  encoding="utf-8")
    (corpus / "b.txt").write_text("زار وفد القاهرة وبنغازي، والتقى المشير حمدان.", encoding="utf-8")
    assert main(["match", "--rules", str(pack), "--format", "iob", "--output", str(tmp_path / "out.iob"),
                 str(corpus)]) == 0
    iob = (tmp_path / "out.iob").read_text(encoding="utf-8")
    assert iob.startswith("-DOCSTART- O\n\nوصل O\nالمشير O\nخليفة B-Person\nحفتر I-Person\n")
    assert "\nوبنغازي B-Location\n" in iob and iob.count("-DOCSTART-") == 2
    capsys.readouterr()
    assert main(["evaluate", "--rules", str(pack), "--gold", str(tmp_path / "out.iob"), "--json",
                 "--workers", "1"]) == 0
    scores = json.loads(capsys.readouterr().out)["labels"]
    assert {k: (v["precision"], v["recall"], v["f1"]) for k, v in scores.items()} == \
        {"Location": (1.0, 1.0, 1.0), "Person": (1.0, 1.0, 1.0)}
    assert scores["Person"]["tp"] == 3 and scores["Location"]["tp"] == 3


def test_match_jsonl_output_is_gold_for_evaluate(files, tmp_path, capsys):
    """JSON Lines spans: character offsets over text files; match's own output scores 1.0."""
    pack, _ = files
    (tmp_path / "a.txt").write_text("التقى المشير خليفة حفتر في القاهرة.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("لا أحد هنا.", encoding="utf-8")
    assert main(["match", "--rules", str(pack), "--output", str(tmp_path / "gold.jsonl"),
                 str(tmp_path / "a.txt")]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--rules", str(pack), "--gold", str(tmp_path / "gold.jsonl"), "--json",
                 "--workers", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "spans" and out["labels"]["Person"]["f1"] == 1.0
    assert out["labels"]["Location"]["tp"] == 1


def test_bad_options_and_gold_are_one_line_errors(files, tmp_path, capsys):
    pack, gold = files
    assert main(["evaluate", "--rules", str(pack), "--gold", str(gold), "--map", "PERS"]) == 2
    assert capsys.readouterr().err == "arabic-ie: --map: expected TAG=Label, not 'PERS'\n"
    assert main(["evaluate", "--rules", str(pack), "--gold", str(gold), "--labels", "Persn"]) == 2
    assert "--labels names unknown label(s): Persn" in capsys.readouterr().err
    bad = tmp_path / "bad.conll"
    bad.write_text("وصل O\nكمال\n", encoding="utf-8")
    assert main(["evaluate", "--rules", str(pack), "--gold", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"{bad}:2:1: expected a token and its tag")
    assert main(["evaluate", "--rules", str(pack), "--gold", str(tmp_path / "none.conll")]) == 2
    assert capsys.readouterr().err == f"arabic-ie: {tmp_path / 'none.conll'}: cannot read: no such file\n"
