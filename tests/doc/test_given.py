"""Mentions given from outside (a model's entities): checked against the text, snapped to tokens."""
from __future__ import annotations

import pickle

import pytest
from hypothesis import given as hyp_given
from hypothesis import settings
from hypothesis import strategies as st

from dsl import InputError, analyze
from dsl.doc.given import DEFAULT_LABEL_MAP, GIVEN_RULE, GivenMention, iob_mentions, read_given, snap_given

TEXT = "والتقى الوزير وحفتر في بنغازي."


def span_of(sub: str, text: str = TEXT) -> tuple[int, int]:
    i = text.index(sub)
    return i, i + len(sub)


def test_an_entry_is_a_label_and_character_offsets():
    s, e = span_of("حفتر")
    (g,) = read_given([{"label": "Person", "start": s, "end": e, "score": 0.93}], TEXT)
    assert (g.label, g.start, g.end, g.priority, g.output, dict(g.attrs)) == ("Person", s, e, 0, False, {})


def test_optional_keys_text_attrs_priority_and_the_label_map():
    s, e = span_of("حفتر")
    (g,) = read_given([{"label": "PER", "start": s, "end": e, "text": "حفتر", "priority": 2,
                        "attrs": {"source": "camel", "conf": 0.9, "gold": False}}], TEXT,
                      label_map=DEFAULT_LABEL_MAP, output=True)
    assert (g.label, g.priority, g.output) == ("Person", 2, True)
    assert dict(g.attrs) == {"source": "camel", "conf": "0.9", "gold": "false"}
    assert pickle.loads(pickle.dumps(g)) == g


@pytest.mark.parametrize("entry,message", [
    ("Person", "mentions[0]: expected an object with label, start and end, not text ('Person')"),
    ({"start": 0, "end": 3}, "mentions[0]: missing 'label'"),
    ({"label": "Person", "end": 3}, "mentions[0]: missing 'start'"),
    ({"label": 7, "start": 0, "end": 3}, "mentions[0]: 'label' must be text, not a number (7)"),
    ({"label": "B-PER", "start": 0, "end": 3}, "mentions[0]: label 'B-PER' must be a name (letters, digits, '_')"),
    ({"label": "Person", "start": "0", "end": 3}, "mentions[0]: 'start' must be a whole number, not text ('0')"),
    ({"label": "Person", "start": 0.0, "end": 3}, "mentions[0]: 'start' must be a whole number, not a number (0.0)"),
    ({"label": "Person", "start": True, "end": 3}, "mentions[0]: 'start' must be a whole number, not a boolean"),
    ({"label": "Person", "start": 5, "end": 5}, "mentions[0]: start 5 and end 5 must satisfy 0 <= start < end <= 30"),
    ({"label": "Person", "start": 20, "end": 31}, "mentions[0]: start 20 and end 31 must satisfy"),
    ({"label": "Person", "start": -1, "end": 3}, "mentions[0]: start -1 and end 3 must satisfy"),
    ({"label": "Person", "start": 14, "end": 19, "text": "حفت"},
     "mentions[0]: 'text' 'حفت' differs from the text at 14:19 ('وحفتر'); offsets are character offsets"),
    ({"label": "Person", "start": 13, "end": 14}, "mentions[0]: the span 13:14 holds only whitespace"),
    ({"label": "Person", "start": 0, "end": 3, "attrs": ["x"]}, "mentions[0]: 'attrs' must be an object"),
    ({"label": "Person", "start": 0, "end": 3, "attrs": {"x": [1]}}, "mentions[0]: 'attrs' must map names to text"),
    ({"label": "Person", "start": 0, "end": 3, "priority": "high"}, "mentions[0]: 'priority' must be a whole number"),
])
def test_a_bad_entry_is_a_one_line_error_naming_it(entry, message):
    with pytest.raises(InputError) as ei:
        read_given([entry], TEXT)
    assert message in str(ei.value) and "\n" not in str(ei.value)


def test_the_error_names_the_entry_by_its_index_and_the_document():
    good = {"label": "Person", "start": 14, "end": 19}
    with pytest.raises(InputError, match=r"^doc7: ents\[2\]: missing 'end'"):
        read_given([good, good, {"label": "Person", "start": 1}], TEXT, what="ents", id="doc7")
    with pytest.raises(InputError, match="must be a list of {label, start, end} objects, not an object"):
        read_given({"label": "Person", "start": 14, "end": 19}, TEXT)


def test_a_span_over_a_word_gives_the_tokens_core_without_clitics():
    doc = analyze(TEXT)
    s, e = span_of("وحفتر")               # IOB taggers tag whole words, clitics included
    (m,) = snap_given(doc, read_given([{"label": "Person", "start": s, "end": e}], TEXT))
    assert (m.text, m.rule, m.output) == ("حفتر", GIVEN_RULE, False)
    assert (m.start, m.end) == (doc.tokens[2].start, doc.tokens[2].end) and (m.tok_start, m.tok_end) == (2, 3)


