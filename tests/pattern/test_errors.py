"""Every syntax and semantic error is a PatternError with line:column, the offending line and
a caret, and says in words what was expected. These are the messages rule writers see."""
from __future__ import annotations

import textwrap

import pytest

from dsl.doc.token import Analysis
from dsl.errors import Origin, PatternError
from dsl.pattern import compiler, parser
from dsl.pattern.compiler import CompileEnv, compile_pattern
from dsl.pattern.parser import parse_pattern

ENV = CompileEnv(
    labels=frozenset({"Person", "Location"}),
    sets={"titles": frozenset({"مشير"})},
    dynamic_sets=frozenset({"surnames"}),
    extra_attributes=frozenset({"pos"}),
    macros={"title_phrase": ("[stem in titles]", None), "loop1": ("loop2 []", None), "loop2": ("[] loop1", None)},
    analyze_literal=lambda t: [Analysis(stem=w) for w in t.split()],
)


def render(pattern, env=ENV, **kw):
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern, env, **kw)
    return info.value.render()


def lines(s):
    return textwrap.dedent(s).strip("\n")


@pytest.mark.parametrize("pattern,expected", [
    ('"مع" | ', """
        <pattern>:1:7: unexpected end of pattern: expected a token constraint, a literal, '(' or '@Label' after '|'
            "مع" |\x20
                  ^"""),
    ('"مع" | )', """
        <pattern>:1:8: unexpected ')': expected a token constraint, a literal, '(' or '@Label' after '|'
            "مع" | )
                   ^"""),
    ("[stem=]", """
        <pattern>:1:7: unexpected ']': expected a quoted value, a bare word or a /regex/ after '='
            [stem=]
                  ^"""),
    ("[stem in ]", """
        <pattern>:1:10: unexpected ']': expected a set name after 'in'
            [stem in ]
                     ^"""),
    ("[a b]", """
        <pattern>:1:4: unexpected 'b': expected '=', '!=', 'in', '&', '|' or ']' after 'a'
            [a b]
               ^"""),
    ("[a=\"x\" &]", """
        <pattern>:1:9: unexpected ']': expected an attribute name, '!' or '(' after '&'
            [a="x" &]
                    ^"""),
    ('"a" "b" ]', """
        <pattern>:1:9: unexpected ']': expected a token constraint, a literal, '(', '@Label', a quantifier, '|' or the end of the pattern after literal "b"
            "a" "b" ]
                    ^"""),
    ('("a" "b"', """
        <pattern>:1:9: unexpected end of pattern: missing ')' to close the '(' at line 1, column 1
            ("a" "b"
                    ^"""),
    ('[stem="x"', """
        <pattern>:1:10: unexpected end of pattern: missing ']' to close the '[' at line 1, column 1
            [stem="x"
                     ^"""),
    ('"a"**', """
        <pattern>:1:5: unexpected quantifier '*' after '*': to repeat a repetition, put it in a group: (?: x*)*
            "a"**
                ^"""),
    ('* "a"', """
        <pattern>:1:1: quantifier '*' at the start of the pattern has nothing to repeat: expected a token constraint, a literal, '(' or '@Label' before it
            * "a"
            ^"""),
    ('"abc', """
        <pattern>:1:1: unterminated literal: missing closing "
            "abc
            ^"""),
    ("[norm=/ab", """
        <pattern>:1:7: unterminated regex: missing closing '/'
            [norm=/ab
                  ^"""),
    ('"a"{x}', """
        <pattern>:1:4: malformed repetition count: expected {n}, {n,m}, {,m} or {n,}
            "a"{x}
               ^"""),
    ('"a"{5,3}', """
        <pattern>:1:4: bad repetition count '{5,3}': the minimum 5 is larger than the maximum 3
            "a"{5,3}
               ^"""),
    ('"a"{}', """
        <pattern>:1:4: empty repetition count '{}': expected {n}, {n,m}, {,m} or {n,}
            "a"{}
               ^"""),
    ("(?x [])", """
        <pattern>:1:1: unknown group syntax '(?x': expected '(?:', '(?<name>', '(?=', '(?!', '(?<=' or '(?<!'
            (?x [])
            ^"""),
    ("@ Person", """
        <pattern>:1:1: expected a label name after '@' (e.g. @Person)
            @ Person
            ^"""),
    ("/x/g", """
        <pattern>:1:4: unknown regex flag 'g' (the only flag is 'i', ignore case)
            /x/g
               ^"""),
    ('""', """
        <pattern>:1:1: empty literal: a literal must contain at least one word
            ""
            ^"""),
    ("[] %", """
        <pattern>:1:4: unexpected character '%': expected a token constraint, a literal, '(', '@Label', a quantifier, '|' or the end of the pattern after ']'
            [] %
               ^"""),
])
def test_syntax_errors(pattern, expected):
    assert render(pattern) == lines(expected)


