"""Bring your own analyzer: another analyzer's tokens as our morphological tokens.

`Document.from_tokens(items, text=None)` builds a Document from
another analyzer's tokens (CAMeL Tools, Farasa, Stanza): each item is a mapping with `text`
and optional `start`/`end` (core offsets), `word_start`/`word_end`, `norm`, `stem`, `pre`,
`suf`, `def`, `shape`, `sent`, `word`, `lex` (the word lexicon's class, `dsl.doc.token.LEX_VALUES`; "" when not
given); any other key goes to `Token.extra` as a string
(`pos`, `lemma`, ...). Offsets are all-or-none. Without offsets and without `text`, the
document text is the tokens' `text` joined by single spaces and offsets point into it; with
`text` but no offsets, each token is searched in `text` after the previous one; without
offsets, a token whose `text` is written with its `pre`/`suf` clitics (`والمشير`, pre `و`) has
them left out of its core, as the analyzer's own tokens do, so spans exclude them. Missing
`norm`/`stem` are computed from `text` with the normalizer (given values are normalized too,
so rule literals compare equal). Without `sent`, sentences are split as for our own tokens.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from dsl.doc.token import LEX_VALUES, NO_EXTRA, Analysis, ReadOnlyDict, Token
from dsl.errors import InputError
from dsl.text.normalize import DEFAULT, NormalizeOptions, normalize_word
from dsl.text.tokenize import scan, shape_of, split_spans

_BOOL_TRUE = {"true", "1", "yes", "y", "t"}
_BOOL_FALSE = {"false", "0", "no", "n", "f", ""}
_KNOWN_KEYS = frozenset({"text", "start", "end", "word_start", "word_end", "norm", "stem", "pre",
                         "suf", "def", "definite", "shape", "sent", "word", "i", "lex"})
#: Keys `tokens_from_dicts` reads itself: they never reach `Token.extra`, so a pack cannot declare them.
RESERVED_KEYS = _KNOWN_KEYS


def _bad(idx: int, msg: str, id: str | None) -> InputError:
    where = f"{id}: " if id else ""
    return InputError(f"{where}token {idx}: {msg}")


def _as_bool(v: Any, idx: int, id: str | None) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v != 0
    if isinstance(v, str) and v.strip().lower() in _BOOL_TRUE | _BOOL_FALSE:
        return v.strip().lower() in _BOOL_TRUE
    raise _bad(idx, f"'def' must be a boolean, got {v!r}", id)


def _as_int(v: Any, key: str, idx: int, id: str | None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v)
        raise _bad(idx, f"{key!r} must be an integer, got {v!r}", id)
    return v


def _as_str(v: Any, key: str, idx: int, id: str | None) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise _bad(idx, f"{key!r} must be a string, got {type(v).__name__}", id)
    return v


def tokens_from_dicts(items: Iterable[Mapping[str, Any]], text: str | None = None,
                      id: str | None = None, *, options: NormalizeOptions = DEFAULT
                      ) -> tuple[str, tuple[Token, ...], tuple[tuple[int, int], ...], list[int] | None]:
    """The text, tokens, sentences and token types of a Document made of another analyzer's tokens.

    Each item needs `text`; `start`/`end` (all items or none), `word_start`/`word_end`,
    `norm`, `stem`, `pre`, `suf`, `def`, `shape`, `sent` are optional; other keys go to
    `Token.extra` as strings. Missing `norm`/`stem` come from `text` via the normalizer (given
    values are normalized too). Raises `InputError` naming the token index on a bad item.
    The types (see `dsl.doc.document.token_types`) are None when some definite token's norm is
    not the article + its stem.
    """
    opts = options
    rows: list[Mapping[str, Any]] = []
    for idx, it in enumerate(items):
        if not isinstance(it, Mapping):
            raise _bad(idx, f"expected a mapping of attributes, got {type(it).__name__}", id)
        if "text" not in it:
            raise _bad(idx, "missing 'text'", id)
        t = it["text"]
        if not isinstance(t, str) or not t:
            raise _bad(idx, f"'text' must be a non-empty string, got {t!r}", id)
        rows.append(it)
    if text is not None and not isinstance(text, str):
        raise InputError(f"{id + ': ' if id else ''}text must be a str, not {type(text).__name__}")
    synthesized = False
    has_off = ["start" in r or "end" in r for r in rows]
    if any(has_off) and not all(has_off):
        bad = has_off.index(not has_off[0]) if has_off[0] else has_off.index(True)
        raise _bad(bad, "either every token has 'start'/'end' offsets or none has", id)
    with_offsets = bool(rows) and all(has_off)

    # 1. offsets of each token's core and word
    spans: list[tuple[int, int, int, int]] = []
    if with_offsets:
        prev_end = 0
        for idx, r in enumerate(rows):
            if "start" not in r or "end" not in r:
                raise _bad(idx, "needs both 'start' and 'end'", id)
            s = _as_int(r["start"], "start", idx, id)
            e = _as_int(r["end"], "end", idx, id)
            ws = _as_int(r.get("word_start", s), "word_start", idx, id)
            we = _as_int(r.get("word_end", e), "word_end", idx, id)
            if not (0 <= ws <= s < e <= we):
                raise _bad(idx, f"bad offsets: word_start={ws} start={s} end={e} word_end={we}", id)
            if ws < prev_end:
                raise _bad(idx, f"offsets overlap or go backwards (starts at {ws}, previous token ends at {prev_end})",
                           id)
            prev_end = we
            spans.append((s, e, ws, we))
        if text is None:
            synthesized = True   # clitic characters outside the cores are unknown: spaces
            buf = [" "] * (spans[-1][3] if spans else 0)
            for idx, (s, e, _, _) in enumerate(spans):
                t = rows[idx]["text"]
                if len(t) != e - s:
                    raise _bad(idx, f"'text' has {len(t)} characters but the span {s}:{e} has {e - s}", id)
                buf[s:e] = list(t)
            text = "".join(buf)
        else:
            for idx, (s, e, _, we) in enumerate(spans):
                if we > len(text):
                    raise _bad(idx, f"offset {we} is past the end of the text ({len(text)})", id)
                if text[s:e] != rows[idx]["text"]:
                    raise _bad(idx, f"'text' {rows[idx]['text']!r} differs from the text at {s}:{e} "
                                    f"({text[s:e]!r})", id)
    elif text is None:
        pos = 0
        for idx, r in enumerate(rows):
            t = r["text"]
            lo, hi = _core_in_word(t, r, idx, id, opts)
            spans.append((pos + lo, pos + hi, pos, pos + len(t)))
            pos += len(t) + 1
        text = " ".join(r["text"] for r in rows)
    else:
        pos = 0
        for idx, r in enumerate(rows):
            t = r["text"]
            k = text.find(t, pos)
            if k < 0:
                raise _bad(idx, f"'text' {t!r} not found in the text after offset {pos}", id)
            lo, hi = _core_in_word(t, r, idx, id, opts)
            spans.append((k + lo, k + hi, k, k + len(t)))
            pos = k + len(t)

    # 2. sentences
    has_sent = ["sent" in r for r in rows]
    if any(has_sent) and not all(has_sent):
        raise _bad(has_sent.index(False) if has_sent[0] else has_sent.index(True),
                   "either every token has 'sent' or none has", id)
    sent_of: list[int] = []
    if rows and all(has_sent):
        prev = None
        for idx, r in enumerate(rows):
            v = _as_int(r["sent"], "sent", idx, id)
            if prev is not None and v < prev:
                raise _bad(idx, f"'sent' goes backwards ({v} after {prev})", id)
            sent_of.append(v)
            prev = v
        sents: list[tuple[int, int]] = []
        start = 0
        for k in range(1, len(rows) + 1):
            if k == len(rows) or sent_of[k] != sent_of[k - 1]:
                sents.append((start, k))
                start = k
    else:
        sents = split_spans(text, [(ws, we) for _, _, ws, we in spans])
    sent_index = [0] * len(rows)
    for si, (a, b) in enumerate(sents):
        for k in range(a, b):
            sent_index[k] = si

    # 3. tokens. A token's attributes follow from its core, its word and the values given for
    # it, so they are worked out once per distinct combination (cached across documents, see
    # `_lexical`): tokens of one combination share their analyses and a type id.
    tokens: list[Token] = []
    types: list[int] = []
    cache = _LEXICAL if opts is DEFAULT else {}
    if len(cache) > LEXICAL_CACHE_SIZE:
        cache.clear()
    typed = True
    new = _new
    get = dict.get
    known = _KNOWN_KEYS
    for idx, r in enumerate(rows):
        s, e, ws, we = spans[idx]
        core = text[s:e]
        surface = core if synthesized or (ws == s and we == e) else text[ws:we]
        extra_items = () if r.keys() <= known else tuple(kv for kv in r.items() if kv[0] not in known)
        dv = get(r, "def", get(r, "definite", False))
        key = (core, surface, get(r, "pre", _ABSENT), get(r, "suf", _ABSENT), dv, dv.__class__,
               get(r, "norm", _ABSENT), get(r, "stem", _ABSENT), get(r, "word", _ABSENT), get(r, "shape", _ABSENT),
               get(r, "lex", _ABSENT), extra_items)
        try:
            lex = cache.get(key)
        except TypeError:           # an unhashable value: worked out (and refused) below, not cached
            lex, key = None, None
        if lex is None:
            lex = _lexical(core, surface, r, extra_items, idx, id, opts)
            if key is not None:
                cache[key] = lex
        si = sent_index[idx]
        a, b = sents[si]
        tokens.append(new(Token, (idx, s, e, ws, we, core, *lex[:7], si, idx == a, idx == b - 1, *lex[7:9])))
        types.append(lex[9])
        typed = typed and lex[10]
    return text, tuple(tokens), tuple(sents), (types if typed else None)


#: A value not given (distinct from every value a caller may give, None included).
_ABSENT = object()
#: What tokens of one (core, word, given values) combination share, cached across documents:
#: (word, norm, stem, pre, suf, definite, shape, analyses, extra, type id, article ok).
_LEXICAL: dict[tuple[Any, ...], tuple[Any, ...]] = {}
LEXICAL_CACHE_SIZE = 200_000
#: Type ids of these tokens: negative, so they never meet the analyzer's (non-negative) entry ids.
_TYPE_IDS = itertools.count(-1, -1)
_new = tuple.__new__


def _lexical(core: str, surface: str, r: Mapping[str, Any], extra_items: tuple[tuple[Any, Any], ...], idx: int,
             id: str | None, opts: NormalizeOptions) -> tuple[Any, ...]:
    """A token's attributes but its position (see `tokens_from_dicts`), its values checked."""
    pre = normalize_word(_as_str(r.get("pre", ""), "pre", idx, id), opts)
    suf = normalize_word(_as_str(r.get("suf", ""), "suf", idx, id), opts)
    definite = _as_bool(r.get("def", r.get("definite", False)), idx, id)
    if "norm" in r:
        norm = _nv(_as_str(r["norm"], "norm", idx, id), opts)
    else:
        norm = normalize_word(core, opts) or core
        if definite and not norm.startswith("ال"):
            # ل + ال is written لل: the core keeps the article's ل (`لفريق`), its norm is `الفريق`
            norm = "ال" + (norm[1:] if pre.endswith("ل") and norm.startswith("ل") else norm)
    if "stem" in r:
        stem = _nv(_as_str(r["stem"], "stem", idx, id), opts)
    else:
        stem = norm[2:] if definite and norm.startswith("ال") and len(norm) > 2 else norm
    if "word" in r:
        word = _nv(_as_str(r["word"], "word", idx, id), opts)
    else:
        word = normalize_word(surface, opts) or surface
    shape = _as_str(r.get("shape", ""), "shape", idx, id) or _raw_shape(core)
    lex = _as_str(r.get("lex", ""), "lex", idx, id)
    if lex not in LEX_VALUES:
        raise _bad(idx, f"'lex' must be one of {', '.join(repr(v) for v in LEX_VALUES)}, got {lex!r}", id)
    extra: Mapping[str, str] = NO_EXTRA
    if extra_items:
        out = {}
        for k, v in extra_items:
            if not isinstance(k, str):
                raise _bad(idx, f"attribute names must be strings, got {k!r}", id)
            out[k] = ("true" if v else "false") if isinstance(v, bool) else ("" if v is None else str(v))
        extra = ReadOnlyDict(out)
    # Tokens of one combination agree on every attribute but position and sentence flags: the
    # contract of a document's token types (`dsl.doc.document.token_types`), which also wants
    # a definite token's norm to be the article + its stem, as in the analyzer's documents.
    return (word, norm, stem, pre, suf, definite, shape, (Analysis(pre, definite, stem, suf, lex),), extra,
            next(_TYPE_IDS), not definite or norm == "ال" + stem)


