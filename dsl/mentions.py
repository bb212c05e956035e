"""Mentions (what rules and gazetteers produce) and the overlap policy that consolidates them.

A `Mention` is a labelled span of the original text with named arguments. Its `to_dict()`
is the JSON object of the output format:
    {"doc", "label", "start", "end", "text", "rule", "args": {name: {start, end, text} | [...]}}
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from .document import Token
from .frozen import constructor

#: Overlap policies: keep every mention, or keep the best of overlapping mentions of a label.
OVERLAP_POLICIES = ("keep_all", "longest")


@dataclass(frozen=True, slots=True)
class Arg:
    """An argument of a mention: a span, and the mention it refers to when captured with `@Label`."""

    start: int
    end: int
    text: str
    tok_start: int = -1
    tok_end: int = -1
    label: str | None = None
    mention: "Mention | None" = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        if self.label is not None:
            d["label"] = self.label
        return d


@dataclass(frozen=True)
class Mention:
    """A labelled span found by a rule (or a gazetteer), with its arguments and attributes."""

    label: str
    rule: str
    start: int
    end: int
    text: str
    tok_start: int
    tok_end: int
    args: Mapping[str, Arg | tuple[Arg, ...]] = field(default_factory=dict)
    attrs: Mapping[str, str] = field(default_factory=dict)
    priority: int = 0
    doc: str | None = None
    tokens: tuple[Token, ...] = field(default=(), compare=False, repr=False)
    output: bool = field(default=True, compare=False)

    @property
    def length(self) -> int:
        return self.tok_end - self.tok_start

    def key(self) -> tuple[Any, ...]:
        """Identity used to deduplicate mentions across cascade iterations."""
        return (self.label, self.tok_start, self.tok_end, self.start, self.end, self.rule)

    def to_dict(self) -> dict[str, Any]:
        """The JSON Lines object documented in the README (and read by score_seeds.py)."""
        args: dict[str, Any] = {}
        for name, val in self.args.items():
            args[name] = [a.to_dict() for a in val] if isinstance(val, tuple) else val.to_dict()
        d: dict[str, Any] = {"doc": self.doc, "label": self.label, "start": self.start, "end": self.end,
                             "text": self.text, "rule": self.rule, "args": args}
        if self.attrs:
            d["attrs"] = dict(self.attrs)
        return d


@dataclass(frozen=True, slots=True)
class Removal:
    """A mention the overlap policy dropped, and the mention it lost to (for `explain`)."""

    removed: Mention
    winner: Mention


#: Positional constructors (every field, in declared order) for the code that builds a mention
#: per match: they skip the frozen dataclasses' per-field __setattr__ (see dsl.frozen).
new_mention = constructor(Mention)
new_arg = constructor(Arg)
#: The `attrs` of a mention without attributes (shared, read-only).
NO_ATTRS: Mapping[str, str] = MappingProxyType({})


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


def sort_mentions(mentions: Iterable[Mention]) -> list[Mention]:
    """Text order: start, then longer first, then label and rule (stable output for diffs)."""
    return sorted(mentions, key=lambda m: (m.start, -m.end, m.label, m.rule))


def args_from_mapping(args: Mapping[str, Any]) -> dict[str, Arg | tuple[Arg, ...]]:
    """Rebuild args from `to_dict()` output (used by tests and the diff tool)."""
    out: dict[str, Arg | tuple[Arg, ...]] = {}
    for k, v in args.items():
        if isinstance(v, list):
            out[k] = tuple(Arg(x["start"], x["end"], x["text"], label=x.get("label")) for x in v)
        else:
            out[k] = Arg(v["start"], v["end"], v["text"], label=v.get("label"))
    return out
