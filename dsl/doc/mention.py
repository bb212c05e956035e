"""Mentions: what rules and gazetteers produce, and what every output format writes.

A `Mention` is a labelled span of the original text with named arguments. Its `to_dict()`
is the JSON object of the output format:
    {"doc", "label", "start", "end", "text", "rule", "args": {name: {start, end, text} | [...]}}

While a document is matched, mentions live in a light form, `Hit`: a named tuple with the
same identity fields (built in one C call, no text, tokens or argument objects), which the
cascade, the overlap policy and `@Label` references work on. Only the mentions a caller
gets are built as `Mention`s (`MentionBuilder`): a rule that matches a thousand times makes
a thousand tuples, and `Pack.match` builds Mentions for the ones it outputs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from dsl.doc.token import Token
from dsl.frozen import constructor

if TYPE_CHECKING:  # pragma: no cover
    from dsl.doc.document import Document


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


@dataclass(frozen=True, slots=True)
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

#: A capture of a hit: (tok_start, tok_end, start, end, the mention it wraps or None).
CaptureSpan = tuple[int, int, int, int, Any]


class Hit(NamedTuple):
    """A mention in its light form, while its document is matched (see the module docstring).

    The first six fields are its identity, in the order of `Mention.key()`. `args` holds the
    captures that become arguments: (name, repeated, spans) with the spans in text order;
    a span's last item is the mention (a Hit or a Mention) a capture of `@Label` wraps.
    """

    label: str
    tok_start: int
    tok_end: int
    start: int
    end: int
    rule: str
    priority: int = 0
    output: bool = True
    attrs: Mapping[str, str] = NO_ATTRS
    args: tuple[tuple[str, bool, tuple[CaptureSpan, ...]], ...] = ()

    @property
    def length(self) -> int:
        return self.tok_end - self.tok_start

    def key(self) -> tuple[Any, ...]:
        """The identity `Mention.key()` gives for the mention this hit becomes."""
        return self[:6]


#: Hit(*fields) in one C call (a named tuple's own constructor goes through Python code).
new_hit = tuple.__new__
if Hit._fields[:6] != ("label", "tok_start", "tok_end", "start", "end", "rule"):   # pragma: no cover
    raise RuntimeError("Hit's identity fields must follow Mention.key()")


class MentionBuilder:
    """Builds the `Mention`s of one document's hits (a Mention given is returned as it is).

    A hit referred to by several arguments, or output itself, becomes one Mention object
    (memoized for the builder's lifetime, which the caller keeps to one document).
    """

    __slots__ = ("doc", "memo")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.memo: dict[int, tuple[Any, Mention]] = {}

    def __call__(self, m: Any) -> Mention:
        if type(m) is not Hit:
            return m  # type: ignore[no-any-return]
        got = self.memo.get(id(m))
        if got is not None:
            return got[1]
        doc = self.doc
        text = doc.text
        args: dict[str, Arg | tuple[Arg, ...]] = {}
        for name, repeated, spans in m.args:
            built = [new_arg(s, e, text[s:e], ts, te, *self.ref_of(ref)) for ts, te, s, e, ref in spans]
            args[name] = tuple(built) if repeated else built[-1]
        a, b = m.tok_start, m.tok_end
        men = new_mention(m.label, m.rule, m.start, m.end, text[m.start:m.end], a, b, args, m.attrs,
                          m.priority, doc.id, doc.tokens[a:b], m.output)
        self.memo[id(m)] = (m, men)   # (the hit is kept so that its id stays its own)
        return men

    def ref_of(self, ref: Any) -> tuple[str | None, Mention | None]:
        """(label, mention) of an argument captured over a mention (`(?<x> @Label)`), else (None, None)."""
        if ref is None:
            return None, None
        if type(ref) is Hit or isinstance(ref, Mention):
            return ref.label, self(ref)
        return getattr(ref, "label", None), None