@pytest.mark.parametrize("pattern,expected", [
    ('[stm="مشير"]', """
        <pattern>:1:2: unknown attribute 'stm' (did you mean 'stem'?)
            [stm="مشير"]
             ^"""),
    ("[stem in title]", """
        <pattern>:1:10: unknown set 'title' (did you mean 'titles'?)
            [stem in title]
                     ^"""),
    ('"مع" @Persn', """
        <pattern>:1:6: unknown label '@Persn' (did you mean 'Person'?)
            "مع" @Persn
                 ^"""),
    ("[norm=/(ab/]", """
        <pattern>:1:11: bad regex /(ab/: missing )
            [norm=/(ab/]
                      ^"""),
    ('"مع"?', """
        <pattern>:1:1: pattern can match zero tokens: a match must consume at least one token (make at least one element mandatory)
            "مع"?
            ^"""),
    ("titl_phrase", """
        <pattern>:1:1: undefined macro 'titl_phrase' (did you mean 'title_phrase'?)
            titl_phrase
            ^"""),
    ('"أجرى" مع', """
        <pattern>:1:8: undefined macro 'مع' (did you mean the literal "مع"?)
            "أجرى" مع
                   ^"""),
    ("loop1", """
        <macro loop2>:1:4: recursive macro 'loop1' (loop1 -> loop2 -> loop1)
            [] loop1
               ^"""),
    ("[shape=arabc]", """
        <pattern>:1:2: unknown shape 'arabc': the shapes are arabic, latin, digit, punct, mixed, url, email, symbol (did you mean 'arabic'?)
            [shape=arabc]
             ^"""),
    ('[def="x"]', """
        <pattern>:1:2: 'def' is a boolean attribute: write [def] or [!def]
            [def="x"]
             ^"""),
    ('[stem~"x"]', """
        <pattern>:1:2: '~' searches with a regex: write stem~/.../
            [stem~"x"]
             ^"""),
    ("(?= (?<x> []))", """
        <pattern>:1:5: capture 'x' inside a lookaround: lookarounds only test, they cannot capture
            (?= (?<x> []))
                ^"""),
    ("(?<x> []?) []", """
        <pattern>:1:1: capture 'x' can match zero tokens: an argument must cover at least one token
            (?<x> []?) []
            ^"""),
    ("(?<x> (?<x> []))", """
        <pattern>:1:7: capture 'x' inside another capture 'x'
            (?<x> (?<x> []))
                  ^"""),
    ("(?: []?)* []", """
        <pattern>:1:5: the repeated part can match zero tokens: a repeated element must consume at least one token (make it mandatory inside the repetition)
            (?: []?)* []
                ^"""),
    ("[]{1001}", """
        <pattern>:1:3: repetition count 1001 is larger than the limit of 1000
            []{1001}
              ^"""),
    ("(?: []{1000}){1000}", """
        <pattern>:1:5: pattern is too large: it compiles to more than 50000 instructions (counted repetitions {n,m} copy their body m times; use * or + or smaller counts)
            (?: []{1000}){1000}
                ^"""),
])
def test_semantic_errors(pattern, expected):
    assert render(pattern) == lines(expected)


def test_empty_pattern():
    assert render("  # only a comment") == ("<pattern>:1:1: empty pattern: expected a token constraint, a literal, "
                                            "'(' or '@Label'\n      # only a comment\n    ^")


def test_multi_line_positions():
    pattern = '"أجرى محادثات مع"\n  (?<partner> [stm="x"])'
    assert render(pattern) == lines("""
        <pattern>:2:16: unknown attribute 'stm' (did you mean 'stem'?)
              (?<partner> [stm="x"])
                           ^""")


def test_nesting_limit():
    text = "(" * 51 + "[]" + ")" * 51
    err = render(text)
    assert err.startswith("<pattern>:1:51: pattern nests deeper than 50 levels (split it into macros or simplify it)")