def _core_in_word(word: str, r: Mapping[str, Any], idx: int, id: str | None,
                  opts: NormalizeOptions) -> tuple[int, int]:
    """Where a token's core lies in its `text` when no offsets are given: without its clitics.

    The proclitics `pre` are cut from the front and the enclitic `suf` from the end when the
    word is written with them (compared after normalization; the diacritics that follow a
    clitic go with it), as the analyzer's own tokens do, so spans leave the clitics out. A
    word not written with its clitics, or that would be left empty, keeps its whole text.
    """
    pre = normalize_word(_as_str(r.get("pre", ""), "pre", idx, id), opts)
    suf = normalize_word(_as_str(r.get("suf", ""), "suf", idx, id), opts)
    lo, hi = 0, len(word)
    if pre:
        cut = [k for k in range(1, len(word)) if normalize_word(word[:k], opts) == pre]
        lo = cut[-1] if cut else 0
    if suf:
        cut = [k for k in range(len(word) - 1, lo, -1) if normalize_word(word[k:], opts) == suf]
        hi = cut[0] if cut else len(word)
    return (lo, hi) if lo < hi else (0, len(word))


def _nv(v: str, opts: NormalizeOptions) -> str:
    """A caller's value normalized (kept as given when it would normalize to nothing)."""
    return normalize_word(v, opts) or v


def _raw_shape(s: str) -> str:
    """Shape of a BYO token's text: the tokenizer's kind for one token, else shape_of."""
    toks = scan(s)
    if len(toks) == 1 and toks[0][0] == 0 and toks[0][1] == len(s) and toks[0][2] != "word":
        return toks[0][2]
    return shape_of(s)