def test_a_span_that_ends_inside_a_word_takes_the_whole_word():
    doc = analyze(TEXT)
    s, _ = span_of("الوزير")
    (m,) = snap_given(doc, read_given([{"label": "Person", "start": s + 2, "end": s + 4}], TEXT))
    assert m.text == "الوزير"
    s, e = span_of("الوزير وحف")
    (m,) = snap_given(doc, read_given([{"label": "Person", "start": s, "end": e}], TEXT))
    assert m.text == "الوزير وحفتر" and (m.tok_start, m.tok_end) == (1, 3)


def test_a_span_over_no_token_is_an_error_naming_it():
    text = "قال \u200b زيد"
    doc = analyze(text, id="d1")
    with pytest.raises(InputError, match=r"^d1: mentions\[0\]: the span 4:5 .* overlaps no token$"):
        snap_given(doc, read_given([{"label": "Person", "start": 4, "end": 5}], text))


def test_mentions_of_another_pack_and_given_mentions_are_taken_as_they_are():
    doc = analyze(TEXT)
    (m,) = snap_given(doc, read_given([{"label": "Person", "start": 14, "end": 19, "priority": 3}], TEXT))
    (g,) = read_given([m], TEXT)
    assert (g.label, g.start, g.end, g.priority, g.output) == ("Person", 15, 19, 3, False)
    (g2,) = read_given([GivenMention("Person", 15, 19, output=True)], TEXT, output=False)
    assert g2.output is True


@settings(max_examples=200, deadline=None)
@hyp_given(st.data())
def test_snapped_mentions_cover_exactly_the_tokens_their_span_touches(data):
    text = data.draw(st.sampled_from([TEXT, "قال الرئيس، ولقواته: «نعم» 3.5 مرة\nوبعدها  غادر.", "ab  cd. ef"]))
    doc = analyze(text)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    if not text[start:end].strip():
        return
    touched = [t.i for t in doc.tokens if t.word_start < end and t.word_end > start]
    (g,) = read_given([{"label": "X", "start": start, "end": end}], text)
    if not touched:
        with pytest.raises(InputError):
            snap_given(doc, [g])
        return
    (m,) = snap_given(doc, [g])
    assert (m.tok_start, m.tok_end) == (touched[0], touched[-1] + 1)
    assert (m.start, m.end) == (doc.tokens[touched[0]].start, doc.tokens[touched[-1]].end)
    assert text[m.start:m.end] == m.text


WORDS = "والتقى قحطوم برزيلان مع فلدوز شمرخان في القاهرة .".split()


def test_iob_tags_become_entries_with_character_offsets():
    tags = ["O", "B-PERS", "I-PERS", "O", "B-PERS", "I-PERS", "O", "B-LOC", "O"]
    text, ents = iob_mentions(WORDS, tags, label_map=DEFAULT_LABEL_MAP)
    assert text == " ".join(WORDS)
    assert [(e["label"], text[e["start"]:e["end"]]) for e in ents] == [
        ("Person", "قحطوم برزيلان"), ("Person", "فلدوز شمرخان"), ("Location", "القاهرة")]
    original = "والتقى قحطوم برزيلان مع فلدوز شمرخان في القاهرة."      # the words found in the text
    same, ents2 = iob_mentions(WORDS, tags, text=original)
    assert same == original and [original[e["start"]:e["end"]] for e in ents2] == ["قحطوم برزيلان", "فلدوز شمرخان",
                                                                                    "القاهرة"]
    assert [e["label"] for e in ents2] == ["PERS", "PERS", "LOC"]


def test_iob_reads_i_after_o_and_bioes_like_conlleval():
    words = ["a", "b", "c", "d", "e"]
    assert iob_mentions(words, ["I-X", "I-X", "I-Y", "S-X", "E-X"])[1] == [
        {"label": "X", "start": 0, "end": 3}, {"label": "Y", "start": 4, "end": 5},
        {"label": "X", "start": 6, "end": 7}, {"label": "X", "start": 8, "end": 9}]


@pytest.mark.parametrize("words,tags,text,message", [
    (["a", "b"], ["O"], None, "2 words but 1 tags"),
    (["a"], ["PER"], None, "word 0 'a': tag 'PER' is not O, B-X, I-X, E-X or S-X"),
    (["a", "z"], ["O", "O"], "a b", "word 1 'z' is not in the text after offset 1"),
])
def test_bad_iob_input_names_the_word(words, tags, text, message):
    with pytest.raises(InputError, match=message):
        iob_mentions(words, tags, text=text)
