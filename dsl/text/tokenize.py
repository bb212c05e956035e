"""Tokenization and sentence splitting on the *original* text.

`tokenize(text)` cuts the text into raw tokens (`RawToken(start, end, shape)`); what lies
between two tokens is a *gap*. Tokens and gaps tile the text: nothing is lost or invented.

Token kinds, tried in this order at each position:

* `url`    — `http(s)://…`, `ftp://…`, `www.…`, or a bare domain with a common top-level
  domain (`example.com/path`); trailing punctuation (`.` `,` `)` `؟` …) is left out.
* `email`  — `local@domain.tld` (ASCII).
* words    — a letter or digit followed by letters, digits, combining marks, tatweel, and
  zero-width (non-)joiners / soft hyphens *between* word characters. A `.` `,` `٫` `٬`
  between two digits stays inside (`3.5`, `1,000`, `٣٫٥`). The shape is `digit` (digits and
  separators only), `arabic` (Arabic-script letters only), `latin` (Latin letters only) or
  `mixed` (letters with digits, several scripts, or another script).
* `punct`  — a run of one repeated punctuation character (`...`, `!!`, `؟`, `،`, `«`, `—`).
* `symbol` — any other single visible character (currency, emoji, astral symbols, ...).

Gaps: whitespace (including NBSP U+00A0, U+2028/2029, CR, CRLF and every other Unicode
space), format characters (bidi controls, ZWSP, BOM, ...), control characters, and
combining marks that do not follow a word character.

Sentences (`split_sentences`) end after `.` `!` `?` `؟` `…` (and runs of them), together
with closing quotes/brackets written right after them, and at every line break in a gap
(LF, CR, U+2028, U+2029, VT, FF, NEL). A `.` right after a one-letter word (an initial,
`د.`) does not end a sentence; numbers (`3.5`) and URLs are single tokens, so their dots
never do.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import regex

__all__ = ["RawToken", "tokenize", "split_sentences", "shape_of", "scan", "LINE_BREAKS"]

_TLDS = ("com|org|net|gov|edu|int|mil|info|biz|io|co|me|tv|news|online|ly|eg|sa|ae|qa|kw|bh|om|"
         "ye|iq|sy|lb|jo|ps|tn|dz|ma|sd|mr|so|dj|km|uk|us|fr|de|it|es|ru|tr|ir|cn|ch|nl|be|ca|au|eu")
_URL_BODY = r"""[^\s<>"«»“”‘’'\p{Cf}]"""
_URL_END = r"""[^\s<>"«»“”‘’'\p{Cf}.,;:!?؟،؛)\]}\p{Pe}\p{Pf}]"""
_URL = (
    r"(?:(?:https?|ftp)://|www\.)" + _URL_BODY + r"*" + _URL_END
    + r"|(?<![\p{L}\p{N}@.])[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    + r"\.(?:" + _TLDS + r")(?![\p{L}\p{N}])(?:/(?:" + _URL_BODY + r"*" + _URL_END + r")?)?"
)
_EMAIL = (r"(?<![\p{L}\p{N}.])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"       # local part
          r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"                         # first domain label
          r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\p{L}\p{N}])")
_JOINERS = "\u200c\u200d\u2060\u00ad"
_SEPS = ".,\u066b\u066c"
_WORD = (
    r"(?!\u0640)[\p{L}\p{N}]"
    r"(?:[\p{L}\p{M}\p{N}]++"
    r"|[" + _JOINERS + r"]++(?=[\p{L}\p{M}\p{N}])"
    r"|(?<=\p{Nd})[" + _SEPS + r"](?=\p{Nd}))*+"
)
_ARABIC_START = r"(?=[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFC])"
#: One alternative per token kind; what no alternative matches is a gap (whitespace, format
#: and control characters, combining marks that follow no word). Arabic-initial words are
#: tried first: they are most tokens and can be neither URLs nor e-mail addresses.
_MASTER = regex.compile(
    r"(?P<aword>" + _ARABIC_START + _WORD + r")"
    r"|(?P<url>" + _URL + r")"
    r"|(?P<email>" + _EMAIL + r")"
    r"|(?P<word>" + _WORD + r")"
    r"|(?P<punct>(?P<pc>\p{P})(?P=pc)*+\p{M}*+)"
    r"|(?P<symbol>[^\s\p{Cf}\p{Cc}\p{Z}\p{M}]\p{M}*+)",
    regex.DOTALL | regex.V0,
)
_DIGIT_WORD = regex.compile(r"[\p{N}" + _SEPS + r"\p{M}" + _JOINERS + r"]+")
_ARABIC_WORD = regex.compile(r"[\p{Script=Arabic}" + _JOINERS + r"]+")
_ARABIC_LETTERS = regex.compile(r"(?:[\p{Script=Arabic}&&[\p{L}\p{M}]]|[\u0640" + _JOINERS + r"]|\p{Mn})+", regex.V1)
_LATIN_WORD = regex.compile(r"(?:\p{Script=Latin}|\p{Mn}|[" + _JOINERS + r"])+")

