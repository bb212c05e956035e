"""Running a compiled pack over one document: gazetteer mentions, then rule phases in order.

Later phases see earlier mentions through `@Label`; a phase whose rules use their own label
iterates to a fixed point (at most `MAX_FIXPOINT_ROUNDS` rounds). After each phase the overlap
policy consolidates the mentions of the labels it produced. The rules of a phase are searched
together by the pack-wide matcher (`dsl.pack.index`). Everything here is per document; the
only state kept between documents is the pack matcher's bounded cache of token types, so
memory does not grow with the corpus.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any, Protocol

from dsl.doc.document import Document
from dsl.doc.mention import NO_ATTRS, Arg, Mention, Removal, new_arg, new_mention
from dsl.pack.overlap import resolve_overlaps
from dsl.pattern.vm import MatchContext

if TYPE_CHECKING:  # pragma: no cover
    from dsl.pack.pack import CompiledRule, Pack

MAX_FIXPOINT_ROUNDS = 8


class RuleObserver(Protocol):
    """Told about every rule run of a cascade (for `explain`, `stats`, `bench`); costs nothing when absent.

    An observer that also has a method `rule_started(rule, round, starts)` is told, before each
    `rule_ran`, at how many token positions the rule's VM was started (what the index left to try).
    """

    def rule_ran(self, rule: CompiledRule, ctx: MatchContext, round: int, seconds: float, new: int) -> None:
        """`rule` ran over `ctx` in fixed-point round `round` (0-based), took `seconds` and made `new` mentions."""


@dataclass
class RunResult:
    """Everything a run produced: kept mentions (all labels, internal ones too) and what overlap removed."""

    doc: Document
    mentions: list[Mention]
    removals: list[Removal] = field(default_factory=list)

    def output(self) -> list[Mention]:
        """The mentions meant for output, in text order."""
        return sorted((m for m in self.mentions if m.output), key=lambda m: (m.start, -m.end, m.label, m.rule))


def _index(mentions: Mapping[str, list[Mention]]) -> dict[str, dict[int, list[Mention]]]:
    idx: dict[str, dict[int, list[Mention]]] = {}
    for label, ms in mentions.items():
        by_start: dict[int, list[Mention]] = defaultdict(list)
        for m in ms:
            by_start[m.tok_start].append(m)
        for lst in by_start.values():
            lst.sort(key=lambda m: (-(m.tok_end - m.tok_start), -m.priority, m.rule))
        idx[label] = dict(by_start)
    return idx


def _document_sets(pack: Pack, mentions: Mapping[str, list[Mention]], doc: Document) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for ds in pack.document_sets.values():
        vals: set[str] = set()
        for m in mentions.get(ds.label, ()):
            if m.tok_end - m.tok_start < ds.min_tokens:
                continue
            toks = doc.tokens[m.tok_start:m.tok_end]
            chosen = toks[-1:] if ds.token == "last" else toks[:1] if ds.token == "first" else toks
            for t in chosen:
                vals.add(getattr(t, ds.attr))
        out[ds.name] = frozenset(vals)
    return out


def mention_from_match(rule: CompiledRule, match: Any, doc: Document) -> Mention | None:
    """A mention from a match: its span is the whole match, or the rule's `span` capture."""
    args: dict[str, Arg | tuple[Arg, ...]] = {}
    start, end, tok_start, tok_end = match.start, match.end, match.tok_start, match.tok_end
    text = doc.text
    span = rule.span
    for name, caps in match.captures.items():
        if not caps:
            continue
        if name == span:
            c = caps[-1]
            start, end, tok_start, tok_end = c.start, c.end, c.tok_start, c.tok_end
            continue
        built = [new_arg(c.start, c.end, text[c.start:c.end], c.tok_start, c.tok_end,
                         *_ref_of(c.mention_ref)) for c in caps]
        args[name] = tuple(built) if caps[0].repeated else built[-1]
    if span is not None and not match.captures.get(span):
        return None  # the span capture sits in an optional part that did not match
    return new_mention(rule.label, rule.name, start, end, text[start:end], tok_start, tok_end, args,
                       NO_ATTRS, rule.priority, doc.id, doc.tokens[tok_start:tok_end], rule.output)


