"""What the fuzzers check, shared by the atheris harnesses and the regression tests.

Each `check_*` function feeds one input to a part of arabic-ie and returns normally when the
outcome is allowed: a result, or the project's own error type (`DslError`) rendering to a
positioned message. Anything else (another exception, a hang) is a bug: the harness lets it
propagate so the fuzzer records the input.
"""
from __future__ import annotations

import functools
from pathlib import Path

from dsl.errors import DslError
from dsl.pattern.compiler import CompileEnv, compile_pattern
from dsl.pattern.parser import parse_pattern

ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def env() -> CompileEnv:
    """A small compile environment: one macro, one set, two labels (no analyzer needed)."""
    from dsl.pattern.compiler import _literal_default  # noqa: F401 - the built-in analyzer is lazy
    return CompileEnv(macros={"NP": ('[!def]+', None), "DEF": ("[def]", None)},
                      sets={"titles": frozenset({"رئيس", "وزير"})},
                      dynamic_sets=frozenset({"known"}), labels=frozenset({"Person", "Title"}))


def _check_error(e: DslError) -> None:
    text = e.render()
    assert isinstance(text, str) and text, "an error must render to a message"
    assert e.one_line(), "an error must have a one-line form"


def check_pattern(text: str) -> None:
    """Parse and compile `text`: a Program or a DslError, nothing else."""
    try:
        parse_pattern(text)
    except DslError as e:
        _check_error(e)
        return
    try:
        prog = compile_pattern(text, env())
    except DslError as e:
        _check_error(e)
        return
    from dsl.pattern.lint import dead_node
    dead_node(prog.ast, env().sets, frozenset({"Person"}), {"known": "Title"})   # may say dead, never raise


def check_pack_text(text: str) -> None:
    """Load `text` as a one-file pack (relative paths from a scratch folder): a Pack or a DslError."""
    from dsl.pack.pack import Pack
    from dsl.pack.source import read_sources
    try:
        sources, errors = read_sources(text=text, text_name="fuzz.yaml")
        Pack._build(sources, errors)
    except DslError as e:
        _check_error(e)


def seed_patterns() -> list[str]:
    """Every pattern and macro of the shipped packs, as seeds."""
    import yaml
    out: list[str] = []
    for p in sorted((ROOT / "rules").glob("*.yaml")):
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        out += [str(v) for v in (data.get("macros") or {}).values()]
        out += [str(r["pattern"]) for r in data.get("rules") or [] if "pattern" in r]
    return out


def seed_packs() -> list[str]:
    """Small packs as seeds (the shipped ones import gazetteers outside a scratch folder)."""
    return [
        "name: t\nrules:\n  - name: r\n    label: L\n    pattern: '\"وزير\" [def]'\n",
        "name: s\nsets:\n  s: [a, b]\nmacros:\n  M: '[stem in s]'\nrules:\n  - {name: a, label: A, pattern: 'M+'}\n"
        "  - {name: b, label: B, pattern: '@A [def]', examples: [{text: x, expect: [{text: x}]}]}\n",
        "name: o\noverlap: {A: longest, default: keep_all}\nrules:\n  - name: a\n    label: A\n    pattern: |\n"
        "      (?<x>[stem=/ab+/])\n      [text~/c/i]\n    args: {x: span}\n",
    ]
