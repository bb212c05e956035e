"""Timing for `arabic-ie bench`: CPU time, the two sides of a ratio run alternately, medians.

CPU time (`time.process_time`, or a child process's user + system time): on a shared machine
it does not count the time other jobs hold the core. The garbage collector is left as a
caller has it (no collection between runs, nothing frozen), and `GcClock` says how much of
a measurement it took.
"""
from __future__ import annotations

import gc
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Timed:
    """A measurement: the median CPU seconds of its runs, every run, and the last result."""

    seconds: float
    runs: tuple[float, ...]
    result: Any = None

    @property
    def first(self) -> float:
        return self.runs[0]


def paired(fns: Sequence[Callable[[], Any]], runs: int, budget: float) -> list[Timed]:
    """Run the functions alternately (a, b, a, b, ...) `runs` times each, so that a change in the
    machine's load weighs on every side alike; past three rounds, only while the CPU seconds
    spent stay within `budget` (CPU time, so a loaded machine does not cut the runs short)."""
    times: list[list[float]] = [[] for _ in fns]
    results: list[Any] = [None] * len(fns)
    spent = 0.0
    for k in range(max(1, runs)):
        for j, fn in enumerate(fns):
            t = time.process_time()
            results[j] = fn()
            times[j].append(time.process_time() - t)
            spent += times[j][-1]
        if k + 1 >= 3 and spent > budget:
            break
    return [Timed(statistics.median(ts), tuple(ts), r) for ts, r in zip(times, results)]


def child_cpu(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
              stdout: Any = subprocess.DEVNULL) -> tuple[float, float]:
    """Run `cmd` to its end: (CPU seconds of the child, user + system; wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    res = subprocess.run(list(cmd), stdout=stdout, stderr=subprocess.PIPE, env=env, cwd=cwd, timeout=3600)
    wall = time.perf_counter() - w
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        tail = (res.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"])[-1]
        raise RuntimeError(f"{' '.join(cmd[:4])} ... exited {res.returncode}: {tail}")
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall)


class GcClock:
    """CPU seconds spent in the cyclic garbage collector, and collections per generation,
    while it is installed (`with GcClock() as gcc: ...`)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._t = 0.0

    def _cb(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t = time.process_time()
        else:
            self.seconds += time.process_time() - self._t
            self.collections[info["generation"]] += 1

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self._cb)
        return self

    def __exit__(self, *exc: Any) -> None:
        gc.callbacks.remove(self._cb)


@dataclass(frozen=True)
class Row:
    """One line of the report: a stage, its tokens and median CPU seconds."""

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
