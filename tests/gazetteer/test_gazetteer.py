"""Gazetteers: file format and errors, clitic-tolerant longest matching, values(), cache, shipped data."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dsl.doc.document import Document
from dsl.doc.token import Token
from dsl.errors import GazetteerError
from dsl.gazetteer.format import Entry, parse_entries, read_entries
from dsl.gazetteer.index import Gazetteer, analyzer_fingerprint
from dsl.gazetteer.scanner import GazMatch

ROOT = Path(__file__).resolve().parents[2]
GAZ = ROOT / "gazetteers"


# ----------------------------------------------------------------------------- analyzer

def _real_analyzer():
    try:
        from dsl.morph.analyzer import default_analyzer
    except Exception:  # the text layer is not there yet
        return None
    return default_analyzer()


class StubAnalyzer:
    """A tiny stand-in for dsl.morph.analyzer: alef/ya/diacritic normalization, و ف ب ك ل + ال, ها."""

    version = "stub-1"
    _DIAC = re.compile("[\u064b-\u0652\u0640]")

    def __init__(self, known: frozenset[str] = frozenset()) -> None:
        self.known = known

    def with_known_words(self, words):
        return StubAnalyzer(self.known | frozenset(words))

    def fingerprint(self):
        if self.version is None:
            return None
        return f"{self.version}:{hash(tuple(sorted(self.known)))}"

    @classmethod
    def norm(cls, w: str) -> str:
        w = cls._DIAC.sub("", w)
        return w.translate(str.maketrans("أإآٱى", "ااااي"))

    def _segment(self, w: str):
        if not re.match(r"[\u0621-\u064a]", w):
            return "", False, w, ""
        if w in self.known:  # a whole word: only the article comes off
            if w.startswith("ال") and len(w) > 3:
                return "", True, w[2:], ""
            return "", False, w, ""
        pre, rest = "", w
        if rest[0] in "وف" and len(rest) > 3:
            pre, rest = rest[0], rest[1:]
        definite = False
        if rest.startswith("لل") and len(rest) > 3:
            pre, rest, definite = pre + "ل", rest[2:], True
        elif rest[:1] in ("ب", "ك", "ل") and rest[1:3] == "ال":
            pre, rest, definite = pre + rest[0], rest[3:], True
        elif rest.startswith("ال") and len(rest) > 3:
            rest, definite = rest[2:], True
        suf = ""
        if rest.endswith("ها") and len(rest) > 4:
            rest, suf = rest[:-2], "ها"
        return pre, definite, rest, suf

    def analyze(self, text: str, id=None) -> Document:
        toks, sents, start = [], [], 0
        for m in re.finditer(r"[\w\u0600-\u06ff]+|[^\w\s]", text):
            w = self.norm(m.group())
            if not w:
                continue
            pre, definite, stem, suf = self._segment(w)
            norm = ("ال" + stem) if definite else stem
            cs = m.start() + len(pre)
            ce = m.end() - len(suf)
            i = len(toks)
            toks.append(Token(i, cs, ce, m.start(), m.end(), text[cs:ce], w, norm, stem, pre,
                              suf, definite, "arabic" if w[0].isalpha() else "punct"))
            if w in (".", "!", "?", "؟"):
                sents.append((start, i + 1))
                start = i + 1
        if start < len(toks):
            sents.append((start, len(toks)))
        # set sentence fields
        out = []
        for k, (s, e) in enumerate(sents):
            for j in range(s, e):
                t = toks[j]
                out.append(Token(t.i, t.start, t.end, t.word_start, t.word_end, t.text, t.word,
                                 t.norm, t.stem, t.pre, t.suf, t.definite, t.shape, k, j == s,
                                 j == e - 1))
        return Document(text, tuple(out), tuple(sents), id)


STUB = StubAnalyzer()
ORG = """\
الجيش	type=army
الجيش الوطني الليبي	type=army	country=ليبيا
القائد العام	type=office
مجلس النواب الليبي	type=parliament
مجلس التعاون لدول الخليج العربية	type=international
مشير	type=military	article=optional
فريق أول	type=military	article=optional
دولة	type=honorific
"""
#: the stub told the test entries' words, as the pack loader tells the real analyzer
KNOWN = STUB.with_known_words(
    parse_entries(ORG + "طرابلس\nحكومة الوفاق\nالشيخ\n").surface_words(StubAnalyzer.norm))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("ARABIC_IE_CACHE", str(d))
    return d


def build(text: str, **kw) -> Gazetteer:
    kw.setdefault("analyzer", KNOWN)
    return Gazetteer.build(parse_entries(text, "t.txt"), **kw)


def found(g: Gazetteer, text: str, analyzer=KNOWN) -> list[tuple[str, str]]:
    """(matched words, whole words with clitics dropped by the analyzer; canonical)."""
    doc = analyzer.analyze(text)
    return [(" ".join(t.norm for t in doc.tokens[m.tok_start:m.tok_end]),
             g.entry(m.entry_index).canonical) for m in g.find(doc)]


# ----------------------------------------------------------------------------- parsing

def test_parse_comments_fields_and_defaults():
    src = parse_entries(
        "\ufeff# header\n"
        "# fields: phrase canonical type ...\n"
        "\n"
        "القاهرة\ttype=capital\tcountry=مصر\n"
        "أبو  ظبي\tcanonical=أبوظبي\ttype=capital\tcountry=الإمارات\t\n"
        "   # indented comment\n"
        "عبدالله\tcanonical=عبد الله\tgender=m\r\n"
        "ليبيا\n", "x.txt")
    e = src.entries
    assert [x.phrase for x in e] == ["القاهرة", "أبو ظبي", "عبدالله", "ليبيا"]
    assert e[0] == Entry("القاهرة", "القاهرة", "capital", {"country": "مصر"}, line=4)
    assert dict(e[0].attrs) == {"country": "مصر"}
    assert e[1].canonical == "أبوظبي" and e[1].line == 5
    assert e[2].canonical == "عبد الله" and e[2].get("gender") == "m" and e[2].type is None
    assert e[3].canonical == "ليبيا" and dict(e[3].attrs) == {} and e[3].line == 8
    assert len(src.digest) == 64
    assert src.surface_words(StubAnalyzer.norm) >= {"القاهرة", "ابو", "ظبي"}


@pytest.mark.parametrize("text,line,col,words", [
    ("ok\n\tgender=m\n", 2, 1, "empty phrase"),
    ("ok\nمصر\tcountry\n", 2, 5, "not key=value"),
    ("مصر\ttype=country\t  bad key=1\n", 1, 20, "bad attribute name"),
    ("مصر\ttype=country\ttype=city\n", 1, 18, "given twice"),
    ("مصر\ttype=\n", 1, 5, "empty value"),
    ("\n\nمصر type=country\n", 3, 9, "contains '='"),
])
def test_parse_errors_are_positioned(text, line, col, words):
    with pytest.raises(GazetteerError) as ei:
        parse_entries(text, "g.txt")
    err = ei.value
    assert (err.pos.file, err.pos.line, err.pos.column) == ("g.txt", line, col)
    assert words in err.message
    one = err.one_line()
    assert one.startswith(f"g.txt:{line}:{col}: ") and "\n" not in one
    assert "^" in err.render()


def test_invalid_utf8_names_byte_and_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes("مصر\nليبيا".encode() + b"\xff\xfe\n")
    with pytest.raises(GazetteerError) as ei:
        read_entries(p)
    err = ei.value
    assert err.pos.line == 2 and err.pos.column == 6
    assert "byte 17" in err.message and "line 2" in err.message
    assert str(err).startswith(f"{p}:2:6: invalid UTF-8")


def test_missing_file_is_a_gazetteer_error(tmp_path):
    with pytest.raises(GazetteerError, match="cannot read gazetteer"):
        Gazetteer.load(tmp_path / "nope.txt", analyzer=STUB)


def test_phrase_without_tokens_is_an_error():
    with pytest.raises(GazetteerError) as ei:
        Gazetteer.build(parse_entries("مصر\n   \nليبيا\nـــ\n", "z.txt"), analyzer=STUB)
    assert (ei.value.pos.line, ei.value.pos.column) == (4, 1)


# ----------------------------------------------------------------------------- matching


def test_clitic_tolerance_on_first_word_only():
    g = build(ORG)
    assert found(g, "والقائد العام للجيش الوطني الليبي") == [
        ("القائد العام", "القائد العام"), ("الجيش الوطني الليبي", "الجيش الوطني الليبي")]
    # a proclitic on a later word breaks the entry: only the prefix entry matches
    assert found(g, "الجيش والوطني الليبي") == [("الجيش", "الجيش")]
    assert found(g, "مجلس والنواب الليبي") == []
    # an entry's own clitic on a later word is required as written
    assert found(g, "ومجلس التعاون لدول الخليج العربية") == [
        ("مجلس التعاون لدول الخليج العربية", "مجلس التعاون لدول الخليج العربية")]
    doc = KNOWN.analyze("للجيش الوطني الليبي")
    (m,) = g.find(doc)
    assert (m.tok_start, m.tok_end) == (0, 3)
    assert doc.span(m.tok_start, m.tok_end, keep_pre=True).text == doc.text


def test_enclitic_is_not_allowed():
    g = build("حكومة الوفاق\nالقاهرة\n")
    assert found(g, "حكومتها الوفاق") == []
    assert found(g, "حكومة الوفاقها") == []
    assert found(g, "حكومة الوفاق") == [("حكومة الوفاق", "حكومة الوفاق")]


def test_longest_first_and_non_overlapping():
    g = build(ORG)
    assert found(g, "قال الجيش الوطني الليبي إن الجيش") == [
        ("الجيش الوطني الليبي", "الجيش الوطني الليبي"), ("الجيش", "الجيش")]
    # a prefix that is no entry backs off to the longest entry found
    assert found(g, "الجيش الوطني المصري") == [("الجيش", "الجيش")]


def test_article_optional_on_first_word_of_indefinite_entries():
    g = build(ORG)
    assert found(g, "والمشير خليفة") == [("المشير", "مشير")]
    assert found(g, "للمشير") == [("المشير", "مشير")]
    assert found(g, "مشير") == [("مشير", "مشير")]
    assert found(g, "الفريق أول") == [("الفريق اول", "فريق أول")]
    assert found(g, "الفريق الأول") == []
    # without article=optional an indefinite entry matches only the bare word
    assert found(g, "الدولة") == []
    assert found(g, "دولة الرئيس") == [("دولة", "دولة")]
    # entries written with the article require it
    assert found(g, "جيش") == []


def test_article_optional_gazetteer_wide_and_exact_override():
    text = "صور\ttype=city\tarticle=exact\nمصري\n"
    g = build(text, article_optional=True)
    assert found(g, "المصري") == [("المصري", "مصري")]
    assert found(g, "الصور") == []
    assert found(g, "صور") == [("صور", "صور")]
    assert found(build(text), "المصري") == []


def test_defaults_pragma():
    src = parse_entries(
        "# defaults: type=military article=optional\n"
        "مشير\trank=1\n"
        "عميد\trank=5\ttype=rank\n"
        "#defaults:\n"
        "سيد\n", "d.txt")
    a, b, c = src.entries
    assert (a.type, dict(a.attrs)) == ("military", {"article": "optional", "rank": "1"})
    assert (b.type, b.attrs["rank"]) == ("rank", "5")
    assert (c.type, dict(c.attrs)) == (None, {})
    g = Gazetteer.build(src, analyzer=KNOWN)
    assert found(g, "العميد") == [("العميد", "عميد")]
    assert found(g, "السيد") == []


@pytest.mark.parametrize("text,line,col,words", [
    ("# defaults: type\n", 1, 13, "not key=value"),
    ("x\n  # defaults: ok=1 2bad=3\n", 2, 20, "bad attribute name"),
    ("مصر\tarticle=maybe\n", 1, 5, "article=optional or article=exact"),
    ("# defaults: article=yes\n", 1, 13, "article=optional or article=exact"),
])
def test_defaults_and_article_errors(text, line, col, words):
    with pytest.raises(GazetteerError) as ei:
        parse_entries(text, "e.txt")
    assert (ei.value.pos.line, ei.value.pos.column) == (line, col)
    assert words in ei.value.message


def test_matches_stay_inside_a_sentence():
    g = build(ORG)
    doc = KNOWN.analyze("وصل القائد. العام الماضي")
    assert g.find(doc) == []
    assert found(g, "القائد العام. الجيش") == [("القائد العام", "القائد العام"), ("الجيش", "الجيش")]


def test_homographs_keep_file_order():
    g = build("طرابلس\ttype=capital\tcountry=ليبيا\nطرابلس\ttype=city\tcountry=لبنان\n")
    (m,) = g.find(KNOWN.analyze("في طرابلس"))
    assert g.entry(m.entry_index).get("country") == "ليبيا"
    (alt,) = g.alternatives(m.entry_index)
    assert g.entry(alt).get("country") == "لبنان"
    assert [e.get("country") for e in g.lookup("طرابلس", KNOWN)] == ["ليبيا", "لبنان"]


def test_values_are_stem_and_norm_of_single_word_entries():
    g = build(ORG + "الشيخ\n")
    assert g.values() == frozenset({"الجيش", "جيش", "مشير", "دولة", "الشيخ", "شيخ"})
    assert "القائد" not in g.values()


def test_surface_words_and_known_words_flow():
    src = parse_entries("بنغازي\nوادي الحياة\n", "k.txt")
    words = src.surface_words(StubAnalyzer.norm)
    assert words == {"بنغازي", "وادي", "الحياة"}
    plain = Gazetteer.build(src, analyzer=STUB)
    known = Gazetteer.build(src, analyzer=STUB.with_known_words(words))
    an = STUB.with_known_words(words)
    assert found(known, "وادي الحياة", an) == [("وادي الحياة", "وادي الحياة")]
    assert found(plain, "وادي الحياة") == [("ادي الحياة", "وادي الحياة")]  # consistent, if odd
    assert known.surface_words() == words


def test_entry_and_gazmatch_shapes():
    g = build(ORG, name="orgs", label="Organization")
    assert len(g) == 8 and g.name == "orgs" and g.label == "Organization"
    e = g.entry(1)
    assert (e.phrase, e.type, e.attrs["country"], e.line) == (
        "الجيش الوطني الليبي", "army", "ليبيا", 2)
    m = g.find(KNOWN.analyze("الجيش الوطني الليبي"))[0]
    assert m == GazMatch(0, 3, 1)
    (span, ent), = g.spans(KNOWN.analyze("الجيش الوطني الليبي"))
    assert span.text == "الجيش الوطني الليبي" and ent.type == "army"


def test_mention_attributes_are_shared_read_only_and_picklable():
    import pickle
    g = build(ORG, name="orgs", label="Organization")
    a = g.mention_attrs(1)
    assert a == {"canonical": "الجيش الوطني الليبي", "type": "army", **g.entry(1).attrs}
    assert g.mention_attrs(1) is a and pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(TypeError):
        a["type"] = "navy"  # type: ignore[index]


# ----------------------------------------------------------------------------- cache

def test_cache_round_trip(tmp_path, _private_cache):
    p = tmp_path / "orgs.txt"
    p.write_text(ORG, encoding="utf-8")
    g1 = Gazetteer.load(p, analyzer=STUB)
    assert not g1.from_cache
    files = list(_private_cache.glob("gaz-*.pickle"))
    assert len(files) == 1
    assert oct(_private_cache.stat().st_mode & 0o777) == "0o700"
    g2 = Gazetteer.load(p, analyzer=STUB, label="Org")
    assert g2.from_cache and g2.name == "orgs" and g2.label == "Org"
    assert [g2.entry(i) for i in range(len(g2))] == [g1.entry(i) for i in range(len(g1))]
    assert [dict(g2.entry(i).attrs) for i in range(len(g2))] == [
        dict(g1.entry(i).attrs) for i in range(len(g1))]
    assert g2.values() == g1.values()
    doc = KNOWN.analyze("والقائد العام للجيش الوطني الليبي")
    assert g2.find(doc) == g1.find(doc)
    # another analyzer fingerprint or other content: a different cache entry
    other = StubAnalyzer()
    other.version = "stub-2"
    assert not Gazetteer.load(p, analyzer=other).from_cache
    p.write_text(ORG + "مصر\n", encoding="utf-8")
    g3 = Gazetteer.load(p, analyzer=STUB)
    assert not g3.from_cache and len(g3) == 9
    # cache=False neither reads nor writes
    assert not Gazetteer.load(p, analyzer=STUB, cache=False).from_cache


def test_corrupt_or_unsafe_cache_is_ignored(tmp_path, _private_cache):
    p = tmp_path / "orgs.txt"
    p.write_text(ORG, encoding="utf-8")
    Gazetteer.load(p, analyzer=STUB)
    (f,) = _private_cache.glob("gaz-*.pickle")
    f.write_bytes(b"not a pickle")
    g = Gazetteer.load(p, analyzer=STUB)
    assert not g.from_cache and len(g) == 8
    assert Gazetteer.load(p, analyzer=STUB).from_cache  # rewritten
    if hasattr(os, "getuid"):
        os.chmod(_private_cache, 0o777)
        try:
            assert not Gazetteer.load(p, analyzer=STUB).from_cache
        finally:
            os.chmod(_private_cache, 0o700)


def test_no_fingerprint_no_disk_cache(tmp_path, _private_cache):
    class Anon(StubAnalyzer):
        version = None
    assert analyzer_fingerprint(Anon()) is None
    p = tmp_path / "orgs.txt"
    p.write_text(ORG, encoding="utf-8")
    Gazetteer.load(p, analyzer=Anon())
    assert not _private_cache.exists() or not list(_private_cache.glob("gaz-*"))


@pytest.mark.slow
def test_hundred_thousand_entries_build_and_match_fast(tmp_path):
    import random
    import time
    rnd = random.Random(7)
    letters = "بتثجحخدذرزسشصضطظعغفقكلمنهي"
    vocab = ["".join(rnd.choice(letters) for _ in range(rnd.randint(3, 7))) for _ in range(20000)]
    lines = {" ".join(rnd.choice(vocab) for _ in range(rnd.randint(1, 4))) for _ in range(100_000)}
    text = "".join(f"{ln}\ttype=t\n" for ln in lines)
    t0 = time.perf_counter()
    g = Gazetteer.build(parse_entries(text, "big.txt"), analyzer=STUB, cache=False)
    assert time.perf_counter() - t0 < 10
    sample = " ".join(rnd.choice(vocab) for _ in range(20000))
    doc = STUB.analyze(sample)
    t0 = time.perf_counter()
    ms = g.find(doc)
    assert time.perf_counter() - t0 < 1.0
    assert ms and all(a.tok_end <= b.tok_start for a, b in zip(ms, ms[1:]))


def test_spelling_exact_separates_names_from_merged_function_words():
    g = build("علي\tgender=m\tspelling=exact\nيحيى\tgender=m\tspelling=exact\n"
              "آمر\tarticle=optional\tspelling=exact\nعمر\tgender=m\n", analyzer=STUB)
    # the stub merges ى/ي and hamza forms like the real normalizer
    assert found(g, "وعلي", STUB) == [("علي", "علي")]
    assert found(g, "على", STUB) == []
    assert found(g, "يحيي ذكرى", STUB) == []
    assert found(g, "يحيى", STUB) == [("يحيي", "يحيى")]
    assert found(g, "أمر", STUB) == []
    assert found(g, "الآمر", STUB) == [("الامر", "آمر")]
    # diacritics and tatweel do not count
    assert found(g, "عَلِيّ", STUB) == [("علي", "علي")]
    assert found(g, "عـلي", STUB) == [("علي", "علي")]
    assert found(g, "عُمر", STUB) == [("عمر", "عمر")]


def test_spelling_exact_falls_back_to_an_alternative():
    g = build("على\ttype=a\tspelling=exact\nعلي\ttype=b\tspelling=exact\n", analyzer=STUB)
    (m,) = g.find(STUB.analyze("علي"))
    assert g.entry(m.entry_index).type == "b"
    (m,) = g.find(STUB.analyze("على"))
    assert g.entry(m.entry_index).type == "a"


# ----------------------------------------------------------------------------- real analyzer, shipped data

SHIPPED = sorted(GAZ.glob("*.txt"))


@pytest.fixture(scope="module")
def shipped():
    """The shipped gazetteers built as the pack loader does: known words first, then build."""
    an = _real_analyzer()
    if an is None:
        pytest.skip("dsl.morph.analyzer is not available")
    srcs = {p.stem: read_entries(p) for p in SHIPPED}
    words: set[str] = set()
    for s in srcs.values():
        words |= s.surface_words()
    an = an.with_known_words(words)
    return an, {k: Gazetteer.build(s, analyzer=an, cache=False) for k, s in srcs.items()}


def test_shipped_files_parse_and_are_documented():
    assert {p.stem for p in SHIPPED} >= {"given_names", "family_names", "titles", "roles",
                                         "locations", "organizations", "nationalities"}
    for p in SHIPPED:
        head = p.read_text(encoding="utf-8").split("\n", 12)[:12]
        assert any("written by the arabic-ie team from general knowledge" in h.lower()
                   for h in head), p
        assert any(h.startswith("# fields:") for h in head), p
        src = read_entries(p)
        assert len(src) > 100, p
        for e in src.entries:
            assert e.attrs.get("article") in (None, "optional", "exact"), (p, e)


@pytest.mark.parametrize("name,minimum", [
    ("given_names", 1000), ("family_names", 300), ("locations", 1000), ("organizations", 500),
    ("nationalities", 500), ("titles", 100), ("roles", 150)])
def test_shipped_sizes(name, minimum):
    assert len(read_entries(GAZ / f"{name}.txt")) >= minimum


def test_given_names_counts_and_genders():
    es = read_entries(GAZ / "given_names.txt").entries
    arabic = [e for e in es if e.attrs.get("origin") != "foreign"]
    foreign = [e for e in es if e.attrs.get("origin") == "foreign"]
    assert len(arabic) >= 800 and len(foreign) >= 200
    assert {e.attrs.get("gender") for e in es} <= {"m", "f", "u"}
    assert {e.attrs["gender"] for e in arabic} == {"m", "f"}


def _phrases(name: str) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for e in read_entries(GAZ / f"{name}.txt").entries:
        out.setdefault(e.phrase, e)
    return out


def test_shipped_data_has_what_the_seeds_need():
    loc = _phrases("locations")
    for p in ("ليبيا", "شرق ليبيا", "أبوظبي", "أبو ظبي", "القاهرة", "مصر", "بنغازي", "درنة",
              "سرت", "سيناء", "برقة", "فزان", "طرابلس", "الشرق الأوسط", "شمال أفريقيا",
              "جنوب لبنان", "غرب ليبيا", "الإمارات"):
        assert p in loc, p
    assert loc["أبو ظبي"].canonical == "أبوظبي" and loc["ليبيا"].type == "country"
    assert loc["طرابلس"].get("country") == "ليبيا"
    org = _phrases("organizations")
    for p in ("الجيش الوطني الليبي", "مجلس النواب الليبي", "حكومة الوفاق الوطني",
              "حكومة الوحدة الوطنية", "الجيش المصري", "مجلس الأمن", "الكونغرس", "الأمم المتحدة",
              "جامعة الدول العربية", "الاتحاد الأفريقي", "حلف شمال الأطلسي", "الناتو",
              "الدولة الإسلامية", "ولاية سيناء", "داعش", "القاعدة"):
        assert p in org, p
    assert org["داعش"].canonical == "الدولة الإسلامية" and org["داعش"].type == "militant"
    given = _phrases("given_names")
    for p in ("محمود", "خليفة", "فايز", "أحمد", "خالد", "عبدالرازق", "عبدالحميد", "معمر",
              "عبد الله", "عبدالله", "دونالد", "فلاديمير", "إيمانويل", "أنغيلا", "بوريس"):
        assert p in given, p
    assert given["عبدالله"].canonical == "عبد الله"
    fam = _phrases("family_names")
    for p in ("حفتر", "السراج", "الدبيبة", "القذافي", "الناظوري", "حجازي", "السيسي", "الأسد"):
        assert p in fam, p
    titles = _phrases("titles")
    ranks = {p: int(titles[p].get("rank")) for p in ("مشير", "فريق أول", "فريق", "لواء", "عميد",
                                                     "عقيد", "مقدم", "رائد", "نقيب", "ملازم أول",
                                                     "ملازم")}
    assert list(ranks.values()) == sorted(ranks.values())
    assert titles["فريق طيار"].get("branch") == "air" and titles["لواء بحري"].get("branch") == "naval"
    roles = _phrases("roles")
    for p in ("رئيس", "وزير", "قائد", "رئيس أركان", "رئيس هيئة الأركان", "القائد العام",
              "ولي العهد", "رئيس الوزراء", "وزير الخارجية", "متحدث باسم"):
        assert p in roles, p
    nat = _phrases("nationalities")
    for p, form in (("مصري", "m"), ("مصرية", "f"), ("مصريون", "pl"), ("مصريين", "pl"),
                    ("ليبي", "m"), ("ليبيين", "pl"), ("إماراتي", "m")):
        assert nat[p].get("form") == form and nat[p].get("country"), p


def test_shipped_gazetteers_match_real_text(shipped):
    an, g = shipped
    text = ("زار رئيس هيئة الأركان المصرية الفريق محمود حجازي شرق ليبيا وأجرى محادثات مع القائد "
            "العام للجيش الوطني الليبي المشير خليفة حفتر في أبوظبي. وقال رئيس حكومة الوفاق "
            "الوطني فايز السراج إن مجلس النواب الليبي وعبدالحميد الدبيبة على خلاف.")
    doc = an.analyze(text)

    def got(name):
        return [(doc.span(m.tok_start, m.tok_end).text, g[name].entry(m.entry_index).canonical)
                for m in g[name].find(doc)]

    orgs = [c for _, c in got("organizations")]
    assert orgs == ["الجيش الوطني الليبي", "حكومة الوفاق الوطني", "مجلس النواب الليبي"]
    locs = [c for _, c in got("locations")]
    assert locs == ["شرق ليبيا", "أبوظبي"]
    roles = [c for _, c in got("roles")]
    assert roles[:2] == ["رئيس هيئة الأركان", "القائد العام"] and "رئيس حكومة" in roles
    titles = [c for _, c in got("titles")]
    assert [c for c in titles if c != "رئيس"] == ["فريق", "مشير"]  # رئيس: the pre-name sense
    given = [c for _, c in got("given_names")]
    assert given == ["محمود", "خليفة", "فايز", "عبد الحميد"]  # not the preposition على
    fam = [c for _, c in got("family_names") if c != "الليبي"]  # الليبي: a nisba surname too
    assert fam == ["حجازي", "حفتر", "السراج", "الدبيبة"]
    nat = [c for _, c in got("nationalities")]
    assert nat == ["مصري", "ليبي", "ليبي"]  # المصرية, الليبي (of the army), الليبي (of the parliament)


def test_real_analyzer_clitics_on_first_word_only(shipped):
    an, g = shipped
    org = g["organizations"]
    for text in ("للجيش الوطني الليبي", "والجيش الوطني الليبي", "بالجيش الوطني الليبي"):
        (m,) = org.find(an.analyze(text))
        assert org.entry(m.entry_index).canonical == "الجيش الوطني الليبي", text
        assert (m.tok_start, m.tok_end) == (0, 3)
    ms = org.find(an.analyze("الجيش والوطني الليبي"))
    assert [org.entry(m.entry_index).phrase for m in ms] == ["الجيش"]
    roles = g["roles"]
    (m,) = roles.find(an.analyze("والقائد العام"))
    assert roles.entry(m.entry_index).phrase == "القائد العام"
    assert "مشير" in g["titles"].values() and "مصري" in g["nationalities"].values()
    t = an.analyze("والمشير").tokens[0]
    assert t.stem in g["titles"].values()


def test_real_analyzer_cache_round_trip(tmp_path, _private_cache):
    an = _real_analyzer()
    if an is None:
        pytest.skip("dsl.morph.analyzer is not available")
    p = GAZ / "locations.txt"
    g1 = Gazetteer.load(p, analyzer=an)
    g2 = Gazetteer.load(p, analyzer=an)
    assert not g1.from_cache and g2.from_cache
    doc = an.analyze("وصل إلى شرق ليبيا ثم إلى القاهرة وأبو ظبي")
    assert g1.find(doc) == g2.find(doc) and len(g1.find(doc)) == 3
    # other known words: another fingerprint, another cache entry
    assert not Gazetteer.load(p, analyzer=an.with_known_words(["حفتر"])).from_cache
