"""Mentions gained and lost between two versions of a pack (`arabic-ie diff`), grouped by rule.

Both packs run over the same corpus; their output mentions are compared per document by
(label, start, end, arguments). What only the new pack finds is *gained*, what only the old
one found is *lost*, and a mention both find at the same span with the same label but other
arguments is *changed*. Each entry is filed under the rule that made it (the new rule for
gained and changed, the old one for lost), so a rule change reads like a code review: this
rule now finds these, and no longer finds those.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from dsl.doc.mention import Arg, Mention

#: Characters of context shown on each side of a mention.
CONTEXT = 30


def args_key(m: Mention) -> tuple[Any, ...]:
    """A mention's arguments as a comparable value: names with their spans (and labels)."""
    def one(a: Arg) -> tuple[Any, ...]:
        return (a.start, a.end, a.label)
    return tuple(sorted((k, tuple(one(a) for a in v) if isinstance(v, tuple) else one(v))
                        for k, v in m.args.items()))


def mention_key(m: Mention) -> tuple[Any, ...]:
    """What `diff` compares: (label, start, end, arguments); the rule name is not part of it."""
    return (m.label, m.start, m.end, args_key(m))


@dataclass(frozen=True)
class Change:
    """One difference in one document: `kind` is "gained", "lost" or "changed"."""

    kind: str
    doc: str
    old: Mention | None
    new: Mention | None
    context: str

    @property
    def rule(self) -> str:
        """The rule the change is filed under: the new mention's, else the old one's."""
        m = self.new if self.new is not None else self.old
        assert m is not None
        return m.rule

    @property
    def label(self) -> str:
        m = self.new if self.new is not None else self.old
        assert m is not None
        return m.label

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "doc": self.doc, "rule": self.rule, "label": self.label,
                             "context": self.context}
        if self.old is not None:
            d["old"] = self.old.to_dict() | {"doc": self.doc}
        if self.new is not None:
            d["new"] = self.new.to_dict() | {"doc": self.doc}
        return d


@dataclass
class DiffResult:
    """Every change over a corpus, with the counts needed for a summary."""

    changes: list[Change] = field(default_factory=list)
    documents: int = 0
    failed: int = 0
    old_mentions: int = 0
    new_mentions: int = 0
    unchanged: int = 0

    def counts(self) -> Counter:
        return Counter(c.kind for c in self.changes)

    def by_rule(self) -> dict[str, list[Change]]:
        """Changes grouped by rule, rules in order of first appearance, changes in document order."""
        out: dict[str, list[Change]] = defaultdict(list)
        for c in self.changes:
            out[c.rule].append(c)
        return dict(out)

    def to_dict(self) -> dict[str, Any]:
        """The `--format json` object."""
        n = self.counts()
        return {
            "documents": self.documents, "failed": self.failed,
            "old_mentions": self.old_mentions, "new_mentions": self.new_mentions, "unchanged": self.unchanged,
            "gained": n["gained"], "lost": n["lost"], "changed": n["changed"],
            "rules": {rule: {"label": cs[0].label, "gained": sum(c.kind == "gained" for c in cs),
                             "lost": sum(c.kind == "lost" for c in cs),
                             "changed": sum(c.kind == "changed" for c in cs),
                             "changes": [c.to_dict() for c in cs]}
                      for rule, cs in self.by_rule().items()},
        }


def _context(text: str, start: int, end: int) -> str:
    a, b = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    s = ("…" if a > 0 else "") + text[a:b] + ("…" if b < len(text) else "")
    return " ".join(s.split())


