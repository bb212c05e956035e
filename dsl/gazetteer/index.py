"""A compiled gazetteer: entries as columns, the hashed trie of their token keys, the set behind `[stem in NAME]`.

`Gazetteer.build` analyzes each distinct word of a `GazetteerSource` (`dsl.gazetteer.format`)
alone, with the same analyzer as the text, and indexes every entry's path of token keys;
`find` matches them (`dsl.gazetteer.scanner`). Entries are kept as columns (phrases in one
string with an offset array, canonical-or-None, interned types, shared attribute mappings,
line numbers in an array). The compiled form is cached on disk (`dsl.cache`), keyed by the
file's SHA-256, the analyzer's fingerprint and the `article_optional` option; the automaton
is not stored there: it is rebuilt from the paths on first use in a process.
"""
from __future__ import annotations

import hashlib
import os
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dsl.cache import code_digest, digest, read_entry, write_entry
from dsl.doc.document import Document
from dsl.doc.token import ReadOnlyDict, Span, Token
from dsl.gazetteer.format import EMPTY_ATTRS, Entry, GazetteerSource, gazetteer_error, parse_entries, read_bytes
from dsl.gazetteer.scanner import ART, PREFIX, SEP, GazMatch, Scanner, light, new_scanner, token_key, walk
from dsl.morph.analyzer import Analyzer, default_analyzer

__all__ = ["Gazetteer", "analyzer_fingerprint"]


