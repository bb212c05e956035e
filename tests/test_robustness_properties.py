"""Robustness (#7) invariants, checked with hypothesis.

- random strings given to the pattern parser and compiler either compile or raise `DslError`;
- random YAML-ish documents given to the pack loader either load or raise `DslError`;
- random Unicode text (every plane, combining marks, bidi controls, NUL, lone CR) through the
  whole pipeline never raises, and every offset it reports slices the text it was given;
- the overlap policy gives the same answer as the obvious quadratic algorithm (it is
  O(n log n) so a 100 MB one-line document does not hang: see tests/fuzz/bench_long_line.py);
- fuzz-found inputs stay fixed (regression cases at the end).

The harness functions are shared with the atheris fuzzers in tests/fuzz/.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.doc.mention import Mention, Removal
from dsl.errors import DslError
from dsl.io.inputs import InputDoc, InputProblem, decode
from dsl.pack.overlap import rank_key, resolve_overlaps
from dsl.pack.pack import Pack, load_default_pack
from dsl.pack.source import read_sources

sys.path.insert(0, str(Path(__file__).parent / "fuzz"))
import harness


# --- the overlap policy is fast and unchanged ------------------------------------------------------------
def naive_overlaps(mentions: list[Mention]) -> tuple[list[Mention], list[Removal]]:
    """The definition: best first, drop what overlaps an already kept mention (its first such winner)."""
    unique = sorted({m.key(): m for m in mentions}.values(), key=lambda m: (m.start, m.end, m.rule, m.tok_start))
    if len(unique) < 2:
        return unique, []
    kept: list[Mention] = []
    removals: list[Removal] = []
    for m in sorted(unique, key=rank_key):
        winner = next((k for k in kept if m.start < k.end and k.start < m.end), None)
        if winner is None:
            kept.append(m)
        else:
            removals.append(Removal(m, winner))
    kept.sort(key=lambda m: (m.start, m.end, m.rule))
    return kept, removals


def mention(start: int, length: int, rule: str, priority: int) -> Mention:
    return Mention("L", rule, start, start + length, "x" * length, start, start + length, priority=priority)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 12), st.integers(0, 2)), max_size=120))
def test_overlap_policy_matches_the_quadratic_definition(items):
    ms = [mention(s, n, f"r{i % 7}", p) for i, (s, n, p) in enumerate(items)]
    assert resolve_overlaps(ms) == naive_overlaps(ms)



# --- the pattern parser and compiler: a Program or a DslError ---------------------------------------------
PATTERN_PIECES = ['[', ']', '(', ')', '|', '&', '!', '=', '!=', '~', '*', '+', '?', '{', '}', ',', '"', "'",
                  '/', '@', '^', '$', '(?<', '>', '(?=', '(?!', '(?<=', '(?<!', 'stem', 'def', 'in', 'text',
                  'shape', 'NP', 'DEF', 'Person', 'titles', 'known', '"وزير"', '/ab+/i', '{2,3}', '{1000}',
                  ' ', '\n', '\\', '0', '9', 'ـ', 'ال', '\u200f', '\x00']


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(PATTERN_PIECES), max_size=30).map("".join),
                 st.text(max_size=60)))
def test_any_string_compiles_or_raises_the_projects_own_error(text):
    harness.check_pattern(text)


# --- the pack loader: a Pack or a DslError ----------------------------------------------------------------
KEYS = ["name", "version", "imports", "gazetteers", "sets", "macros", "rules", "label", "pattern", "file",
        "examples", "expect", "text", "args", "span", "priority", "phase", "mode", "enabled", "output",
        "overlap", "document_sets", "token", "attr", "default", "x", "<<"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                    st.sampled_from(['[def]', '"وزير"', '@X', 'first', 'longest', 'a.txt', '../x', '[', '']),
                    st.text(max_size=8))
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)), max_leaves=25)


def dump(value: object) -> str:
    import yaml
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.dictionaries(st.sampled_from(KEYS), yaml_values, max_size=6).map(dump),
                 st.lists(st.sampled_from(["name: p\n", "rules:\n", "  - name: r\n", "    label: L\n",
                                           "    pattern: '[def]'\n", "    pattern: |\n      [def\n", "&a [x]\n",
                                           "*a\n", "!!python/object:os.system x\n", "{", "[", "- ", ": ", "\t",
                                           "sets: {s: [a]}\n", "macros: {M: '[def]'}\n", "\ufeff", "\x00"]),
                          max_size=12).map("".join),
                 st.text(max_size=80)))
def test_any_yamlish_document_loads_or_raises_the_projects_own_error(tmp_path_factory, text):
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("pack"))      # relative paths in the pack resolve in a scratch folder
    try:
        harness.check_pack_text(text)
    finally:
        os.chdir(cwd)


# --- any text through the whole pipeline: no exception, every offset valid --------------------------------
@pytest.fixture(scope="module")
def shipped() -> Pack:
    return load_default_pack(cache=False)


ARABIC_NOISE = st.sampled_from(["المشير خليفة حفتر", "وزير الخارجية", "التقى الرئيس", "ـ", "\u064e\u0651",
                                "\u200f", "\u202e", "\u2066", "\u2069", "\ufeff", "\r\n", "\r", "\x00", "\u2028",
                                "\U0001F600", "\U00020000", "\U000E0001", "\U0010FFFF", "ﷺ", "ﻻ", "٣", "."])
texts = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.lists(st.one_of(ARABIC_NOISE, st.text(max_size=3)), max_size=25).map(" ".join),
)

pytestmark = pytest.mark.slow   # long hypothesis searches over the whole pipeline


def valid_offsets(text: str, item: dict) -> bool:
    return 0 <= item["start"] <= item["end"] <= len(text) and text[item["start"]:item["end"]] == item["text"]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(texts)
def test_any_unicode_text_runs_through_the_pipeline_with_valid_offsets(shipped, text):
    for m in shipped.match(text):
        d = m.to_dict()
        assert valid_offsets(text, d) and d["start"] < d["end"]
        for a in d["args"].values():
            assert all(valid_offsets(text, x) for x in (a if isinstance(a, list) else [a]))
        json.dumps(d, ensure_ascii=False).encode("utf-8")   # writable as JSON Lines
    doc = shipped.analyze(text)
    for t in doc.tokens:
        assert 0 <= t.start < t.end <= len(text) and text[t.start:t.end] == t.text


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["strict", "replace", "skip"]))
def test_any_bytes_decode_to_a_document_or_a_problem(data, errors):
    doc = decode(data, "x", errors)
    assert isinstance(doc, (InputDoc, InputProblem))
    if errors != "strict":
        assert isinstance(doc, InputDoc)


# --- regressions: inputs that once crashed or hung -----------------------------------------------------
FOUND_BY_FUZZING: list[tuple[str, str]] = [
    # (what went wrong, the pack text). Found while closing issue #7, by hand and by the fuzzers.
    ("RecursionError in PyYAML's composer", "name: x\nrules: " + "[" * 3000 + "]" * 3000 + "\n"),
    ("RecursionError in PyYAML's composer", "name: x\nrules: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"),
    ("exponential macro expansion (hung)", "name: x\nmacros:\n  M0: '[def]'\n"
     + "".join(f"  M{i}: M{i - 1} M{i - 1} M{i - 1} M{i - 1}\n" for i in range(1, 30))
     + "rules:\n  - {name: r, label: X, pattern: M29}\n"),
    # fuzz_pack.py, 2026-11-22: a syntax error late in a long pattern took 14 s for 2.5 KB (the
    # parser state was copied after every token to word the message); 20,000 characters: minutes
    ("quadratic syntax-error wording (slow unit)", "name: s\nsets:\n  s: [a, b]\nrules:\n"
     "  - {name: a, label: A, pattern: '[stem in s]" + "$$NA|ME" * 2800 + ".'}\n"),
]


@pytest.mark.parametrize("what,text", FOUND_BY_FUZZING, ids=[w for w, _ in FOUND_BY_FUZZING])
def test_inputs_that_once_crashed_are_positioned_errors_now(what, text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DslError) as e:
        Pack._build(*read_sources(text=text, text_name="found.yaml"))
    assert e.value.one_line().startswith("found.yaml:")
