"""Score the shipped packs on an annotated sentence set (tests/eval/*.yaml).

    python tests/eval/score_news.py tests/eval/dev_news.yaml [-v]

Persons match by exact text (as a multiset per sentence). An event matches when the label is
the same, the trigger word lies inside the mention (or is its `trigger` argument), and every
annotated argument has an argument of that name with exactly that text. Prints precision and
recall for persons and events, and with -v every miss and every extra.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EVENT_LABELS = ("Meeting", "Visit", "Appointment")


@dataclass
class Score:
    tp_p: int = 0
    fp_p: int = 0
    fn_p: int = 0
    tp_e: int = 0
    fp_e: int = 0
    fn_e: int = 0
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    def summary(self) -> str:
        pp, rp = self.ratio(self.tp_p, self.tp_p + self.fp_p), self.ratio(self.tp_p, self.tp_p + self.fn_p)
        pe, re_ = self.ratio(self.tp_e, self.tp_e + self.fp_e), self.ratio(self.tp_e, self.tp_e + self.fn_e)
        return (f"persons P={pp:.2f} R={rp:.2f} ({self.tp_p} found, {self.fp_p} extra, {self.fn_p} missed); "
                f"events P={pe:.2f} R={re_:.2f} ({self.tp_e} found, {self.fp_e} extra, {self.fn_e} missed)")


def _arg_texts(m) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in m.args.items():
        out[k] = [a.text for a in v] if isinstance(v, tuple) else [v.text]
    return out


def _event_ok(m, gold: dict, text: str) -> bool:
    if m.label != gold["label"]:
        return False
    args = _arg_texts(m)
    trig = gold["trigger"]
    if trig not in m.text and trig not in args.get("trigger", []):
        return False
    return all(gold[k] in args.get(k, []) for k in gold if k not in ("label", "trigger"))


def score(pack, items: list[dict]) -> Score:
    s = Score()
    for it in items:
        text = it["text"]
        found = pack.match(text)
        got_p = Counter(m.text for m in found if m.label == "Person")
        want_p = Counter(it.get("persons") or [])
        s.tp_p += sum((got_p & want_p).values())
        for name, n in (got_p - want_p).items():
            s.fp_p += n
            s.notes.append(f"extra Person {name!r} in: {text}")
        for name, n in (want_p - got_p).items():
            s.fn_p += n
            s.notes.append(f"missed Person {name!r} in: {text}")
        events = [m for m in found if m.label in EVENT_LABELS]
        gold = list(it.get("events") or [])
        used: set[int] = set()
        for g in gold:
            hit = next((i for i, m in enumerate(events) if i not in used and _event_ok(m, g, text)), None)
            if hit is None:
                s.fn_e += 1
                s.notes.append(f"missed {g} in: {text}")
            else:
                used.add(hit)
                s.tp_e += 1
        for i, m in enumerate(events):
            if i not in used:
                s.fp_e += 1
                s.notes.append(f"extra {m.label} {m.text!r} {_arg_texts(m)} by {m.rule} in: {text}")
    return s


def main(argv: list[str]) -> int:
    from dsl import Pack
    path = Path(argv[0]) if argv else ROOT / "tests" / "eval" / "dev_news.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    s = score(Pack.load([ROOT / "rules"]), items)
    if "-v" in argv:
        for n in s.notes:
            print("  " + n)
    print(f"{path.name}: {len(items)} sentences; {s.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
