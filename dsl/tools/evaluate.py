"""How good is a pack on annotated data (`arabic-ie evaluate`, `dsl.evaluate`): precision, recall, F1 per label.

The pack runs over every gold document (`dsl.io.gold`); its output mentions are compared
with the gold spans, label by label, as sets of (document, start, end), like `spacy
evaluate` and the CoNLL scorer:

- **Exact span.** A prediction is right when a gold span of its label has the same span. On
  IOB gold a prediction first takes the corpus tokens its characters overlap: the corpus tags
  whole tokens (clitics included, `وبوش`), the packs leave clitics out of a span, and both
  mean the same name. Two predictions that cover the same tokens count once.
- **Overlap precision.** The share of predictions that at least overlap a gold span of their
  label: what a looser boundary convention would credit.

Gold types map to labels (`label_map`, defaults PER/PERS -> Person, LOC -> Location,
ORG -> Organization). Scored are the labels asked for, else every gold label that was mapped
or that the pack produces; the rest of the gold and of the predictions is counted apart.
"""
from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import IO, Any

from dsl.io.gold import DOC_SENTENCES, Gold, GoldDoc, read_gold
from dsl.io.inputs import InputDoc

#: Gold types and the labels of the shipped packs they stand for; `--map TAG=Label` adds or overrides.
DEFAULT_MAP: Mapping[str, str] = MappingProxyType({"PER": "Person", "PERS": "Person", "LOC": "Location",
                                                   "ORG": "Organization"})
#: Characters of context shown on each side of a false positive or a miss.
CONTEXT = 40


@dataclass(frozen=True)
class LabelScore:
    """The counts of one label; precision, recall and F1 derive from them (0.0 when undefined)."""

    label: str
    tp: int
    predicted: int
    gold: int
    overlapping: int     # predictions that overlap a gold span of the label

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def overlap_precision(self) -> float:
        return self.overlapping / self.predicted if self.predicted else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "tp": self.tp,
                "predicted": self.predicted, "gold": self.gold, "overlap_precision": self.overlap_precision}


@dataclass(frozen=True)
class SpanError:
    """A false positive (`kind` 'fp': predicted, not in the gold) or a miss ('miss': in the gold, not found).

    `rule` names the rule of a false positive; `near` is the text of a gold span of the same
    label that a false positive overlaps, or of a prediction that overlaps a miss (a boundary error).
    """

    kind: str
    label: str
    doc: str
    start: int
    end: int
    text: str
    left: str
    right: str
    rule: str = ""
    near: str = ""

    def describe(self) -> str:
        tag = "FP  " if self.kind == "fp" else "MISS"
        extra = f"  [{self.rule}]" if self.rule else ""
        near = f"  (overlaps {'gold' if self.kind == 'fp' else 'predicted'} «{self.near}»)" if self.near else ""
        return (f"{tag} {self.label:<12} {self.doc}@{self.start}  «{self.text}»{near}{extra}\n"
                f"       …{self.left}[{self.text}]{self.right}…")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("kind", "label", "doc", "start", "end", "text", "rule", "near")}


@dataclass(frozen=True)
class Evaluation:
    """The result of `evaluate`: scores per label, every error, and what was not scored."""

    gold: str
    format: str
    documents: int
    labels: Mapping[str, LabelScore]
    errors: tuple[SpanError, ...]
    unscored_gold: Mapping[str, int]        # gold type -> spans not scored (no label mapped, not asked for)
    unscored_predicted: Mapping[str, int]   # label -> predictions not scored (not in the gold)
    failed: tuple[str, ...] = ()            # one line per document the pack failed on

    @property
    def overall(self) -> LabelScore:
        """Micro-averaged over the scored labels."""
        s = self.labels.values()
        return LabelScore("overall", sum(x.tp for x in s), sum(x.predicted for x in s), sum(x.gold for x in s),
                          sum(x.overlapping for x in s))

    def to_dict(self) -> dict[str, Any]:
        return {"gold": self.gold, "format": self.format, "documents": self.documents,
                "labels": {k: v.to_dict() for k, v in self.labels.items()}, "overall": self.overall.to_dict(),
                "unscored": {"gold": dict(self.unscored_gold), "predicted": dict(self.unscored_predicted)},
                "failed": list(self.failed)}


