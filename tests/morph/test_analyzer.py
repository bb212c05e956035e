"""Morphological tokens: clitics, ranking, offsets, BYO tokens (dsl/morph.py)."""
from __future__ import annotations

import pickle
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from dsl import Document, analyze
from dsl.doc.token import Analysis
from dsl.errors import InputError
from dsl.morph.analyzer import Analyzer, default_analyzer
from dsl.text.normalize import DEFAULT

AN = default_analyzer()


def seg(a: Analysis) -> str:
    return "+".join(x for x in (a.pre, "ال" if a.definite else "", a.stem, a.suf) if x)


def first(word: str, analyzer: Analyzer = AN) -> str:
    return seg(analyzer.analyze_word(word)[0])


def tok(text: str, word: str, analyzer: Analyzer = AN):
    doc = analyzer.analyze(text)
    for t in doc.tokens:
        if doc.text[t.word_start:t.word_end] == word:
            return t
    raise AssertionError(f"{word!r} not in {[t.text for t in doc.tokens]}")


# ---------------------------------------------------------------- the examples

def test_clitic_title_and_name_are_exposed():
    t = tok("والمشير حفتر", "والمشير")
    assert (t.text, t.norm, t.stem, t.pre, t.definite, t.suf) == ("المشير", "المشير", "مشير", "و", True, "")
    assert (t.word_start, t.word_end, t.start, t.end) == (0, 7, 1, 7)
    assert t.word == "والمشير" and t.conj == "و" and t.prep == ""

    doc = AN.analyze("لقاء حجازي وحفتر")
    w = doc.tokens[2]
    assert (w.text, w.stem, w.pre) == ("حفتر", "حفتر", "و")
    assert doc.tokens[0].stem == "لقاء" and doc.tokens[0].pre == ""
    assert doc.tokens[1].stem == "حجازي" and doc.tokens[1].suf == ""

    doc = AN.analyze("للفريق عبدالرازق الناظوري")
    f, a, n = doc.tokens
    assert (f.text, f.norm, f.stem, f.pre, f.definite) == ("لفريق", "الفريق", "فريق", "ل", True)
    assert f.prep == "ل"
    assert (a.text, a.stem, a.pre, a.definite) == ("عبدالرازق", "عبدالرازق", "", False)
    assert (n.text, n.stem, n.definite) == ("الناظوري", "ناظوري", True)

    t = tok("بحضور المشير", "بحضور")
    assert (t.text, t.stem, t.pre) == ("حضور", "حضور", "ب")
    t = tok("ونجله خالد", "ونجله")
    assert (t.text, t.stem, t.pre, t.suf) == ("نجل", "نجل", "و", "ه")
    t = tok("رئيسا لقواته", "لقواته")
    assert (t.text, t.stem, t.pre, t.suf) == ("قوات", "قوات", "ل", "ه")
    t = tok("للجيش الوطني", "للجيش")
    assert (t.text, t.norm, t.stem, t.pre, t.definite) == ("لجيش", "الجيش", "جيش", "ل", True)


NO_SPLIT = ["ليبيا", "لقاء", "بحث", "وساطة", "بنغازي", "كما", "فايز", "بين", "لكن", "وزير",
            "فرنسا", "بريطانيا", "كان", "وزارة", "وقت", "وضع", "وطني", "ولاية", "واشنطن", "فريق",
            "فيديو", "بيان", "بلد", "بغداد", "برلمان", "كبير", "كل", "لبنان", "لجنة", "سوريا",
            "سنة", "سلاح", "سياسي", "وفد", "حجازي", "المصري", "الليبي", "الناظوري", "عبدالحميد",
            "سيارة", "سيناء", "سنوات", "كورونا", "بنك", "تلك", "هناك", "اتجاه", "مهم", "تفاهم"]


@pytest.mark.parametrize("word", NO_SPLIT)
def test_no_over_splitting(word):
    a = AN.analyze_word(word)[0]
    assert not a.pre and not a.suf, seg(a)


@pytest.mark.parametrize("word", ["الى", "إلى", "الذي", "التي", "الله", "الان", "الآن", "إلا",
                                  "ألمانيا", "ألوية", "إلغاء", "ألقى"])
def test_not_article_plus_stem(word):
    a = AN.analyze_word(word)[0]
    assert not a.definite and not a.pre and not a.suf, seg(a)


