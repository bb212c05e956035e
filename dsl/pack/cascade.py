"""Running a compiled pack over one document: gazetteer mentions, then rule phases in order.

Later phases see earlier mentions through `@Label`; a phase whose rules use their own label
iterates to a fixed point (at most `MAX_FIXPOINT_ROUNDS` rounds). After each phase the overlap
policy consolidates the mentions of the labels it produced. The rules of a phase are searched
together by the pack-wide matcher (`dsl.pack.index`). Everything here is per document; the
only state kept between documents is the pack matcher's bounded cache of token types, so
memory does not grow with the corpus.

Mentions go through the cascade in their light form (`dsl.doc.mention.Hit`, a named tuple
made from the matcher's light matches): `run_light` returns them, and its result builds
`Mention`s only for what is asked: the output ones (`HitResult.output`, what `Pack.match`
returns) or all of them (`HitResult.result`, the `RunResult` of `run`). A mention given as
a `Mention` (not a hit) passes through unchanged.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any, Protocol

from dsl.doc.document import Document
from dsl.doc.mention import NO_ATTRS, Arg, Hit, Mention, MentionBuilder, Removal, new_arg, new_hit, new_mention
from dsl.pack.overlap import resolve_overlaps
from dsl.pattern.vm import LightMatch, MatchContext

if TYPE_CHECKING:  # pragma: no cover
    from dsl.pack.index import HitSpec

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


def _text_order(m: Any) -> tuple[int, int, str, str]:
    return (m.start, -m.end, m.label, m.rule)


@dataclass
class HitResult:
    """What `run_light` found: the kept mentions of every label and the overlap removals, as hits."""

    doc: Document
    hits: list[Any]
    removals: list[Removal]

    def output(self) -> list[Mention]:
        """The output mentions, in text order, built as `Mention`s (what `Pack.match` returns)."""
        build = MentionBuilder(self.doc)
        return [build(h) for h in sorted((h for h in self.hits if h.output), key=_text_order)]

    def result(self) -> RunResult:
        """Everything as `Mention`s: the `RunResult` of `run`."""
        build = MentionBuilder(self.doc)
        return RunResult(self.doc, [build(h) for h in sorted(self.hits, key=_text_order)],
                         [Removal(build(r.removed), build(r.winner)) for r in self.removals])


def _index(mentions: Mapping[str, list[Any]], cache: dict[str, tuple[list[Any], int, dict[int, tuple[Any, ...]]]]
           ) -> dict[str, dict[int, tuple[Any, ...]]]:
    """label -> start token -> mentions starting there, as `MatchContext.starting` gives them
    (longest first, then higher priority, then rule name; no empty mention): the context is
    built `presorted`. A label's lists only grow or are replaced within a document, so its
    entry in `cache` (the list, its length, the index) is reused while both are unchanged."""
    idx: dict[str, dict[int, tuple[Any, ...]]] = {}
    for label, ms in mentions.items():
        got = cache.get(label)
        if got is not None and got[0] is ms and got[1] == len(ms):
            idx[label] = got[2]
            continue
        by_start: dict[int, list[Any]] = defaultdict(list)
        for m in ms:
            if m.tok_end > m.tok_start:
                by_start[m.tok_start].append(m)
        built = {p: tuple(sorted(lst, key=_start_order)) if len(lst) > 1 else tuple(lst) for p, lst in by_start.items()}
        cache[label] = (ms, len(ms), built)
        idx[label] = built
    return idx


def _start_order(m: Any) -> tuple[int, int, str]:
    return (-(m.tok_end - m.tok_start), -m.priority, m.rule)


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
    """A mention from a `Match` (`vm.finditer`'s): its span is the whole match, or the rule's
    `span` capture (the debug path of `explain`; the cascade makes hits, see `hit_from_match`)."""
    args: dict[str, Arg | tuple[Arg, ...]] = {}
    start, end, tok_start, tok_end = match.start, match.end, match.tok_start, match.tok_end
    text = doc.text
    span = rule.span
    build = MentionBuilder(doc)
    for name, caps in match.captures.items():
        if not caps:
            continue
        if name == span:
            c = caps[-1]
            start, end, tok_start, tok_end = c.start, c.end, c.tok_start, c.tok_end
            continue
        built = [new_arg(c.start, c.end, text[c.start:c.end], c.tok_start, c.tok_end,
                         *build.ref_of(c.mention_ref)) for c in caps]
        args[name] = tuple(built) if caps[0].repeated else built[-1]
    if span is not None and not match.captures.get(span):
        return None  # the span capture sits in an optional part that did not match
    return new_mention(rule.label, rule.name, start, end, text[start:end], tok_start, tok_end, args,
                       NO_ATTRS, rule.priority, doc.id, doc.tokens[tok_start:tok_end], rule.output)


def hit_from_match(spec: HitSpec, light: LightMatch) -> Hit | None:
    """The hit a rule's light match makes (`mention_from_match` in the light form): its span is
    the whole match or the rule's `span` capture; None when that capture did not take part."""
    tok_start, tok_end, start, end, captured = light
    slot_of_span = spec.span_slot
    args: Any = ()
    if captured:
        out = []
        spanned = False
        for slot, spans in captured:
            if slot == slot_of_span:
                tok_start, tok_end, start, end, _ = spans[-1]
                spanned = True
            else:
                out.append((spec.names[slot], spec.repeated[slot], spans))
        if slot_of_span >= 0 and not spanned:
            return None
        args = tuple(out)
    elif slot_of_span >= 0:
        return None  # the span capture sits in an optional part that did not match
    return new_hit(Hit, (spec.label, tok_start, tok_end, start, end, spec.rule, spec.priority, spec.output,
                         NO_ATTRS, args))


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
    Every mention comes back as a `Mention` (see `run_light` for the light form).
    """
    return run_light(pack, doc, only_rules=only_rules, observer=observer, given=given).result()


def run_light(pack: Pack, doc: Document, *, only_rules: Sequence[str] | None = None,
              observer: RuleObserver | None = None, given: Sequence[Mention] = ()) -> HitResult:
    """`run`, with the mentions left in their light form (see the module docstring)."""
    mentions: dict[str, list[Any]] = defaultdict(list)
    removals: list[Removal] = []

    for g in pack.gazetteer_labels():
        for m in g.hits(doc):
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
    specs = compiled.hit_specs
    doc_types = None
    indexed_cache: dict[str, Any] = {}
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
            ctx = MatchContext(doc=doc, mentions=_index(mentions, indexed_cache),
                               sets=_document_sets(pack, mentions, doc), presorted=True)
            if doc_types is None:
                doc_types = matcher.prepare(doc)
            # With an observer, each rule's time is its own search plus its share of the shared pass.
            timings: dict[int, float] | None = {} if observer is not None else None
            start_counts: dict[int, int] | None = {} if started is not None else None
            found = matcher.search_light(ctx, group=phase_no,
                                         rules=None if active is indexed_all else [i for i, _ in active],
                                         doc_types=doc_types, timings=timings, start_counts=start_counts)
            new: list[Hit] = []
            by_index = compiled.rule_at
            for k, rule in (active if observer is not None else [(k, by_index[k]) for k in sorted(found)]):
                t0 = perf_counter() if observer is not None else 0.0
                n0 = len(new)
                spec = specs[k]
                for match in found.get(k, ()):
                    m = hit_from_match(spec, match)
                    if m is not None:
                        key = m[:6]
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
            if round_ + 1 == rounds:
                break
            active = _rerun(indexed, {m.label for m in new})
            if not active:
                break
        for label in produced:
            kept, rem = resolve_overlaps(mentions.get(label, []), pack.policy(label))
            mentions[label] = kept
            removals.extend(rem)

    return HitResult(doc, [m for ms in mentions.values() for m in ms], removals)