def _ref_of(ref: Any) -> tuple[str | None, Mention | None]:
    """(label, mention) of an argument captured over a mention (`(?<x> @Label)`), else (None, None)."""
    if ref is None:
        return None, None
    return getattr(ref, "label", None), ref if isinstance(ref, Mention) else None


def _rerun(indexed: list[tuple[int, CompiledRule]], changed: set[str]) -> list[tuple[int, CompiledRule]]:
    """The rules of a phase to run again after a round that added mentions of `changed` labels.

    Semi-naive iteration: a rule none of whose labels (read with @Label or through a document
    set) got a new mention would match exactly as in the round before, so it is not rerun.
    """
    return [(k, r) for k, r in indexed if r.needs & changed]


def run(pack: Pack, doc: Document, *, only_rules: Sequence[str] | None = None,
        observer: RuleObserver | None = None, given: Sequence[Mention] = ()) -> RunResult:
    """Run every enabled rule of `pack` over `doc` (or only the rules named in `only_rules`).

    `observer.rule_ran` is called after each rule's search, with the context it searched and
    the time it took (the rule-writer tools use it; without an observer nothing is timed).
    `given`: mentions from outside (a model's entities, `dsl.doc.given`), which join the
    gazetteers' before the first phase and go through the same overlap policy.
    """
    mentions: dict[str, list[Mention]] = defaultdict(list)
    removals: list[Removal] = []

    for g in pack.gazetteer_labels():
        for m in g.mentions(doc):
            mentions[m.label].append(m)
    for m in given:
        mentions[m.label].append(m)
    for label in list(mentions):
        kept, rem = resolve_overlaps(mentions[label], pack.policy(label))
        mentions[label] = kept
        removals.extend(rem)

    allowed = None if only_rules is None else set(only_rules)
    # All rules of a phase are searched together by the pack-wide matcher (dsl.pack.index):
    # same matches, in the same order, as running each rule's program alone.
    compiled = pack.compiled
    matcher = compiled.matcher
    doc_types = None
    started = getattr(observer, "rule_started", None)
    for phase_no, phase in enumerate(pack.phases):
        indexed_all, produced_all = compiled.phase_rules[phase_no]
        if allowed is None:
            indexed, produced = indexed_all, produced_all
        else:
            indexed = [(k, r) for k, r in indexed_all if r.name in allowed]
            produced = {r.label for _, r in indexed}
        if not indexed:
            continue
        seen: set[tuple[Any, ...]] = {m.key() for lab in produced for m in mentions.get(lab, ())}
        rounds = MAX_FIXPOINT_ROUNDS if phase.recursive else 1
        active = indexed
        for round_ in range(rounds):
            ctx = MatchContext(doc=doc, mentions=_index(mentions), sets=_document_sets(pack, mentions, doc))
            if doc_types is None:
                doc_types = matcher.prepare(doc)
            # With an observer, each rule's time is its own search plus its share of the shared pass.
            timings: dict[int, float] | None = {} if observer is not None else None
            start_counts: dict[int, int] | None = {} if started is not None else None
            found = matcher.search(ctx, group=phase_no,
                                   rules=None if active is indexed_all else [i for i, _ in active],
                                   doc_types=doc_types, timings=timings,
                                   start_counts=start_counts)
            new: list[Mention] = []
            by_index = compiled.rule_at
            for k, rule in (active if observer is not None else [(k, by_index[k]) for k in sorted(found)]):
                t0 = perf_counter() if observer is not None else 0.0
                n0 = len(new)
                for match in found.get(k, ()):
                    m = mention_from_match(rule, match, doc)
                    if m is not None:
                        key = m.key()
                        if key not in seen:
                            seen.add(key)
                            new.append(m)
                if observer is not None:
                    assert timings is not None
                    if started is not None and start_counts is not None:
                        started(rule, round_, start_counts.get(k, 0))
                    observer.rule_ran(rule, ctx, round_, timings.get(k, 0.0) + perf_counter() - t0, len(new) - n0)
            for m in new:
                mentions[m.label].append(m)
            active = _rerun(indexed, {m.label for m in new})
            if not active:
                break
        for label in produced:
            kept, rem = resolve_overlaps(mentions.get(label, []), pack.policy(label))
            mentions[label] = kept
            removals.extend(rem)

    flat = [m for ms in mentions.values() for m in ms]
    flat.sort(key=lambda m: (m.start, -m.end, m.label, m.rule))
    return RunResult(doc, flat, removals)
