"""Properties of the text layer over arbitrary Unicode (hypothesis)."""
from __future__ import annotations

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import Document
from dsl.morph.analyzer import MAX_ANALYSES, Analyzer, default_analyzer
from dsl.text.normalize import NormalizeOptions, normalize, normalize_word
from dsl.text.tokenize import tokenize

AN = default_analyzer()
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ARABIC_LETTERS = [chr(c) for c in range(0x0621, 0x064B)] + list("ٱپچژگکیۀ")
DIACRITICS = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u06d6", "\u06e5", "\u06ed"]
ODD = ["\u0640", "\u200f", "\u200e", "\u200c", "\u200d", "\u200b", "\u202b", "\u202c", "\u2066",
       "\u061c", "\ufeff", "\u00ad", "\u00a0", "\r", "\n", "\r\n", "\u2028", "\u2029", "\t", " ",
       "\u3000", "\x00", "\x1c", "\x85"]
OTHER = list("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲.,٫٬%،؛؟!?«»“”\"'-–—()/:@abcXYZéßЖ") + [
    "😀", "𝐀", "𐎀", "\U0010fffd", "ﻻ", "ﷲ", "ﷺ", "\ufe70", "\ufe71", "ﺃ", "ﻷ", "\ufc5e", "۞",
    "http://", "www.", ".com", "@"]
ARABIC_WORDS = ["والمشير", "للفريق", "حفتر", "ونجله", "لقواته", "رئيساً", "جزءًا", "الله", "إلى",
                "وبالتالي", "فسيكون", "بنغازي", "عبدالرازق", "و2011", "الـCIA"]

arabicish = st.lists(
    st.one_of(st.sampled_from(ARABIC_LETTERS), st.sampled_from(ARABIC_LETTERS),
              st.sampled_from(DIACRITICS), st.sampled_from(ODD), st.sampled_from(OTHER),
              st.sampled_from(ARABIC_WORDS), st.characters()),
    max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=60), arabicish,
                     st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
options = st.builds(NormalizeOptions, **{f: st.booleans() for f in NormalizeOptions.__dataclass_fields__})

_GAP = regex.compile(r"[\s\p{Cf}\p{Cc}\p{Z}\p{M}]*")


def check_document(text: str, an: Analyzer = AN) -> None:
    doc = an.analyze(text)
    assert doc.text is text
    prev_end = 0
    pieces = []
    for k, t in enumerate(doc.tokens):
        assert t.i == k
        assert prev_end <= t.word_start <= t.start < t.end <= t.word_end <= len(text)
        assert text[t.start:t.end] == t.text
        assert t.analyses and t.analyses[0].stem == t.stem and t.analyses[0].pre == t.pre
        assert t.analyses[0].suf == t.suf and t.analyses[0].definite == t.definite
        if t.shape == "arabic":
            assert t.norm == ("ال" if t.definite else "") + t.stem
        gap = text[prev_end:t.word_start]
        assert _GAP.fullmatch(gap), (gap, t)
        pieces += [gap, text[t.word_start:t.word_end]]
        prev_end = t.word_end
    assert _GAP.fullmatch(text[prev_end:])
    pieces.append(text[prev_end:])
    assert "".join(pieces) == text
    # sentences partition the tokens, in order
    pos = 0
    for si, (a, b) in enumerate(doc.sentences):
        assert a == pos and b > a
        assert doc.tokens[a].sent_start and doc.tokens[b - 1].sent_end
        assert all(doc.tokens[k].sent == si for k in range(a, b))
        pos = b
    assert pos == len(doc.tokens)


@SETTINGS
@given(any_text)
def test_analyzer_never_raises_and_offsets_hold(text):
    check_document(text)


@SETTINGS
@given(any_text)
def test_tokens_and_gaps_tile_the_input(text):
    pos = 0
    out = []
    for t in tokenize(text):
        assert pos <= t.start < t.end <= len(text)
        out += [text[pos:t.start], text[t.start:t.end]]
        pos = t.end
    out.append(text[pos:])
    assert "".join(out) == text


@SETTINGS
@given(any_text, options)
def test_normalization_is_idempotent_and_mapped(text, opts):
    n = normalize(text, opts)
    assert normalize(n.text, opts).text == n.text
    assert normalize_word(text, opts) == n.text
    assert len(n.starts) == len(n.ends) == len(n.text)
    prev_s = prev_e = 0
    for i in range(len(n.text)):
        s, e = n.starts[i], n.ends[i]
        assert prev_s <= s < e <= len(text) and e >= prev_e
        prev_s, prev_e = s, e
    for i in range(len(n.text) + 1):
        assert 0 <= n.to_original(i) <= len(text)
    if n.text:
        os_, oe = n.original_span(0, len(n.text))
        assert 0 <= os_ < oe <= len(text)


@SETTINGS
@given(arabicish)
def test_unchanged_characters_map_to_themselves(text):
    n = normalize(text)
    for i, c in enumerate(n.text):
        s, e = n.starts[i], n.ends[i]
        if text[s] == c:
            # a kept character: what follows it inside its span is only removed marks/tatweel
            assert normalize(text[s + 1:e]).text == ""


@SETTINGS
@given(any_text)
def test_analyze_word_never_raises(word):
    got = AN.analyze_word(word)
    assert 1 <= len(got) <= MAX_ANALYSES
    assert len(set(got)) == len(got)
    n = normalize_word(word)
    for a in got:                       # a reading covers the word: pre + core + suf
        assert n.startswith(a.pre) and n.endswith(a.suf)
        assert len(a.pre) + len(a.suf) <= len(n)


@settings(max_examples=60, deadline=None)
@given(arabicish)
def test_byo_round_trip(text):
    doc = AN.analyze(text)
    items = []
    for t in doc.tokens:
        d = t.to_dict()
        d.pop("i")
        d.pop("alternatives", None)
        items.append(d)
    back = Document.from_tokens(items, text=text)
    assert [(t.start, t.end, t.word_start, t.word_end, t.norm, t.stem, t.pre, t.suf, t.definite, t.sent)
            for t in back.tokens] == \
           [(t.start, t.end, t.word_start, t.word_end, t.norm, t.stem, t.pre, t.suf, t.definite, t.sent)
            for t in doc.tokens]
