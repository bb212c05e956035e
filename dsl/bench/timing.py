"""Timing for `arabic-ie bench`: medians of CPU time within a budget, runs alternated for ratios.

CPU time of this process (`time.process_time`): every stage is single-threaded, and on a
shared machine CPU time does not count the time other jobs hold the core.
"""
from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def freeze_inputs() -> None:
    """Move the inputs built so far out of the collector's generations: in a streaming run they
    would not be alive, and rescanning them would charge every stage for the bench's own data."""
    gc.collect()
    gc.freeze()


def paired(fns: Sequence[Callable[[], Any]], runs: int, budget: float) -> list[tuple[float, int, Any]]:
    """`median` of several functions run alternately (a, b, a, b, ...), so that a change in the
    machine's load weighs on both sides of a ratio alike."""
    times: list[list[float]] = [[] for _ in fns]
    results: list[Any] = [None] * len(fns)
    spent = 0.0
    for _ in range(max(1, runs)):
        for j, fn in enumerate(fns):
            gc.collect()
            w = time.perf_counter()
            t = time.process_time()
            results[j] = fn()
            times[j].append(time.process_time() - t)
            spent += time.perf_counter() - w
        if spent > budget:
            break
    return [(statistics.median(ts), len(ts), r) for ts, r in zip(times, results)]


def median(fn: Callable[[], Any], runs: int, budget: float) -> tuple[float, int, Any]:
    """(median CPU seconds, runs done, last result): repeat `fn` up to `runs` times within `budget`."""
    times: list[float] = []
    result = None
    spent = 0.0
    for _ in range(max(1, runs)):
        gc.collect()
        w = time.perf_counter()
        t = time.process_time()
        result = fn()
        times.append(time.process_time() - t)
        spent += time.perf_counter() - w
        if spent > budget:
            break
    return statistics.median(times), len(times), result


@dataclass(frozen=True)
class Row:
    """One line of the report."""

    stage: str
    tokens: int
    seconds: float
    runs: int
    matches: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tok_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else float("inf")


def load_average() -> str:
    """The load average of the machine (1, 5, 15 minutes), printed with the report."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def side_by_side(name: str, ours: Row, theirs: Row) -> dict[str, Any]:
    """A pair of the report: our throughput and spaCy's on the same stage, and their ratio."""
    return {"stage": name, "ours_tok_s": ours.tok_s, "spacy_tok_s": theirs.tok_s,
            "ratio": ours.tok_s / theirs.tok_s if theirs.tok_s else None}
