"""Mentions given from outside: entities a statistical NER found, as input to the rules.

A spaCy `ner` pipe, CAMeL Tools' or a transformer's IOB tags, or any other source gives
character spans with a label (`{"label": "Person", "start": 14, "end": 24}`). They enter the
cascade as mentions of that label before the first phase, so `@Person` in a rule sees them
and the overlap policies treat them like gazetteer mentions.

* `read_given(entries, text)` checks the entries against the text and returns `GivenMention`s;
  a bad entry is an `InputError` naming it (`mentions[2]: ...`).
* `iob_mentions(words, tags)` turns token-level IOB tags into such entries (and the text).
* `snap_given(doc, given)` turns them into `Mention`s over the document's tokens. The rule:
  a span covers every token whose whole word (clitics included) it overlaps, and the mention's
  offsets are those tokens' cores, so a span written over `وحفتر` gives the mention `حفتر`,
  like a rule's mention; a span that ends inside a word takes the whole word.

Given mentions are input: they are not output unless asked (`output=True`), and their rule
is `input` (`Mention.rule`).
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import regex

from dsl.doc.mention import Mention, new_mention
from dsl.errors import InputError

#: `Mention.rule` of a given mention.
GIVEN_RULE = "input"
#: Labels of common NER tag sets and the labels of the shipped packs they stand for; the command
#: line and the spaCy component map entries with it (the Python API takes labels as given).
DEFAULT_LABEL_MAP: Mapping[str, str] = MappingProxyType({
    "PER": "Person", "PERS": "Person", "PERSON": "Person",
    "LOC": "Location", "GPE": "Location",
    "ORG": "Organization",
})
_LABEL = regex.compile(r"[^\W\d]\w*")
_NO_ATTRS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class GivenMention:
    """A checked entry: a label over `text[start:end]`, with optional attributes and priority."""

    label: str
    start: int
    end: int
    attrs: Mapping[str, str] = field(default_factory=lambda: _NO_ATTRS)
    priority: int = 0
    output: bool = False

    def __reduce__(self) -> tuple[Any, ...]:   # read-only attrs travel as a dict (worker processes)
        return (_given, (self.label, self.start, self.end, dict(self.attrs), self.priority, self.output))


def _given(label: str, start: int, end: int, attrs: dict[str, str], priority: int, output: bool) -> GivenMention:
    return GivenMention(label, start, end, MappingProxyType(attrs) if attrs else _NO_ATTRS, priority, output)


def read_given(entries: Iterable[Any], text: str, *, label_map: Mapping[str, str] | None = None,
               output: bool = False, priority: int = 0, what: str = "mentions", id: str | None = None
               ) -> tuple[GivenMention, ...]:
    """Check `entries` against `text`: each a mapping with `label`, `start`, `end` (character offsets).

    Optional keys: `text` (must equal `text[start:end]`: catches byte or token offsets),
    `attrs` (a mapping of names to strings, numbers or booleans, testable as
    `@Person[source="camel"]`) and `priority` (a whole number, default 0). Other keys (a
    score, ...) are ignored. `label_map` renames labels first (`PER` -> `Person`); `priority`
    is the default priority. A `Mention` (another pack's, say) gives its label, offsets,
    attributes and priority; a `GivenMention` (already read) keeps its own `output` flag.
    `output` marks the others to be output too.
    Raises `InputError` naming the entry as `what[k]` (prefixed by `id` when given).
    """
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Iterable):
        raise InputError(f"{id + ': ' if id else ''}{what} must be a list of "
                         f"{{label, start, end}} objects, not {_kind(entries)}")
    out: list[GivenMention] = []
    for k, e in enumerate(entries):
        where = f"{id + ': ' if id else ''}{what}[{k}]"
        keep = output
        if isinstance(e, (GivenMention, Mention)):
            label, start, end = e.label, e.start, e.end
            attrs = dict(e.attrs)
            prio = e.priority
            keep = e.output if isinstance(e, GivenMention) else output
        elif isinstance(e, Mapping):
            for key in ("label", "start", "end"):
                if key not in e:
                    raise InputError(f"{where}: missing {key!r} (an entry is {{\"label\", \"start\", \"end\"}})")
            label = e["label"]
            if not isinstance(label, str):
                raise InputError(f"{where}: 'label' must be text, not {_kind(label)}")
            start, end = _int(e["start"], "start", where), _int(e["end"], "end", where)
            attrs = _attrs(e.get("attrs"), where)
            prio = _int(e.get("priority", priority), "priority", where)
        else:
            raise InputError(f"{where}: expected an object with label, start and end, not {_kind(e)}")
        if label_map:
            label = label_map.get(label, label)
        if not _LABEL.fullmatch(label):
            raise InputError(f"{where}: label {label!r} must be a name (letters, digits, '_')")
        if not 0 <= start < end <= len(text):
            raise InputError(f"{where}: start {start} and end {end} must satisfy 0 <= start < end <= "
                             f"{len(text)} (the text's length in characters)")
        if isinstance(e, Mapping) and "text" in e and e["text"] != text[start:end]:
            raise InputError(f"{where}: 'text' {e['text']!r} differs from the text at {start}:{end} "
                             f"({text[start:end]!r}); offsets are character offsets into the text")
        if not text[start:end].strip():
            raise InputError(f"{where}: the span {start}:{end} holds only whitespace")
        out.append(GivenMention(label, start, end, MappingProxyType(attrs) if attrs else _NO_ATTRS, prio, keep))
    return tuple(out)


def snap_given(doc: Any, given: Iterable[GivenMention], *, what: str = "mentions") -> list[Mention]:
    """The given mentions as `Mention`s of `doc`: over every token whose word they overlap, core offsets.

    Raises `InputError` when a span overlaps no token (it lies in text the tokens leave out).
    """
    toks, text = doc.tokens, doc.text
    word_starts = [t.word_start for t in toks]
    out: list[Mention] = []
    for k, g in enumerate(given):
        a = bisect.bisect_right(word_starts, g.start) - 1      # the last token starting at or before start
        if a < 0 or toks[a].word_end <= g.start:
            a += 1                                             # it ends before the span: the next one
        b = bisect.bisect_left(word_starts, g.end)             # tokens starting before end
        if a >= b:
            where = f"{doc.id + ': ' if doc.id else ''}{what}[{k}]"
            raise InputError(f"{where}: the span {g.start}:{g.end} ({text[g.start:g.end]!r}) overlaps no token")
        s, e = toks[a].start, toks[b - 1].end
        out.append(new_mention(g.label, GIVEN_RULE, s, e, text[s:e], a, b, {}, g.attrs, g.priority, doc.id,
                               toks[a:b], g.output))
    return out


def iob_mentions(words: Sequence[str], tags: Sequence[str], *, text: str | None = None,
                 label_map: Mapping[str, str] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Token-level IOB tags (CAMeL Tools' NER, a transformer) as `(text, entries)` for `mentions=`.

    `words[k]` is tagged `tags[k]`: `B-X` begins an X, `I-X` continues it (or begins one after
    `O` or another label, as conlleval reads it), `E-X`/`S-X` (BIOES) end one or are one
    alone, `O` is outside. Without `text`, the text is the words joined by single spaces;
    with it, each word is looked for after the previous one. `label_map` renames labels.
    Raises `InputError` naming the word on a bad tag or a word not found in `text`.
    """
    if len(words) != len(tags):
        raise InputError(f"{len(words)} words but {len(tags)} tags")
    spans: list[tuple[int, int]] = []
    pos = 0
    for k, w in enumerate(words):
        at = pos if text is None else text.find(w, pos)
        if at < 0 or not w:
            raise InputError(f"word {k} {w!r} is not in the text after offset {pos}")
        spans.append((at, at + len(w)))
        pos = at + len(w) + (1 if text is None else 0)
    if text is None:
        text = " ".join(words)
    out: list[dict[str, Any]] = []
    open_: dict[str, Any] | None = None
    for k, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if tag == "O" or not tag:
            open_ = None
            continue
        if prefix not in ("B", "I", "E", "S") or not label:
            raise InputError(f"word {k} {words[k]!r}: tag {tag!r} is not O, B-X, I-X, E-X or S-X")
        label = label_map.get(label, label) if label_map else label
        s, e = spans[k]
        if prefix in ("B", "S") or open_ is None or open_["label"] != label:
            open_ = {"label": label, "start": s, "end": e}
            out.append(open_)
        else:
            open_["end"] = e
        if prefix in ("E", "S"):
            open_ = None
    return text, out


def _int(v: Any, key: str, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(f"{where}: {key!r} must be a whole number, not {_kind(v)}")
    return v


def _attrs(v: Any, where: str) -> dict[str, str]:
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise InputError(f"{where}: 'attrs' must be an object of names and values, not {_kind(v)}")
    out = {}
    for name, val in v.items():
        if not isinstance(name, str) or not isinstance(val, (str, int, float, bool)):
            raise InputError(f"{where}: 'attrs' must map names to text, numbers or booleans ({name!r})")
        out[name] = ("true" if val else "false") if isinstance(val, bool) else str(val)
    return out


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return f"a boolean ({v!r})"
    if isinstance(v, (int, float)):
        return f"a number ({v!r})"
    if isinstance(v, str):
        return f"text ({v[:40]!r})"
    if v is None:
        return "null"
    if isinstance(v, Mapping):
        return "an object"
    if isinstance(v, (list, tuple)):
        return "a list"
    return type(v).__name__
