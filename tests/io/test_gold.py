"""Annotated corpora (`dsl.io.gold`): IOB/CoNLL and JSON Lines spans, read into texts and spans.

The sentences are invented for these tests.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsl.errors import InputError
from dsl.io.gold import GoldSpan, read_gold, read_iob, read_spans

IOB = """\
وصل O
المشير O
خليفة B-PERS
حفتر I-PERS
إلى O
بنغازي B-LOC
. O

قال O
سعيد I-PERS
. O

زار O
وفد O
القاهرة S-LOC
وبنغازي U-LOC
"""


def spans_of(doc) -> list[tuple[str, str]]:
    return [(s.type, doc.text[s.start:s.end]) for s in doc.spans]


def test_iob_sentences_become_lines_of_a_document_with_whole_token_spans(tmp_path: Path):
    f = tmp_path / "gold.conll"
    f.write_text(IOB, encoding="utf-8")
    gold = read_iob(f, doc_sentences=2)
    assert (gold.format, gold.sentences, len(gold.documents)) == ("iob", 3, 2)
    first, second = gold.documents
    assert first.id == f"{f}:1" and second.id == f"{f}:13"        # the line of the document's first token
    assert first.text == "وصل المشير خليفة حفتر إلى بنغازي .\nقال سعيد .\n"
    assert spans_of(first) == [("PERS", "خليفة حفتر"), ("LOC", "بنغازي"), ("PERS", "سعيد")]   # I- may start
    assert spans_of(second) == [("LOC", "القاهرة"), ("LOC", "وبنغازي")]                       # IOBES, BILOU
    assert [second.text[a:b] for a, b in second.tokens] == ["زار", "وفد", "القاهرة", "وبنغازي"]
    assert len(read_iob(f, doc_sentences=10).documents) == 1


def test_docstart_lines_split_documents_and_extra_columns_are_ignored(tmp_path: Path):
    f = tmp_path / "gold.txt"
    f.write_text("-DOCSTART- -X- -X- O\n\nالتقى VERB O\nالرئيس NOUN O\nكمال NOUN B-PER\n\n"
                 "-DOCSTART- -X- -X- O\n\nوصل VERB O\nحمدان NOUN B-PER\nاليوم NOUN O\n", encoding="utf-8")
    gold = read_gold(f, doc_sentences=1)
    assert [d.text for d in gold.documents] == ["التقى الرئيس كمال\n", "وصل حمدان اليوم\n"]
    assert [spans_of(d) for d in gold.documents] == [[("PER", "كمال")], [("PER", "حمدان")]]


@pytest.mark.parametrize("body,message", [
    ("وصل O\nالمشير\n", "gold.txt:2:1: expected a token and its tag ('token TAG'), got one field 'المشير'"),
    ("وصل O\nكمال B-\n", "gold.txt:2:6: tag 'B-' has no type after 'B-'"),
])
def test_bad_iob_lines_are_errors_with_line_and_column(tmp_path: Path, monkeypatch, body: str, message: str):
    monkeypatch.chdir(tmp_path)
    Path("gold.txt").write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_iob("gold.txt")
    assert e.value.one_line() == message


def test_json_lines_spans_over_text_files(tmp_path: Path):
    (tmp_path / "a.txt").write_text("وصل المشير خليفة حفتر إلى بنغازي.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("لا أحد هنا.", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"doc": "a.txt", "label": "Person", "start": 11, "end": 21, "text": "خليفة حفتر"},
                               ensure_ascii=False) + "\n\n"
                    + json.dumps({"doc": "a.txt", "label": "Location", "start": 26, "end": 32}) + "\n",
                    encoding="utf-8")
    g = read_gold(gold)                          # the documents the gold names, relative to the gold file
    assert g.format == "spans" and [d.id for d in g.documents] == ["a.txt"]
    assert g.documents[0].spans == (GoldSpan("Person", 11, 21), GoldSpan("Location", 26, 32))
    assert g.documents[0].tokens == ()
    # given the inputs, every input counts (b.txt has no gold span), under the name the inputs give it
    with_inputs = read_spans(gold, texts=[str(tmp_path)])
    assert [(d.id, len(d.spans)) for d in with_inputs.documents] == [(str(tmp_path / "a.txt"), 2),
                                                                      (str(tmp_path / "b.txt"), 0)]
    with pytest.raises(InputError, match=r"gold.jsonl:1:1: document 'a.txt' is not among the inputs"):
        read_spans(gold, texts=[str(tmp_path / "b.txt")])


@pytest.mark.parametrize("line,message", [
    ('{"doc": "a.txt", "label": "Person", "start": 11}', "gold.jsonl:1:1: 'end' is missing"),
    ('{"doc": "a.txt", "label": "Person", "start": 11, "end": 99}',
     "gold.jsonl:1:1: span 11-99 ends after the text of 'a.txt' (33 characters)"),
    ('{"doc": "a.txt", "label": "Person", "start": 11, "end": 21, "text": "حفتر"}',
     "gold.jsonl:1:1: 'text' is 'حفتر' but the document has 'خليفة حفتر' at 11-21"),
    ('{"doc": "a.txt", "label": "Person", "start": 5, "end": 5}',
     "gold.jsonl:1:1: bad span: start 5, end 5 (0 <= start < end)"),
    ('{"doc": "nope.txt", "label": "Person", "start": 1, "end": 2}',
     "gold.jsonl:1:1: document 'nope.txt': cannot read: no such file"),
    ("[1, 2]", "gold.jsonl:1:1: expected a JSON object with doc, label, start and end"),
    ("{oops", "gold.jsonl:1:2: not JSON: Expecting property name enclosed in double quotes"),
])
def test_bad_span_lines_are_errors_with_their_line(tmp_path: Path, monkeypatch, line: str, message: str):
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("وصل المشير خليفة حفتر إلى بنغازي.", encoding="utf-8")
    Path("gold.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_gold("gold.jsonl")
    assert e.value.one_line() == message