def test_length_limit():
    err = render('"a" ' * (parser.MAX_PATTERN_CHARS // 4 + 1))
    assert err.startswith(f"<pattern>:1:1: pattern is longer than {parser.MAX_PATTERN_CHARS} characters")


def test_macro_expansion_depth_limit():
    macros = {f"m{i}": (f"[] ([] ([] ([] (m{i + 1} []))))", None) for i in range(40)}
    macros["m40"] = ("[]", None)
    err = render("m0", CompileEnv(macros=macros))
    assert f"pattern nests deeper than {compiler.MAX_EXPANDED_DEPTH} levels after expanding macros" in err


def test_not_a_string():
    with pytest.raises(PatternError, match="a pattern must be a string"):
        parse_pattern(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------- positions inside a YAML pack

PACK = """\
rules:
  - name: meeting
    label: Meeting
    pattern: |
      "أجرى محادثات مع"
      (?<partner> @Persn)
  - name: title
    label: Title
    pattern: '[stm="مشير"]'
"""


def test_error_maps_into_yaml_block_scalar(tmp_path):
    f = tmp_path / "pack.yaml"
    f.write_text(PACK, encoding="utf-8")
    origin = Origin(str(f), line=5, column=7, block_indent=6)
    text = '"أجرى محادثات مع"\n(?<partner> @Persn)\n'
    with pytest.raises(PatternError) as info:
        compile_pattern(text, ENV, origin=origin)
    e = info.value
    assert (e.pos.file, e.pos.line, e.pos.column) == (str(f), 6, 19)
    assert e.render() == (f"{f}:6:19: unknown label '@Persn' (did you mean 'Person'?)\n"
                          "          (?<partner> @Persn)\n"
                          "                      ^")


def test_error_maps_into_yaml_inline_scalar(tmp_path):
    f = tmp_path / "pack.yaml"
    f.write_text(PACK, encoding="utf-8")
    with pytest.raises(PatternError) as info:
        compile_pattern('[stm="مشير"]', ENV, origin=Origin(str(f), line=9, column=15))
    assert info.value.render() == (f"{f}:9:16: unknown attribute 'stm' (did you mean 'stem'?)\n"
                                   "        pattern: '[stm=\"مشير\"]'\n"
                                   "                   ^")


def test_syntax_error_maps_into_yaml(tmp_path):
    f = tmp_path / "pack.yaml"
    f.write_text(PACK.replace("(?<partner> @Persn)", "(?<partner> @Person |)"), encoding="utf-8")
    with pytest.raises(PatternError) as info:
        compile_pattern('"أجرى محادثات مع"\n(?<partner> @Person |)\n', ENV,
                        origin=Origin(str(f), line=5, column=7, block_indent=6))
    assert info.value.render() == (
        f"{f}:6:28: unexpected ')': expected a token constraint, a literal, '(' or '@Label' after '|'\n"
        "          (?<partner> @Person |)\n"
        "                               ^")


def test_error_in_a_macro_points_into_the_macro_definition(tmp_path):
    env = CompileEnv(macros={"bad": ('[stem="x"] [stm="y"]', Origin("macros.yaml", 3, 10))})
    assert render("bad", env) == lines("""
        macros.yaml:3:22: unknown attribute 'stm' (did you mean 'stem'?)
                     [stem="x"] [stm="y"]
                                 ^""")


def test_origin_without_readable_file_pads_the_line():
    err = render('[stm="x"]', origin=Origin(None, 4, 12))
    assert err == lines("""
        <pattern>:4:13: unknown attribute 'stm' (did you mean 'stem'?)
                       [stm="x"]
                        ^""")


def test_every_mistake_of_a_pattern_is_reported_at_once():
    """Names, regexes and captures are checked independently: one compile lists them all, in order."""
    from dsl.errors import ErrorList, PatternErrors
    with pytest.raises(PatternError) as info:
        compile_pattern('[stem in titels] [lemma="x"] @Persn (?<a> [norm=/(/]) undefined_macro', ENV)
    e = info.value
    assert isinstance(e, PatternErrors) and isinstance(e, ErrorList)
    assert [x.one_line() for x in e.errors] == [
        "<pattern>:1:10: unknown set 'titels' (did you mean 'titles'?)",
        "<pattern>:1:19: unknown attribute 'lemma' (an attribute from another analyzer must be declared: "
        "'attributes: [lemma]' in the pack)",
        "<pattern>:1:30: unknown label '@Persn' (did you mean 'Person'?)",
        "<pattern>:1:51: bad regex /(/: missing )",
        "<pattern>:1:55: undefined macro 'undefined_macro'",
    ]
    assert e.pos == e.errors[0].pos                # read as one error, it is the first


def test_a_mistake_in_a_macro_used_twice_is_reported_once():
    env = CompileEnv(macros={"M": ("[stem in nope]", None)})
    with pytest.raises(PatternError) as info:
        compile_pattern("M M", env)
    assert not hasattr(info.value, "errors") and "unknown set 'nope'" in info.value.one_line()
