"""Arabic normalization with an exact offset map back to the original text.

Rules match on a *normalized view* of the text (no diacritics, one alef, ...), but every
match must report offsets into the *original* string, so that `original[start:end]` is
the surface the reader sees, diacritics and all. `normalize()` therefore returns a
`Normalized` object that holds the normalized text and, for every normalized character,
the original span it came from.

Steps (each one a toggle in `NormalizeOptions`; all on by default except `ta_marbuta`):

* `presentation_forms` — NFKC for Arabic presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF),
  which also expands the lam-alef ligatures (ﻻ → لا). A presentation form whose NFKC
  expansion contains a space (U+FDFA ﷺ, U+FDFB, the isolated harakat U+FE70 ...) would
  create extra words, so it is kept as it is. The expansion then goes through the other
  steps (ﺃ → أ → ا).
* `diacritics` — remove harakat and tanween U+064B–U+0652, superscript alef U+0670, the
  other combining Arabic marks U+0653–U+065F (maddah, hamza above/below, ...) and the
  Quranic annotation signs U+06D6–U+06ED. Before that, a letter followed by a combining
  hamza or maddah (U+0653–U+0655) is composed as NFC would (و + ٔ → ؤ), so decomposed
  input normalizes like precomposed input.
* `tatweel` — remove the kashida U+0640.
* `alef` — أ إ آ ٱ (and ٲ ٳ ٵ) → ا.
* `alef_maqsura` — ى → ي.
* `ta_marbuta` — ة → ه (off by default: it merges words that news text keeps apart).
* `persian_letters` — Persian/Urdu keheh ک → ك and Farsi yeh ی ې → ي (common in web text).
* `digits` — Arabic-Indic (٠–٩) and Persian (۰–۹) digits → ASCII 0–9; also the Arabic
  decimal separator ٫ → `.`, thousands separator ٬ → `,` and percent sign ٪ → `%`.
* `invisible` — remove bidi controls (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, U+061C),
  zero-width characters (U+200B–U+200D, U+2060–U+2064, U+FEFF) and the soft hyphen.

Offsets. A removed combining mark, tatweel or fully removed presentation form belongs to
the span of the preceding output character, so a normalized character's original span
includes its diacritics (`رئيساً`: the final ا maps to `اً`). Removed invisible characters
belong to no character (they fall between spans). A character expanded into several
(ﻻ → لا) maps every output character to the one original character.

`normalize_word` is the hot path used by the tokenizer/analyzer: a `str.translate` with a
table precomputed per option set; it always equals `normalize(s, options).text`.
Normalization is idempotent: `normalize(normalize(s).text).text == normalize(s).text`.
"""
from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, fields
from functools import lru_cache

import regex