class Gazetteer:
    """A compiled gazetteer: `find(doc)` for mentions, `values()` for `[stem in NAME]`.

    Build one with `Gazetteer.load(path)` or, in two steps (so the analyzer can first be
    told the entries' words), `src = read_entries(path)` then `Gazetteer.build(src, analyzer=...)`.
    """

    __slots__ = ("name", "label", "path", "article_optional", "_paths", "_blob", "_offs",
                 "_canon", "_types", "_type_idx", "_attrs", "_attr_idx", "_lines", "_alts",
                 "_values", "_strict", "from_cache", "_scan", "_mention_attrs")

    def __init__(self) -> None:  # use load() / build()
        self.name: str | None = None
        self.label: str | None = None
        self.path: str | None = None
        self.article_optional = False
        self.from_cache = False
        self._paths: dict[str, int] = {}
        self._blob = ""                       # all phrases, each followed by "\n"
        self._offs = array("I", [0])          # phrase i is _blob[_offs[i]:_offs[i+1]-1]
        self._canon: dict[int, str] = {}      # only where canonical != phrase
        self._types: list[str | None] = [None]
        self._type_idx = array("I")
        self._attrs: list[Mapping[str, str]] = [EMPTY_ATTRS]
        self._attr_idx = array("I")
        self._lines = array("I")
        self._alts: dict[int, tuple[int, ...]] = {}
        self._values: frozenset[str] = frozenset()
        self._strict: dict[int, str] = {}
        # The automaton `find` runs (see Scanner): derived from _paths, built with the
        # gazetteer and again on first use in a process that unpickled it (not pickled).
        self._scan: Scanner | None = None
        self._mention_attrs: dict[int, Mapping[str, str]] = {}   # see mention_attrs (not pickled)

    # ---------------------------------------------------------------- construction

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, name: str | None = None,
             label: str | None = None, analyzer: Any = None, cache: bool = True,
             article_optional: bool = False) -> Gazetteer:
        """Read, analyze and compile a gazetteer file (or take it from the cache).

        With a cache hit the file is read and hashed but not parsed.
        """
        p = os.fspath(path)
        if name is None:
            name = Path(p).stem
        if analyzer is None:
            analyzer = default_analyzer()
        data = read_bytes(p)
        sha = hashlib.sha256(data).hexdigest()
        key = _cache_key(sha, analyzer, article_optional) if cache else None
        g = cls._cached(key, name, label, p)
        if g is not None:
            return g
        return cls._build(parse_entries(data, p, digest=sha), analyzer, name, label, key, article_optional)

    @classmethod
    def build(cls, entries: GazetteerSource | Iterable[Entry], *, analyzer: Any = None,
              name: str | None = None, label: str | None = None, cache: bool = True,
              article_optional: bool = False) -> Gazetteer:
        """Analyze entries with `analyzer` (default: `dsl.morph.analyzer.default_analyzer()`) and compile.

        A `GazetteerSource` (from `read_entries`) is cached on disk like `load`; plain
        entries (no file digest) are not.
        """
        if analyzer is None:
            analyzer = default_analyzer()
        if isinstance(entries, GazetteerSource):
            src = entries
        else:
            src = GazetteerSource(None, tuple(entries), "")
        if name is None and src.path is not None:
            name = Path(src.path).stem
        key = _cache_key(src.digest, analyzer, article_optional) if cache and src.digest else None
        g = cls._cached(key, name, label, src.path)
        if g is not None:
            return g
        return cls._build(src, analyzer, name, label, key, article_optional)

    @classmethod
    def _cached(cls, key: str | None, name: str | None, label: str | None, path: str | None) -> Gazetteer | None:
        """The compiled gazetteer stored under `key` in the disk cache (see `dsl.cache`), or None."""
        g = read_entry("gaz", key) if key is not None else None
        if not isinstance(g, cls):
            return None
        g.name, g.label, g.path, g.from_cache = name, label, path, True
        return g

    @classmethod
    def _build(cls, src: GazetteerSource, analyzer: Any, name: str | None, label: str | None,
               key: str | None, article_optional: bool) -> Gazetteer:
        g = cls()
        g.name, g.label, g.path, g.article_optional = name, label, src.path, article_optional
        g._compile(src, analyzer, article_optional)
        if key is not None:
            write_entry("gaz", key, g)
        return g

    def _compile(self, src: GazetteerSource, analyzer: Any, article_optional: bool) -> None:
        entries = src.entries
        words = _analyze_words(analyzer, {w for e in entries for w in e.phrase.split(" ")})
        paths: dict[str, int] = {}
        alts: dict[int, list[int]] = {}
        values: set[str] = set()
        strict: dict[int, str] = {}
        attr_ids: dict[int, int] = {id(EMPTY_ATTRS): 0}
        attrs_tab: list[Mapping[str, str]] = [EMPTY_ATTRS]
        phrases: list[str] = []
        canon = self._canon
        type_ids: dict[str | None, int] = {None: 0}
        type_tab: list[str | None] = [None]
        type_idx, attr_idx, lines = self._type_idx, self._attr_idx, self._lines
        intern = sys.intern
        for idx, e in enumerate(entries):
            toks: list[tuple[str, str, str, str, str, bool]] = []
            for w in e.phrase.split(" "):
                toks.extend(words[w])
            if not toks:
                raise gazetteer_error(f"phrase {e.phrase!r} has no token after analysis", src.path, e.line, 1)
            keys = [token_key("", toks[0][1], toks[0][2])]
            keys.extend(token_key(t[0], t[1], t[2]) for t in toks[1:])
            if len(toks) == 1:
                values.add(toks[0][1])
                values.add(toks[0][3])
            starts = [keys[0]]
            art = e.attrs.get("article")
            if (art == "optional" or (art is None and article_optional)) and not toks[0][5]:
                starts.append(ART + keys[0])
            for p in starts:
                for k in keys[1:]:
                    paths.setdefault(p, PREFIX)
                    p = p + SEP + k
                prev = paths.get(p, PREFIX)
                if prev == PREFIX:
                    paths[p] = idx
                elif prev != idx:
                    lst = alts.setdefault(prev, [])
                    if idx not in lst:
                        lst.append(idx)
            if e.attrs.get("spelling") == "exact":
                strict[idx] = light(e.phrase).replace(" ", "")
            phrases.append(e.phrase)
            if e.canonical != e.phrase:
                canon[idx] = e.canonical
            ti = type_ids.get(e.type)
            if ti is None:
                ti = type_ids[e.type] = len(type_tab)
                type_tab.append(intern(e.type) if e.type else None)
            type_idx.append(ti)
            ai = attr_ids.get(id(e.attrs))
            if ai is None:
                ai = attr_ids[id(e.attrs)] = len(attrs_tab)
                attrs_tab.append(e.attrs)
            attr_idx.append(ai)
            lines.append(e.line)
        self._paths = paths
        self._alts = {k: tuple(v) for k, v in alts.items()}
        self._attrs = attrs_tab
        self._values = frozenset(values)
        self._strict = strict
        self._types = type_tab
        self._blob = "".join(p + "\n" for p in phrases)
        offs, o = self._offs, 0
        for ph in phrases:
            o += len(ph) + 1
            offs.append(o)
        self._scanner()   # now: building the gazetteer includes building its automaton

    # -- pickling (to the disk cache, inside a pickled Pack, to worker processes): attribute
    # mappings are read-only proxies, which pickle cannot store as such.

    def __getstate__(self) -> dict[str, Any]:
        state = {k: getattr(self, k) for k in self.__slots__ if k not in ("_scan", "_mention_attrs")}
        state["_attrs"] = [dict(a) for a in self._attrs]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k in self.__slots__:
            setattr(self, k, state.get(k))
        self._attrs = [MappingProxyType(a) if a else EMPTY_ATTRS for a in self._attrs]
        self._mention_attrs = {}

    # ---------------------------------------------------------------- entries

    def __len__(self) -> int:
        return len(self._offs) - 1

    def __repr__(self) -> str:
        return f"<Gazetteer {self.name!r}: {len(self)} entries>"

    def entry(self, i: int) -> Entry:
        """Entry `i` (its line in the file is `entry(i).line`)."""
        if i < 0:
            i += len(self)
        phrase = self._blob[self._offs[i]:self._offs[i + 1] - 1]
        return Entry(phrase, self._canon.get(i, phrase), self._types[self._type_idx[i]],
                     self._attrs[self._attr_idx[i]], self._lines[i])

    def entries(self) -> Iterator[Entry]:
        for i in range(len(self)):
            yield self.entry(i)

    def mention_attrs(self, i: int) -> Mapping[str, str]:
        """The attributes of a mention of entry `i`: `canonical`, `type` when it has one, and its
        own attributes. Read-only and shared by every mention of the entry (cached, bounded)."""
        got = self._mention_attrs.get(i)
        if got is None:
            e = self.entry(i)
            got = ReadOnlyDict({"canonical": e.canonical or e.phrase,
                                 **({"type": e.type} if e.type else {}), **e.attrs})
            if len(self._mention_attrs) >= 50_000:
                self._mention_attrs = {}
            self._mention_attrs[i] = got
        return got

    def alternatives(self, i: int) -> tuple[int, ...]:
        """Other entries with the same token keys as entry `i` (homographs), in file order."""
        return self._alts.get(i, ())

    def values(self) -> frozenset[str]:
        """The set behind `[stem in NAME]`: `stem` and `norm` of every single-word entry."""
        return self._values

    def surface_words(self, normalize: Any = None) -> set[str]:
        """The normalized words of all phrases (`dsl.text.normalize.normalize_word` by default)."""
        if normalize is None:
            from dsl.text.normalize import normalize_word as normalize
        return {n for w in set(self._blob.split()) if (n := normalize(w))}

    # ---------------------------------------------------------------- matching

    def _scanner(self) -> Scanner | None:
        """The automaton over token codes (built once per process), or None without `ahocorasick_rs`."""
        sc = self._scan
        if sc is None:
            sc = self._scan = new_scanner(self._paths, self._alts, self._strict)
        return sc

    def find(self, doc: Document) -> list[GazMatch]:
        """Leftmost-longest, non-overlapping matches inside each sentence of `doc`.

        One Aho-Corasick pass over the document's token codes (see `Scanner`); the
        per-token walk of the hashed trie where the automaton cannot decide alone.
        """
        sc = self._scanner()
        if sc is not None:
            found = sc.find(doc)
            if found is not None:
                return found
        toks = doc.tokens
        out: list[GazMatch] = []
        if toks and self._paths:
            for s, e in (doc.sentences if doc.sentences else ((0, len(toks)),)):
                self._walk(toks, s, e, out)
        return out

    def _walk(self, toks: tuple[Token, ...], s: int, e: int, out: list[GazMatch]) -> None:
        """The matches in tokens [s, e) (one sentence), by walking the trie: `find` without the automaton."""
        walk(self._paths, self._alts, self._strict, toks, s, e, out)

    def spans(self, doc: Document) -> list[tuple[Span, Entry]]:
        """`find` as (span of the cores, entry) pairs: what an `@Label` mention covers."""
        return [(doc.span(m.tok_start, m.tok_end), self.entry(m.entry_index))
                for m in self.find(doc)]

    def lookup(self, text: str, analyzer: Any = None) -> list[Entry]:
        """The entries that `text` matches as a whole (first entry, then its alternatives)."""
        if analyzer is None:
            analyzer = default_analyzer()
        doc = analyzer.analyze(text)
        flat = Document(doc.text, doc.tokens, ((0, len(doc.tokens)),) if doc.tokens else ())
        for m in self.find(flat):
            if m.tok_start == 0 and m.tok_end == len(doc.tokens):
                return [self.entry(j) for j in (m.entry_index, *self.alternatives(m.entry_index))]
        return []


