"""Reading documents: files, folders, standard input and JSON Lines, as untrusted bytes.

Text is decoded exactly, without newline translation, so offsets are Python string offsets
into the file's text (a UTF-8 or UTF-16 byte-order mark is not part of the text). Problems
are values (`InputProblem`) so one bad file never stops a run over a corpus.
"""
from __future__ import annotations

import codecs
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

#: How many bytes of a file are sniffed for NUL bytes when deciding whether it is binary.
SNIFF_BYTES = 8192
ENCODING_ERRORS = ("strict", "replace", "skip")


@dataclass(frozen=True, slots=True)
class InputDoc:
    """A decoded document: `id` is the path as given (or a JSON Lines id); `replaced` counts bad bytes."""

    id: str
    text: str
    replaced: int = 0


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A document that could not be read, or was skipped, with a one-line reason."""

    id: str
    message: str
    skipped: bool = False   # a warning (binary file in a folder), not a failure

    def __str__(self) -> str:
        return f"{self.id}: {self.message}"


def decode(data: bytes, name: str, errors: str = "strict") -> InputDoc | InputProblem:
    """Decode bytes: UTF-16 with a BOM, else UTF-8 (BOM dropped); bad bytes per `errors`."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return InputDoc(name, data.decode("utf-16"))
        except UnicodeDecodeError as e:
            return InputProblem(name, f"invalid UTF-16 at byte {e.start}")
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
        base = 3
    else:
        base = 0
    try:
        return InputDoc(name, data.decode("utf-8"))
    except UnicodeDecodeError as e:
        if errors == "strict":
            return InputProblem(name, f"invalid UTF-8 at byte {e.start + base} "
                                      f"(use --encoding-errors replace or skip to read it anyway)")
    count = [0]

    def handler(err: UnicodeDecodeError) -> tuple[str, int]:
        count[0] += err.end - err.start
        return ("\ufffd" if errors == "replace" else "", err.end)

    codecs.register_error("arabic_ie_count", handler)
    return InputDoc(name, data.decode("utf-8", errors="arabic_ie_count"), replaced=count[0])


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the first few KiB of a file without a UTF-16 BOM mean binary."""
    head = data[:SNIFF_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def read_path(path: Path, name: str, errors: str, *, in_folder: bool) -> InputDoc | InputProblem:
    """Read one file; a binary file met while walking a folder is skipped with a warning."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        what = "broken symbolic link" if path.is_symlink() else "no such file"
        return InputProblem(name, f"cannot read: {what}")
    except IsADirectoryError:
        return InputProblem(name, "cannot read: is a directory")
    except OSError as e:
        return InputProblem(name, f"cannot read: {e.strerror or e}")
    if in_folder and looks_binary(data):
        return InputProblem(name, "skipped: looks like a binary file (NUL bytes)", skipped=True)
    return decode(data, name, errors)


def iter_inputs(paths: Sequence[str], *, glob: str = "*.txt", errors: str = "strict",
                jsonl_field: str | None = None, id_field: str | None = None,
                stdin: object = None) -> Iterator[InputDoc | InputProblem]:
    """Yield documents (or problems) from files, folders (recursive, sorted), `-` (stdin) or JSON Lines."""
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read()  # type: ignore[attr-defined]
            if jsonl_field:
                yield from _jsonl_docs(data, "-", errors, jsonl_field, id_field)
            else:
                yield decode(data, "-", errors)
            continue
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob(glob) if q.is_file() or q.is_symlink())
            for q in found:
                if jsonl_field:
                    yield from _jsonl_file(q, str(q), errors, jsonl_field, id_field)
                else:
                    yield read_path(q, str(q), errors, in_folder=True)
            continue
        if jsonl_field:
            yield from _jsonl_file(p, raw, errors, jsonl_field, id_field)
        else:
            yield read_path(p, raw, errors, in_folder=False)


def _jsonl_file(path: Path, name: str, errors: str, field: str, id_field: str | None
                ) -> Iterator[InputDoc | InputProblem]:
    try:
        data = path.read_bytes()
    except OSError as e:
        yield InputProblem(name, f"cannot read: {e.strerror or e}")
        return
    yield from _jsonl_docs(data, name, errors, field, id_field)


def _jsonl_docs(data: bytes, name: str, errors: str, field: str, id_field: str | None
                ) -> Iterator[InputDoc | InputProblem]:
    decoded = decode(data, name, errors)
    if isinstance(decoded, InputProblem):
        yield decoded
        return
    for lineno, line in enumerate(decoded.text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            obj = json.loads(line)
        except ValueError as e:
            yield InputProblem(where, f"not valid JSON: {e}")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get(field), str):
            yield InputProblem(where, f"no text field {field!r} (a string) in this JSON object")
            continue
        doc_id = obj.get(id_field) if id_field else None
        yield InputDoc(str(doc_id) if doc_id is not None else where, obj[field])


def is_tty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        return False


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
