"""Matching a gazetteer over a document: an Aho-Corasick scanner over token codes, the trie walk as its fallback.

A gazetteer's entries are a hashed trie (`dsl.gazetteer.index`): one dict maps every entry's
path of token keys (`token_key`, joined by `SEP`) to its entry index, and every proper prefix
to `PREFIX`. `walk` is the exact matcher: from each token, the longest path in the trie.
`Scanner` gets the same matches in one pass of compiled code: the paths become one
Aho-Corasick automaton (`ahocorasick_rs`, leftmost-longest) over two byte codes per token,
and the trie is walked only where the automaton cannot decide alone (a multi-word path whose
entries are all conditional, a path over a sentence start) and for documents whose tokens
break its assumptions.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping
from itertools import compress, repeat
from operator import attrgetter, is_, itemgetter
from typing import Any, NamedTuple

from dsl.doc.document import Document, token_types
from dsl.doc.token import Token

__all__ = ["GazMatch", "Scanner", "new_scanner", "walk", "token_key", "light", "SEP", "CLITIC", "PREFIX", "ART"]

SEP = "\x01"      # joins token keys into a path key
CLITIC = "\x00"   # separates pre / norm / suf inside a token key carrying clitics
PREFIX = -1       # value of a path key that is only a prefix of longer entries
ART = "\x02"      # marks the first key of a path that the text may reach with the article


def token_key(pre: str, norm: str, suf: str) -> str:
    """The trie key of a token with these proclitics, norm and enclitic."""
    return norm if not pre and not suf else f"{pre}{CLITIC}{norm}{CLITIC}{suf}"


class GazMatch(NamedTuple):
    """A match: tokens `[tok_start, tok_end)` of the document are entry `entry_index`."""

    tok_start: int
    tok_end: int
    entry_index: int


# ---------------------------------------------------------------- the trie walk

def walk(paths: Mapping[str, int], alts: Mapping[int, tuple[int, ...]], strict: Mapping[int, str],
         toks: tuple[Token, ...], s: int, e: int, out: list[GazMatch]) -> None:
    """Append the matches in tokens [s, e) (one sentence) to `out`, walking the hashed trie from every token."""
    get = paths.get
    check = _spelling_check(alts, strict, toks) if strict else None
    i = s
    while i < e:
        t = toks[i]
        suf = t.suf
        k1 = t.norm if not suf else f"{CLITIC}{t.norm}{CLITIC}{suf}"
        best_end, best = -1, -1
        v = get(k1)
        if v is not None:
            best_end, best = _extend(toks, get, k1, v, i, e, check)
        if t.definite:
            k2 = ART + (t.stem if not suf else f"{CLITIC}{t.stem}{CLITIC}{suf}")
            v = get(k2)
            if v is not None:
                end2, idx2 = _extend(toks, get, k2, v, i, e, check)
                if end2 > best_end:
                    best_end, best = end2, idx2
        if best >= 0:
            out.append(GazMatch(i, best_end, best))
            i = best_end
        else:
            i += 1


def _spelling_check(alts: Mapping[int, tuple[int, ...]], strict: Mapping[int, str], toks: tuple[Token, ...]
                    ) -> Callable[[int, int, int], int]:
    """`check(entry, i, j)`: the entry, or the first of its alternatives, that tokens [i, j) may be, or -1."""
    def check(idx: int, i: int, j: int) -> int:
        return _first_spelled(strict, (idx, *alts.get(idx, ())), toks, i, j)
    return check


def _first_spelled(strict: Mapping[int, str], entries: Iterable[int], toks: tuple[Token, ...], i: int, j: int) -> int:
    """The first of `entries` that tokens [i, j) may be (spelled letter for letter where the entry says
    `spelling=exact`), or -1."""
    for k in entries:
        want = strict.get(k)
        if want is None or _spelled(toks, i, j, want):
            return k
    return -1


def _extend(toks: tuple[Token, ...], get: Any, key: str, v: int, i: int, e: int,
            check: Callable[[int, int, int], int] | None = None) -> tuple[int, int]:
    """Walk the hashed trie from the path `key` (token i), return the longest (end, entry).

    `check` (when the gazetteer has spelling=exact entries): see `_spelling_check`.
    """
    if v >= 0 and check is not None:
        v = check(v, i, i + 1)
    best_end, best = (i + 1, v) if v >= 0 else (-1, -1)
    j = i + 1
    while j < e:
        t = toks[j]
        pre, suf = t.pre, t.suf
        key = key + SEP + (t.norm if not pre and not suf
                           else f"{pre}{CLITIC}{t.norm}{CLITIC}{suf}")
        v = get(key)
        if v is None:
            break
        j += 1
        if v >= 0 and check is not None:
            v = check(v, i, j)
        if v >= 0:
            best_end, best = j, v
    return best_end, best


_LIGHT_RE = re.compile("[\u064b-\u065f\u0670\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _spelled(toks: tuple[Token, ...], i: int, j: int, want: str) -> bool:
    """Do tokens [i, j) spell `want` (a `light` phrase without spaces) letter for letter?"""
    first = light(toks[i].text)
    if toks[i].definite:
        if not want.startswith("ال"):
            first = first[2:] if first.startswith("ال") else first[1:]   # ال / fused لل → ل
        elif not first.startswith("ال"):
            first = "ا" + first                                          # لل: core is لX
    return first + "".join(light(t.text) for t in toks[i + 1:j]) == want


def light(s: str) -> str:
    """Letters as written: diacritics, tatweel and invisible marks removed, nothing merged."""
    return _LIGHT_RE.sub("", s)


# ---------------------------------------------------------------- the automaton

try:  # a core dependency; without it (a platform with no wheel) `find` walks the trie instead
    import ahocorasick_rs as _acrs
except ImportError:  # pragma: no cover
    _acrs = None

_KEY3 = attrgetter("pre", "norm", "suf")


def _code_bytes(k: int, width: int) -> bytes:
    """The k-th code, `width` bytes: a first byte >= 0x80 (its high 7 bits: k's high bits), then
    bytes < 0x80. First bytes occur only at the start of a code, so a pattern (whole codes)
    only matches whole codes, and a fixed width makes a byte offset a token index."""
    out = [k & 0x7F]
    for _ in range(width - 2):
        k >>= 7
        out.append(k & 0x7F)
    out.append(0x80 | (k >> 7))
    return bytes(reversed(out))


def _code_width(n_codes: int) -> int:
    """Bytes per code: 2 up to 16,384 codes, 3 up to 2 million, and so on."""
    width = 2
    while n_codes > 1 << (7 * width):
        width += 1
    return width


class Scanner:
    """A gazetteer as one Aho-Corasick automaton (`ahocorasick_rs`, leftmost-longest) over codes.

    Every token of a document becomes two codes: B, the code of its inner key (proclitics,
    norm, enclitic: how it must look as a later word of an entry), then A, the code of its
    first key (norm and enclitic: how it must look as an entry's first word); keys no entry
    has share one unknown code of each kind. An entry is A(first word) + B A of every later
    word, so a match starts on an A and ends after one: with codes of `width` bytes (see
    `_code_bytes`), its tokens are start // (2 * width) to end // (2 * width). An
    article-optional path (`ART` + stem) is the A code of `ال` + stem, which is a definite
    token's norm (for documents whose definite tokens all have norm = ال + stem; others are
    walked).

    No match may cross a sentence boundary: in a document with token types (this process's
    analyzer's, or `Document.from_tokens`', whose sentences tile the tokens in order) one
    that does is dropped and its sentences walked; in others each sentence's first token
    gets the unknown B code. The automaton finds the longest path at the leftmost start, as
    the trie walk does. Where that path's entries are not unconditional (spelling=exact, or
    the article-optional form reached by a token without the article) its entries are
    checked in the walk's order; if none holds, a one-token match is dropped (the walk would
    move on to the next token too) and a longer one sends its sentence to the walk. Codes
    per token type id (`doc.document.token_types`) or per key are cached, bounded.
    """

    __slots__ = ("paths", "alts", "strict", "a_codes", "b_codes", "width", "unknown", "values", "ac", "by_entry",
                 "by_key", "has_art")

    CACHE = 200_000

    def __init__(self, paths: Mapping[str, int], alts: Mapping[int, tuple[int, ...]], strict: Mapping[int, str]
                 ) -> None:
        self.paths, self.alts, self.strict = paths, alts, strict     # the trie, for the walk
        # (is an A code, key) -> code number, numbered in order of first use from 2 (0, 1: unknown)
        ids: dict[tuple[bool, str], int] = {}
        alts_of: dict[tuple[int, ...], list[tuple[int, bool]]] = {}
        has_art = False
        for path, v in paths.items():
            if v < 0:
                continue
            keys = path.split(SEP)
            k0 = keys[0]
            art = k0[:1] == ART
            if art:
                has_art = True
                k0 = k0[1:]
                k0 = k0.replace(CLITIC, CLITIC + "ال", 1) if CLITIC in k0 else "ال" + k0
            parts = [ids.setdefault((True, k0), 2 + len(ids))]
            for k in keys[1:]:
                parts.append(ids.setdefault((False, k), 2 + len(ids)))
                if CLITIC in k:
                    _, norm, suf = k.split(CLITIC)
                    k = norm if not suf else f"{CLITIC}{norm}{CLITIC}{suf}"
                parts.append(ids.setdefault((True, k), 2 + len(ids)))
            got = alts_of.get(pat := tuple(parts))
            if got is None:
                got = alts_of[pat] = []
            got.append((v, art))
            for other in alts.get(v, ()):
                got.append((other, art))
        n_codes = 2 + len(ids)
        self.width = width = _code_width(n_codes)
        table = [_code_bytes(k, width) for k in range(n_codes)]
        self.unknown = table[1] + table[0]                       # B then A
        self.a_codes = {k: table[c] for (first, k), c in ids.items() if first}
        self.b_codes = {k: table[c] for (first, k), c in ids.items() if not first}
        self.by_entry: dict[int, bytes] = {}
        self.by_key: dict[tuple[str, str, str], bytes] = {}
        self.has_art = has_art
        values: list[Any] = []
        patterns: list[bytes] = []
        join = b"".join
        for pat, lst in alts_of.items():
            patterns.append(join(map(table.__getitem__, pat)))
            if len(lst) == 1 and not lst[0][1] and lst[0][0] not in strict:
                values.append(lst[0][0])
            else:
                lst.sort(key=_IS_ART)           # the walk prefers the plain path at equal length
                values.append(tuple(lst))
        self.values = values
        self.ac = _acrs.BytesAhoCorasick(patterns, matchkind=_acrs.MatchKind.LeftmostLongest)

    def _codes(self, pre: str, norm: str, suf: str) -> bytes:
        """B + A code of a token (most tokens share the one `unknown` object: the caches keep
        an entry per word type)."""
        b = self.b_codes.get(token_key(pre, norm, suf))
        a = self.a_codes.get(token_key("", norm, suf))
        if a is None and b is None:
            return self.unknown
        w = self.width
        return (b or self.unknown[:w]) + (a or self.unknown[w:])

    def encode(self, doc: Document, eids: list[int] | None) -> bytes | None:
        """The document as codes, or None when the walk must take it (sentences out of order
        or overlapping; definite tokens whose norm is not ال + stem, with article paths).
        `eids`: the token types of `doc` (`doc.document.token_types`), when it has them."""
        toks = doc.tokens
        n = len(toks)
        w = self.width
        if eids is not None:
            # One C-level pass over the entry ids: the common case. (Sentence boundaries are
            # checked on the matches: the sentences of typed documents tile them in order.)
            by_entry = self.by_entry
            get = itemgetter(*eids) if n > 1 else lambda d: (d[eids[0]],)
            try:
                return b"".join(get(by_entry))
            except KeyError:
                if len(by_entry) > self.CACHE:
                    by_entry = self.by_entry = {}
                token_of = dict(zip(eids, toks))        # (C-level passes: most types are known;
                keys = _TYPE_KEYS                       # the keys of a type are the same for every gazetteer)
                if len(keys) > self.CACHE:
                    keys.clear()
                bget, aget, unknown = self.b_codes.get, self.a_codes.get, self.unknown
                for e in set(token_of).difference(by_entry):    # (this difference walks token_of only)
                    ks = keys.get(e)
                    if ks is None:
                        t = token_of[e]
                        ks = keys[e] = (token_key(t.pre, t.norm, t.suf), token_key("", t.norm, t.suf))
                    b, a = bget(ks[0]), aget(ks[1])
                    by_entry[e] = unknown if a is None and b is None else (b or unknown[:w]) + (a or unknown[w:])
                return b"".join(get(by_entry))
        if self.has_art and any(t.definite and t.norm != "ال" + t.stem for t in toks):
            return None
        by_key = self.by_key
        if len(by_key) > self.CACHE:
            by_key = self.by_key = {}
        keys = list(map(_KEY3, toks))
        parts = list(map(by_key.get, keys))
        for j in compress(range(n), map(is_, parts, repeat(None))):
            c = by_key[keys[j]] = self._codes(*keys[j])
            parts[j] = c
        sents = doc.sentences
        if sents:
            unknown = self.unknown
            prev = 0
            for s, e in sents:
                if s < prev or e < s:
                    return None
                for j in range(prev, s):            # tokens in no sentence match nothing
                    parts[j] = unknown
                if e > s:
                    parts[s] = unknown[:w] + parts[s][w:]
                prev = e
            for j in range(prev, n):
                parts[j] = unknown
        return b"".join(parts)

    def find(self, doc: Document) -> list[GazMatch] | None:
        """`Gazetteer.find`, or None when the document must be walked."""
        toks = doc.tokens
        n = len(toks)
        if not n:
            return []
        eids = token_types(doc)
        codes = self.encode(doc, eids)
        if codes is None:
            return None
        # In a typed document, a match over the start of a sentence is dropped and
        # its sentences walked (in others, sentence starts are coded to stop matches).
        bounds = list(map(_FIRST, doc.sentences)) if eids is not None else []
        bounds.append(n)
        nb = 0
        values = self.values
        w2 = 2 * self.width
        out: list[GazMatch] = []
        append = out.append
        redo: list[int] = []                        # tokens whose sentence the walk must redo
        for pi, a, b in self.ac.find_matches_as_indexes(codes):
            v = values[pi]
            i, j = a // w2, b // w2
            while bounds[nb] <= i:
                nb += 1
            if bounds[nb] < j:
                redo.extend(range(i, j))
                continue
            if v.__class__ is not int:
                v = _choose(self.strict, v, toks, i, j)
                if v < 0:
                    if j - i > 1:
                        redo.append(i)
                    continue
            append(_new_tuple(GazMatch, (i, j, v)))
        if redo:
            out = _redo(self, doc, out, redo)
        return out



def new_scanner(paths: Mapping[str, int], alts: Mapping[int, tuple[int, ...]], strict: Mapping[int, str]
                ) -> Scanner | None:
    """The automaton of a trie, or None (no entries, or no `ahocorasick_rs`: then `find` walks the trie)."""
    if _acrs is None or not paths:
        return None
    return Scanner(paths, alts, strict)

_IS_ART = itemgetter(1)
#: token type id (`doc.document.token_types`) -> (inner key, first key) of its tokens, for every scanner
_TYPE_KEYS: dict[int, tuple[str, str]] = {}
_FIRST = itemgetter(0)
_new_tuple = tuple.__new__


def _choose(strict: Mapping[int, str], alts: tuple[tuple[int, bool], ...], toks: tuple[Token, ...], i: int, j: int
            ) -> int:
    """The first of a path's entries that tokens [i, j) satisfy, in the trie walk's order, or -1."""
    definite = toks[i].definite
    return _first_spelled(strict, (idx for idx, art in alts if definite or not art), toks, i, j)


def _redo(sc: Scanner, doc: Document, out: list[GazMatch], redo: list[int]) -> list[GazMatch]:
    """`out` with the sentences holding the `redo` tokens walked again (the exact answer there)."""
    n = len(doc.tokens)
    sents = list(doc.sentences) if doc.sentences else [(0, n)]
    starts = [s for s, _ in sents]
    windows = sorted({sents[bisect.bisect_right(starts, i) - 1] for i in redo})
    walked: list[GazMatch] = []
    for s, e in windows:
        walk(sc.paths, sc.alts, sc.strict, doc.tokens, s, e, walked)
    kept = [m for m in out if not any(s <= m.tok_start < e for s, e in windows)]
    return sorted(kept + walked)