def _analyze_words(analyzer: Any, words: Iterable[str]
                   ) -> dict[str, tuple[tuple[str, str, str, str, str, bool], ...]]:
    """Analyze each distinct word alone: word -> ((pre, norm, suf, stem, word, definite), ...)."""
    out: dict[str, tuple[tuple[str, str, str, str, str, bool], ...]] = {}
    intern = sys.intern
    for w in words:
        if w in out:
            continue
        doc = analyzer.analyze(w)
        out[w] = tuple((intern(t.pre), intern(t.norm), intern(t.suf), intern(t.stem),
                        intern(t.word), t.definite) for t in doc.tokens)
    return out


# --------------------------------------------------------------------------- cache key

def analyzer_fingerprint(analyzer: Any) -> str | None:
    """A string that changes whenever `analyzer` may analyze a word differently, or None.

    An analyzer may say it itself (`fingerprint`, `cache_key` or `version`, attribute or
    method). For the built-in `dsl.morph.analyzer.Analyzer` it is derived from what decides its
    output: the package's code and data (`dsl.cache.code_digest`: the analyzer, the text layer,
    the lexicons in `dsl/morph/data/`), its normalization options and its known words.
    Otherwise None: compiled gazetteers are then not cached on disk.
    """
    for attr in ("fingerprint", "cache_key", "version"):
        v = getattr(analyzer, attr, None)
        if callable(v):
            try:
                v = v()
            except TypeError:
                continue
        if v is not None:
            return f"{type(analyzer).__module__}.{type(analyzer).__qualname__}:{attr}={v}"
    if not isinstance(analyzer, Analyzer):
        return None
    words = sorted(getattr(analyzer, "known_words", ()))
    h = digest(code_digest(), repr(getattr(analyzer, "options", None)), *words)
    return f"dsl.morph.analyzer.Analyzer:{h}"


def _cache_key(file_digest: str, analyzer: Any, article_optional: bool) -> str | None:
    """The cache key of a gazetteer file's compiled form, or None (an analyzer without a fingerprint)."""
    fp = analyzer_fingerprint(analyzer)
    return None if fp is None else digest(file_digest, fp, str(int(article_optional)))