def test_function_words_with_clitics():
    assert first("والذي") == "و+الذي"
    assert first("وإلى") == "و+الي"
    assert first("بالله") == "ب+الله"
    assert first("لله") == "ل+الله"
    assert first("وأن") == "و+ان"
    assert first("لأن") == "لان"
    assert first("لذلك") == "لذلك"
    assert first("ككل") == "ك+كل"


# ---------------------------------------------------------------- clitic combinations

@pytest.mark.parametrize("word,expected", [
    ("وبالتالي", "وب+ال+تالي"),          # و + ب + ال
    ("وبالأسلحة", "وب+ال+اسلحة"),
    ("فالرئيس", "ف+ال+رئيس"),
    ("كالعادة", "ك+ال+عادة"),
    ("بالنسبة", "ب+ال+نسبة"),
    ("فسيكون", "فس+يكون"),               # ف + س + verb
    ("وسيتم", "وس+يتم"),
    ("سيكون", "س+يكون"),
    ("للجيش", "ل+ال+جيش"),               # ل + ال fused
    ("وللمرة", "ول+ال+مرة"),
    ("للحدود", "ل+ال+حدود"),
    ("لتجد", "ل+تجد"),                   # ل + subjunctive imperfect
    ("ليكون", "ل+يكون"),
    ("لإحكام", "ل+احكام"),               # ل + alef-initial noun, no article
    ("لانطلاق", "ل+انطلاق"),
    ("والإلغاء", "و+ال+الغاء"),
])
def test_proclitic_combinations(word, expected):
    assert first(word) == expected


@pytest.mark.parametrize("word,expected", [
    ("نجله", "نجل+ه"), ("حدودها", "حدود+ها"), ("انفسهم", "انفس+هم"), ("أنفسهم", "انفس+هم"),
    ("بينهما", "بين+هما"), ("منهن", "من+هن"), ("لكم", "ل+كم"), ("عليكما", "علي+كما"),
    ("بك", "ب+ك"), ("لكن", "لكن"), ("بلادنا", "بلاد+نا"), ("قواتنا", "قوات+نا"),
    ("لدينا", "لدي+نا"), ("له", "ل+ه"), ("ولها", "و+ل+ها"), ("فيه", "في+ه"), ("عليه", "علي+ه"),
    ("حكومته", "حكومة+ه"), ("قيادته", "قيادة+ه"), ("صفحته", "صفحة+ه"), ("لمساعدتها", "ل+مساعدة+ها"),
    ("عملياته", "عمليات+ه"), ("وفاته", "وفاة+ه"), ("حياتها", "حياة+ها"), ("نفذتها", "نفذت+ها"),
    ("مستواه", "مستوي+ه"), ("أعضائها", "اعضاء+ها"), ("ويساعدها", "و+يساعد+ها"), ("لنفسها", "ل+نفس+ها"),
    ("وغيرها", "و+غير+ها"), ("حينها", "حين+ها"), ("إنهم", "ان+هم"), ("لكنها", "لكن+ها"),
])
def test_enclitics(word, expected):
    assert first(word) == expected


def test_nisba_ya_is_never_an_enclitic():
    for w in ["حجازي", "المصري", "الليبي", "بنغازي", "الناظوري", "القذافي", "وطني", "عسكري"]:
        for a in AN.analyze_word(w):
            assert a.suf == "", (w, seg(a))


def test_ta_marbuta_before_enclitic_restored_not_offered_as_ta():
    stems = [a.stem for a in AN.analyze_word("حكومته")]
    assert stems == ["حكومة"]


def test_ambiguous_words_keep_ranked_alternatives():
    assert [seg(a) for a in AN.analyze_word("والي")] == ["و+الي", "والي"]
    assert [seg(a) for a in AN.analyze_word("فهم")] == ["ف+هم", "فهم"]
    got = [seg(a) for a in AN.analyze_word("وحفتر")]      # no gazetteer: both kept
    assert got[0] == "و+حفتر" and "وحفتر" in got
    assert len(AN.analyze_word("وزير")) == 1
    assert len(AN.analyze_word("والمشير")) == 1


