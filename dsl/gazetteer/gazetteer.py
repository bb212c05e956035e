"""Gazetteers: phrase lists matched on morphological tokens.

File format
-----------
Plain UTF-8 text (a leading BOM is allowed), one entry per line::

    # a comment: a line whose first non-blank character is '#'
    # fields: phrase, then TAB-separated key=value attributes
    القاهرة	type=capital	country=مصر
    أبو ظبي	canonical=أبوظبي	type=capital	country=الإمارات
    عبدالله	canonical=عبد الله	gender=m
    # defaults: type=military article=optional
    مشير	rank=1

* The first TAB-separated field is the phrase: one or more words separated by spaces
  (runs of spaces are collapsed), in ordinary spelling. Matching is on normalized text,
  so spelling variants that normalization already merges (alef/hamza forms, ...) need no
  entry of their own; genuine variants (`أبو ظبي`/`أبوظبي`) do.
* Every further field is `key=value` (key: ASCII letter or `_`, then letters, digits,
  `_`, `-`, `.`; value: non-empty, may contain spaces). Conventional keys:
  `canonical` (the entry's canonical form; defaults to the phrase), `type` (a class such
  as `country` or `military`; defaults to none), `article` and `spelling` (see Matching).
  Every other key is an attribute (`gender=m`, `country=ليبيا`, `rank=3`) that rules can
  test; `article` and `spelling` stay visible among them. Empty fields (a trailing TAB) are ignored; a key may
  appear once per line.
* `# defaults: key=value ...` (whitespace-separated, values without spaces) sets
  attributes for every following entry, until the next `# defaults:` line (an empty one
  clears them); an entry's own fields win.
* Blank lines and other comment lines are ignored. `#` starts a comment only at the start
  of a line. A `# fields: ...` comment may name the columns for human readers.
* The same phrase may appear on several lines (a homograph: `طرابلس` in Libya and in
  Lebanon): the first line is the match, `alternatives()` gives the others.

Bad input raises `GazetteerError` with `file:line:col`: invalid UTF-8 (with the byte
offset), a field that is not `key=value`, a bad key, a duplicate key, an empty value, an
`article=` other than `optional`/`exact`, a `spelling=` other than `exact`/`normalized`,
an empty phrase, a phrase with `=` in it (usually spaces typed where a TAB was meant), a
phrase with no token after analysis.

Matching
--------
An entry is analyzed word by word by the same analyzer as the text (`Analyzer.analyze`;
each distinct word once, alone), and matched on the tokens' normalized forms:

* first word: the text token's `norm` (article + stem) must equal the entry's; any
  proclitic (و ف ب ل ك س) is allowed on it, so `والقائد العام` and `للجيش الوطني الليبي`
  match `القائد العام` and `الجيش الوطني الليبي`;
* the article: an entry written with it (`القاهرة`) requires it; an entry written without
  it matches only the bare word (`صور` is not `الصور`, `حماس` is not `الحماس`) unless the
  entry has `article=optional` (or the gazetteer is built with `article_optional=True`
  and the entry does not say `article=exact`): then the text word may carry the article
  (`مشير` matches `المشير`, `والمشير`, `للمشير`; `فريق أول` matches `الفريق أول`). Titles,
  role heads and nationalities use it; names, places and organizations do not;
* every later word: `norm` must be equal and the text token must carry the same
  proclitics as the entry's word (normally none: `الجيش والوطني` is not an entry);
* enclitics (pronoun suffixes) must be those of the entry word on every word, the last
  included (normally none: `حكومتها` is not `حكومة`, `جيشها` is not `الجيش`);
* `spelling=exact` on an entry: it also requires the text to spell it letter for letter
  as the entry does (diacritics and tatweel aside), for names that normalization merges
  with a frequent word: `علي` vs the preposition `على`, `يحيى` vs `يحيي`, `آمر` vs `أمر`;
* only the token's primary analysis is used (the one its `norm`/`pre`/`suf` describe),
  so a gazetteer sees what rules see;
* a match never crosses a sentence boundary; the scan is leftmost-longest and
  non-overlapping within one gazetteer.

`values()` is the set behind `[stem in NAME]`: for every single-word entry its `stem` and
its `norm` (so `[stem in titles]` holds for `المشير` and `والمشير` when `مشير` is listed).

Size and speed
--------------
The trie is hashed: one dict maps every entry's key path (token keys joined by `\\x01`)
to its entry index, and every proper prefix to -1. `find` does not walk it token by token:
the paths are compiled into one Aho-Corasick automaton (`ahocorasick_rs`, leftmost-longest)
over two byte codes per token (see `_Scanner`), so a document costs one pass in compiled
code plus a few Python operations per match; the trie is walked only where the automaton
cannot decide alone (a multi-word path whose entries are all conditional, a path over a
sentence start) and for documents whose tokens break the automaton's assumptions. Entries
are kept as columns (phrase, canonical-or-None, interned type, shared attribute mappings,
line numbers in an array). The built form is pickled to a cache (`$ARABIC_IE_CACHE`, else
`$XDG_CACHE_HOME/arabic-ie`, else `~/.cache/arabic-ie`), keyed by the file's SHA-256, the
analyzer's fingerprint (see `analyzer_fingerprint`) and this module's format version;
written atomically (temporary file + rename), read only from a directory owned by the
current user and not writable by group or others, ignored when stale or unreadable. The
automaton is not pickled: it is rebuilt from the paths on first use in a process.
"""
from __future__ import annotations