def diff_mentions(doc_id: str, text: str, old: Sequence[Mention], new: Sequence[Mention]) -> tuple[list[Change], int]:
    """The changes between two mention lists of one document, and how many mentions are unchanged."""
    old_left: dict[tuple[Any, ...], list[Mention]] = defaultdict(list)
    for m in old:
        old_left[mention_key(m)].append(m)
    same = 0
    new_left: list[Mention] = []
    for m in new:
        bucket = old_left.get(mention_key(m))
        if bucket:
            bucket.pop(0)
            same += 1
        else:
            new_left.append(m)
    old_rest = [m for ms in old_left.values() for m in ms]
    by_span: dict[tuple[Any, ...], list[Mention]] = defaultdict(list)
    for m in old_rest:
        by_span[(m.label, m.start, m.end)].append(m)
    changes: list[Change] = []
    for m in new_left:
        olds = by_span.get((m.label, m.start, m.end))
        if olds:
            o = olds.pop(0)
            changes.append(Change("changed", doc_id, o, m, _context(text, m.start, m.end)))
        else:
            changes.append(Change("gained", doc_id, None, m, _context(text, m.start, m.end)))
    for ms in by_span.values():
        for o in ms:
            changes.append(Change("lost", doc_id, o, None, _context(text, o.start, o.end)))
    changes.sort(key=lambda c: ((c.new or c.old).start, (c.new or c.old).end, c.kind))  # type: ignore[union-attr]
    return changes, same


def diff_corpus(old_pack: Any, new_pack: Any, docs: Iterable[Any]) -> DiffResult:
    """Run both packs over `docs` (objects with `.id` and `.text`) and collect every change."""
    res = DiffResult()
    for d in docs:
        old = old_pack.match(d.text, id=d.id)
        new = new_pack.match(d.text, id=d.id)
        changes, same = diff_mentions(d.id, d.text, old, new)
        res.changes += changes
        res.documents += 1
        res.old_mentions += len(old)
        res.new_mentions += len(new)
        res.unchanged += same
    return res


def _q(s: str) -> str:
    return "«" + " ".join(s.split()) + "»"


def _args(m: Mention) -> str:
    return "  ".join(f"{k}={_q(' | '.join(a.text for a in v) if isinstance(v, tuple) else v.text)}"
                     for k, v in m.args.items())


def format_text(res: DiffResult, old_name: str = "old", new_name: str = "new") -> str:
    """The diff for a terminal: a summary line, then one block per rule with +, - and ~ lines."""
    n = res.counts()
    out = [f"{res.documents} document{'s' if res.documents != 1 else ''}: {res.old_mentions} mentions with "
           f"{old_name}, {res.new_mentions} with {new_name}; +{n['gained']} gained, -{n['lost']} lost, "
           f"~{n['changed']} changed, {res.unchanged} unchanged"
           + (f"; {res.failed} document{'s' if res.failed != 1 else ''} failed" if res.failed else "")]
    for rule, cs in res.by_rule().items():
        g = sum(c.kind == "gained" for c in cs)
        lo = sum(c.kind == "lost" for c in cs)
        ch = sum(c.kind == "changed" for c in cs)
        out.append("")
        out.append(f"{rule} ({cs[0].label}): +{g} -{lo} ~{ch}")
        for c in cs:
            m = c.new if c.new is not None else c.old
            assert m is not None
            sign = {"gained": "+", "lost": "-", "changed": "~"}[c.kind]
            line = f"  {sign} {c.doc}  {m.start}-{m.end}  {_q(m.text)}"
            if c.kind == "changed":
                assert c.old is not None and c.new is not None
                was = _args(c.old) or "no arguments"
                now = _args(c.new) or "no arguments"
                line += f"  args: {was}  ->  {now}"
                if c.old.rule != c.new.rule:
                    line += f"  (was rule {c.old.rule})"
            elif _args(m):
                line += "  " + _args(m)
            out.append(line)
            out.append(f"      in: {c.context}")
    if not res.changes:
        out.append("no differences")
    return "\n".join(out) + "\n"


def write_diff(out: IO[str], res: DiffResult, fmt: str, old_name: str = "old", new_name: str = "new") -> None:
    """Write a diff as text or as one JSON object."""
    if fmt == "json":
        d = res.to_dict()
        d["old_pack"], d["new_pack"] = old_name, new_name
        out.write(json.dumps(d, ensure_ascii=False, indent=1) + "\n")
    else:
        out.write(format_text(res, old_name, new_name))
    out.flush()