def test_known_words_from_gazetteers():
    an = AN.with_known_words(["حفتر", "خليفة حفتر", "القاهرة", "وهران"])
    assert [seg(a) for a in an.analyze_word("وحفتر")] == ["و+حفتر"]
    assert [seg(a) for a in an.analyze_word("وهران")] == ["وهران"]
    assert [seg(a) for a in an.analyze_word("القاهرة")] == ["ال+قاهرة"]
    assert first("والقاهرة", an) == "و+ال+قاهرة"
    assert first("للقاهرة", an) == "ل+ال+قاهرة"
    assert first("وهران") == "وهران"           # the word lexicon knows the city is one word
    assert len(AN.analyze_word("وحفتر")) == 2   # the original analyzer is unchanged
    assert "حفتر" in an.known_words
    with pytest.raises(TypeError):
        Analyzer(known_words=[3])  # type: ignore[list-item]


def test_user_word_overrides_reading_order():
    an = AN.with_known_words(["والي"])
    assert seg(an.analyze_word("والي")[0]) == "والي"


def test_hamza_spelling_blocks_the_article():
    assert first("ألوية") == "الوية"
    assert first("الوية") == "الوية"              # listed in the lexicon
    assert first("ألغام") == "الغام"
    assert first("إلكترونيات") == "الكترونيات"
    assert first("ألسنة") == "السنة"              # tongues
    assert first("السنة") == "ال+سنة"             # no hamza written: the article reading wins


def test_mixed_clitic_tokens():
    doc = AN.analyze("و2011 بـ15 الـCIA للـBBC وCNN F16")
    d = [(t.pre, t.definite, t.stem, t.text, t.shape) for t in doc.tokens]
    assert d[0] == ("و", False, "2011", "2011", "digit")
    assert d[1] == ("ب", False, "15", "15", "digit")
    assert d[2] == ("", True, "CIA", "الـCIA", "latin")
    assert d[3] == ("ل", True, "BBC", "لـBBC", "latin")
    assert d[4] == ("و", False, "CNN", "CNN", "latin")
    assert d[5] == ("", False, "F16", "F16", "mixed")


# ---------------------------------------------------------------- offsets and surface

def test_diacritized_words_keep_their_marks():
    text = "عُيِّن رئيساً للأركانِ، جزءًا من الخطة"
    doc = AN.analyze(text)
    by = {t.norm: t for t in doc.tokens}
    assert by["رئيسا"].text == "رئيساً" and by["رئيسا"].stem == "رئيسا"
    assert by["جزءا"].text == "جزءًا"
    t = by["الاركان"]
    assert t.text == "لأركانِ" and t.pre == "ل" and t.definite
    assert text[t.word_start:t.word_end] == "للأركانِ"
    for t in doc.tokens:
        assert text[t.start:t.end] == t.text


def test_tatweel_and_bidi_marks():
    text = "\u200fالمشيـــر\u200f حفتـر"
    doc = AN.analyze(text)
    assert [t.text for t in doc.tokens] == ["المشيـــر", "حفتـر"]
    assert [t.norm for t in doc.tokens] == ["المشير", "حفتر"]


def test_nbsp_and_crlf():
    text = "قال\u00a0المشير\r\nوأضاف\u00a0حفتر\r\n"
    doc = AN.analyze(text)
    assert [t.text for t in doc.tokens] == ["قال", "المشير", "أضاف", "حفتر"]
    assert doc.sentences == ((0, 2), (2, 4))
    assert doc.tokens[1].sent_end and doc.tokens[2].sent_start and doc.tokens[2].sent == 1


def test_latin_tokens():
    doc = AN.analyze("قالت وكالة Reuters إن example.com")
    shapes = [(t.text, t.shape, t.norm) for t in doc.tokens]
    assert ("Reuters", "latin", "Reuters") in shapes
    assert ("example.com", "url", "example.com") in shapes


