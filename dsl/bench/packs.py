"""Synthetic gazetteers for `arabic-ie bench`, drawn from the shipped name lists, deterministically.

(The patterns of the spaCy comparison are written in `dsl.bench.peer`.)
"""
from __future__ import annotations

import random

from dsl.bench.corpus import load_pools


def synthetic_gazetteer(n: int, seed: int = 1) -> list[str]:
    """`n` distinct entries: person names (given + family, some with two given names), places, organizations."""
    pools = load_pools()
    rnd = random.Random(seed * 104729 + n)
    given = pools.given or ["محمد", "علي", "أحمد"]
    family = pools.family or ["حسن", "سالم", "عمر"]
    out: set[str] = set()
    fixed = [p for p in pools.places + pools.orgs if "=" not in p]
    rnd.shuffle(fixed)
    out.update(fixed[:n // 10])
    while len(out) < n:
        r = rnd.random()
        if r < 0.75:
            out.add(f"{rnd.choice(given)} {rnd.choice(family)}")
        else:
            out.add(f"{rnd.choice(given)} {rnd.choice(given)} {rnd.choice(family)}")
    return sorted(out)[:n]
