"""The gazetteer file format: UTF-8 text -> `Entry` values, with `file:line:col` errors.

One entry per line: a phrase, then TAB-separated `key=value` fields (`canonical`, `type`,
`article`, `spelling`, any other attribute), `#` comments and `# defaults:` lines; the
format and its errors are specified in `gazetteers/README.md`. Parsing only: the entries
are analyzed and compiled by `dsl.gazetteer.index`. Attribute mappings are read-only and
shared between entries with the same attributes.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dsl.errors import GazetteerError, SourcePos

__all__ = ["Entry", "GazetteerSource", "parse_entries", "read_entries", "read_bytes", "gazetteer_error",
           "EMPTY_ATTRS", "MAX_GAZETTEER_BYTES"]

_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
#: The attributes of an entry without any (one shared read-only mapping).
EMPTY_ATTRS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer line: the phrase as written, its canonical form, type and attributes."""

    phrase: str
    canonical: str
    type: str | None = None
    attrs: Mapping[str, str] = field(default_factory=lambda: EMPTY_ATTRS, hash=False)
    line: int = 0

    def get(self, key: str, default: str | None = None) -> str | None:
        """An attribute, `canonical` or `type` by name."""
        if key == "canonical":
            return self.canonical
        if key == "type":
            return self.type if self.type is not None else default
        return self.attrs.get(key, default)



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


def gazetteer_error(msg: str, file: str | None, line: int, col: int, src: str | None = None,
                    hint: str | None = None) -> GazetteerError:
    """An error at `file:line:col`, showing the source line `src` when given."""
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
        raise gazetteer_error(f"invalid UTF-8 at byte {off} (byte 0x{data[off]:02x}, line {line})",
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
            raise gazetteer_error("empty phrase (the line starts with a TAB)", file, lineno, 1, line)
        if "=" in phrase:
            col = fields[0].index("=") + 1
            raise gazetteer_error(f"phrase {phrase!r} contains '='", file, lineno, col, line,
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
                    raise gazetteer_error(f"field {f!r} is not key=value", file, lineno, fcol, line,
                               "fields after the phrase are key=value, e.g. type=country")
                if not _KEY_RE.match(key):
                    raise gazetteer_error(f"bad attribute name {key!r}", file, lineno, fcol, line,
                               "names are ASCII: letters, digits, _ - .")
                if not value:
                    raise gazetteer_error(f"attribute {key!r} has an empty value", file, lineno, fcol,
                               line)
                if key in attrs:
                    raise gazetteer_error(f"attribute {key!r} given twice", file, lineno, fcol, line)
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
            shared = EMPTY_ATTRS
        entries.append(Entry(phrase, canonical, intern(etype) if etype else None, shared, lineno))
    return GazetteerSource(file, tuple(entries), digest)


_DEFAULTS_RE = re.compile(r"\s*#\s*defaults:")
_CHECKED = frozenset({"article", "spelling"})


def _check_value(key: str, value: str, file: str | None, lineno: int, col: int, line: str) -> None:
    if key == "article" and value not in ("optional", "exact"):
        raise gazetteer_error(f"article={value!r}: expected article=optional or article=exact", file,
                   lineno, col, line)
    if key == "spelling" and value not in ("normalized", "exact"):
        raise gazetteer_error(f"spelling={value!r}: expected spelling=exact or spelling=normalized", file,
                   lineno, col, line)


def _parse_defaults(line: str, start: int, file: str | None, lineno: int) -> dict[str, str]:
    """`# defaults: key=value key=value` (whitespace-separated; values without spaces)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"\S+", line[start:]):
        item, col = m.group(), start + m.start() + 1
        key, eq, value = item.partition("=")
        if not eq or not value:
            raise gazetteer_error(f"defaults item {item!r} is not key=value", file, lineno, col, line)
        if not _KEY_RE.match(key):
            raise gazetteer_error(f"bad attribute name {key!r}", file, lineno, col, line)
        _check_value(key, value, file, lineno, col, line)
        out[sys.intern(key)] = value
    return out


#: A gazetteer file larger than this is refused (a pack is untrusted input: bound the memory it takes).
MAX_GAZETTEER_BYTES = 100 * 1024 * 1024


def read_bytes(p: str) -> bytes:
    """A gazetteer file's bytes (at most `MAX_GAZETTEER_BYTES`); a `GazetteerError` when it cannot be read."""
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
    return parse_entries(read_bytes(p), p)
