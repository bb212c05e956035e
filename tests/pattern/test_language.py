"""The pattern language by example: one test per construct of dsl/LANGUAGE.md.

The texts are analyzed by a small lexicon-driven stand-in (tests/reference_matcher.py:
ToyAnalyzer) so that these tests pin the language, not the real analyzer's choices.
"""
from __future__ import annotations

import pytest
from reference_matcher import ToyAnalyzer

from dsl import analyze
from dsl.pattern.compiler import CompileEnv, compile_pattern
from dsl.pattern.vm import MatchContext, MentionRef, finditer, index_mentions

TOY = ToyAnalyzer({"مشير", "حفتر", "خليفة", "محادثات", "مع", "أجرى", "قائد", "جيش", "بحث", "يبحث", "تبحث",
                   "حث", "قاهرة", "زيارة", "كتاب", "فريق", "محمود", "حجازي", "ليبيا", "مصر", "رئيس", "سراج",
                   "فايز", "قال", "إن"})
ENV = CompileEnv(
    sets={"titles": frozenset({"مشير", "فريق", "رئيس"})},
    dynamic_sets=frozenset({"surnames"}),
    labels=frozenset({"Person", "Location", "Title"}),
    extra_attributes=frozenset({"pos"}),
    macros={"title_phrase": ('[stem in titles] [def]?', None), "NAME": ("[shape=arabic]{1,3}?", None)},
    analyze_literal=TOY.literal,
)


def find(pattern, text, *, mentions=(), sets=None, mode="first", cross=False, env=ENV, doc=None):
    """The texts of the matches (and the match objects) of `pattern` in `text`."""
    doc = doc if doc is not None else TOY.analyze(text)
    refs = [MentionRef(lab, a, b, attrs or {}, ref=(lab, a, b)) for lab, a, b, attrs in mentions]
    prog = compile_pattern(pattern, env)
    ms = list(finditer(prog, MatchContext(doc, index_mentions(refs), sets or {}), mode=mode, cross_sentence=cross))
    return [doc.text[m.start:m.end] for m in ms], ms, doc


def texts(pattern, text, **kw):
    return find(pattern, text, **kw)[0]


def cap(m, doc, name):
    return [doc.text[c.start:c.end] for c in m.captures[name]]


# ---------------------------------------------------------------- token constraints

def test_stem_equals():
    assert texts('[stem="مشير"]', "التقى المشير والمشير بالمشير") == ["المشير", "المشير", "المشير"]


def test_values_are_normalized_like_tokens():
    # hamza, diacritics and tatweel in the pattern value do not matter: both sides are normalized
    assert texts('[stem="أجرى"]', "وأجرى اجرى") == ["أجرى", "اجرى"]
    assert texts('[stem="مُشـير"]', "المشير") == ["المشير"]


def test_norm_regex_is_anchored():
    t = "بحث يبحث تبحث بحثا"
    assert texts("[norm=/(بحث|يبحث|تبحث)/]", t) == ["بحث", "يبحث", "تبحث"]
    assert texts("[norm=/^(بحث|يبحث|تبحث)$/]", t) == ["بحث", "يبحث", "تبحث"]


def test_tilde_searches_anywhere():
    assert texts("[norm~/بحث/]", "يبحث تبحث كتاب") == ["يبحث", "تبحث"]
    assert texts("[norm!~/بحث/]", "يبحث تبحث كتاب") == ["كتاب"]


def test_regex_flag_i():
    doc_text = "Hello hello HELLO"
    assert texts("[text=/hello/i]", doc_text) == ["Hello", "hello", "HELLO"]
    assert texts("[text=/hello/]", doc_text) == ["hello"]


def test_proclitic_and_shape():
    # testing pre keeps the proclitic in the span
    assert texts('[pre="و" & shape=arabic]', "وحفتر حفتر و3") == ["وحفتر"]


def test_boolean_attributes():
    assert texts("[!def]", "المشير حفتر") == ["حفتر"]
    assert texts("[def]", "المشير حفتر") == ["المشير"]
    assert texts("[sent_start]", "قال حفتر. قال المشير.") == ["قال", "قال"]


def test_conj_prep_fut_and_suf():
    t = "وبالكتاب فكتاب بكتابه كتاب"
    assert texts("[conj]", t) == ["وبالكتاب", "فكتاب"]
    assert texts('[prep="ب"]', t) == ["وبالكتاب", "بكتاب"]     # testing prep keeps the proclitics only
    assert texts("[suf]", t) == ["كتابه"]
    assert texts('[suf="ه" & prep]', t) == ["بكتابه"]


