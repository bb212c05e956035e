"""The cascade: phases in label order, fixed points for rules that read their own label.

Later rounds of a fixed point rerun only the rules whose labels (read with `@Label` or
through a document set) got new mentions (semi-naive iteration): same mentions as rerunning
every rule of the phase, checked here against that naive loop.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import dsl.pack.cascade as cascade
from dsl.bench.corpus import generate_corpus
from dsl.morph.analyzer import default_analyzer
from dsl.pack.pack import Pack

ROOT = Path(__file__).resolve().parents[2]

CHAIN = """\
name: chain
document_sets:
  heads: {label: P, token: first, attr: stem}
rules:
  - name: seed
    label: P
    pattern: '"أ"'
  - name: grow
    label: P
    pattern: '@P [shape=arabic]'
  - name: again
    label: P
    priority: -1
    pattern: '[stem in heads] "ثم"'
  - name: plain
    label: Q
    pattern: '"د"'
"""


class Calls:
    """Records (rule, round) of every rule run."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, int]] = []

    def rule_ran(self, rule, ctx, round, seconds, new):
        self.runs.append((rule.name, round))


def test_a_fixed_point_reruns_only_the_rules_whose_labels_changed():
    pack = Pack.from_yaml(CHAIN)
    phase = next(p for p in pack.phases if p.recursive)
    assert {r.name for r in phase.rules} == {"seed", "grow", "again", "plain"}
    calls = Calls()
    res = cascade.run(pack, default_analyzer().analyze("أ ب ج د. أ ثم"), observer=calls)
    texts = sorted((m.label, m.text) for m in res.output())
    # P grows one word a round (أ ب, أ ب ج, أ ب ج د), then `again` finds أ ثم through the
    # document set of P's first words; `plain` (label Q, same phase, reads nothing) runs once
    assert ("P", "أ ب ج د") in texts and ("P", "أ ثم") in texts and ("Q", "د") in texts
    by_rule: dict[str, list[int]] = {}
    for name, rnd in calls.runs:
        by_rule.setdefault(name, []).append(rnd)
    # the rules reading P (directly or through `heads`) rerun while P changes
    assert by_rule["grow"] == by_rule["again"] == list(range(len(by_rule["grow"]))) and len(by_rule["grow"]) >= 3
    assert by_rule["seed"] == [0]
    assert by_rule["plain"] == [0]


def test_a_rule_whose_labels_did_not_change_runs_once():
    pack = Pack.from_yaml(CHAIN.replace("pattern: '\"أ\"'", "pattern: '\"أ\"'\n  - name: fixed\n"
                                        "    label: P\n    pattern: '\"ب\" \"ج\"'", 1))
    calls = Calls()
    cascade.run(pack, default_analyzer().analyze("أ ب ج د"), observer=calls)
    rounds = {}
    for name, rnd in calls.runs:
        rounds.setdefault(name, []).append(rnd)
    assert rounds["fixed"] == [0] and len(rounds["grow"]) > 1


@pytest.fixture(scope="module")
def shipped() -> Pack:
    return Pack.load([ROOT / "rules"])


def test_semi_naive_equals_rerunning_every_rule(shipped, monkeypatch):
    an = default_analyzer()
    docs = [an.analyze(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.txt"))]
    docs += [an.analyze(t) for t in generate_corpus(60_000, seed=5)]
    fast = [shipped.run(d) for d in docs]
    monkeypatch.setattr(cascade, "_rerun", lambda indexed, changed: list(indexed) if changed else [])
    naive = [shipped.run(d) for d in docs]
    assert sum(len(r.mentions) for r in fast) > 500
    for f, n in zip(fast, naive):
        assert f.mentions == n.mentions and f.removals == n.removals


class Contexts:
    """Records the context every rule searched (the mentions of earlier phases, as hits)."""

    def __init__(self) -> None:
        self.seen: list[tuple[object, object]] = []

    def rule_ran(self, rule, ctx, round, seconds, new):
        self.seen.append((rule, ctx))


def test_hits_become_the_mentions_matches_make(shipped):
    """The light form (`Hit`, built from light matches) gives the very Mentions the match
    objects give (`mention_from_match`), arguments and the mentions they wrap included."""
    from dsl.doc.mention import MentionBuilder
    from dsl.pattern.vm import finditer, light_match, match_of
    an = shipped.analyzer
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    compared = wrapped = 0
    for text in texts:
        doc = an.analyze(text)
        rec = Contexts()
        cascade.run(shipped, doc, observer=rec)
        build = MentionBuilder(doc)
        for rule, ctx in rec.seen:
            k = shipped.compiled.rule_at.index(rule)
            spec = shipped.compiled.hit_specs[k]
            for m in finditer(rule.program, ctx, mode=rule.mode, cross_sentence=rule.cross_sentence):
                old = cascade.mention_from_match(rule, m, doc)
                light = (m.tok_start, m.tok_end, m.start, m.end, tuple(
                    (slot, tuple((c.tok_start, c.tok_end, c.start, c.end, c.mention_ref) for c in m.captures[n]))
                    for slot, n in enumerate(rule.program.capture_names) if m.captures[n]))
                assert match_of(light, rule.program.capture_names, rule.program.repeated_captures) == m
                hit = cascade.hit_from_match(spec, light)
                assert (old is None) == (hit is None)
                if hit is None:
                    continue
                new = build(hit)
                assert new == old and new.tokens == old.tokens and new.output == old.output
                for a in new.args.values():
                    for x in (a if isinstance(a, tuple) else (a,)):
                        if x.label is not None:
                            wrapped += 1
                            assert x.mention is not None and x.mention.label == x.label
                            assert (x.mention.start, x.mention.end) == (x.start, x.end)
                compared += 1
        assert light_match(doc.tokens, 0, 1, None, None) == (0, 1, doc.tokens[0].start, doc.tokens[0].end, ())
    assert compared > 50 and wrapped > 5


def test_match_gives_the_output_mentions_of_run(shipped):
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    texts += generate_corpus(30_000, seed=7)
    for text in texts:
        full = shipped.run(text)
        assert shipped.match(text) == full.output()
        kept = {m.key() for m in full.mentions}
        for m in full.output():
            for a in m.args.values():
                for x in (a if isinstance(a, tuple) else (a,)):
                    if x.mention is not None:   # the mention an argument wraps is one of the run's
                        assert x.mention.key() in kept or any(r.removed.key() == x.mention.key()
                                                              for r in full.removals)
