"""Embedding arabic-ie in your own Python code.

Run from the project root:  python examples/embed.py
It loads the shipped packs, matches a text, writes a pack of its own inline, runs another
analyzer's tokens through the same rules, and ships a compiled pack to worker processes.
"""
from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dsl import Document, Pack

ROOT = Path(__file__).resolve().parent.parent


def shipped_packs() -> None:
    pack = Pack.load([ROOT / "rules"])
    text = "وأجرى الوزير محادثات مع الفريق خليفة حفتر في بنغازي."
    for m in pack.match(text):
        args = ", ".join(f"{k}={v.text if not isinstance(v, tuple) else [a.text for a in v]}"
                         for k, v in m.args.items())
        print(f"{m.label:12} {m.start:3}-{m.end:<3} {m.text}  [{args}]")
    # Offsets always slice the original text, diacritics and all.
    assert all(text[m.start:m.end] == m.text for m in pack.match(text))


def inline_pack() -> Pack:
    pack = Pack.from_yaml("""
name: demo
sets:
  ranks: [مشير, فريق, لواء]
rules:
  - name: ranked_person
    label: Person
    span: name
    pattern: '[stem in ranks] (?<name> [shape=arabic & !def]{1,2})'
""")
    found = pack.match("والمشير خليفة حفتر")
    print([(m.label, m.text) for m in found])
    assert [m.text for m in found] == ["خليفة حفتر"]
    return pack


def bring_your_own_tokens(pack: Pack) -> None:
    # Tokens from another analyzer (CAMeL Tools, Farasa, Stanza ...): a list of mappings.
    doc = Document.from_tokens([
        {"text": "المشير", "stem": "مشير", "def": True},
        {"text": "خليفة"}, {"text": "حفتر"},
    ])
    print(doc.text, [(m.text, m.start, m.end) for m in pack.match(doc)])


def _count(args: tuple[bytes, str]) -> int:
    blob, text = args
    return len(pickle.loads(blob).match(text))


def in_worker_processes(pack: Pack) -> None:
    blob = pickle.dumps(pack)  # a compiled pack pickles: ship it once per worker
    texts = ["المشير خليفة حفتر", "اللواء محمد", "لا شيء هنا"]
    with ProcessPoolExecutor(max_workers=2) as ex:
        print(list(ex.map(_count, [(blob, t) for t in texts])))


if __name__ == "__main__":
    shipped_packs()
    p = inline_pack()
    bring_your_own_tokens(p)
    in_worker_processes(p)