def parse_map(items: Iterable[str]) -> dict[str, str]:
    """`TAG=Label` strings as a mapping; ValueError names the malformed one."""
    out: dict[str, str] = {}
    for item in items:
        tag, eq, label = item.partition("=")
        if not eq or not tag.strip() or not label.strip():
            raise ValueError(f"expected TAG=Label, not {item!r}")
        out[tag.strip()] = label.strip()
    return out


def evaluate(pack: Any, gold: Gold | str, *, label_map: Mapping[str, str] | None = None,
             labels: Sequence[str] | None = None, doc_sentences: int = DOC_SENTENCES, workers: int | None = 1,
             format: str | None = None, texts: Sequence[str] = ()) -> Evaluation:
    """Run `pack` over the gold documents and score its output mentions (see the module docstring).

    `gold` is a `Gold` or a path (`dsl.io.gold.read_gold` with `format`, `doc_sentences`, `texts`).
    `label_map` is added to `DEFAULT_MAP`; `labels` fixes the labels scored. `workers` as in
    `arabic-ie match` (1: this process; None: a pool past a few documents).
    """
    if not isinstance(gold, Gold):
        gold = read_gold(gold, format=format, doc_sentences=doc_sentences, texts=texts)
    mapping = {**DEFAULT_MAP, **(label_map or {})}
    gold_labels = {s.type: mapping.get(s.type, s.type) for d in gold.documents for s in d.spans}
    if labels is not None:
        scored = list(dict.fromkeys(labels))
    else:
        produced = set(pack.labels())
        scored = sorted({lab for typ, lab in gold_labels.items() if typ in mapping or lab in produced})
    wanted = frozenset(scored)

    from dsl.engines.pool import match_auto
    from dsl.engines.sequential import DocResult
    items = [InputDoc(d.id, d.text) for d in gold.documents]
    predicted: dict[str, list[Any]] = {}
    unscored_predicted: Counter[str] = Counter()
    failed: list[str] = []
    for res in match_auto(pack, items, None, workers=workers):
        assert isinstance(res, DocResult)
        if res.error is not None:
            failed.append(f"{res.doc.id}: {res.error}")
        predicted[res.doc.id] = [m for m in res.mentions if m.label in wanted]
        unscored_predicted.update(m.label for m in res.mentions if m.label not in wanted)

    counts = {lab: [0, 0, 0, 0] for lab in scored}        # tp, predicted, gold, overlapping
    unscored_gold: Counter[str] = Counter()
    errors: list[SpanError] = []
    for doc in gold.documents:
        g_by: dict[str, set[tuple[int, int]]] = {lab: set() for lab in scored}
        for s in doc.spans:
            lab = mapping.get(s.type, s.type)
            if lab in g_by:
                g_by[lab].add((s.start, s.end))
            else:
                unscored_gold[s.type] += 1
        p_by: dict[str, dict[tuple[int, int], str]] = {lab: {} for lab in scored}
        snap = _Snapper(doc)
        for m in predicted.get(doc.id, ()):
            p_by[m.label].setdefault(snap(m.start, m.end), m.rule)
        for lab in scored:
            g, p = g_by[lab], p_by[lab]
            c = counts[lab]
            c[0] += len(g & p.keys())
            c[1] += len(p)
            c[2] += len(g)
            c[3] += sum(1 for span in p if _overlapping(span, g))
            for span in sorted(p.keys() - g):
                errors.append(_error("fp", lab, doc, span, p[span], _overlapping(span, g)))
            for span in sorted(g - p.keys()):
                errors.append(_error("miss", lab, doc, span, "", _overlapping(span, p.keys())))
    scores = {lab: LabelScore(lab, *counts[lab]) for lab in scored}
    return Evaluation(gold.source, gold.format, len(gold.documents), MappingProxyType(scores), tuple(errors),
                      MappingProxyType(dict(unscored_gold)), MappingProxyType(dict(unscored_predicted)),
                      tuple(failed))


