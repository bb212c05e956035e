"""`arabic-ie match --format iob`: every word of the text with its tag, the format `evaluate` reads back."""
from __future__ import annotations

from io import StringIO

import pytest

from dsl.doc.mention import Mention
from dsl.io.writers import StreamSink, iob_lines, write_mentions


def mention(text: str, label: str, surface: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Mention(label, "r", start, start + len(surface), surface, 0, 1)


TEXT = "زار وفد القاهرة وبنغازي. والتقى المشير خليفة حفتر"


def test_words_keep_their_clitics_and_sentences_end_with_a_blank_line():
    # the mention leaves out the clitic و; the word it overlaps is tagged whole
    lines = iob_lines(TEXT, [mention(TEXT, "Location", "بنغازي"), mention(TEXT, "Person", "خليفة حفتر")])
    assert lines == ["زار O", "وفد O", "القاهرة O", "وبنغازي B-Location", ". O", "",
                     "والتقى O", "المشير O", "خليفة B-Person", "حفتر I-Person", ""]


def test_of_mentions_sharing_words_the_longest_is_kept():
    meeting = mention(TEXT, "Meeting", "والتقى المشير خليفة حفتر")
    person = mention(TEXT, "Person", "خليفة حفتر")
    lines = iob_lines(TEXT, [person, meeting])
    assert [x.split()[1] for x in lines[6:10]] == ["B-Meeting", "I-Meeting", "I-Meeting", "I-Meeting"]
    assert iob_lines(TEXT, [person]) != lines


def test_each_document_starts_with_docstart():
    out = StringIO()
    sink = StreamSink(out, "iob")
    sink.write("a.txt", "والتقى المشير", [])
    sink.write("b.txt", "", [])
    assert out.getvalue() == "-DOCSTART- O\n\nوالتقى O\nالمشير O\n\n-DOCSTART- O\n\n"
    with pytest.raises(ValueError, match="needs the document's text"):
        write_mentions(StringIO(), [], "a", "iob")
