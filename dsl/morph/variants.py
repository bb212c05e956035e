"""Spelling variants of names as Arabic news writes them.

One name reaches print in several spellings: the final ة is often typed ه (فاطمة / فاطمه), and a
foreign name is transliterated differently by different desks: a long vowel left out (ماكرون /
ماكرن), g written غ or ج (غيرارد / جيرارد), a final s written س or ز (شولتس / شولتز), t written
ت or ط (تومسون / طومسون). Normalization (`dsl.text.normalize`) already merges hamza forms of
alef (إميل / أميل) and ى / ي; these variants are what it cannot merge without merging ordinary
words too (ة / ه would make حكومة and حكومه one word; that is a reading for names only).

`spelling_variants(name, foreign=...)` gives the one-edit variants of a normalized one-word
name; the pack builder (`dsl.pack.pack`) adds those of the gazetteers declared
`variants: spelling` as entries of their own (same attributes, `canonical=` the name), keeping
only variants the word lexicon does not know as ordinary words and no other entry spells.
The rules are general transliteration habits, written from general knowledge; no list of
names is involved.
"""
from __future__ import annotations

__all__ = ["spelling_variants", "VARIANTS_VERSION"]

#: Bump when the variant rules change (part of the compiled gazetteers' cache key).
VARIANTS_VERSION = "1"

#: Letters a foreign name's sound may be written with, both ways: g (غ / ج), t (ت / ط).
_SWAPS = {"غ": "ج", "ج": "غ", "ت": "ط", "ط": "ت"}


def spelling_variants(name: str, *, foreign: bool = False) -> list[str]:
    """One-edit spelling variants of a normalized one-word name (the name itself excluded).

    Every name: a final ة written ه. Foreign names (`foreign=True`), five letters or more:
    a final س / ز written the other way; one غ / ج or ت / ط written the other way; one long
    vowel و / ي inside the word (not its first two or last letter) left out. Names of fewer
    than four letters get none: too many ordinary words are that short.
    """
    n = len(name)
    if n < 4 or " " in name:
        return []
    out: list[str] = []
    if name.endswith("ة"):
        out.append(name[:-1] + "ه")
    if foreign and n >= 5:
        last = name[-1]
        if last in "سز":
            out.append(name[:-1] + ("ز" if last == "س" else "س"))
        for i, c in enumerate(name):
            if c in _SWAPS:
                out.append(name[:i] + _SWAPS[c] + name[i + 1:])
        for i in range(2, n - 1):
            if name[i] in "وي" and name[i - 1] not in "اوي":
                out.append(name[:i] + name[i + 1:])
    seen: set[str] = {name}
    uniq = []
    for v in out:
        if v not in seen:
            seen.add(v)
            uniq.append(v)
    return uniq
