"""Differential tests: the compiled matcher against a real regex engine and against the naive
reference interpreter (tests/reference_matcher.py), on random patterns and token sequences.

1. Single-letter tokens: one random AST is rendered both as our pattern text and as a
   `regex` pattern over the string of letters; matches, capture spans and capture lists
   (`Match.spans(name)`, i.e. `captures()`) must be equal (literals, any, classes, alternation,
   groups, greedy and lazy quantifiers, captures, lookarounds, anchors).
2. Random patterns over a small attribute space (stems, clitics, article, shape, sets,
   mentions with attributes, ambiguous tokens, several sentences): the VM must agree with
   the reference in both modes, inside sentences and across them."""
from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st
from reference_matcher import as_tuples, letters_document, reference_finditer
from strategies import (
    ATTR_ANY,
    ATTR_ENV,
    LETTER_ANY,
    LETTER_ENV,
    LETTERS,
    SETTINGS,
    _compile,
    _dedupe_nested,
    _uniquify,
    documents,
    to_regex,
)

from dsl.pattern import syntax as S
from dsl.pattern.compiler import compile_pattern, resolve
from dsl.pattern.vm import MatchContext, finditer, index_mentions


@pytest.mark.slow
@SETTINGS
@given(ast=LETTER_ANY, s=st.text(LETTERS, max_size=9))
def test_same_matches_and_captures_as_regex(ast, s):
    ast = _uniquify(ast, [0])
    ast, prog = _compile(ast, LETTER_ENV, S.TokenAtom(None))
    rx = regex.compile(to_regex(ast))
    ours = [(m.tok_start, m.tok_end, {k: [(c.tok_start, c.tok_end) for c in v] for k, v in m.captures.items()})
            for m in finditer(prog, MatchContext(letters_document(s)))]
    theirs = [(m.start(), m.end(), {k: m.spans(k) for k in rx.groupindex}) for m in rx.finditer(s)]
    assert ours == theirs, (S.format_pattern(ast), rx.pattern, s)


def test_regex_differential_examples():
    # a few fixed cases the generator found interesting at some point
    for pat, rx, s in [('[text="a"]+? [text="b"]', "a+?b", "aab"),
                       ('(?: (?<g1> [text="a"]) | [text="b"])+', "(?:(?P<g1>a)|b)+", "abab"),
                       ('(?<= [text="a"] []) [text="c"]', "(?<=a.)c", "abcac"),
                       ('(?! [text="a"]) []{1,2}', "(?!a).{1,2}", "aabca")]:
        prog = compile_pattern(pat, LETTER_ENV)
        r = regex.compile(rx)
        ours = [(m.tok_start, m.tok_end, {k: [(c.tok_start, c.tok_end) for c in v] for k, v in m.captures.items()})
                for m in finditer(prog, MatchContext(letters_document(s)))]
        assert ours == [(m.start(), m.end(), {k: m.spans(k) for k in r.groupindex}) for m in r.finditer(s)]


@pytest.mark.slow
@SETTINGS
@given(ast=ATTR_ANY, data=documents(), mode=st.sampled_from(["first", "all"]), cross=st.booleans())
def test_vm_agrees_with_reference(ast, data, mode, cross):
    doc, mentions, dsets = data
    ast = _dedupe_nested(ast)
    ast, prog = _compile(ast, ATTR_ENV, S.TokenAtom(None))
    idx = index_mentions(mentions)
    ours = as_tuples(finditer(prog, MatchContext(doc, idx, dsets), mode=mode, cross_sentence=cross))
    ref = reference_finditer(resolve(S.format_pattern(ast), ATTR_ENV), ATTR_ENV, doc, mentions=idx, sets=dsets,
                             mode=mode, cross_sentence=cross)
    assert ours == ref, S.format_pattern(ast)