import bisect
import hashlib
import os
import re
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter, is_, itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from dsl.cache import code_digest, digest, read_entry, write_entry
from dsl.doc.document import Document
from dsl.doc.token import Span, Token, ReadOnlyDict
from dsl.errors import GazetteerError, SourcePos
from dsl.morph.analyzer import entry_ids

__all__ = [
    "Entry", "GazMatch", "GazetteerSource", "Gazetteer", "parse_entries", "read_entries",
    "analyzer_fingerprint",
]

_SEP = "\x01"      # joins token keys into a path key
_CLITIC = "\x00"   # separates pre / norm / suf inside a token key carrying clitics
_PREFIX = -1       # value of a path key that is only a prefix of longer entries
_ART = "\x02"      # marks the first key of a path that the text may reach with the article

_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer line: the phrase as written, its canonical form, type and attributes."""

    phrase: str
    canonical: str
    type: str | None = None
    attrs: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False)
    line: int = 0

    def get(self, key: str, default: str | None = None) -> str | None:
        """An attribute, `canonical` or `type` by name."""
        if key == "canonical":
            return self.canonical
        if key == "type":
            return self.type if self.type is not None else default
        return self.attrs.get(key, default)


class GazMatch(NamedTuple):
    """A match: tokens `[tok_start, tok_end)` of the document are entry `entry_index`."""

    tok_start: int
    tok_end: int
    entry_index: int


# --------------------------------------------------------------------------- parsing

@dataclass(frozen=True)
class GazetteerSource:
    """A parsed gazetteer file (no analysis yet): its entries and the SHA-256 of its bytes."""

    path: str | None
    entries: tuple[Entry, ...]
    digest: str

    def surface_words(self, normalize: Any = None) -> set[str]:
        """The normalized words of all phrases (`dsl.text.normalize.normalize_word` by default).

        Give them to `Analyzer.with_known_words` before building, so that entry words are
        read as whole words (`بنغازي` is not ب + نغازي) in the entries and in the text alike.
        """
        if normalize is None:
            from dsl.text.normalize import normalize_word as normalize
        out: set[str] = set()
        seen: set[str] = set()
        for e in self.entries:
            for w in e.phrase.split(" "):
                if w not in seen:
                    seen.add(w)
                    n = normalize(w)
                    if n:
                        out.add(n)
        return out

    def __len__(self) -> int:
        return len(self.entries)


def _err(msg: str, file: str | None, line: int, col: int, src: str | None = None,
         hint: str | None = None) -> GazetteerError:
    return GazetteerError(msg, SourcePos(file, line, col), source_line=src, hint=hint)


def _decode(data: bytes, file: str | None) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        off = e.start
        line = data.count(b"\n", 0, off) + 1
        line_start = data.rfind(b"\n", 0, off) + 1
        col = len(data[line_start:off].decode("utf-8", "replace")) + 1
        end = data.find(b"\n", off)
        src = data[line_start:end if end >= 0 else len(data)].decode("utf-8", "replace")
        raise _err(f"invalid UTF-8 at byte {off} (byte 0x{data[off]:02x}, line {line})",
                   file, line, col, src, "save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_entries(data: bytes | str, file: str | None = None, *,
                  digest: str | None = None) -> GazetteerSource:
    """Parse gazetteer text (bytes are decoded as UTF-8). `file` names it in errors."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if digest is None:
        digest = hashlib.sha256(raw).hexdigest()
    text = _decode(raw, file) if isinstance(data, bytes) else data.lstrip("\ufeff")
    entries: list[Entry] = []
    attr_pool: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}
    intern = sys.intern
    valid_keys: set[str] = set()
    defaults: dict[str, str] = {}
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = _DEFAULTS_RE.match(line)
            if m:
                defaults = _parse_defaults(line, m.end(), file, lineno)
            continue
        fields = line.split("\t")
        phrase = " ".join(fields[0].split())
        if not phrase:
            raise _err("empty phrase (the line starts with a TAB)", file, lineno, 1, line)
        if "=" in phrase:
            col = fields[0].index("=") + 1
            raise _err(f"phrase {phrase!r} contains '='", file, lineno, col, line,
                       "separate fields with a TAB, not spaces")
        attrs: dict[str, str] = {}
        if len(fields) > 1:
            col = len(fields[0]) + 2
            for f in fields[1:]:
                fcol = col
                col += len(f) + 1
                key, eq, value = f.partition("=")
                if key in valid_keys and value and value[0] != " " and value[-1] != " ":
                    if key in attrs or key in _CHECKED:  # rare: let the slow path report
                        key, eq, value = f.partition("=")
                    else:
                        attrs[key] = value
                        continue
                fcol += len(f) - len(f.lstrip())
                f = f.strip()
                if not f:
                    continue
                key, eq, value = f.partition("=")
                key, value = key.strip(), value.strip()
                if not eq:
                    raise _err(f"field {f!r} is not key=value", file, lineno, fcol, line,
                               "fields after the phrase are key=value, e.g. type=country")
                if not _KEY_RE.match(key):
                    raise _err(f"bad attribute name {key!r}", file, lineno, fcol, line,
                               "names are ASCII: letters, digits, _ - .")
                if not value:
                    raise _err(f"attribute {key!r} has an empty value", file, lineno, fcol,
                               line)
                if key in attrs:
                    raise _err(f"attribute {key!r} given twice", file, lineno, fcol, line)
                _check_value(key, value, file, lineno, fcol, line)
                key = intern(key)
                if key not in _CHECKED:
                    valid_keys.add(key)
                attrs[key] = value
        if defaults:
            attrs = {**defaults, **attrs}
        canonical = attrs.pop("canonical", phrase)
        etype = attrs.pop("type", None)
        if attrs:
            k = tuple(attrs.items())
            shared = attr_pool.get(k)
            if shared is None:
                shared = attr_pool[k] = MappingProxyType(dict(sorted(k)))
        else:
            shared = _EMPTY
        entries.append(Entry(phrase, canonical, intern(etype) if etype else None, shared, lineno))
    return GazetteerSource(file, tuple(entries), digest)


