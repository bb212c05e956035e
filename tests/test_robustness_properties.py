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

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from dsl.mentions import Mention, Removal, rank_key, resolve_overlaps

sys.path.insert(0, str(Path(__file__).parent / "fuzz"))
import harness  # noqa: E402


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

