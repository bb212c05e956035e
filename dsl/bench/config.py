"""What `arabic-ie bench` measures: corpus size, pack and gazetteer sizes, runs, the optional parts."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchConfig:
    """What to measure (see `arabic-ie bench --help`)."""

    corpus: str | None = None
    chars: int = 1_000_000
    rule_sizes: tuple[int, ...] = (10, 100, 1000)
    gazetteer_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    runs: int = 5
    budget: float = 20.0           # seconds a stage may spend repeating itself
    seed: int = 1
    spacy: bool = True
    memory: bool = True
    memory_docs: int = 20          # documents of the 1x memory run (the 10x run streams 10 times more)
