"""Corpus statistics for rule writers (`arabic-ie stats`): what each rule finds and what it costs.

Runs the pack over a corpus, one document at a time, exactly as `match` does, with a cascade
observer that times each rule's search (its `finditer` plus building its mentions). Per rule
it counts the mentions it made, those the overlap policy kept or removed, those that are
output, and the documents it fired in; per label, the output mentions; and it lists the rules
that never fired. Timing is wall-clock on this machine: compare rules with each other, not
runs on different machines.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class RuleStats:
    """One rule's (or gazetteer's) counts over a corpus."""

    name: str
    label: str
    phase: int = 0
    made: int = 0        # mentions the rule produced (new, deduplicated), before overlap
    kept: int = 0        # still there after the overlap policy
    output: int = 0      # kept and output (the rule is not internal)
    removed: int = 0     # removed by the overlap policy
    documents: int = 0   # documents with at least one kept mention of this rule
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "phase": self.phase, "made": self.made,
                "kept": self.kept, "output": self.output, "removed": self.removed,
                "documents": self.documents, "seconds": round(self.seconds, 6)}


@dataclass
class CorpusStats:
    """Counts and times over a corpus; `add` one document's run at a time (memory stays flat)."""

    rules: dict[str, RuleStats]
    gazetteers: dict[str, RuleStats]
    documents: int = 0
    tokens: int = 0
    failed: int = 0
    analysis_seconds: float = 0.0
    rules_seconds: float = 0.0
    labels: Counter = field(default_factory=Counter)          # output mentions per label
    label_documents: Counter = field(default_factory=Counter)  # documents with an output mention per label

    @classmethod
    def for_pack(cls, pack: Any) -> CorpusStats:
        """Empty statistics with a row for every enabled rule and every labelled gazetteer of `pack`."""
        rules = {r.name: RuleStats(r.name, r.label, ph.number) for ph in pack.phases for r in ph.rules}
        gaz = {f"gazetteer:{g.name}": RuleStats(f"gazetteer:{g.name}", g.label) for g in pack.gazetteer_labels()}
        return cls(rules, gaz)

    def rule_ran(self, rule: Any, ctx: Any, round: int, seconds: float, new: int) -> None:
        """The cascade observer: time and count each rule's search."""
        st = self.rules.get(rule.name)
        if st is None:
            st = self.rules[rule.name] = RuleStats(rule.name, rule.label)
        st.seconds += seconds
        st.made += new

    def add(self, result: Any, analysis_seconds: float, rules_seconds: float) -> None:
        """Count one document's `RunResult` (the observer has already counted what the rules made)."""
        self.documents += 1
        self.tokens += len(result.doc.tokens)
        self.analysis_seconds += analysis_seconds
        self.rules_seconds += rules_seconds
        fired: set[str] = set()
        for m in result.mentions:
            st = self.rules.get(m.rule) or self.gazetteers.get(m.rule)
            if st is None:
                continue
            st.kept += 1
            if m.rule.startswith("gazetteer:"):
                st.made += 1
            if m.output:
                st.output += 1
            fired.add(m.rule)
        for name in fired:
            (self.rules.get(name) or self.gazetteers[name]).documents += 1
        for r in result.removals:
            st = self.rules.get(r.removed.rule) or self.gazetteers.get(r.removed.rule)
            if st is not None:
                st.removed += 1
                if r.removed.rule.startswith("gazetteer:"):
                    st.made += 1
        out = result.output()
        self.labels.update(m.label for m in out)
        self.label_documents.update({m.label for m in out})

    def never_fired(self) -> list[str]:
        """Enabled rules that made no mention anywhere in the corpus."""
        return [st.name for st in self.rules.values() if st.made == 0]

    def to_dict(self) -> dict[str, Any]:
        """The `--format json` object."""
        return {
            "documents": self.documents, "tokens": self.tokens, "failed": self.failed,
            "seconds": {"analysis": round(self.analysis_seconds, 6), "rules": round(self.rules_seconds, 6)},
            "labels": {lab: {"mentions": n, "documents": self.label_documents[lab]}
                       for lab, n in sorted(self.labels.items())},
            "rules": [st.to_dict() for st in self.rules.values()],
            "gazetteers": [st.to_dict() for st in self.gazetteers.values()],
            "never_fired": self.never_fired(),
        }


