"""Tokenization and sentence splitting on the original text (dsl/tokenize.py)."""
from __future__ import annotations

from dsl.text.tokenize import RawToken, shape_of, split_sentences, tokenize


def toks(text: str) -> list[tuple[str, str]]:
    return [(text[t.start:t.end], t.shape) for t in tokenize(text)]


def test_words_numbers_punctuation():
    text = "قال «الكرامة»، 3.5 و1,000 و٣٫٥ مليون؛ هل؟ - – — “نعم” (2011)."
    got = toks(text)
    assert ("الكرامة", "arabic") in got
    for p in ["«", "»", "،", "؛", "؟", "-", "–", "—", "“", "”", "(", ")", "."]:
        assert (p, "punct") in got, p
    assert ("3.5", "digit") in got and ("2011", "digit") in got
    assert ("و1,000", "mixed") in got and ("و٣٫٥", "mixed") in got


def test_number_separators_only_between_digits():
    assert toks("عام 2011.") == [("عام", "arabic"), ("2011", "digit"), (".", "punct")]
    assert toks("1,2") == [("1,2", "digit")]
    assert toks("ليبيا.وقال") == [("ليبيا", "arabic"), (".", "punct"), ("وقال", "arabic")]


def test_latin_and_mixed():
    assert toks("BBC وF16 كوفيد-19 الـCIA") == [
        ("BBC", "latin"), ("وF16", "mixed"), ("كوفيد", "arabic"), ("-", "punct"),
        ("19", "digit"), ("الـCIA", "mixed")]
    assert shape_of("Москва") == "mixed"


def test_urls_and_emails_are_single_tokens():
    text = "انظر http://www.example.com/a?b=1. أو www.alarab.co.uk، وراسل info@alarab.co.uk أو example.com/x!"
    got = toks(text)
    assert ("http://www.example.com/a?b=1", "url") in got
    assert ("www.alarab.co.uk", "url") in got
    assert ("info@alarab.co.uk", "email") in got
    assert ("example.com/x", "url") in got


def test_whitespace_kinds_are_gaps():
    text = "سطر\u00a0أول\r\nسطر\u2028ثان\u2029ثالث\rرابع\u3000خامس\u200b"
    assert [w for w, _ in toks(text)] == ["سطر", "أول", "سطر", "ثان", "ثالث", "رابع", "خامس"]


def test_symbols_and_astral():
    got = toks("😀 ﷺ $5 𝐀")
    assert ("😀", "symbol") in got and ("ﷺ", "arabic") in got and ("$", "symbol") in got
    assert ("𝐀", "latin") in got or ("𝐀", "mixed") in got


def test_tiling():
    text = "  قال: «نعم»!\n\nو2011\u200f… http://a.com "
    pos = 0
    out = []
    for t in tokenize(text):
        assert t.start >= pos
        out.append(text[pos:t.start])
        out.append(text[t.start:t.end])
        pos = t.end
    out.append(text[pos:])
    assert "".join(out) == text


def sents(text: str) -> list[str]:
    ts = tokenize(text)
    return [text[ts[a].start:ts[b - 1].end] for a, b in split_sentences(text, ts)]


def test_sentence_split():
    assert sents("قال الرئيس. وأضاف: «نعم». هل؟! نعم") == [
        "قال الرئيس.", "وأضاف: «نعم».", "هل؟!", "نعم"]
    assert sents("بلغ 3.5 مليون. انظر http://a.com/x.y غدا") == [
        "بلغ 3.5 مليون.", "انظر http://a.com/x.y غدا"]
    assert sents("سطر أول\r\nسطر ثان\u2029ثالث") == ["سطر أول", "سطر ثان", "ثالث"]
    assert sents("قال د. محمد إن ... الأمر") == ["قال د. محمد إن ...", "الأمر"]
    assert sents("انتهى\"الكلام.\" ثم") == ["انتهى\"الكلام.\"", "ثم"]
    assert sents("") == []


def test_split_sentences_accepts_tuples():
    text = "أ. ب"
    assert split_sentences(text, [(0, 1), (1, 2), (3, 4)]) == [(0, 3)]   # initial: no break
    assert isinstance(tokenize("x")[0], RawToken)