_DEFAULTS_RE = re.compile(r"\s*#\s*defaults:")
_CHECKED = frozenset({"article", "spelling"})


def _check_value(key: str, value: str, file: str | None, lineno: int, col: int, line: str) -> None:
    if key == "article" and value not in ("optional", "exact"):
        raise _err(f"article={value!r}: expected article=optional or article=exact", file,
                   lineno, col, line)
    if key == "spelling" and value not in ("normalized", "exact"):
        raise _err(f"spelling={value!r}: expected spelling=exact or spelling=normalized", file,
                   lineno, col, line)


def _parse_defaults(line: str, start: int, file: str | None, lineno: int) -> dict[str, str]:
    """`# defaults: key=value key=value` (whitespace-separated; values without spaces)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"\S+", line[start:]):
        item, col = m.group(), start + m.start() + 1
        key, eq, value = item.partition("=")
        if not eq or not value:
            raise _err(f"defaults item {item!r} is not key=value", file, lineno, col, line)
        if not _KEY_RE.match(key):
            raise _err(f"bad attribute name {key!r}", file, lineno, col, line)
        _check_value(key, value, file, lineno, col, line)
        out[sys.intern(key)] = value
    return out


#: A gazetteer file larger than this is refused (a pack is untrusted input: bound the memory it takes).
MAX_GAZETTEER_BYTES = 100 * 1024 * 1024


def _read_bytes(p: str) -> bytes:
    try:
        with open(p, "rb") as fh:
            data = fh.read(MAX_GAZETTEER_BYTES + 1)
    except OSError as e:
        raise GazetteerError(f"cannot read gazetteer {p}: {e.strerror or e}") from None
    if len(data) > MAX_GAZETTEER_BYTES:
        raise GazetteerError(f"gazetteer is larger than {MAX_GAZETTEER_BYTES // (1024 * 1024)} MiB "
                             "(limit MAX_GAZETTEER_BYTES)", SourcePos(p, 1, 1))
    return data


def read_entries(path: str | os.PathLike[str]) -> GazetteerSource:
    """Read and parse a gazetteer file (pure parsing, no analysis)."""
    p = os.fspath(path)
    return parse_entries(_read_bytes(p), p)


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
    from dsl.morph.analyzer import Analyzer
    if not isinstance(analyzer, Analyzer):
        return None
    words = sorted(getattr(analyzer, "known_words", ()))
    h = digest(code_digest(), repr(getattr(analyzer, "options", None)), *words)
    return f"dsl.morph.analyzer.Analyzer:{h}"


def _cache_key(file_digest: str, analyzer: Any, article_optional: bool) -> str | None:
    """The cache key of a gazetteer file's compiled form, or None (an analyzer without a fingerprint)."""
    fp = analyzer_fingerprint(analyzer)
    return None if fp is None else digest(file_digest, fp, str(int(article_optional)))