#: Characters that break a line (and so end a sentence) when found in a gap.
LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
_LINE_BREAK_RE = regex.compile(r"[\n\r\u2028\u2029\x0b\x0c\x85]")
_TERMINAL = frozenset(".!?؟…\u203c\u2047\u2048\u2049\u06d4")
_TERMINAL_RE = regex.compile("[" + regex.escape("".join(sorted(_TERMINAL)), special_only=False) + "]")
_MARK_CHARS = "".join(chr(c) for c in range(0x0300, 0x0370)) + "".join(chr(c) for c in range(0x064B, 0x0660))
_CLOSERS = frozenset("»”’\"')]}›〉》」』\u201d")


@dataclass(frozen=True, slots=True)
class RawToken:
    """A token of the original text: `text[start:end]`, with its shape (see `dsl.doc.token.SHAPES`)."""

    start: int
    end: int
    shape: str


def shape_of(s: str) -> str:
    """The shape of a word-like string: digit, arabic, latin or mixed (punct/symbol for the rest)."""
    if not s:
        return "symbol"
    if _DIGIT_WORD.fullmatch(s):
        return "digit"
    if _ARABIC_LETTERS.fullmatch(s):
        return "arabic"
    if _LATIN_WORD.fullmatch(s):
        return "latin"
    m = _MASTER.match(s)
    if m is not None and m.end() == len(s) and m.lastgroup in ("url", "email", "punct", "symbol"):
        return m.lastgroup  # type: ignore[return-value]
    if regex.search(r"[\p{L}\p{N}]", s):
        return "mixed"
    if regex.fullmatch(r"[\p{P}\p{M}]+", s):
        return "punct"
    return "symbol"


#: Runs of non-whitespace. No token kind contains whitespace, and every assertion of
#: `_MASTER` that looks past a token sees whitespace and the end of the string alike (neither
#: is a letter, digit, mark, `@`, `.` or joiner), so the tokens of a text are the tokens of
#: its chunks, each scanned alone, shifted by the chunk's offset.
CHUNK_RE = regex.compile(r"\S+", regex.V0)
CHUNK_RE_CACHE: dict[str, tuple[tuple[int, int, str], ...]] = {}
CHUNK_RE_CACHE_SIZE = 100_000


def chunk_tokens(chunk: str) -> tuple[tuple[int, int, str], ...]:
    """The raw tokens of one whitespace-free chunk, relative to it (not cached)."""
    out = []
    for m in _MASTER.finditer(chunk):
        kind = m.lastgroup
        out.append((m.start(), m.end(), "word" if kind == "aword" else kind))
    return tuple(out)


def _scan_chunk(chunk: str) -> tuple[tuple[int, int, str], ...]:
    """The raw tokens of one whitespace-free chunk, relative to it (cached: chunks repeat)."""
    r = chunk_tokens(chunk)
    if len(CHUNK_RE_CACHE) >= CHUNK_RE_CACHE_SIZE:
        CHUNK_RE_CACHE.clear()
    CHUNK_RE_CACHE[chunk] = r
    return r


