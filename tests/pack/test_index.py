"""The pack-wide matcher (dsl.pack.index) finds exactly what each rule's program finds alone.

Property: on random packs of random patterns (the attribute-space generator of the
differential tests: stems, clitics, article, shapes, static and document sets, regexes,
`@Label` with attributes, ambiguous tokens, several sentences), over several documents that
share the matcher's caches, `PackMatcher.search` returns for every rule the same matches,
captures and order as `matcher.finditer`, and both agree with the reference interpreter.
"""
from __future__ import annotations

import os
import pickle

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_matcher import as_tuples, reference_finditer
from strategies import ATTR_ANY, ATTR_ENV, _compile, _dedupe_nested, documents

from dsl.pack.index import PackMatcher, RuleSpec, required_literal
from dsl.pattern import syntax as S
from dsl.pattern.compiler import compile_pattern, resolve
from dsl.pattern.vm import MatchContext, finditer, index_mentions

SETTINGS = settings(max_examples=int(os.environ.get("PATTERN_EXAMPLES", "120")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def packs(draw):
    """1-6 rules: (resolved AST, program, mode, cross_sentence)."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        ast = _dedupe_nested(draw(ATTR_ANY))
        ast, prog = _compile(ast, ATTR_ENV, S.TokenAtom(None))
        out.append((ast, prog, draw(st.sampled_from(["first", "all"])), draw(st.booleans())))
    return out


def _specs(pack):
    return [RuleSpec(prog, mode, cross) for _, prog, mode, cross in pack]


@SETTINGS
@given(pack=packs(), docs=st.lists(documents(), min_size=1, max_size=3), cache_size=st.sampled_from([1, 3, 10_000]),
       split=st.booleans())
@pytest.mark.slow
def test_pack_matcher_equals_each_program_alone_and_the_reference(pack, docs, cache_size, split):
    n = len(pack)
    groups = [list(range(0, n, 2)), list(range(1, n, 2))] if split else [list(range(n))]
    pm = PackMatcher(_specs(pack), groups, cache_size=cache_size)   # one matcher for every document
    for doc, mentions, dsets in docs:
        ctx = MatchContext(doc, index_mentions(mentions), dsets)
        dt = pm.prepare(doc)
        for g, members in enumerate(groups):
            found = pm.search(ctx, group=g, doc_types=dt)
            assert set(found) <= set(members) and all(found.values())   # rules without a match are left out
            for r in members:
                ast, prog, mode, cross = pack[r]
                alone = list(finditer(prog, MatchContext(doc, index_mentions(mentions), dsets), mode=mode,
                                      cross_sentence=cross))
                assert found.get(r, []) == alone, S.format_pattern(ast)
                ref = reference_finditer(resolve(S.format_pattern(ast), ATTR_ENV), ATTR_ENV, doc,
                                         mentions=index_mentions(mentions), sets=dsets, mode=mode,
                                         cross_sentence=cross)
                assert as_tuples(found.get(r, [])) == ref, S.format_pattern(ast)


@pytest.mark.slow
@SETTINGS
@given(pack=packs(), data=documents(), pick=st.sets(st.integers(0, 5)))
def test_a_subset_of_rules_gives_the_same_matches_for_those_rules(pack, data, pick):
    doc, mentions, dsets = data
    pm = PackMatcher(_specs(pack))
    ctx = MatchContext(doc, index_mentions(mentions), dsets)
    every = pm.search(ctx)
    subset = sorted(r for r in pick if r < len(pack))
    some = pm.search(ctx, rules=subset)
    assert set(some) <= set(subset)
    assert all(some.get(r, []) == every.get(r, []) for r in subset)


OPENING_LOOKAHEADS = ['(?= [] []? [stem in dyn]) [] []', '(?= [] ("a" | [def])) []', '(?<x> (?= []? "b") [])',
                      '(?! "a") (?= [] [stem in ab]) [] @P?']


@SETTINGS
@given(data=documents(), mode=st.sampled_from(["first", "all"]), cross=st.booleans())
def test_an_opening_lookahead_skips_starts_without_changing_the_matches(data, mode, cross):
    doc, mentions, dsets = data
    progs = [compile_pattern(p, ATTR_ENV) for p in OPENING_LOOKAHEADS]
    pm = PackMatcher([RuleSpec(p, mode, cross) for p in progs])
    assert [r.look is not None for r in pm.rules] == [True] * len(progs)   # the start filter applies
    found = pm.search(MatchContext(doc, index_mentions(mentions), dsets))
    for r, prog in enumerate(progs):
        alone = list(finditer(prog, MatchContext(doc, index_mentions(mentions), dsets), mode=mode,
                              cross_sentence=cross))
        assert found.get(r, []) == alone, OPENING_LOOKAHEADS[r]


def test_rules_are_indexed_by_what_starts_them():
    env = ATTR_ENV
    progs = [compile_pattern('"a" []', env), compile_pattern("[stem in ab] [def]", env),
             compile_pattern("/ال./ []", env), compile_pattern("[!def] [stem=c]", env),
             compile_pattern("@P []", env), compile_pattern("[] [stem=c]", env),
             compile_pattern("[stem in dyn]", env)]
    pm = PackMatcher([RuleSpec(p) for p in progs])
    gi = pm._gidx[0]
    assert gi.eq["stem"]["a"] == [0, 1] and gi.eq["stem"]["b"] == [1]      # literal and static set
    assert gi.sub["norm"]["ال"] == [2]                                       # the regex's required text
    assert gi.residual == (3,)                                               # a negation: tested per word type
    assert gi.by_label == {"P": [4]} and gi.anywhere == (5,) and gi.dynamic == (6,)


def test_predicates_are_shared_between_rules():
    progs = [compile_pattern('"a" [def]', ATTR_ENV), compile_pattern('"b" [def]', ATTR_ENV),
             compile_pattern('[def] "a"', ATTR_ENV)]
    pm = PackMatcher([RuleSpec(p) for p in progs])
    assert len(pm.preds) == 3          # stem=a, stem=b, def: each once for the whole pack


def test_the_matcher_pickles_without_its_caches():
    doc, mentions, dsets = _doc()
    pm = PackMatcher([RuleSpec(compile_pattern('"a" [def]?', ATTR_ENV))])
    before = pm.search(MatchContext(doc, {}, {}))
    again = pickle.loads(pickle.dumps(pm))
    assert again._caches.types == {}
    assert again.search(MatchContext(doc, {}, {})) == before and before[0]
    assert again.key_fields == ("definite", "stem")    # the type key holds what the predicates read


def _doc():
    from reference_matcher import ToyAnalyzer
    an = ToyAnalyzer({"a", "b", "c"})
    return an.analyze("a الb c a. ba الa"), [], {}


# ---------------------------------------------------------------- required literal of a regex

REGEX_PIECES = ["a", "b", "ab", "ال", "[ab]", ".", "a?", "(?:ab|b)", "b+", "(a)", "x*", r"\d", "(?=a)", "^", "$",
                "A", r"\p{L}", r"\p{Arabic}+"]


@SETTINGS
@given(pieces=st.lists(st.sampled_from(REGEX_PIECES), min_size=1, max_size=5), s=st.text("abxAال1", max_size=8))
def test_a_required_literal_is_in_every_string_the_regex_matches(pieces, s):
    src = "".join(pieces)
    lit = required_literal(src)
    if regex.search(src, s):
        assert lit in s, (src, lit, s)
    lit = required_literal(src, "i")
    if regex.search(src, s, regex.IGNORECASE):
        assert lit in s, (src, lit, s)


def test_required_literal_examples():
    assert required_literal("ي?بحث") == "بحث"
    assert required_literal("(ال)?مشير") == "مشير"
    assert required_literal("^(بحث|يبحث)$") == ""          # alternatives: nothing every match contains
    assert required_literal(r"\p{L}+ات") == "ات"             # \p{..} (the `regex` module's classes): any character
    assert required_literal(r"عبدال\p{L}{3,}") == "عبدال"
    assert required_literal("abc", "i") == ""                # case-insensitive: cased letters match others
    assert required_literal("وزير", "i") == "وزير"           # ... Arabic letters only themselves
    assert required_literal("(a|b", "") == ""                # not a regex: no literal claimed


def test_extra_attributes_are_part_of_a_token_type():
    # tokens equal in every built-in attribute but their `pos` (from another analyzer)
    from dsl.doc.document import Document
    from dsl.pattern.compiler import CompileEnv
    env = CompileEnv(extra_attributes=frozenset({"pos"}))
    doc = Document.from_tokens([{"text": "a", "pos": "NOUN"}, {"text": "a", "pos": "VERB"}, {"text": "a"}])
    progs = [compile_pattern("[pos=VERB]", env), compile_pattern("[pos=NOUN] []", env)]
    found = PackMatcher([RuleSpec(p) for p in progs]).search(MatchContext(doc))
    assert [(m.tok_start, m.tok_end) for m in found[0]] == [(1, 2)]
    assert [(m.tok_start, m.tok_end) for m in found[1]] == [(0, 2)]


def test_documents_of_the_analyzer_are_typed_by_their_entries():
    from dsl.doc.document import Document
    from dsl.morph.analyzer import default_analyzer, made_by_analyzer
    env = ATTR_ENV
    an = default_analyzer()
    doc = an.analyze("وحفتر حفتر وحفتر. حفتر")
    copy = Document(doc.text, doc.tokens, doc.sentences)
    assert made_by_analyzer(doc) and not made_by_analyzer(copy)
    pm = PackMatcher([RuleSpec(compile_pattern("[pre] [sent_end]", env)), RuleSpec(compile_pattern("[!pre]", env))])
    for d in (doc, copy):       # by shared analyses, or by the fields read: a type never mixes tokens
        by_type = {}
        for t, tid in zip(d.tokens, pm.prepare(d).tids):
            by_type.setdefault(tid, set()).add((t.pre, t.sent_end))
        assert all(len(v) == 1 for v in by_type.values())
    assert pm.prepare(doc).tids[0] == pm.prepare(doc).tids[0] != pm.prepare(doc).tids[1]
    assert pm.search(MatchContext(doc)) == pm.search(MatchContext(copy))


def test_surfaces_sharing_an_analysis_are_different_types_for_raw_text():
    # `محمد` and `مُحمد` normalize alike and share one analysis, but `text` is raw: a type
    # made on the first must not answer for the second (nor the other way round).
    from dsl.doc.document import Document
    from dsl.morph.analyzer import default_analyzer
    an = default_analyzer()
    pm = PackMatcher([RuleSpec(compile_pattern('[text="مُحمد"]', ATTR_ENV), mode="all")])
    for text in ("محمد قال. ثم مُحمد قال و مُحمد", "مُحمد قال. ثم محمد"):
        doc = an.analyze(text)
        want = [t.i for t in doc.tokens if t.text == "مُحمد"]
        assert [m.tok_start for m in pm.search(MatchContext(doc))[0]] == want
        copy = Document(doc.text, doc.tokens, doc.sentences)
        assert [m.tok_start for m in pm.search(MatchContext(copy))[0]] == want