# --------------------------------------------------------------------------- gazetteer

def _tok_key(pre: str, norm: str, suf: str) -> str:
    return norm if not pre and not suf else f"{pre}{_CLITIC}{norm}{_CLITIC}{suf}"


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
        self._attrs: list[Mapping[str, str]] = [_EMPTY]
        self._attr_idx = array("I")
        self._lines = array("I")
        self._alts: dict[int, tuple[int, ...]] = {}
        self._values: frozenset[str] = frozenset()
        self._strict: dict[int, str] = {}
        # The automaton `find` runs (see _Scanner): derived from _paths, built with the
        # gazetteer and again on first use in a process that unpickled it (not pickled).
        self._scan: _Scanner | None = None
        self._mention_attrs: dict[int, Mapping[str, str]] = {}   # see mention_attrs (not pickled)

    # ---------------------------------------------------------------- construction

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, name: str | None = None,
             label: str | None = None, analyzer: Any = None, cache: bool = True,
             article_optional: bool = False) -> "Gazetteer":
        """Read, analyze and compile a gazetteer file (or take it from the cache).

        With a cache hit the file is read and hashed but not parsed.
        """
        p = os.fspath(path)
        if name is None:
            name = Path(p).stem
        if analyzer is None:
            from dsl.morph.analyzer import default_analyzer
            analyzer = default_analyzer()
        data = _read_bytes(p)
        sha = hashlib.sha256(data).hexdigest()
        key = _cache_key(sha, analyzer, article_optional) if cache else None
        g = cls._cached(key, name, label, p)
        if g is not None:
            return g
        return cls._build(parse_entries(data, p, digest=sha), analyzer, name, label, key, article_optional)

    @classmethod
    def build(cls, entries: GazetteerSource | Iterable[Entry], *, analyzer: Any = None,
              name: str | None = None, label: str | None = None, cache: bool = True,
              article_optional: bool = False) -> "Gazetteer":
        """Analyze entries with `analyzer` (default: `dsl.morph.analyzer.default_analyzer()`) and compile.

        A `GazetteerSource` (from `read_entries`) is cached on disk like `load`; plain
        entries (no file digest) are not.
        """
        if analyzer is None:
            from dsl.morph.analyzer import default_analyzer
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
    def _cached(cls, key: str | None, name: str | None, label: str | None, path: str | None) -> "Gazetteer | None":
        """The compiled gazetteer stored under `key` in the disk cache (see `dsl.cache`), or None."""
        g = read_entry("gaz", key) if key is not None else None
        if not isinstance(g, cls):
            return None
        g.name, g.label, g.path, g.from_cache = name, label, path, True
        return g

    @classmethod
    def _build(cls, src: GazetteerSource, analyzer: Any, name: str | None, label: str | None,
               key: str | None, article_optional: bool) -> "Gazetteer":
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
        attr_ids: dict[int, int] = {id(_EMPTY): 0}
        attrs_tab: list[Mapping[str, str]] = [_EMPTY]
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
                raise _err(f"phrase {e.phrase!r} has no token after analysis", src.path,
                           e.line, 1)
            keys = [_tok_key("", toks[0][1], toks[0][2])]
            keys.extend(_tok_key(t[0], t[1], t[2]) for t in toks[1:])
            if len(toks) == 1:
                values.add(toks[0][1])
                values.add(toks[0][3])
            starts = [keys[0]]
            art = e.attrs.get("article")
            if (art == "optional" or (art is None and article_optional)) and not toks[0][5]:
                starts.append(_ART + keys[0])
            for p in starts:
                for k in keys[1:]:
                    paths.setdefault(p, _PREFIX)
                    p = p + _SEP + k
                prev = paths.get(p, _PREFIX)
                if prev == _PREFIX:
                    paths[p] = idx
                elif prev != idx:
                    lst = alts.setdefault(prev, [])
                    if idx not in lst:
                        lst.append(idx)
            if e.attrs.get("spelling") == "exact":
                strict[idx] = _light(e.phrase).replace(" ", "")
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
        self._attrs = [MappingProxyType(a) if a else _EMPTY for a in self._attrs]
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

    def _scanner(self) -> "_Scanner | None":
        """The automaton over token codes (built once per process), or None without `ahocorasick_rs`."""
        sc = self._scan
        if sc is None and _acrs is not None and self._paths:
            sc = self._scan = _Scanner(self)
        return sc if sc is not None and sc.ac is not None else None

    def find(self, doc: Document) -> list[GazMatch]:
        """Leftmost-longest, non-overlapping matches inside each sentence of `doc`.

        One Aho-Corasick pass over the document's token codes (see `_Scanner`); the
        per-token walk of the hashed trie where the automaton cannot decide alone.
        """
        sc = self._scanner()
        if sc is not None:
            found = sc.find(self, doc)
            if found is not None:
                return found
        toks = doc.tokens
        out: list[GazMatch] = []
        if toks and self._paths:
            for s, e in (doc.sentences if doc.sentences else ((0, len(toks)),)):
                self._walk(toks, s, e, out)
        return out

    def _walk(self, toks: tuple[Token, ...], s: int, e: int, out: list[GazMatch]) -> None:
        """The matches in tokens [s, e) (one sentence), by walking the hashed trie from every token."""
        get = self._paths.get
        check = None
        if self._strict:
            strict, alts = self._strict, self._alts

            def check(idx: int, i: int, j: int) -> int:
                for k in (idx, *alts.get(idx, ())):
                    want = strict.get(k)
                    if want is None or _spelled(toks, i, j, want):
                        return k
                return -1
        i = s
        while i < e:
            t = toks[i]
            suf = t.suf
            k1 = t.norm if not suf else f"{_CLITIC}{t.norm}{_CLITIC}{suf}"
            best_end, best = -1, -1
            v = get(k1)
            if v is not None:
                best_end, best = _extend(toks, get, k1, v, i, e, check)
            if t.definite:
                k2 = _ART + (t.stem if not suf else f"{_CLITIC}{t.stem}{_CLITIC}{suf}")
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

    def spans(self, doc: Document) -> list[tuple[Span, Entry]]:
        """`find` as (span of the cores, entry) pairs: what an `@Label` mention covers."""
        return [(doc.span(m.tok_start, m.tok_end), self.entry(m.entry_index))
                for m in self.find(doc)]

    def lookup(self, text: str, analyzer: Any = None) -> list[Entry]:
        """The entries that `text` matches as a whole (first entry, then its alternatives)."""
        if analyzer is None:
            from dsl.morph.analyzer import default_analyzer
            analyzer = default_analyzer()
        doc = analyzer.analyze(text)
        flat = Document(doc.text, doc.tokens, ((0, len(doc.tokens)),) if doc.tokens else ())
        for m in self.find(flat):
            if m.tok_start == 0 and m.tok_end == len(doc.tokens):
                return [self.entry(j) for j in (m.entry_index, *self.alternatives(m.entry_index))]
        return []