__all__ = [
    "NormalizeOptions", "DEFAULT", "Normalized", "normalize", "normalize_word",
    "DIACRITICS", "TATWEEL", "INVISIBLE",
]


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    """Which normalization steps to apply (each one independent; see the module docstring)."""

    presentation_forms: bool = True
    diacritics: bool = True
    tatweel: bool = True
    alef: bool = True
    alef_maqsura: bool = True
    ta_marbuta: bool = False
    persian_letters: bool = True
    digits: bool = True
    invisible: bool = True

    def replace(self, **changes: bool) -> NormalizeOptions:
        """A copy with some steps switched (unknown names raise TypeError)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for k in changes:
            if k not in values:
                raise TypeError(f"unknown normalization option {k!r}")
        values.update(changes)
        return NormalizeOptions(**values)


#: The default options: everything on except ta marbuta → ha.
DEFAULT = NormalizeOptions()

#: Combining marks removed by the `diacritics` step.
DIACRITICS = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
)
TATWEEL = "\u0640"
#: Characters removed by the `invisible` step.
INVISIBLE = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)] + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2065)] + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u061C", "\uFEFF", "\u00AD"]
)
_ALEFS = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
          "\u0672": "\u0627", "\u0673": "\u0627", "\u0675": "\u0627"}
_PERSIAN = {"\u06A9": "\u0643", "\u06CC": "\u064A", "\u06D0": "\u064A"}
_DIGITS = {**{chr(0x0660 + d): str(d) for d in range(10)},
           **{chr(0x06F0 + d): str(d) for d in range(10)},
           "\u066B": ".", "\u066C": ",", "\u066A": "%"}
#: NFC compositions of a base letter with a following combining hamza/maddah.
_COMPOSE = {
    ("\u0627", "\u0653"): "\u0622", ("\u0627", "\u0654"): "\u0623", ("\u0627", "\u0655"): "\u0625",
    ("\u0648", "\u0654"): "\u0624", ("\u064A", "\u0654"): "\u0626", ("\u0649", "\u0654"): "\u0626",
    ("\u06D5", "\u0654"): "\u06C0", ("\u06C1", "\u0654"): "\u06C2", ("\u06D2", "\u0654"): "\u06D3",
}
_COMPOSING_MARKS = "\u0653\u0654\u0655"
_COMPOSE_RE = regex.compile("[\u0653\u0654\u0655]")

_ATTACH, _FREE = 1, 2  # how a removed character is accounted for in the offset map


def _presentation_chars() -> list[str]:
    return [chr(c) for c in list(range(0xFB50, 0xFE00)) + list(range(0xFE70, 0xFF00))]


@dataclass(frozen=True, slots=True)
class _Tables:
    """Per-option-set lookup tables: translate table, removal kinds, special-char regex."""

    translate: dict[int, str | None]
    kinds: dict[str, int]           # removed char -> _ATTACH / _FREE
    special: regex.Pattern[str]   # matches any char the options change (plus composing marks)


def _simple_map(options: NormalizeOptions) -> dict[str, str]:
    """Single-character steps (no presentation forms): char -> replacement ('' = removed)."""
    m: dict[str, str] = {}
    if options.diacritics:
        m.update({c: "" for c in DIACRITICS})
    if options.tatweel:
        m[TATWEEL] = ""
    if options.invisible:
        m.update({c: "" for c in INVISIBLE})
    if options.alef:
        m.update(_ALEFS)
    if options.alef_maqsura:
        m["\u0649"] = "\u064A"
    if options.persian_letters:
        m.update(_PERSIAN)
    if options.ta_marbuta:
        m["\u0629"] = "\u0647"
    if options.digits:
        m.update(_DIGITS)
    return m


@lru_cache(maxsize=64)
def _tables(options: NormalizeOptions) -> _Tables:
    simple = _simple_map(options)
    kinds: dict[str, int] = {}
    for c, r in simple.items():
        if r == "":
            kinds[c] = _FREE if c in INVISIBLE else _ATTACH
    full: dict[str, str] = dict(simple)
    if options.presentation_forms:
        for c in _presentation_chars():
            if c in INVISIBLE:
                continue
            exp = unicodedata.normalize("NFKC", c)
            if exp == c or any(ch.isspace() for ch in exp):
                continue  # unassigned / no decomposition / would create extra words
            out = "".join(simple.get(ch, ch) for ch in exp)
            full[c] = out
            if out == "":
                kinds[c] = _ATTACH
    translate: dict[int, str | None] = {ord(c): (r if r != "" else None) for c, r in full.items()}
    chars = "".join(sorted(set(full) | set(_COMPOSING_MARKS)))
    special = regex.compile("[" + regex.escape(chars, special_only=False) + "]") if chars else regex.compile(r"(?!)")
    return _Tables(translate, kinds, special)


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized view of `original`, with the original span of every normalized character.

    `text[i]` came from `original[starts[i]:ends[i]]`. Use `to_original`, `original_span`
    (normalized → original) and `to_normalized`, `normalized_span` (original → normalized).
    """

    original: str
    text: str
    starts: array       # array('q'), len(text)
    ends: array         # array('q'), len(text)

    def __len__(self) -> int:
        return len(self.text)

    def to_original(self, i: int) -> int:
        """Original offset where normalized character `i` starts (`len(text)` → `len(original)`)."""
        n = len(self.text)
        if i < 0 or i > n:
            raise IndexError(f"normalized offset {i} out of range 0..{n}")
        return self.starts[i] if i < n else len(self.original)

    def original_span(self, ns: int, ne: int) -> tuple[int, int]:
        """The original span `(os, oe)` covering normalized `text[ns:ne]` (marks included)."""
        n = len(self.text)
        if not 0 <= ns <= ne <= n:
            raise IndexError(f"normalized span ({ns}, {ne}) out of range 0..{n}")
        if ns == ne:
            o = self.to_original(ns)
            return (o, o)
        return (self.starts[ns], self.ends[ne - 1])

    def to_normalized(self, o: int) -> int:
        """Index of the first normalized character whose original span starts at or after `o`."""
        if o < 0 or o > len(self.original):
            raise IndexError(f"original offset {o} out of range 0..{len(self.original)}")
        return bisect_left(self.starts, o)

    def normalized_span(self, os: int, oe: int) -> tuple[int, int]:
        """The normalized span of the characters whose original span starts inside `[os, oe)`."""
        if not 0 <= os <= oe <= len(self.original):
            raise IndexError(f"original span ({os}, {oe}) out of range 0..{len(self.original)}")
        ns = bisect_left(self.starts, os)
        return (ns, max(ns, bisect_left(self.starts, oe)))

    def char_span(self, i: int) -> tuple[int, int]:
        """The original span normalized character `i` came from."""
        return (self.starts[i], self.ends[i])

    def covering(self, o: int) -> int:
        """Index of the normalized character whose original span contains offset `o`, or -1."""
        k = bisect_right(self.starts, o) - 1
        if k >= 0 and self.starts[k] <= o < self.ends[k]:
            return k
        return -1


