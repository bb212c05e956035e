"""Reading documents: files, folders, standard input and JSON Lines, as untrusted bytes.

Text is decoded exactly, without newline translation, so offsets are Python string offsets
into the file's text (a UTF-8 or UTF-16 byte-order mark is not part of the text). Problems
are values (`InputProblem`) so one bad file never stops a run over a corpus.
"""
from __future__ import annotations

import codecs
import json
import os
import re
import stat
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dsl.doc.given import DEFAULT_LABEL_MAP, GivenMention, read_given
from dsl.errors import InputError

#: How many bytes of a file are sniffed for NUL bytes when deciding whether it is binary.
SNIFF_BYTES = 8192
#: A text document (file or standard input) larger than this is refused with a message instead of
#: exhausting memory: matching takes about 75 bytes of memory per byte of Arabic text (a 100 MiB
#: one-line file peaks near 7.5 GiB). `arabic-ie match --max-document-mb N` changes it.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024
ENCODING_ERRORS = ("strict", "replace", "skip")


@dataclass(frozen=True, slots=True)
class InputDoc:
    """A decoded document: `id` is the path as given (or a JSON Lines id); `replaced` counts bad bytes.

    `mentions`: entities given with the document (`--mentions-field`), input to the rules.
    """

    id: str
    text: str
    replaced: int = 0
    mentions: tuple[GivenMention, ...] = ()