def _extend(toks: tuple[Token, ...], get: Any, key: str, v: int, i: int, e: int,
            check: Any = None) -> tuple[int, int]:
    """Walk the hashed trie from the path `key` (token i), return the longest (end, entry).

    `check(entry, i, j)` (when the gazetteer has spelling=exact entries) returns the entry,
    or an alternative, that may match tokens [i, j), or -1.
    """
    if v >= 0 and check is not None:
        v = check(v, i, i + 1)
    best_end, best = (i + 1, v) if v >= 0 else (-1, -1)
    j = i + 1
    while j < e:
        t = toks[j]
        pre, suf = t.pre, t.suf
        key = key + _SEP + (t.norm if not pre and not suf
                            else f"{pre}{_CLITIC}{t.norm}{_CLITIC}{suf}")
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
    """Do tokens [i, j) spell `want` (a `_light` phrase without spaces) letter for letter?"""
    first = _light(toks[i].text)
    if toks[i].definite:
        if not want.startswith("ال"):
            first = first[2:] if first.startswith("ال") else first[1:]   # ال / fused لل → ل
        elif not first.startswith("ال"):
            first = "ا" + first                                          # لل: core is لX
    return first + "".join(_light(t.text) for t in toks[i + 1:j]) == want


def _light(s: str) -> str:
    """Letters as written: diacritics, tatweel and invisible marks removed, nothing merged."""
    return _LIGHT_RE.sub("", s)


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