def test_in_named_set():
    assert texts("[stem in titles] [stem=حفتر]", "المشير حفتر والفريق حفتر") == ["المشير حفتر", "الفريق حفتر"]


def test_in_dynamic_set():
    t = "قال حفتر وقال حجازي"
    assert texts("[stem in surnames]", t, sets={"surnames": frozenset({"حجازي"})}) == ["حجازي"]
    assert texts("[stem in surnames]", t) == []


def test_boolean_operators_and_parentheses():
    t = "المشير حفتر والفريق حجازي"
    assert texts('[(stem="حفتر" | stem="حجازي") & !pre]', t) == ["حفتر", "حجازي"]
    assert texts('[stem="مشير" | stem="فريق" & pre]', t) == ["المشير", "والفريق"]   # & binds tighter


def test_any_token():
    assert texts('"مع" []', "مع المشير ومع حفتر") == ["مع المشير", "مع حفتر"]


def test_text_is_exact_surface():
    # `text` is the only raw attribute: diacritics count
    assert texts('[text="مُشير"]', "مُشير مشير") == ["مُشير"]


def test_extra_attributes_read_token_extra():
    from dsl.doc.document import Document
    from dsl.doc.token import Token
    toks = (Token(0, 0, 3, 0, 3, "abc", "abc", "abc", "abc", extra={"pos": "NOUN"}),
            Token(1, 4, 7, 4, 7, "def", "def", "def", "def", extra={"pos": "VERB"}))
    doc = Document("abc def", toks, ((0, 2),))
    assert find("[pos=NOUN]", "", doc=doc)[0] == ["abc"]
    assert find("[pos!=NOUN]", "", doc=doc)[0] == ["def"]


def test_lex_is_the_word_lexicons_class_of_each_analysis():
    # lex: "function", "common", "unknown" (may be a name) or "" (unclassified); an analysis attribute
    # like stem: a token with several readings satisfies [lex=...] when one reading does
    from dsl.doc.document import Document
    from dsl.doc.token import Analysis, Token
    readings = (Analysis("و", False, "زرعوا", "", "common"), Analysis("", False, "وزرعوا", "", "unknown"))
    toks = (Token(0, 0, 6, 0, 6, "وزرعوا", "وزرعوا", "زرعوا", "زرعوا", "و", analyses=readings),
            Token(1, 7, 12, 7, 12, "شيمزو", "شيمزو", "شيمزو", "شيمزو", analyses=(Analysis(stem="شيمزو",
                                                                                      lex="unknown"),)),
            Token(2, 13, 15, 13, 15, "مع", "مع", "مع", "مع", analyses=(Analysis(stem="مع", lex="function"),)))
    doc = Document("وزرعوا شيمزو مع", toks, ((0, 3),))
    assert find("[lex=unknown]", "", doc=doc)[0] == ["وزرعوا", "شيمزو"]     # the unsplit reading is unknown
    assert find("[lex=unknown & pre=\"\"]", "", doc=doc)[0] == ["وزرعوا", "شيمزو"]
    # "no reading is an ordinary word": a negative lookahead over the token
    assert find("(?! [lex=common | lex=function]) [lex=unknown]", "", doc=doc)[0] == ["شيمزو"]
    assert find("[lex=function]", "", doc=doc)[0] == ["مع"]
    assert find("[lex]", "", doc=doc)[0] == ["وزرعوا", "شيمزو", "مع"]


# ---------------------------------------------------------------- shorthands

def test_literal_is_clitic_insensitive():
    assert texts('"مع"', "مع ومع معه ومعه") == ["مع", "مع", "مع", "مع"]


def test_literal_with_article_requires_it():
    assert texts('"المشير"', "المشير مشير والمشير") == ["المشير", "المشير"]


def test_multi_word_literal():
    assert texts('"أجرى محادثات مع"', "وأجرى محادثات معه") == ["أجرى محادثات مع"]


def test_regex_shorthand():
    assert texts("/ي?بحث/", "بحث يبحث تبحث") == ["بحث", "يبحث"]


# ---------------------------------------------------------------- operators

def test_sequence_alternation_grouping():
    t = "المشير حفتر الفريق حجازي"
    assert texts('("مشير" | "فريق") []', t) == ["المشير حفتر", "الفريق حجازي"]
    assert texts('(?: "مشير" | "فريق") []', t) == ["المشير حفتر", "الفريق حجازي"]


