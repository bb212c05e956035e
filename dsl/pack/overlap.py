"""The overlap policy: which of a label's overlapping mentions survive a phase.

`longest` is JAPE's appelt / SystemT's consolidate (best by priority, then length, then
position); `keep_all` keeps every mention. The cascade applies it per label after each phase.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable
from operator import attrgetter

from dsl.doc.mention import Mention, Removal

#: Overlap policies: keep every mention, or keep the best of overlapping mentions of a label.
OVERLAP_POLICIES = ("keep_all", "longest")


def rank_key(m: Mention) -> tuple[int, int, int, int, str]:
    """Best first: higher priority, then longer (in tokens, then chars), then earlier; rule name breaks ties."""
    return (-m.priority, -(m.tok_end - m.tok_start), -(m.end - m.start), m.start, m.rule)


class _Disjoint:
    """Non-empty, pairwise disjoint spans sorted by start, in blocks so an insert stays cheap.

    Disjoint spans sorted by start have sorted ends too, so the spans overlapping [s, e) are
    the ones just before the first start >= e, walking back while their end > s.
    """

    BLOCK = 512

    def __init__(self) -> None:
        self.firsts: list[int] = []                                   # first start of each block
        self.blocks: list[tuple[list[int], list[tuple[int, Mention]]]] = []

    def items(self) -> list[tuple[int, Mention]]:
        return [it for _, items in self.blocks for it in items]

    def overlapping(self, s: int, e: int) -> list[tuple[int, Mention]]:
        out: list[tuple[int, Mention]] = []
        for b in range(bisect.bisect_left(self.firsts, e) - 1, -1, -1):
            starts, items = self.blocks[b]
            for j in range(bisect.bisect_left(starts, e) - 1, -1, -1):
                if items[j][1].end <= s:
                    return out
                out.append(items[j])
        return out

    def add(self, item: tuple[int, Mention]) -> None:
        s = item[1].start
        if not self.blocks:
            self.firsts.append(s)
            self.blocks.append(([s], [item]))
            return
        b = max(bisect.bisect_right(self.firsts, s) - 1, 0)
        starts, items = self.blocks[b]
        j = bisect.bisect_left(starts, s)
        starts.insert(j, s)
        items.insert(j, item)
        self.firsts[b] = starts[0]
        if len(starts) > 2 * self.BLOCK:
            self.blocks.insert(b + 1, (starts[self.BLOCK:], items[self.BLOCK:]))
            self.firsts.insert(b + 1, starts[self.BLOCK])
            del starts[self.BLOCK:], items[self.BLOCK:]


def resolve_overlaps(mentions: Iterable[Mention], policy: str = "longest") -> tuple[list[Mention], list[Removal]]:
    """Apply `policy` to mentions of ONE label; returns (kept in text order, removals).

    `longest` is JAPE's appelt / SystemT's consolidate: repeatedly keep the best remaining
    mention (`rank_key`) and drop those that overlap it. Deterministic for any input order.
    """
    unique = {(m.label, m.tok_start, m.tok_end, m.start, m.end, m.rule): m for m in mentions}   # Mention.key()
    ms = sorted(unique.values(), key=_TEXT_ORDER)
    if policy == "keep_all" or len(ms) < 2:
        return ms, []
    n = len(ms)
    # Mentions alone in their cluster (a run of spans chained by overlaps, in text order)
    # overlap nothing: they are kept without being looked up. Clusters are conservative (an
    # empty span at a cluster's edge may join it), which only sends more mentions below.
    alone = [False] * n
    i = 0
    while i < n:
        hi = ms[i].end
        j = i + 1
        while j < n and ms[j].start < hi:
            if ms[j].end > hi:
                hi = ms[j].end
            j += 1
        if j == i + 1:
            alone[i] = True
        i = j
    kept: list[Mention] = []
    removals: list[Removal] = []
    # The winner is the overlapping mention kept first (the best ranked). Looking it up in
    # `_Disjoint` instead of scanning every kept mention keeps this O(n log n): the scan was
    # quadratic on a 100 MB one-line document. Empty spans (none in practice) are checked one by one.
    index = _Disjoint()
    empty: list[tuple[int, Mention]] = []
    for i in sorted(range(n), key=list(map(rank_key, ms)).__getitem__):
        m = ms[i]
        if alone[i]:
            kept.append(m)
            continue
        rivals = index.overlapping(m.start, m.end) if m.end > m.start else \
            [k for k in index.items() if m.start < k[1].end and k[1].start < m.end]
        rivals += [k for k in empty if m.start < k[1].end and k[1].start < m.end]
        if rivals:
            removals.append(Removal(m, min(rivals, key=lambda k: k[0])[1]))
            continue
        (index.add if m.end > m.start else empty.append)((len(kept), m))
        kept.append(m)
    kept.sort(key=_KEPT_ORDER)
    return kept, removals


_TEXT_ORDER = attrgetter("start", "end", "rule", "tok_start")
_KEPT_ORDER = attrgetter("start", "end", "rule")