class _Scanner:
    """A gazetteer as one Aho-Corasick automaton (`ahocorasick_rs`, leftmost-longest) over codes.

    Every token of a document becomes two codes: B, the code of its inner key (proclitics,
    norm, enclitic: how it must look as a later word of an entry), then A, the code of its
    first key (norm and enclitic: how it must look as an entry's first word); keys no entry
    has share one unknown code of each kind. An entry is A(first word) + B A of every later
    word, so a match starts on an A and ends after one: with codes of `width` bytes (see
    `_code_bytes`), its tokens are start // (2 * width) to end // (2 * width). An
    article-optional path (`_ART` + stem) is the A code of `ال` + stem, which is a definite
    token's norm (for documents whose definite tokens all have norm = ال + stem; others are
    walked).

    No match may cross a sentence boundary: in a document of this process's analyzer one
    that does is dropped and its sentences walked; in others each sentence's first token
    gets the unknown B code. The automaton finds the longest path at the leftmost start, as
    the trie walk does. Where that path's entries are not unconditional (spelling=exact, or
    the article-optional form reached by a token without the article) its entries are
    checked in the walk's order; if none holds, a one-token match is dropped (the walk would
    move on to the next token too) and a longer one sends its sentence to the walk. Codes
    per analyzer entry id (`morph.entry_ids`) or per key are cached, bounded.
    """

    __slots__ = ("a_codes", "b_codes", "width", "unknown", "values", "ac", "by_entry", "by_key", "has_art")

    CACHE = 200_000

    def __init__(self, gaz: "Gazetteer") -> None:
        a_codes: dict[str, int] = {}
        b_codes: dict[str, int] = {}
        alts_of: dict[tuple[int, ...], list[tuple[int, bool]]] = {}
        alts = gaz._alts
        has_art = False
        for path, v in gaz._paths.items():
            if v < 0:
                continue
            keys = path.split(_SEP)
            k0 = keys[0]
            art = k0[:1] == _ART
            if art:
                has_art = True
                k0 = k0[1:]
                k0 = k0.replace(_CLITIC, _CLITIC + "ال", 1) if _CLITIC in k0 else "ال" + k0
            c = a_codes.get(k0)
            if c is None:
                c = a_codes[k0] = 2 + len(a_codes) + len(b_codes)
            parts = [c]
            for k in keys[1:]:
                c = b_codes.get(k)
                if c is None:
                    c = b_codes[k] = 2 + len(a_codes) + len(b_codes)
                parts.append(c)
                if _CLITIC in k:
                    _, norm, suf = k.split(_CLITIC)
                    k = norm if not suf else f"{_CLITIC}{norm}{_CLITIC}{suf}"
                c = a_codes.get(k)
                if c is None:
                    c = a_codes[k] = 2 + len(a_codes) + len(b_codes)
                parts.append(c)
            got = alts_of.get(pat := tuple(parts))
            if got is None:
                got = alts_of[pat] = []
            got.append((v, art))
            for other in alts.get(v, ()):
                got.append((other, art))
        n_codes = 2 + len(a_codes) + len(b_codes)
        self.width = width = _code_width(n_codes)
        table = [_code_bytes(k, width) for k in range(n_codes)]
        self.unknown = table[1] + table[0]                       # B then A
        self.a_codes = {k: table[c] for k, c in a_codes.items()}
        self.b_codes = {k: table[c] for k, c in b_codes.items()}
        self.by_entry: dict[int, bytes] = {}
        self.by_key: dict[tuple[str, str, str], bytes] = {}
        self.has_art = has_art
        strict = gaz._strict
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
        b = self.b_codes.get(_tok_key(pre, norm, suf))
        a = self.a_codes.get(_tok_key("", norm, suf))
        if a is None and b is None:
            return self.unknown
        w = self.width
        return (b or self.unknown[:w]) + (a or self.unknown[w:])

    def encode(self, doc: Document, eids: list[int] | None) -> bytes | None:
        """The document as codes, or None when the walk must take it (sentences out of order
        or overlapping; definite tokens whose norm is not ال + stem, with article paths).
        `eids`: the analyzer's entry ids of the tokens, when the analyzer made `doc`."""
        toks = doc.tokens
        n = len(toks)
        w = self.width
        if eids is not None:
            # One C-level pass over the entry ids: the common case. (Sentence boundaries are
            # checked on the matches: the analyzer's sentences tile the document in order.)
            by_entry = self.by_entry
            get = itemgetter(*eids) if n > 1 else lambda d: (d[eids[0]],)
            try:
                return b"".join(get(by_entry))
            except KeyError:
                if len(by_entry) > self.CACHE:
                    by_entry = self.by_entry = {}
                for j, e in enumerate(eids):
                    if e not in by_entry:
                        t = toks[j]
                        by_entry[e] = self._codes(t.pre, t.norm, t.suf)
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

    def find(self, gaz: "Gazetteer", doc: Document) -> list[GazMatch] | None:
        """`Gazetteer.find`, or None when the document must be walked."""
        toks = doc.tokens
        n = len(toks)
        if not n:
            return []
        eids = entry_ids(doc)
        codes = self.encode(doc, eids)
        if codes is None:
            return None
        # In a document of the analyzer, a match over the start of a sentence is dropped and
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
                v = _choose(gaz, v, toks, i, j)
                if v < 0:
                    if j - i > 1:
                        redo.append(i)
                    continue
            append(_new_tuple(GazMatch, (i, j, v)))
        if redo:
            out = _redo(gaz, doc, out, redo)
        return out


_IS_ART = itemgetter(1)
_FIRST = itemgetter(0)
_new_tuple = tuple.__new__


def _choose(gaz: "Gazetteer", alts: tuple[tuple[int, bool], ...], toks: tuple[Token, ...], i: int, j: int) -> int:
    """The first of a path's entries that tokens [i, j) satisfy, in the trie walk's order, or -1."""
    strict = gaz._strict
    for idx, art in alts:
        if art and not toks[i].definite:
            continue
        want = strict.get(idx)
        if want is None or _spelled(toks, i, j, want):
            return idx
    return -1


def _redo(gaz: "Gazetteer", doc: Document, out: list[GazMatch], redo: list[int]) -> list[GazMatch]:
    """`out` with the sentences holding the `redo` tokens walked again (the exact answer there)."""
    n = len(doc.tokens)
    sents = list(doc.sentences) if doc.sentences else [(0, n)]
    starts = [s for s, _ in sents]
    windows = sorted({sents[bisect.bisect_right(starts, i) - 1] for i in redo})
    walked: list[GazMatch] = []
    for s, e in windows:
        gaz._walk(doc.tokens, s, e, walked)
    kept = [m for m in out if not any(s <= m.tok_start < e for s, e in windows)]
    return sorted(kept + walked)