def normalize(text: str, options: NormalizeOptions = DEFAULT) -> Normalized:
    """Normalize `text` and keep the exact offset map back to it (see the module docstring)."""
    t = _tables(options)
    table, kinds = t.translate, t.kinds
    n = len(text)
    out: list[str] = []
    starts = array("q")
    ends = array("q")
    last = ""          # last output character (for NFC-style composition)
    pos = 0
    for m in t.special.finditer(text):
        i = m.start()
        if i > pos:
            out.append(text[pos:i])
            starts.extend(range(pos, i))
            ends.extend(range(pos + 1, i + 1))
            last = text[i - 1]
        c = text[i]
        if c in _COMPOSING_MARKS and out and (last, c) in _COMPOSE:
            # NFC-style composition with the last output character (و + ٔ → ؤ), then the
            # composed letter goes through the other steps (أ → ا); the mark joins its span.
            composed = _COMPOSE[(last, c)]
            rep = table.get(ord(composed), composed) or composed
            out[-1] = out[-1][:-1] + rep
            last = rep
            ends[-1] = i + 1
            pos = i + 1
            continue
        rep = table.get(ord(c), c)
        if rep is None:
            if kinds.get(c, _ATTACH) == _ATTACH and ends:
                ends[-1] = i + 1
        else:
            out.append(rep)
            k = len(rep)
            if k == 1:
                starts.append(i)
                ends.append(i + 1)
            else:
                starts.extend([i] * k)
                ends.extend([i + 1] * k)
            last = rep[-1]
        pos = i + 1
    if pos < n:
        out.append(text[pos:])
        starts.extend(range(pos, n))
        ends.extend(range(pos + 1, n + 1))
    return Normalized(text, "".join(out), starts, ends)


def normalize_word(s: str, options: NormalizeOptions = DEFAULT) -> str:
    """The normalized text of `s`, fast (a `str.translate`); equals `normalize(s, options).text`.

    With the default options, results are cached per distinct string (words repeat; the cache
    is a plain dict, cleared when it holds `WORD_CACHE_SIZE` strings).
    """
    if options is DEFAULT:      # (looking the options up hashes a dataclass: more than the translation)
        got = _WORD_CACHE.get(s)
        if got is None:
            got = normalize(s).text if _COMPOSE_RE.search(s) is not None else \
                s.translate(_DEFAULT_TABLE if _DEFAULT_TABLE is not None else _default_table())
            if len(_WORD_CACHE) >= WORD_CACHE_SIZE:
                _WORD_CACHE.clear()
            _WORD_CACHE[s] = got
        return got
    if _COMPOSE_RE.search(s) is not None:
        return normalize(s, options).text
    return s.translate(_tables(options).translate)


WORD_CACHE_SIZE = 100_000
_WORD_CACHE: dict[str, str] = {}
_DEFAULT_TABLE: dict[int, str | None] | None = None


def _default_table() -> dict[int, str | None]:
    global _DEFAULT_TABLE
    _DEFAULT_TABLE = _tables(DEFAULT).translate
    return _DEFAULT_TABLE