def collect(pack: Any, docs: Iterable[Any]) -> CorpusStats:
    """Statistics of `pack` over `docs` (objects with `.id` and `.text`, e.g. `inputs.InputDoc`)."""
    from dsl.pack.cascade import run
    stats = CorpusStats.for_pack(pack)
    for d in docs:
        t0 = time.perf_counter()
        doc = pack.analyze(d.text, id=d.id)
        t1 = time.perf_counter()
        result = run(pack, doc, observer=stats)
        stats.add(result, t1 - t0, time.perf_counter() - t1)
    return stats


SORTS = ("pack", "time", "made", "name")


def format_text(st: CorpusStats, sort: str = "pack") -> str:
    """Tables for a terminal: labels, then rules (with time), then gazetteers and the silent rules."""
    out: list[str] = []
    w = out.append
    w(f"{st.documents} document{'s' if st.documents != 1 else ''}, {st.tokens:,} tokens"
      + (f", {st.failed} unreadable or failed" if st.failed else "")
      + f"; analysis {st.analysis_seconds:.2f} s, rules {st.rules_seconds:.2f} s")
    w("")
    w(f"{'label':<20} {'mentions':>9} {'documents':>10}")
    for lab, n in sorted(st.labels.items(), key=lambda kv: (-kv[1], kv[0])):
        w(f"{lab:<20} {n:>9} {st.label_documents[lab]:>10}")
    if not st.labels:
        w("(no mentions)")
    w("")
    rows = list(st.rules.values())
    if sort == "time":
        rows.sort(key=lambda r: -r.seconds)
    elif sort == "made":
        rows.sort(key=lambda r: (-r.made, r.name))
    elif sort == "name":
        rows.sort(key=lambda r: r.name)
    total = sum(r.seconds for r in rows) or 1.0
    nw = max([len("rule")] + [len(r.name) for r in rows])
    lw = max([len("label")] + [len(r.label) for r in rows])
    w(f"{'rule':<{nw}}  {'label':<{lw}}  phase  {'made':>6} {'kept':>6} {'output':>6} {'removed':>7} "
      f"{'docs':>5} {'time ms':>9} {'time %':>6}")
    for r in rows:
        w(f"{r.name:<{nw}}  {r.label:<{lw}}  {r.phase:>5}  {r.made:>6} {r.kept:>6} {r.output:>6} {r.removed:>7} "
          f"{r.documents:>5} {r.seconds * 1000:>9.1f} {100 * r.seconds / total:>6.1f}")
    if st.gazetteers:
        w("")
        gw = max(len(g.name) for g in st.gazetteers.values())
        w(f"{'gazetteer':<{gw}}  {'label':<{lw}}  {'found':>6} {'kept':>6} {'output':>6} {'removed':>7} {'docs':>5}")
        for g in st.gazetteers.values():
            w(f"{g.name:<{gw}}  {g.label:<{lw}}  {g.made:>6} {g.kept:>6} {g.output:>6} {g.removed:>7} "
              f"{g.documents:>5}")
    silent = st.never_fired()
    w("")
    if silent:
        w(f"never fired ({len(silent)} of {len(st.rules)} rules): {', '.join(silent)}")
    else:
        w(f"every rule fired ({len(st.rules)} rules)")
    return "\n".join(out) + "\n"


def write_stats(out: IO[str], st: CorpusStats, fmt: str, sort: str = "pack") -> None:
    """Write statistics as text tables or as one JSON object."""
    if fmt == "json":
        out.write(json.dumps(st.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        out.write(format_text(st, sort))
    out.flush()