@dataclass(frozen=True, slots=True)
class MentionsField:
    """`--mentions-field`: where JSON Lines records hold a model's entities, and how to read them.

    The field holds a list of `{"label", "start", "end"}` objects (character offsets into the
    record's text; see `dsl.doc.given.read_given`); a missing field or `null` means none.
    Labels are renamed by `label_map`; `output` echoes them; `priority` is their default priority.
    """

    name: str
    label_map: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LABEL_MAP)
    output: bool = False
    priority: int = 0

    def read(self, record: Mapping[str, Any], text: str) -> tuple[GivenMention, ...]:
        """The record's entities, checked against `text`; `InputError` names the bad entry."""
        raw = record.get(self.name)
        if raw is None:
            return ()
        return read_given(raw, text, label_map=self.label_map, output=self.output, priority=self.priority,
                          what=self.name)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A document that could not be read, or was skipped, with a one-line reason."""

    id: str
    message: str
    skipped: bool = False   # a warning (binary file in a folder), not a failure

    def __str__(self) -> str:
        return f"{self.id}: {self.message}"


class _Counter(threading.local):
    bad = 0


_counter = _Counter()


def _count_replace(err: UnicodeError) -> tuple[str, int]:
    _counter.bad += err.end - err.start  # type: ignore[attr-defined]
    return "\ufffd", err.end  # type: ignore[attr-defined]


def _count_skip(err: UnicodeError) -> tuple[str, int]:
    _counter.bad += err.end - err.start  # type: ignore[attr-defined]
    return "", err.end  # type: ignore[attr-defined]


# Registered once (the registry is process-wide); the count is per thread, so decoding is thread-safe.
codecs.register_error("arabic_ie_replace", _count_replace)
codecs.register_error("arabic_ie_skip", _count_skip)
_HANDLERS = {"replace": "arabic_ie_replace", "skip": "arabic_ie_skip"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def decode(data: bytes, name: str, errors: str = "strict") -> InputDoc | InputProblem:
    """Decode bytes: UTF-16 with a BOM, else UTF-8 (BOM dropped); bad bytes per `errors`.

    `errors` is "strict" (the first bad byte makes an `InputProblem` naming its byte offset
    in the file), "replace" (U+FFFD) or "skip" (dropped); `InputDoc.replaced` counts the bytes.
    """
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding, base, what = "utf-16", 0, "UTF-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding, base, what = "utf-8", 3, "UTF-8"
        data = data[3:]
    else:
        encoding, base, what = "utf-8", 0, "UTF-8"
    try:
        return InputDoc(name, data.decode(encoding))
    except UnicodeDecodeError as e:
        if errors == "strict":
            return InputProblem(name, f"invalid {what} at byte {e.start + base} "
                                      f"(use --encoding-errors replace or skip to read it anyway)")
    _counter.bad = 0
    text = data.decode(encoding, errors=_HANDLERS[errors])
    return InputDoc(name, text, replaced=_counter.bad)


def clean_surrogates(text: str, name: str, errors: str = "strict") -> InputDoc | InputProblem:
    """Text from JSON may hold lone surrogates (`"\\ud800"`), which no UTF-8 output can write.

    "strict" reports the first one by character offset; "replace" and "skip" treat each like
    an undecodable byte (counted in `replaced`).
    """
    m = _SURROGATE.search(text)
    if m is None:
        return InputDoc(name, text)
    if errors == "strict":
        return InputProblem(name, f"lone surrogate U+{ord(m.group()):04X} at character {m.start()} "
                                  f"(use --encoding-errors replace or skip to read it anyway)")
    fixed, n = _SURROGATE.subn("\ufffd" if errors == "replace" else "", text)
    return InputDoc(name, fixed, replaced=n)


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the first few KiB of a file without a UTF-16 BOM mean binary."""
    head = data[:SNIFF_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def _too_large(name: str, limit: int) -> InputProblem:
    size = f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
    return InputProblem(name, f"larger than {size} (limit MAX_DOCUMENT_BYTES): "
                              "split it, or raise the limit with --max-document-mb")


def _read_bounded(stream: object, limit: int) -> bytes:
    return stream.read(limit + 1)  # type: ignore[attr-defined]


def read_path(path: Path, name: str, errors: str, *, in_folder: bool,
              max_bytes: int | None = None) -> InputDoc | InputProblem:
    """Read one file; a binary file met while walking a folder is skipped with a warning."""
    limit = MAX_DOCUMENT_BYTES if max_bytes is None else max_bytes
    if in_folder:
        # A symbolic link to a device (/dev/zero) or a FIFO inside a corpus would never end.
        try:
            mode = path.stat().st_mode
        except OSError:
            mode = stat.S_IFREG   # reported below, where the read fails
        if not stat.S_ISREG(mode):
            return InputProblem(name, "skipped: not a regular file", skipped=True)
    try:
        with path.open("rb") as f:
            data = _read_bounded(f, limit)
    except FileNotFoundError:
        what = "broken symbolic link" if path.is_symlink() else "no such file"
        return InputProblem(name, f"cannot read: {what}")
    except IsADirectoryError:
        return InputProblem(name, "cannot read: is a directory")
    except OSError as e:
        return InputProblem(name, f"cannot read: {e.strerror or e}")
    if len(data) > limit:
        return _too_large(name, limit)
    if in_folder and looks_binary(data):
        return InputProblem(name, "skipped: looks like a binary file (NUL bytes)", skipped=True)
    return decode(data, name, errors)


def iter_inputs(paths: Sequence[str], *, glob: str = "*.txt", errors: str = "strict",
                jsonl_field: str | None = None, id_field: str | None = None,
                stdin: object = None, max_bytes: int | None = None,
                mentions: MentionsField | None = None) -> Iterator[InputDoc | InputProblem]:
    """Yield documents (or problems) from files, folders (recursive, sorted), `-` (stdin) or JSON Lines.

    A text document, or a JSON Lines line, over `max_bytes` (default `MAX_DOCUMENT_BYTES`) is a
    problem, not a read; JSON Lines are read line by line, so a large file needs little memory.
    With JSON Lines, `mentions` reads each record's given entities (a bad entry makes that
    record a problem naming its line).
    """
    limit = MAX_DOCUMENT_BYTES if max_bytes is None else max_bytes
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            if jsonl_field:
                yield from _jsonl_stream(stream, "-", errors, jsonl_field, id_field, limit, mentions)
                continue
            data = _read_bounded(stream, limit)
            yield _too_large("-", limit) if len(data) > limit else decode(data, "-", errors)
            continue
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob(glob) if q.is_symlink() or not q.is_dir())
            for q in found:
                if jsonl_field:
                    yield from _jsonl_file(q, str(q), errors, jsonl_field, id_field, limit, mentions)
                else:
                    yield read_path(q, str(q), errors, in_folder=True, max_bytes=limit)
            continue
        if jsonl_field:
            yield from _jsonl_file(p, raw, errors, jsonl_field, id_field, limit, mentions)
        else:
            yield read_path(p, raw, errors, in_folder=False, max_bytes=limit)


