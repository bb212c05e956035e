"""Score Meeting / Visit / Appointment extraction on real newswire (tests/eval/anercorp_events.yaml).

    python tests/eval/score_anercorp_events.py                       # summary table
    python tests/eval/score_anercorp_events.py --show 40             # plus misses and false positives
    python tests/eval/score_anercorp_events.py --cmd ".venv/bin/arabic-ie match --format jsonl"
    python tests/eval/score_anercorp_events.py --json                # one JSON object

A tool run by hand, not a test. It reads the corpus ../shared/data/anercorp-dev/dev.txt (next to the
checkout; --corpus to point elsewhere) and exits 2 with a one-line message when it is not there. No
corpus text is stored anywhere in the project: the annotation holds sentence numbers and argument
strings only, and the sentences are printed (--show) straight from the corpus at run time.

Documents are built exactly as ../shared/tools/score_persons.py builds them: groups of
--doc-sentences (10) consecutive sentences, tokens joined by single spaces, one sentence per line,
written to a temporary folder as doc00000.txt, ...; the command runs once over the folder and its
JSON Lines are read back. Each predicted Meeting / Visit / Appointment is assigned to the sentence
(line) its start offset falls in; offsets of the mention and of its arguments are taken relative to
that sentence.

Matching. Annotated strings are located in the sentence after removing diacritics and tatweel and
unifying alef forms, ى/ي and ة/ه; an occurrence must end at a word end and start at a word start
or after a proclitic (و ف ب ل ك ال and their combinations; the ل+ال contraction للمغرب is found for
المغرب). A predicted event matches a gold event when
  1. the labels are equal;
  2. the trigger: the predicted mention span, or its `trigger` argument, overlaps a token of the
     sentence that contains the annotated trigger word;
  3. every scored argument is matched: some predicted argument of the corresponding role overlaps
     an occurrence of the annotated string (lenient on span boundaries: a title, a missing first
     name, a clitic or an extra word is fine) and overlaps no other person or place annotated in
     the same event (strict on who is who: a span covering both sides, or the wrong person, fails).
     Scored roles and the predicted roles that may satisfy them:
       Meeting, directed (gold has agent):   agent <- agent|participant;   partner <- partner
       Meeting, symmetric (gold has participant): each of participant and partner <- any of
                                              agent|participant|partner (either order)
       Visit:        agent <- agent;          destination <- destination
       Appointment:  appointer <- appointer;  appointee <- appointee;    position <- position
     A list of persons in one role (coordination) needs every member (strict); the `lenient` line
     needs one member per role. Meeting `place` is not scored (reported separately), nor is any
     *_desc field (a side that is no named person).
Gold and predicted events in a sentence are paired one to one (maximum bipartite matching).
A predicted event left unpaired is
  - a duplicate when it would have matched a gold event already paired with another prediction
    (reported, not counted in precision);
  - ignored when its sentence is listed under `ambiguous` (reported, not counted);
  - otherwise a false positive, whether its sentence is a hard negative, judged empty, holds other
    events, or lies outside the candidate pool (the last are printed for review: they may point at
    an event the pool missed, but they count as false until the annotation says otherwise).
Precision = TP / (TP + FP), recall = TP / gold, per label and overall.

Diagnostic: the command's Person mentions are read too. An event whose every scored person (agent,
participant, partner, appointer, appointee; each member of a list) is overlapped by a predicted
Person is "reachable" for the event rules; the report gives how many gold events are reachable and
the recall on those, which separates what the event constructions miss from what the person rules
miss (no event rule can fill a side that is not a Person).
"""
from __future__ import annotations

import argparse
import bisect
import json
import re
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLD = Path(__file__).resolve().parent / "anercorp_events.yaml"
CORPUS_REL = Path("shared") / "data" / "anercorp-dev" / "dev.txt"
LABELS = ("Meeting", "Visit", "Appointment")
PERSON_ROLES = ("agent", "participant", "partner", "appointer", "appointee")
SCORED = {"Meeting": ("agent", "participant", "partner"), "Visit": ("agent", "destination"),
          "Appointment": ("appointer", "appointee", "position")}
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_CLITICS = {"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك", "ال", "وال", "فال", "بال",
            "كال", "وبال", "وكال", "فبال", "لل", "ولل", "فلل"}