class _Snapper:
    """On IOB gold, the span of the corpus tokens that `start:end` overlaps; else `start:end` itself."""

    def __init__(self, doc: GoldDoc) -> None:
        self.starts = [s for s, _ in doc.tokens]
        self.ends = [e for _, e in doc.tokens]

    def __call__(self, start: int, end: int) -> tuple[int, int]:
        if not self.starts:
            return start, end
        i = bisect.bisect_right(self.ends, start)          # the first token ending after the span starts
        j = bisect.bisect_left(self.starts, end) - 1       # the last token starting before the span ends
        return (self.starts[i], self.ends[j]) if i <= j else (start, end)


def _overlapping(span: tuple[int, int], others: Iterable[tuple[int, int]]) -> tuple[int, int] | None:
    for o in sorted(others):
        if o[0] < span[1] and span[0] < o[1]:
            return o
    return None


def _error(kind: str, label: str, doc: GoldDoc, span: tuple[int, int], rule: str,
           near: tuple[int, int] | None) -> SpanError:
    text = doc.text
    s, e = span
    left = " ".join(text[max(0, s - CONTEXT):s].split()[-8:])
    right = " ".join(text[e:e + CONTEXT].split()[:8])
    return SpanError(kind, label, doc.id, s, e, " ".join(text[s:e].split()), left + (" " if left else ""),
                     (" " if right else "") + right, rule, " ".join(text[near[0]:near[1]].split()) if near else "")


def write_evaluation(out: IO[str], ev: Evaluation, fmt: str = "text", show: int = 0) -> None:
    """The scores as a table (with up to `show` false positives and misses per label), or as JSON."""
    if fmt == "json":
        d = ev.to_dict()
        if show:
            d["errors"] = [e.to_dict() for e in _shown(ev, show)]
        out.write(json.dumps(d, ensure_ascii=False) + "\n")
        return
    shown = _shown(ev, show)
    for e in shown:
        out.write(e.describe() + "\n")
    if shown:
        out.write("\n")
    what = "IOB" if ev.format == "iob" else "JSON Lines spans"
    out.write(f"gold: {ev.gold} ({what}, {ev.documents} document{'s' if ev.documents != 1 else ''})\n")
    out.write(f"{'label':<16} {'precision':>9} {'recall':>7} {'f1':>6} {'tp':>6} {'predicted':>9} {'gold':>6} "
              f"{'overlap P':>9}\n")
    rows = [(s.label, s) for s in ev.labels.values()] + ([("overall (micro)", ev.overall)] if len(ev.labels) > 1
                                                         else [])
    for name, s in rows:
        out.write(f"{name:<16} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.tp:>6} {s.predicted:>9} "
                  f"{s.gold:>6} {s.overlap_precision:>9.3f}\n")
    if not ev.labels:
        out.write("(no label scored: map the gold's tags to the pack's labels with --map TAG=Label)\n")
    if ev.unscored_gold:
        items = ", ".join(f"{t} ({n})" for t, n in sorted(ev.unscored_gold.items()))
        out.write(f"not scored, gold: {items}; --map TAG=Label to score a tag as a label\n")
    if ev.unscored_predicted:
        items = ", ".join(f"{t} ({n})" for t, n in sorted(ev.unscored_predicted.items()))
        out.write(f"not scored, predicted (not in the gold): {items}\n")
    out.flush()


def _shown(ev: Evaluation, n: int) -> list[SpanError]:
    """Up to `n` false positives, then up to `n` misses, of each scored label, in document order."""
    out: list[SpanError] = []
    for lab in ev.labels:
        for kind in ("fp", "miss"):
            out += [e for e in ev.errors if e.label == lab and e.kind == kind][:n]
    return out