def test_token_fields_and_to_dict():
    doc = AN.analyze("وقال المشير: ١٢ جندياً.", id="d1")
    assert doc.id == "d1"
    num = [t for t in doc.tokens if t.shape == "digit"][0]
    assert num.text == "١٢" and num.norm == "12" and num.stem == "12" and len(num.analyses) == 1
    d = doc.tokens[0].to_dict()
    assert d["text"] == "قال" and d["pre"] == "و" and d["word"] == "وقال" and d["def"] is False
    assert [t.i for t in doc.tokens] == list(range(len(doc.tokens)))
    assert doc.tokens[0].sent_start and doc.tokens[-1].sent_end
    assert analyze("وقال").tokens[0].stem == "قال"
    alt = AN.analyze("وحفتر").tokens[0].to_dict()
    assert alt["alternatives"] == [{"pre": "", "def": False, "stem": "وحفتر", "suf": "", "lex": "unknown"}]
    assert d["lex"] == "common" and alt["lex"] == "unknown"


def test_alternative_spans():
    text = "شكرا وحفتر"
    t = AN.analyze(text).tokens[1]
    spans = [AN.analysis_span(text, t, a) for a in t.analyses]
    assert text[slice(*spans[0])] == "حفتر" and text[slice(*spans[1])] == "وحفتر"


def test_empty_and_odd_input():
    assert AN.analyze("").tokens == () and AN.analyze("").sentences == ()
    assert AN.analyze("   \n").tokens == ()
    doc = AN.analyze("ۥ ً ﹱ")            # letters that normalize to nothing
    for t in doc.tokens:
        assert t.text and t.norm
    with pytest.raises(InputError):
        AN.analyze(b"bytes")  # type: ignore[arg-type]


# ---------------------------------------------------------------- analyzer object

def test_tokens_are_immutable_and_hash_without_their_extra_attributes():
    from dsl.doc.token import Token
    args = (3, 1, 4, 0, 4, "قال", "وقال", "قال", "قال", "و", "", False, "arabic", 0, True, False,
            (Analysis("و", False, "قال", ""),))
    t, u = Token(*args), Token(*args, extra={"pos": "VERB"})
    assert tuple.__new__(Token, (*args, t.extra)) == t and t != u
    assert hash(t) == hash(u) and hash(Token(*args)) == hash(t)
    with pytest.raises(AttributeError):
        t.start = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        t.extra["pos"] = "NOUN"  # type: ignore[index]


def test_cache_and_determinism():
    a1 = AN.analyze_word("والمشير")
    assert AN.analyze_word("والمشير") is a1
    assert AN.analyze_word("وَالْمُشِيرِ") == a1


def test_cache_is_bounded():
    an = Analyzer(cache_size=10)
    for i in range(50):
        an.analyze_word("كلمة" + "ب" * (i % 25))
        an.analyze("كلمة" + "ت" * (i % 25))
    assert len(an._word_cache) <= 10 and len(an._surface_cache) <= 10


def test_pickle_roundtrip():
    an = AN.with_known_words(["حفتر"])
    an.analyze("وحفتر")
    data = pickle.dumps(an)
    assert len(data) < 2000                     # lexicons reload from package data
    an2 = pickle.loads(data)
    assert an2.options == an.options and an2.known_words == an.known_words
    assert an2.analyze("وحفتر").tokens == an.analyze("وحفتر").tokens
    doc = an.analyze("وحفتر قال")
    assert pickle.loads(pickle.dumps(doc)) == doc