def default_corpus() -> Path | None:
    """../shared/... next to the checkout (or next to the folder holding it)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / CORPUS_REL).is_file():
            return base / CORPUS_REL
    return None


def read_iob(path: Path) -> list[list[str]]:
    """Sentences as token lists from a `token TAG` per line file (blank line between sentences)."""
    sents: list[list[str]] = []
    cur: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if cur:
                sents.append(cur)
                cur = []
            continue
        if len(parts) >= 2:
            cur.append(parts[0])
    if cur:
        sents.append(cur)
    return sents


# ---- locating annotated strings in a sentence --------------------------------------------------

def fold(text: str) -> tuple[str, list[int]]:
    """Normalized text and, for each of its characters, the index of that character in `text`."""
    out, index = [], []
    for i, ch in enumerate(text):
        if _DIACRITICS.match(ch):
            continue
        out.append(ch.translate(_FOLD))
        index.append(i)
    return "".join(out), index


def _word_start(folded: str, pos: int) -> int:
    return folded.rfind(" ", 0, pos) + 1


def find_spans(sentence: str, value: str) -> list[tuple[int, int]]:
    """Spans (in `sentence`) of the occurrences of `value` as a whole word sequence."""
    folded, index = fold(sentence)
    target = fold(value)[0].strip()
    if not target:
        return []
    spans = []
    candidates = [target]
    if target.startswith("ال") and len(target) > 2:
        candidates.append("ل" + target[2:])          # للمغرب holds لمغرب, not المغرب
    for cand in candidates:
        start = folded.find(cand)
        while start != -1:
            end = start + len(cand)
            prefix = folded[_word_start(folded, start):start]
            if prefix in _CLITICS and (end == len(folded) or not folded[end].isalnum()):
                spans.append((index[start], index[end - 1] + 1))
            start = folded.find(cand, start + 1)
        if spans:
            break
    return spans


def token_spans(sentence: str, word: str) -> list[tuple[int, int]]:
    """Spans of the whitespace tokens of `sentence` that contain `word` (normalized)."""
    target = fold(word)[0]
    spans, pos = [], 0
    for tok in sentence.split(" "):
        if target and target in fold(tok)[0]:
            spans.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    return spans


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# ---- gold and predicted events -----------------------------------------------------------------

def as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


@dataclass
class Gold:
    sent: int
    label: str
    trigger: str
    roles: dict[str, list[str]]                 # scored role -> annotated strings
    place: list[str]
    raw: dict
    trig_spans: list[tuple[int, int]] = field(default_factory=list)
    spans: dict[str, list[list[tuple[int, int]]]] = field(default_factory=dict)   # role -> per value
    place_spans: list[tuple[int, int]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @classmethod
    def from_yaml(cls, d: dict) -> Gold:
        roles = {r: as_list(d[r]) for r in SCORED[d["label"]] if r in d}
        return cls(d["sent"], d["label"], str(d["trigger"]), roles, as_list(d.get("place", [])), d)

    def resolve(self, sentence: str) -> None:
        self.trig_spans = token_spans(sentence, self.trigger)
        if not self.trig_spans:
            self.missing.append(f"trigger {self.trigger!r}")
        for role, values in self.roles.items():
            self.spans[role] = []
            for v in values:
                found = find_spans(sentence, v)
                if not found:
                    self.missing.append(f"{role} {v!r}")
                self.spans[role].append(found)
        self.place_spans = [s for v in self.place for s in find_spans(sentence, v)]

    def all_spans(self) -> list[tuple[int, int]]:
        persons = [s for per_value in self.spans.values() for found in per_value for s in found]
        return persons + self.place_spans

    def describe(self) -> str:
        parts = [f"{k}={'+'.join(v)}" for k, v in self.roles.items()]
        return f"{self.label} [{self.trigger}] " + " ".join(parts)

    def persons_found(self, persons: list[tuple[int, int]]) -> bool:
        """Every scored person of this event overlaps one of the predicted Person spans."""
        return all(any(overlaps(p, f) for p in persons for f in found)
                   for role, per_value in self.spans.items() if role in PERSON_ROLES for found in per_value)


@dataclass
class Pred:
    sent: int
    label: str
    span: tuple[int, int]
    text: str
    rule: str
    args: dict[str, list[tuple[int, int, str]]]

    def describe(self) -> str:
        parts = [f"{k}={'+'.join(t for _, _, t in v)}" for k, v in sorted(self.args.items())]
        return f"{self.label} {self.text!r} by {self.rule}: " + " ".join(parts)


def _value_ok(found: list[tuple[int, int]], others: list[tuple[int, int]],
              cands: list[tuple[int, int, str]]) -> bool:
    rivals = [o for o in others if not any(overlaps(o, f) for f in found)]
    return any(overlaps((a, b), f) and not any(overlaps((a, b), o) for o in rivals)
               for a, b, _ in cands for f in found)


def event_matches(g: Gold, p: Pred, lenient: bool = False) -> bool:
    """The criterion of the module docstring."""
    if g.label != p.label:
        return False
    trig = [p.span] + [(a, b) for a, b, _ in p.args.get("trigger", [])]
    if not any(overlaps(t, s) for t in trig for s in g.trig_spans):
        return False
    others = g.all_spans()
    symmetric = g.label == "Meeting" and "participant" in g.roles
    for role, per_value in g.spans.items():
        if g.label == "Meeting":
            if symmetric:
                pred_roles = ("agent", "participant", "partner")
            else:
                pred_roles = ("agent", "participant") if role == "agent" else (role,)
        else:
            pred_roles = (role,)
        cands = [a for r in pred_roles for a in p.args.get(r, [])]
        results = [_value_ok(found, others, cands) for found in per_value]
        if not (any(results) if lenient else all(results)):
            return False
    if symmetric and not lenient:
        # two sides must be two different predicted arguments
        parts = [found for per_value in g.spans.values() for found in per_value]
        cands = [a for r in ("agent", "participant", "partner") for a in p.args.get(r, [])]
        used = {i for found in parts for i, (a, b, _) in enumerate(cands)
                if any(overlaps((a, b), f) for f in found)}
        if len(used) < min(len(parts), 2):
            return False
    return True


def max_matching(golds: list[Gold], preds: list[Pred], lenient: bool) -> dict[int, int]:
    """Gold index -> pred index, a maximum one-to-one matching of compatible pairs."""
    ok = {(i, j) for i, g in enumerate(golds) for j, p in enumerate(preds) if event_matches(g, p, lenient)}
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in range(len(preds)):
            if (i, j) in ok and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(golds)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


# ---- scoring --------------------------------------------------------------------------------------

@dataclass
class Result:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    gold: Counter = field(default_factory=Counter)
    tp_lenient: Counter = field(default_factory=Counter)
    duplicates: int = 0
    ignored: int = 0
    outside_pool: int = 0
    places: int = 0
    places_found: int = 0
    partial: int = 0
    reachable: int = 0          # gold events whose scored persons were all found as Person
    reachable_tp: int = 0       # ... and matched
    hits: list[tuple[Gold, Pred]] = field(default_factory=list)
    misses: list[tuple[Gold, list[Pred]]] = field(default_factory=list)
    unresolved: list[tuple[int, str]] = field(default_factory=list)
    false_pos: list[tuple[Pred, str]] = field(default_factory=list)

    @staticmethod
    def prf(tp: int, fp: int, gold: int) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(gold_doc: dict, sentences: list[str], preds: list[Pred],
          persons: dict[int, list[tuple[int, int]]] | None = None) -> Result:
    """Match `preds` against the gold; `persons` (sentence -> predicted Person spans) feeds the
    reachability diagnostic of the module docstring."""
    golds = [Gold.from_yaml(d) for d in gold_doc.get("events") or []]
    for g in golds:
        g.resolve(sentences[g.sent])
    pool = ({g.sent for g in golds} | {d["sent"] for d in gold_doc.get("negatives") or []}
            | {d["sent"] for d in gold_doc.get("ambiguous") or []} | set(gold_doc.get("judged_empty") or []))
    ambiguous = {d["sent"] for d in gold_doc.get("ambiguous") or []}
    res = Result()
    res.unresolved = [(g.sent, m) for g in golds for m in g.missing]
    by_sent_g: dict[int, list[Gold]] = {}
    by_sent_p: dict[int, list[Pred]] = {}
    for g in golds:
        by_sent_g.setdefault(g.sent, []).append(g)
        res.gold[g.label] += 1
    for p in preds:
        by_sent_p.setdefault(p.sent, []).append(p)
    for s in sorted(set(by_sent_g) | set(by_sent_p)):
        gs, ps = by_sent_g.get(s, []), by_sent_p.get(s, [])
        pairs = max_matching(gs, ps, lenient=False)
        res.tp_lenient.update(gs[i].label for i in max_matching(gs, ps, lenient=True))
        for i, g in enumerate(gs):
            ready = persons is not None and g.persons_found(persons.get(s, []))
            res.reachable += ready
            res.reachable_tp += ready and i in pairs
            if i in pairs:
                res.tp[g.label] += 1
                res.hits.append((g, ps[pairs[i]]))
                if g.label == "Meeting" and g.place:
                    res.places += 1
                    p = ps[pairs[i]]
                    res.places_found += any(overlaps((a, b), f) for a, b, _ in p.args.get("place", [])
                                            for f in g.place_spans)
            else:
                res.fn[g.label] += 1
                res.misses.append((g, ps))
        used = set(pairs.values())
        for j, p in enumerate(ps):
            if j in used:
                continue
            if any(event_matches(g, p) for g in gs):
                res.duplicates += 1
            elif s in ambiguous:
                res.ignored += 1
            else:
                res.fp[p.label] += 1
                where = "outside the pool" if s not in pool else "in the pool"
                if any(g.label == p.label and any(overlaps(t, x) for t in
                       [p.span] + [(a, b) for a, b, _ in p.args.get("trigger", [])] for x in g.trig_spans)
                       for g in gs):
                    res.partial += 1
                    where += ", partial: trigger of a gold event, an argument missing or wrong"
                res.outside_pool += s not in pool
                res.false_pos.append((p, where))
    return res


# ---- running the command ---------------------------------------------------------------------------

def build_docs(sents: list[list[str]], folder: Path, k: int) -> dict[str, list[int]]:
    """Write the documents; return doc name -> the start offset of each of its sentences."""
    docs = {}
    for first in range(0, len(sents), k):
        lines, starts, pos = [], [], 0
        for si in range(first, min(first + k, len(sents))):
            line = " ".join(sents[si])
            starts.append(pos)
            lines.append(line)
            pos += len(line) + 1
        name = f"doc{first // k:05d}.txt"
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        docs[name] = starts
    return docs


def read_predictions(stdout: str, docs: dict[str, list[int]], k: int) -> list[Pred]:
    preds = []
    for line in stdout.splitlines():
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("label") not in LABELS:
            continue
        name = Path(m["doc"]).name
        starts = docs[name]
        local = bisect.bisect_right(starts, m["start"]) - 1
        base = starts[local]
        sent = int(name[3:8]) * k + local
        args: dict[str, list[tuple[int, int, str]]] = {}
        for role, v in (m.get("args") or {}).items():
            for a in (v if isinstance(v, list) else [v]):
                args.setdefault(role, []).append((a["start"] - base, a["end"] - base, a.get("text", "")))
        preds.append(Pred(sent, m["label"], (m["start"] - base, m["end"] - base), m.get("text", ""),
                          m.get("rule", "?"), args))
    return preds


def read_persons(stdout: str, docs: dict[str, list[int]], k: int) -> dict[int, list[tuple[int, int]]]:
    """Sentence -> the spans (relative to the sentence) of the Person mentions in the output."""
    out: dict[int, list[tuple[int, int]]] = {}
    for line in stdout.splitlines():
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("label") != "Person":
            continue
        name = Path(m["doc"]).name
        starts = docs[name]
        local = bisect.bisect_right(starts, m["start"]) - 1
        sent = int(name[3:8]) * k + local
        out.setdefault(sent, []).append((m["start"] - starts[local], m["end"] - starts[local]))
    return out


def default_cmd() -> str:
    exe = ROOT / ".venv" / "bin" / "arabic-ie"
    if exe.exists():
        return f"{exe} match --format jsonl"
    return f"{sys.executable} -m dsl match --format jsonl"


def report(res: Result, gold_doc: dict, show: int, sentences: list[str]) -> None:
    n_sents = len({d["sent"] for d in gold_doc["events"]})
    print(f"anercorp_events.yaml: {len(gold_doc['events'])} gold events in {n_sents} sentences; "
          f"{len(gold_doc.get('negatives') or [])} hard negatives, {len(gold_doc.get('ambiguous') or [])} ambiguous, "
          f"{len(gold_doc.get('judged_empty') or [])} judged empty")
    print(f"{'label':<12}{'gold':>6}{'tp':>6}{'fp':>6}{'fn':>6}{'P':>8}{'R':>8}{'F1':>8}{'R lenient':>11}")
    for label in (*LABELS, "overall"):
        if label == "overall":
            tp, fp, gold, tpl = (sum(res.tp.values()), sum(res.fp.values()), sum(res.gold.values()),
                                 sum(res.tp_lenient.values()))
        else:
            tp, fp, gold, tpl = res.tp[label], res.fp[label], res.gold[label], res.tp_lenient[label]
        p, r, f = Result.prf(tp, fp, gold)
        print(f"{label:<12}{gold:>6}{tp:>6}{fp:>6}{gold - tp:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}"
              f"{(tpl / gold if gold else 0):>11.3f}")
    print(f"false positives on the trigger of a gold event (argument missing or wrong) {res.partial}; "
          f"outside the candidate pool {res.outside_pool}; duplicates {res.duplicates}; "
          f"ignored in ambiguous sentences {res.ignored}; "
          f"meeting places found {res.places_found} of {res.places} on matched meetings")
    total = sum(res.gold.values())
    print(f"reachable (every named person of the event found as a Person by the run): {res.reachable} of "
          f"{total} events; recall on them {res.reachable_tp / res.reachable if res.reachable else 0:.3f} "
          f"({res.reachable_tp} found)")
    if not show:
        return
    print(f"\n--- found (up to {show}) ---")
    for g, p in res.hits[:show]:
        print(f"HIT  {g.sent}: {g.describe()}  <-  {p.describe()}")
    print(f"\n--- misses (up to {show}) ---")
    for g, near in res.misses[:show]:
        print(f"MISS {g.sent}: {g.describe()}")
        print(f"     {sentences[g.sent]}")
        for p in near:
            print(f"     predicted here: {p.describe()}")
    print(f"\n--- false positives (up to {show}) ---")
    for p, where in res.false_pos[:show]:
        print(f"FP   {p.sent} ({where}): {p.describe()}")
        print(f"     {sentences[p.sent]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", help="the IOB file (default: ../shared/data/anercorp-dev/dev.txt)")
    ap.add_argument("--gold", default=str(GOLD))
    ap.add_argument("--cmd", default=None, help="command that prints JSON Lines for a folder (default: "
                    "the checkout's .venv/bin/arabic-ie match --format jsonl)")
    ap.add_argument("--doc-sentences", type=int, default=10)
    ap.add_argument("--show", type=int, default=0, help="print up to N misses and N false positives")
    ap.add_argument("--json", action="store_true")
    o = ap.parse_args(argv)

    corpus = Path(o.corpus) if o.corpus else default_corpus()
    if corpus is None or not corpus.is_file():
        where = corpus or Path("..") / CORPUS_REL
        print(f"score_anercorp_events: corpus not found ({where}); it is not part of the project, "
              "pass --corpus PATH", file=sys.stderr)
        return 2
    sents = read_iob(corpus)
    sentences = [" ".join(s) for s in sents]
    gold_doc = yaml.safe_load(Path(o.gold).read_text(encoding="utf-8"))
    k = o.doc_sentences or len(sents)
    with tempfile.TemporaryDirectory() as d:
        docs = build_docs(sents, Path(d), k)
        r = subprocess.run(shlex.split(o.cmd or default_cmd()) + [d], check=False, capture_output=True, text=True,
                           cwd=ROOT)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-3000:])
        print(f"FAIL: the command exited {r.returncode}", file=sys.stderr)
        return 1
    preds = read_predictions(r.stdout, docs, k)
    res = score(gold_doc, sentences, preds, read_persons(r.stdout, docs, k))
    for sent, missing in res.unresolved:
        print(f"warning: sentence {sent}: annotated {missing} not found in the sentence", file=sys.stderr)
    if o.json:
        out = {"predicted": len(preds), "duplicates": res.duplicates, "ignored": res.ignored,
               "false_positives_partial": res.partial, "false_positives_outside_pool": res.outside_pool,
               "reachable": res.reachable, "reachable_found": res.reachable_tp}
        for label in (*LABELS, "overall"):
            tp = sum(res.tp.values()) if label == "overall" else res.tp[label]
            fp = sum(res.fp.values()) if label == "overall" else res.fp[label]
            gold = sum(res.gold.values()) if label == "overall" else res.gold[label]
            tpl = sum(res.tp_lenient.values()) if label == "overall" else res.tp_lenient[label]
            p, rr, f = Result.prf(tp, fp, gold)
            out[label] = {"gold": gold, "tp": tp, "fp": fp, "fn": gold - tp, "precision": p, "recall": rr,
                          "f1": f, "recall_lenient": tpl / gold if gold else 0.0}
        print(json.dumps(out))
        return 0
    report(res, gold_doc, o.show, sentences)
    return 0


if __name__ == "__main__":
    sys.exit(main())