def _jsonl_file(path: Path, name: str, errors: str, field: str, id_field: str | None, limit: int,
                mentions: MentionsField | None = None) -> Iterator[InputDoc | InputProblem]:
    try:
        stream = path.open("rb")
    except OSError as e:
        what = "broken symbolic link" if isinstance(e, FileNotFoundError) and path.is_symlink() else \
            "no such file" if isinstance(e, FileNotFoundError) else e.strerror or str(e)
        yield InputProblem(name, f"cannot read: {what}")
        return
    with stream:
        try:
            yield from _jsonl_stream(stream, name, errors, field, id_field, limit, mentions)
        except OSError as e:
            yield InputProblem(name, f"cannot read: {e.strerror or e}")


def _jsonl_stream(stream: object, name: str, errors: str, field: str, id_field: str | None, limit: int,
                  mentions: MentionsField | None = None) -> Iterator[InputDoc | InputProblem]:
    """JSON Lines read line by line, so memory is bounded by the longest line (at most `limit` bytes).

    Lines are split on the byte "\n" (never part of a multi-byte UTF-8 character, and U+2028,
    U+0085 ... may stand raw inside JSON strings). A bad line is a problem; the others go on.
    """
    readline = stream.readline  # type: ignore[attr-defined]
    first = readline(limit + 1)
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):   # rare: decode it whole
        yield from _jsonl_docs(first + stream.read(), name, errors, field, id_field,  # type: ignore[attr-defined]
                               mentions)
        return
    offset, lineno, raw = 0, 0, first
    while raw:
        lineno += 1
        start, where = offset, f"{name}:{lineno}"
        offset += len(raw)
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):          # skip the rest of the overlong line
                raw = readline(1 << 20)
                offset += len(raw)
            yield _too_large(where, limit)
        else:
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw, start = raw[3:], start + 3
            try:
                text, replaced = raw.decode("utf-8"), 0
            except UnicodeDecodeError as e:
                if errors == "strict":
                    yield InputProblem(where, f"invalid UTF-8 at byte {start + e.start} of the file "
                                              f"(use --encoding-errors replace or skip to read it anyway)")
                    raw = readline(limit + 1)
                    continue
                _counter.bad = 0
                text, replaced = raw.decode("utf-8", errors=_HANDLERS[errors]), _counter.bad
            doc = _jsonl_record(text, where, errors, field, id_field, mentions)
            if doc is not None:
                yield replace(doc, replaced=doc.replaced + replaced) if isinstance(doc, InputDoc) else doc
        raw = readline(limit + 1)


def _jsonl_record(line: str, where: str, errors: str, field: str, id_field: str | None,
                  mentions: MentionsField | None = None) -> InputDoc | InputProblem | None:
    """One JSON Lines record (None for a blank line)."""
    line = line.removesuffix("\n").removesuffix("\r")
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except ValueError as e:
        return InputProblem(where, f"not valid JSON: {e}")
    if not isinstance(obj, dict) or not isinstance(obj.get(field), str):
        return InputProblem(where, f"no text field {field!r} (a string) in this JSON object")
    doc_id = obj.get(id_field) if id_field else None
    name_ = str(doc_id) if doc_id is not None else where
    given: tuple[GivenMention, ...] = ()
    if mentions is not None:
        try:
            given = mentions.read(obj, obj[field])
        except InputError as e:
            return InputProblem(where, str(e))
    doc = clean_surrogates(obj[field], name_, errors)
    if isinstance(doc, InputDoc) and given and len(doc.text) != len(obj[field]):
        return InputProblem(where, "lone surrogates were skipped, so the mentions' offsets no longer fit "
                                   "the text (use --encoding-errors replace)")
    return InputDoc(_SURROGATE.sub("\ufffd", name_), doc.text, doc.replaced, given) if isinstance(doc, InputDoc) \
        else doc


def _jsonl_docs(data: bytes, name: str, errors: str, field: str, id_field: str | None,
                mentions: MentionsField | None = None) -> Iterator[InputDoc | InputProblem]:
    """JSON Lines from a whole decoded file (used for UTF-16 files)."""
    decoded = decode(data, name, errors)
    if isinstance(decoded, InputProblem):
        yield decoded
        return
    pending = decoded.replaced
    for lineno, line in enumerate(decoded.text.split("\n"), 1):
        doc = _jsonl_record(line, f"{name}:{lineno}", errors, field, id_field, mentions)
        if isinstance(doc, InputDoc):
            # bytes replaced while decoding the file are counted once, with its first document
            doc, pending = replace(doc, replaced=doc.replaced + pending), 0
        if doc is not None:
            yield doc


def is_tty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except Exception:
        return False


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