def test_threads_share_an_analyzer():
    an = Analyzer()
    text = Path("examples/000_457475bf7bf8e888.txt").read_text(encoding="utf-8")
    ref = an.analyze(text).tokens
    out: list[bool] = []

    def work() -> None:
        out.append(Analyzer.analyze(an, text).tokens == ref)

    ths = [threading.Thread(target=work) for _ in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    assert out == [True] * 4


def test_options_are_used():
    an = Analyzer(DEFAULT.replace(ta_marbuta=True))
    assert an.analyze("حكومته").tokens[0].stem == "حكومه"
    assert an.analyze("الحكومة").tokens[0].norm == "الحكومه"
    assert first("حكومه", an) == "حكومه"


# ---------------------------------------------------------------- bring your own analyzer

def test_byo_without_offsets():
    doc = Document.from_tokens([{"text": "وقال", "pre": "و", "stem": "قال", "pos": "verb"},
                             {"text": "المشير", "def": True, "lemma": "مُشِير", "conf": 0.9},
                             {"text": "."}], id="x")
    assert doc.text == "وقال المشير ."
    a, b, c = doc.tokens
    # the proclitic is left out of the core, as the analyzer's own tokens do
    assert (a.start, a.end, a.word_start, a.word_end, a.norm, a.stem, a.pre) == (1, 4, 0, 4, "قال", "قال", "و")
    assert (a.text, a.word) == ("قال", "وقال")
    assert a.extra == {"pos": "verb"}
    assert (b.start, b.end, b.stem, b.norm, b.definite) == (5, 11, "مشير", "المشير", True)
    assert b.extra == {"lemma": "مُشِير", "conf": "0.9"}
    assert c.shape == "punct" and c.sent_end and doc.sentences == ((0, 3),)
    assert b.to_dict()["lemma"] == "مُشِير"
    with pytest.raises(TypeError):
        b.extra["x"] = "y"  # type: ignore[index]


def test_byo_with_text_and_offsets():
    text = "وقال المشير. ثم"
    doc = Document.from_tokens([{"text": "قال", "start": 1, "end": 4, "word_start": 0, "pre": "و"},
                             {"text": "المشير", "start": 5, "end": 11},
                             {"text": ".", "start": 11, "end": 12},
                             {"text": "ثم", "start": 13, "end": 15}], text=text)
    assert doc.tokens[0].word_start == 0 and doc.tokens[0].word == "وقال"
    assert doc.sentences == ((0, 3), (3, 4))
    doc = Document.from_tokens([{"text": "قال", "sent": 0}, {"text": "ثم", "sent": 1}], text="  قال  ثم")
    assert [(t.start, t.sent) for t in doc.tokens] == [(2, 0), (7, 1)]
    doc = Document.from_tokens([{"text": "ab", "start": 2, "end": 4}])
    assert doc.text == "  ab"
    doc = Document.from_tokens([{"text": "قال", "start": 1, "end": 4, "word_start": 0, "pre": "و"}])
    assert doc.text == " قال" and doc.tokens[0].word == "قال"


@pytest.mark.parametrize("items,text,msg", [
    ([{"text": "a"}, "b"], None, "token 1"),
    ([{"text": "a"}, {"stem": "b"}], None, "token 1: missing 'text'"),
    ([{"text": ""}], None, "token 0"),
    ([{"text": "a", "start": 0, "end": 1}, {"text": "b"}], None, "token 1"),
    ([{"text": "ab", "start": 0, "end": 2}, {"text": "b", "start": 1, "end": 2}], "abc", "token 1"),
    ([{"text": "a", "start": 0, "end": 1}, {"text": "x", "start": 1, "end": 2}], "abc", "token 1"),
    ([{"text": "a", "start": 0, "end": 9}], "abc", "token 0"),
    ([{"text": "z"}], "abc", "token 0"),
    ([{"text": "a", "def": "maybe"}], None, "token 0"),
    ([{"text": "a", "start": "x", "end": 1}], None, "token 0"),
    ([{"text": "a", "sent": 1}, {"text": "b", "sent": 0}], None, "token 1"),
    ([{"text": "a", "stem": 5}], None, "token 0"),
])
def test_byo_errors_name_the_token(items, text, msg):
    with pytest.raises(InputError) as ei:
        Document.from_tokens(items, text=text, id="doc7")
    assert msg in str(ei.value) and "doc7" in str(ei.value)


def test_document_from_tokens_delegates():
    doc = Document.from_tokens([{"text": "x"}])
    assert doc.tokens[0].shape == "latin"


# ---------------------------------------------------------------- the segmentation table

def _table() -> list[tuple[str, ...]]:
    rows = []
    path = Path(__file__).with_name("segmentation_table.tsv")
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        rows.append(tuple(cols + [""] * (7 - len(cols))))
    return rows


TABLE = _table()


def test_table_is_big_enough_and_from_the_articles():
    assert len(TABLE) >= 200
    texts = "".join(Path("examples", f).read_text(encoding="utf-8")
                    for f in ("000_457475bf7bf8e888.txt", "004_fd9c748afa0ee204.txt"))
    missing = [r[0] for r in TABLE if r[0] not in texts]
    assert not missing


def test_segmentation_table():
    failures = []
    for word, pre, d, stem, suf, check, _src in TABLE:
        want = Analysis(pre, d == "1", stem, suf)
        got = [replace(a, lex="") for a in AN.analyze_word(word)]   # the segmentation, not the class
        ok = (want in got) if check == "any" else (got[0] == want)
        if not ok:
            failures.append(f"{word}: want {seg(want)}, got {' | '.join(seg(a) for a in got)}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- the word lexicon in the text layer

def lex_of(text: str, an: Analyzer = AN) -> list[tuple[str, str]]:
    return [(t.stem, t.lex) for t in an.analyze(text).tokens]


def test_every_token_says_whether_it_is_a_known_word_or_may_be_a_name():
    # lex: function (closed class), common (noun, verb, adjective), unknown (may be a name)
    assert lex_of("وأجرى محادثات مع لاريجاني") == [
        ("اجري", "common"), ("محادثات", "common"), ("مع", "function"), ("لاريجاني", "unknown")]
    assert lex_of("2024 ، ABC") == [("2024", ""), ("،", ""), ("ABC", "")]   # no Arabic letters: no class


def test_every_analysis_has_its_own_class():
    (tok,) = AN.analyze("وحفتر").tokens
    assert [(a.pre, a.stem, a.lex) for a in tok.analyses] == [("و", "حفتر", "unknown"), ("", "وحفتر", "unknown")]
    assert tok.lex == tok.analyses[0].lex


def test_words_the_lexicon_does_not_know_keep_their_letters():
    # a pronoun suffix or ب/ل is not split off a word the lexicon does not know as core + clitic
    for word in ("لاريجاني", "سيبويه", "بولسونارو", "فيليب"):
        assert [seg(a) for a in AN.analyze_word(word)] == [word], word
    # while real clitics still come off known words, and و comes off a name
    assert first("حكومته") == "حكومة+ه" and first("وقال") == "و+قال" and first("بالرئيس") == "ب+ال+رئيس"
    assert first("ولاريجاني") == "و+لاريجاني"


def test_gazetteer_names_and_common_words_inform_the_lexicon():
    # نافعة is an adjective ("useful"), كوماتسو unknown; a pack declares what its gazetteer words are
    assert lex_of("نافعة كوماتسو") == [("نافعة", "common"), ("كوماتسو", "unknown")]
    an = AN.with_known_words([], names=["نافعة"], common=["كوماتسو", "اسم من كلمتين"])
    assert lex_of("نافعة كوماتسو", an) == [("نافعة", "unknown"), ("كوماتسو", "common")]
    assert "نافعة" in an.known_words and "كوماتسو" in an.known_words
    again = pickle.loads(pickle.dumps(an))
    assert lex_of("نافعة كوماتسو", again) == lex_of("نافعة كوماتسو", an)
    with pytest.raises(TypeError):
        Analyzer(names="نافعة")          # one string is not a list of names
    with pytest.raises(TypeError):
        Analyzer(common=[3])  # type: ignore[list-item]


def test_byo_tokens_may_bring_their_own_lex():
    doc = Document.from_tokens([{"text": "التقى", "lex": "common"}, {"text": "زيلينسكي", "lex": "unknown"},
                                {"text": "أمس"}])
    assert [t.lex for t in doc.tokens] == ["common", "unknown", ""]
    with pytest.raises(InputError, match="token 0: 'lex' must be one of"):
        Document.from_tokens([{"text": "التقى", "lex": "verb"}])


def test_a_two_letter_gazetteer_word_is_no_stem_after_a_clitic():
    # with the name آد known, كاد ("almost") must not become ك + آد; وحفتر still is و + حفتر
    an = AN.with_known_words(["آد", "حفتر"])
    assert first("كاد", an) == "كاد" and first("وحفتر", an) == "و+حفتر"


def test_a_future_sin_is_not_split_off_a_name():
    # سيتم is س + يتم; ستانيشيف is no future verb: the lexicon knows no word تانيشيف
    assert first("سيتم") == "س+يتم" and first("ستانيشيف") == "ستانيشيف"


def test_a_gazetteer_word_inside_a_frequent_word_is_no_stem():
    # with the name كني known, لكني ("but I") is still one word; لبوش is still ل + بوش
    an = AN.with_known_words(["كني", "بوش"])
    assert first("لكني", an) == "لكني" and first("لبوش", an) == "ل+بوش"


def test_a_gazetteer_word_with_the_article_still_takes_its_clitics():
    an = AN.with_known_words(["النيجر"])
    assert first("والنيجر", an) == "و+ال+نيجر"