@pytest.mark.parametrize("pattern,expected", [
    ('"مع" []?', ["مع أ"]),
    ('"مع" []*', ["مع أ ب ج"]),
    ('"مع" []+', ["مع أ ب ج"]),
    ('"مع" []{2}', ["مع أ ب"]),
    ('"مع" []{1,2}', ["مع أ ب"]),
    ('"مع" []{,2}', ["مع أ ب"]),
    ('"مع" []{2,}', ["مع أ ب ج"]),
    ('"مع" []??', ["مع"]),
    ('"مع" []*?', ["مع"]),
    ('"مع" []+?', ["مع أ"]),
    ('"مع" []{1,2}?', ["مع أ"]),
    ('"مع" []{2,}?', ["مع أ ب"]),
    ('"مع" []{,2}?', ["مع"]),
    ('"مع" []{2}?', ["مع أ ب"]),
])
def test_quantifiers(pattern, expected):
    assert texts(pattern, "مع أ ب ج") == expected


# ---------------------------------------------------------------- captures and mentions

def test_named_captures():
    texts_, ms, doc = find('(?<title> [stem in titles]) (?<name> [stem="خليفة"]? [stem="حفتر"])', "المشير خليفة حفتر")
    assert texts_ == ["المشير خليفة حفتر"]
    assert cap(ms[0], doc, "title") == ["المشير"]
    assert cap(ms[0], doc, "name") == ["خليفة حفتر"]
    assert ms[0].captures["title"][0].repeated is False


def test_capture_inside_repetition_is_a_list():
    _, ms, doc = find('"مع" (?<who> [!def])+', "مع حفتر حجازي")
    assert cap(ms[0], doc, "who") == ["حفتر", "حجازي"]
    assert all(c.repeated for c in ms[0].captures["who"])


def test_capture_that_did_not_take_part_is_empty():
    _, ms, _ = find('(?<t> "مشير")? "حفتر"', "حفتر")
    assert ms[0].captures == {"t": ()}


def test_mention_reference_and_capture():
    # tokens: 0 أجرى 1 محادثات 2 مع 3 المشير 4 خليفة 5 حفتر
    ments = [("Person", 3, 6, {}), ("Person", 4, 6, {})]
    _, ms, doc = find('"أجرى محادثات مع" (?<partner> @Person)', "أجرى محادثات مع المشير خليفة حفتر",
                      mentions=ments)
    c = ms[0].captures["partner"][0]
    assert doc.text[c.start:c.end] == "المشير خليفة حفتر"
    assert c.mention_ref.ref == ("Person", 3, 6)   # the mention object itself


def test_mention_tries_longer_first_then_shorter():
    ments = [("Person", 0, 2, {}), ("Person", 0, 1, {})]
    assert texts("@Person", "خليفة حفتر قال", mentions=ments) == ["خليفة حفتر"]
    # the longer mention would leave nothing for "حفتر": backtrack to the shorter one
    assert texts('@Person "حفتر"', "خليفة حفتر قال", mentions=ments) == ["خليفة حفتر"]
    assert texts('@Person "قال"', "خليفة حفتر قال", mentions=ments) == ["خليفة حفتر قال"]


def test_mention_with_attribute_constraint():
    ments = [("Location", 0, 1, {"type": "country"}), ("Location", 1, 2, {"type": "city"})]
    assert texts('@Location[type="country"]', "ليبيا القاهرة", mentions=ments) == ["ليبيا"]
    assert texts('@Location[type!="country"]', "ليبيا القاهرة", mentions=ments) == ["القاهرة"]


def test_capture_wrapping_more_than_a_mention_has_no_ref():
    ments = [("Person", 1, 2, {})]
    _, ms, _ = find('(?<x> "مع" @Person)', "مع حفتر", mentions=ments)
    assert ms[0].captures["x"][0].mention_ref is None


# ---------------------------------------------------------------- lookaround, anchors

def test_lookahead_and_negative_lookahead():
    t = "المشير حفتر المشير حجازي"
    assert [m.tok_start for m in find('"مشير" (?= "حفتر")', t)[1]] == [0]
    assert [m.tok_start for m in find('"مشير" (?! "حفتر")', t)[1]] == [2]


