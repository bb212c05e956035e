"""The parser: text -> AST for every construct, round trips, and robustness on random input."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import ATTR_ANY, LETTER_ANY

from dsl.doc.token import Analysis
from dsl.errors import PatternError
from dsl.pattern import syntax as S
from dsl.pattern.compiler import CompileEnv, compile_pattern
from dsl.pattern.parser import parse_pattern

N = int(os.environ.get("PATTERN_EXAMPLES", "200"))


def stem(v):
    return S.TokenAtom(S.Compare("stem", "=", S.Text(v)))


def test_token_constraints():
    assert parse_pattern('[stem="مشير"]') == stem("مشير")
    assert parse_pattern("[shape=arabic]") == S.TokenAtom(S.Compare("shape", "=", S.Text("arabic", bare=True)))
    assert parse_pattern("[norm=/^(بحث|يبحث)$/]") == S.TokenAtom(S.Compare("norm", "=", S.Regex("^(بحث|يبحث)$")))
    assert parse_pattern("[norm~/x/i]") == S.TokenAtom(S.Compare("norm", "~", S.Regex("x", "i")))
    assert parse_pattern('[pre="و" & shape=arabic]') == S.TokenAtom(S.And((
        S.Compare("pre", "=", S.Text("و")), S.Compare("shape", "=", S.Text("arabic", bare=True)))))
    assert parse_pattern("[!def]") == S.TokenAtom(S.Not(S.Flag("def")))
    assert parse_pattern("[!!def]") == S.TokenAtom(S.Flag("def"))
    assert parse_pattern("[stem in titles]") == S.TokenAtom(S.InSet("stem", "titles"))
    assert parse_pattern("[]") == S.TokenAtom(None)
    assert parse_pattern("[a | b & !c]") == S.TokenAtom(S.Or((S.Flag("a"), S.And((S.Flag("b"), S.Not(S.Flag("c")))))))
    assert parse_pattern("[(a | b) & c]") == S.TokenAtom(S.And((S.Or((S.Flag("a"), S.Flag("b"))), S.Flag("c"))))
    assert parse_pattern("[stem!='x']") == S.TokenAtom(S.Compare("stem", "!=", S.Text("x")))
    assert parse_pattern(r'[text="a\"b"]') == S.TokenAtom(S.Compare("text", "=", S.Text('a"b')))


def test_shorthands_and_atoms():
    assert parse_pattern('"مع"') == S.Literal("مع")
    assert parse_pattern('"أجرى محادثات مع"') == S.Literal("أجرى محادثات مع")
    assert parse_pattern("/بحث/") == S.RegexAtom(S.Regex("بحث"))
    assert parse_pattern("@Person") == S.Mention("Person")
    country = S.Compare("type", "=", S.Text("country"))
    assert parse_pattern('@Location[type="country"]') == S.Mention("Location", country)
    # a space makes the bracket a separate token constraint
    assert parse_pattern('@Location [type="country"]') == S.Seq((S.Mention("Location"), S.TokenAtom(country)))
    assert parse_pattern("title_phrase") == S.MacroRef("title_phrase")
    assert parse_pattern("^ [] $") == S.Seq((S.Anchor("start"), S.TokenAtom(None), S.Anchor("end")))


def test_operators():
    a, b = stem("a"), stem("b")
    assert parse_pattern('"a" "b"') == S.Seq((S.Literal("a"), S.Literal("b")))
    assert parse_pattern('[stem="a"] | [stem="b"]') == S.Alt((a, b))
    assert parse_pattern('([stem="a"])') == a
    assert parse_pattern('(?:[stem="a"] [stem="b"])') == S.Seq((a, b))
    for q, (lo, hi, lazy) in {"?": (0, 1, False), "*": (0, None, False), "+": (1, None, False),
                              "{3}": (3, 3, False), "{2,5}": (2, 5, False), "{,4}": (0, 4, False),
                              "{2,}": (2, None, False), "??": (0, 1, True), "*?": (0, None, True),
                              "+?": (1, None, True), "{2,5}?": (2, 5, True)}.items():
        assert parse_pattern('[stem="a"]' + q) == S.Repeat(a, lo, hi, lazy), q


def test_groups_and_lookarounds():
    a = stem("a")
    assert parse_pattern('(?<who> [stem="a"])') == S.Capture("who", a)
    assert parse_pattern('(?P<who> [stem="a"])') == S.Capture("who", a)
    assert parse_pattern('(?= [stem="a"])') == S.Look(a, True, False)
    assert parse_pattern('(?! [stem="a"])') == S.Look(a, True, True)
    assert parse_pattern('(?<= [stem="a"])') == S.Look(a, False, False)
    assert parse_pattern('(?<! [stem="a"])') == S.Look(a, False, True)


def test_comments_and_whitespace_are_ignored():
    assert parse_pattern('# a comment\n  "a"   # another\n\n  "b"  ') == S.Seq((S.Literal("a"), S.Literal("b")))
    assert parse_pattern('"a#b"') == S.Literal("a#b")     # not a comment inside a literal
    assert parse_pattern("/a#b/") == S.RegexAtom(S.Regex("a#b"))


def test_positions():
    ast = parse_pattern('"a"\n  | [stem="b"]')
    assert (ast.options[1].loc.line, ast.options[1].loc.column) == (2, 5)


@settings(max_examples=N // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ast=st.one_of(LETTER_ANY, ATTR_ANY))
def test_format_then_parse_round_trips(ast):
    # parsing normalizes (one-item sequences and groups disappear); after that, a fixpoint
    once = parse_pattern(S.format_pattern(ast))
    assert parse_pattern(S.format_pattern(once)) == once


# ---------------------------------------------------------------- robustness

ALPHABET = list("[](){}?*+:<>=!&|\"'/\\@#^$,~.- \n\tab_0123456789") + ["مع", "و", "in ", "stem", "def", "(?<x>", "(?<=",
                                                                        "(?!", "(?:", "@P", "{2,3}", '"x"', "/a/"]
ENV = CompileEnv(labels=frozenset({"P"}), sets={"s": frozenset({"a"})},
                 analyze_literal=lambda t: [Analysis(stem=w) for w in t.split()])


@settings(max_examples=N * 3, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=30).map("".join))
def test_random_text_parses_or_raises_pattern_error(text):
    try:
        ast = parse_pattern(text)
    except PatternError as e:
        assert e.pos is not None and e.pos.line >= 1 and e.pos.column >= 1
        e.render()
        return
    try:
        compile_pattern(ast, ENV)
    except PatternError as e:
        assert e.pos is not None
        e.render()


@settings(max_examples=N, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_unicode_parses_or_raises_pattern_error(text):
    try:
        compile_pattern(text, ENV)
    except PatternError:
        pass


def test_deep_but_allowed_nesting_parses():
    ast = parse_pattern("(" * 50 + '"a"' + ")" * 50)
    assert ast == S.Literal("a")
    ast = parse_pattern("[" + "(" * 49 + "a" + ")" * 49 + "]")
    assert ast == S.TokenAtom(S.Flag("a"))


def test_long_flat_patterns_parse():
    text = " | ".join(f'"w{i}"' for i in range(2000))
    assert len(parse_pattern(text).options) == 2000
    text = "[" + " & ".join("!" * 30 + "def" for _ in range(300)) + "]"
    parse_pattern(text)