def scan(text: str) -> list[tuple[int, int, str]]:
    """Raw tokens as `(start, end, kind)` tuples; kind is word/url/email/punct/symbol (fast path).

    The text is cut at whitespace and each distinct chunk is scanned once (see `CHUNK_RE`): the
    same tokens as one `_MASTER` pass over the whole text, most of them from the cache.
    """
    out: list[tuple[int, int, str]] = []
    append = out.append
    get = CHUNK_RE_CACHE.get
    for m in CHUNK_RE.finditer(text):
        c = m.group()
        rel = get(c)
        if rel is None:
            rel = _scan_chunk(c)
        s0 = m.start()
        if len(rel) == 1 and rel[0][0] == 0:
            append((s0, s0 + rel[0][1], rel[0][2]))
        else:
            for a, b, k in rel:
                append((s0 + a, s0 + b, k))
    return out


def tokenize(text: str) -> list[RawToken]:
    """Split `text` into raw tokens with their shapes; tokens and the gaps between them tile `text`."""
    toks: list[RawToken] = []
    for s, e, kind in scan(text):
        shape = shape_of(text[s:e]) if kind == "word" else kind
        toks.append(RawToken(s, e, shape))
    return toks


def _is_terminal(tok_text: str) -> bool:
    """A token made only of sentence-final marks (`.`, `؟`, `...`, `…`), maybe with combining marks."""
    core = tok_text.rstrip(_MARK_CHARS) if tok_text else tok_text
    return bool(core) and all(c in _TERMINAL for c in core)


def split_sentences(text: str, tokens: Sequence[tuple[int, int] | RawToken | object]) -> list[tuple[int, int]]:
    """Group tokens into sentences; returns token index ranges `(first, last + 1)`.

    `tokens` are objects with `start`/`end` attributes or `(start, end, ...)` tuples over `text`.
    """
    spans: list[tuple[int, int]] = []
    for t in tokens:
        if hasattr(t, "start"):           # a Token (a named tuple: test the attribute first)
            spans.append((t.start, t.end))  # type: ignore[attr-defined]
        else:
            spans.append((t[0], t[1]))
    return split_spans(text, spans)


def split_spans(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence ranges from token spans: only line breaks and terminal marks are visited.

    Only items 0 and 1 of each span are read, so `scan`'s (start, end, kind) tuples will do.
    """
    n = len(spans)
    if n == 0:
        return []
    breaks: set[int] = set()      # k: a sentence ends after token k
    starts: list[int] | None = None
    for m in _LINE_BREAK_RE.finditer(text):
        if starts is None:
            starts = list(map(_FIRST, spans))
        p = m.start()
        k = bisect_right(starts, p) - 1
        if 0 <= k < n - 1 and spans[k][1] <= p:
            breaks.add(k)
    last_k = -1
    for m in _TERMINAL_RE.finditer(text):
        if starts is None:
            starts = list(map(_FIRST, spans))
        p = m.start()
        k = bisect_right(starts, p) - 1
        if k < 0 or k == last_k or not (spans[k][0] <= p < spans[k][1]):
            continue
        last_k = k
        s, e = spans[k][0], spans[k][1]
        if not _is_terminal(text[s:e]) or _is_initial_dot(text, spans, k):
            continue
        j = k
        while j + 1 < n and spans[j + 1][0] == spans[j][1] and (
                _is_terminal(text[spans[j + 1][0]:spans[j + 1][1]])
                or _is_closer(text[spans[j + 1][0]:spans[j + 1][1]])):
            j += 1
        if j < n - 1:
            breaks.add(j)
    sents: list[tuple[int, int]] = []
    first = 0
    for k in sorted(breaks):
        sents.append((first, k + 1))
        first = k + 1
    sents.append((first, n))
    return sents


_FIRST = itemgetter(0)


def _is_closer(s: str) -> bool:
    return bool(s) and all(c in _CLOSERS for c in s)


def _is_initial_dot(text: str, spans: Sequence[tuple[int, int]], k: int) -> bool:
    """A single '.' glued to a preceding one-letter word (an initial or `د.`) is no sentence end."""
    s, e = spans[k][0], spans[k][1]
    if text[s:e] != "." or k == 0:
        return False
    ps, pe = spans[k - 1][0], spans[k - 1][1]
    if pe != s:
        return False
    word = text[ps:pe]
    letters = [c for c in word if c.isalpha()]
    return len(letters) == 1 and len(word) <= 3