def test_lookbehind_and_negative_lookbehind():
    t = "المشير حفتر الفريق حفتر"
    assert [m.tok_start for m in find('(?<= "مشير") "حفتر"', t)[1]] == [1]
    assert [m.tok_start for m in find('(?<! "مشير") "حفتر"', t)[1]] == [3]
    # variable-length lookbehind
    assert [m.tok_start for m in find('(?<= "مشير" []?) "حفتر"', "المشير خليفة حفتر")[1]] == [2]


def test_lookaround_tokens_are_not_part_of_the_match():
    assert texts('(?<= "مع") [] (?= ".")', "مع حفتر.") == ["حفتر"]


def test_sentence_anchors():
    t = "قال حفتر. قال المشير حفتر."
    assert texts('^ "قال"', t) == ["قال", "قال"]
    assert texts('"حفتر" (?= "." $)', t) == ["حفتر", "حفتر"]
    assert texts('[!shape=punct] $', "قال حفتر") == ["حفتر"]


# ---------------------------------------------------------------- macros, comments, layout

def test_macros():
    assert texts("title_phrase NAME", "المشير حفتر") == ["المشير حفتر"]


def test_comments_and_line_breaks():
    pattern = """
        # a title, then a name
        [stem in titles]      # المشير, الفريق ...
        (?<name>
            [stem="خليفة"]?   # optional first name
            "حفتر"
        )
    """
    assert texts(pattern, "المشير خليفة حفتر") == ["المشير خليفة حفتر"]


# ---------------------------------------------------------------- spans

def test_span_excludes_clitics_not_asked_for():
    assert texts('"حفتر"', "وحفتر") == ["حفتر"]
    assert texts('"كتاب"', "بكتابه") == ["كتاب"]


def test_span_keeps_clitics_the_pattern_tests():
    assert texts('[pre="و" & stem="حفتر"]', "وحفتر") == ["وحفتر"]
    assert texts('[suf & stem="كتاب"]', "بكتابه") == ["كتابه"]
    assert texts('[word="بكتابه"]', "بكتابه") == ["بكتابه"]
    # only the first token's element decides the start, the last token's the end
    assert texts('"مع" [suf]', "ومع كتابه") == ["مع كتابه"]


def test_ambiguous_token_matches_any_analysis():
    # وبحث: و + بحث (first analysis) or وب + حث
    assert texts('[stem="حث"]', "وبحث") == ["بحث"]
    assert texts('[stem="حث" & prep="ب"]', "وبحث") == ["وبحث"]
    # the whole constraint must hold in ONE analysis
    assert texts('[stem="حث" & !prep]', "وبحث") == []


# ---------------------------------------------------------------- rule options

def test_matches_stay_in_one_sentence_unless_asked():
    t = "قال حفتر. المشير قال."
    assert texts('"حفتر" [] "مشير"', t) == []
    assert texts('"حفتر" [] "مشير"', t, cross=True) == ["حفتر. المشير"]


def test_mode_all_reports_overlapping_matches():
    t = "أ ب ج"
    assert texts("[]{2}", t) == ["أ ب"]
    assert texts("[]{2}", t, mode="all") == ["أ ب", "ب ج"]
    assert texts("[]+", t, mode="all") == ["أ ب ج", "ب ج", "ج"]


# ---------------------------------------------------------------- with the real text layer

def test_with_the_built_in_analyzer():
    """The default CompileEnv analyzes literals with dsl.morph.analyzer, like documents."""
    doc = analyze("وأجرى محادثات مع المشير خليفة حفتر، ومعه وحفتر.")
    prog = compile_pattern('"مع"', CompileEnv())
    assert [doc.text[m.start:m.end] for m in finditer(prog, MatchContext(doc))] == ["مع", "مع"]
    prog = compile_pattern('"أجرى محادثات مع" (?<who> "المشير" [shape=arabic]{1,2})', CompileEnv())
    [m] = finditer(prog, MatchContext(doc))
    assert doc.text[m.start:m.end] == "أجرى محادثات مع المشير خليفة حفتر"
    assert doc.text[m.captures["who"][0].start:m.captures["who"][0].end] == "المشير خليفة حفتر"
    prog = compile_pattern('"حفتر" $', CompileEnv())
    assert [doc.text[m.start:m.end] for m in finditer(prog, MatchContext(doc))] == []
    prog = compile_pattern('"حفتر" (?= [shape=punct] $)', CompileEnv())
    assert [doc.text[m.start:m.end] for m in finditer(prog, MatchContext(doc))] == ["حفتر"]
