"""Mentions: what rules and gazetteers produce, and what every output format writes.

A `Mention` is a labelled span of the original text with named arguments. Its `to_dict()`
is the JSON object of the output format:
    {"doc", "label", "start", "end", "text", "rule", "args": {name: {start, end, text} | [...]}}
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dsl.doc.token import Token
from dsl.frozen import constructor


@dataclass(frozen=True, slots=True)
class Arg:
    """An argument of a mention: a span, and the mention it refers to when captured with `@Label`."""

    start: int
    end: int
    text: str
    tok_start: int = -1
    tok_end: int = -1
    label: str | None = None
    mention: Mention | None = field(default=None, compare=False, repr=False)

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
