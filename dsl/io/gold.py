"""Annotated corpora for `arabic-ie evaluate`: IOB/CoNLL files and JSON Lines spans over text files.

**IOB / CoNLL.** One token per line, its tag in the last column (`token TAG`, or `token POS
... TAG`), a blank line between sentences. Tags are `O` or `PREFIX-TYPE` with B/I (IOB2,
IOB1), E/S (IOBES) or L/U (BILOU) prefixes; a bare `TYPE` reads as `I-TYPE`. `-DOCSTART-`
lines split documents; a file without them is cut into documents of `doc_sentences`
consecutive sentences. A document's text is its sentences one per line, tokens joined by
single spaces, with a final line break, so every gold span is a run of whole tokens in a text
the pack can run over. A document's id is `FILE:LINE`, the line of its first token.

**JSON Lines spans.** One object per line with `doc` (a text file's path, as `arabic-ie
match` prints it), `label`, `start` and `end` (character offsets, end exclusive; a `text`
key, when present, must equal the slice). Other keys are ignored, so `match` output is a
valid gold file. The texts are read like `match` reads them (`dsl.io.inputs`), from the
path as given, else relative to the gold file; documents given as inputs but without a
gold span count too (their predictions are all false positives).

Bad input is an `InputError` naming the file, line and column.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsl.errors import InputError, SourcePos
from dsl.io.inputs import InputDoc, InputProblem, iter_inputs

#: How many consecutive sentences make a document when the IOB file has no `-DOCSTART-` lines.
DOC_SENTENCES = 10
DOCSTART = "-DOCSTART-"
_PREFIXES = {"B": "begin", "I": "inside", "E": "end", "L": "end", "S": "single", "U": "single"}


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """An annotated span: its type as written in the gold (`PERS`, `Person`) and its character offsets."""

    type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class GoldDoc:
    """One annotated document: its text, spans, and for IOB the `(start, end)` of each corpus token."""

    id: str
    text: str
    spans: tuple[GoldSpan, ...]
    tokens: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Gold:
    """An annotated corpus: `format` is 'iob' or 'spans'; `sentences` counts IOB sentences (0 for spans)."""

    source: str
    format: str
    documents: tuple[GoldDoc, ...]
    sentences: int = 0


def _error(path: str, line: int, column: int, message: str) -> InputError:
    return InputError(message, SourcePos(path, line, column))


def gold_format(path: str | Path) -> str:
    """'spans' for a `.jsonl`/`.json` file, else 'iob'."""
    return "spans" if Path(path).suffix.lower() in (".jsonl", ".json", ".ndjson") else "iob"


def read_gold(path: str | Path, *, format: str | None = None, doc_sentences: int = DOC_SENTENCES,
              texts: Sequence[str] = (), glob: str = "*.txt", errors: str = "strict") -> Gold:
    """Read an annotated corpus (`format` 'iob' or 'spans'; default from the file's suffix).

    `texts` (spans only): the documents to evaluate on, read like `arabic-ie match` reads its
    inputs; by default the documents the gold file names.
    """
    fmt = format or gold_format(path)
    if fmt == "iob":
        if texts:
            raise InputError("an IOB gold file holds its own text: give no input files with it")
        return read_iob(path, doc_sentences=doc_sentences)
    if fmt == "spans":
        return read_spans(path, texts=texts, glob=glob, errors=errors)
    raise ValueError(f"unknown gold format {fmt!r} (expected 'iob' or 'spans')")


# --- IOB / CoNLL -------------------------------------------------------------------------------------------
def _lines(path: str) -> Iterator[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for k, line in enumerate(f, 1):
                yield k, line.rstrip("\r\n")
    except FileNotFoundError:
        raise InputError(f"{path}: cannot read: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: invalid UTF-8 at byte {e.start} of a line") from None


def _tag(tag: str, path: str, line: int, column: int) -> tuple[str, str] | None:
    """`(prefix, type)` of a tag, None for `O`; a bare type reads as inside (`I`)."""
    if tag == "O":
        return None
    head, dash, rest = tag.partition("-")
    if dash and head in _PREFIXES:
        if not rest:
            raise _error(path, line, column, f"tag {tag!r} has no type after {head + '-'!r}")
        return head, rest
    return "I", tag


def read_iob(path: str | Path, *, doc_sentences: int = DOC_SENTENCES) -> Gold:
    """Read a `token TAG` file into documents (see the module docstring for the format and the text)."""
    if doc_sentences < 1:
        raise ValueError("doc_sentences must be 1 or more")
    name = str(path)
    # each sentence: [(token, tag parts, line)], and the documents as lists of sentences
    docs: list[list[list[tuple[str, tuple[str, str] | None, int]]]] = [[]]
    sentence: list[tuple[str, tuple[str, str] | None, int]] = []
    docstart = False
    for k, line in _lines(name):
        fields = line.split()
        if fields and fields[0] == DOCSTART:
            if sentence:
                docs[-1].append(sentence)
                sentence = []
            if docs[-1]:
                docs.append([])
            docstart = True
            continue
        if not fields:
            if sentence:
                docs[-1].append(sentence)
                sentence = []
            continue
        if len(fields) < 2:
            raise _error(name, k, 1, f"expected a token and its tag ('token TAG'), got one field {fields[0]!r}")
        sentence.append((fields[0], _tag(fields[-1], name, k, line.rindex(fields[-1]) + 1), k))
    if sentence:
        docs[-1].append(sentence)
    groups = [d for d in docs if d]
    if not docstart:    # no -DOCSTART-: documents of doc_sentences consecutive sentences
        flat = [s for d in groups for s in d]
        groups = [flat[i:i + doc_sentences] for i in range(0, len(flat), doc_sentences)]
    documents = tuple(_iob_document(name, sentences) for sentences in groups)
    return Gold(name, "iob", documents, sum(len(g) for g in groups))


def _iob_document(name: str, sentences: list[list[tuple[str, tuple[str, str] | None, int]]]) -> GoldDoc:
    """The document's text (sentences on lines, tokens joined by spaces), token offsets and spans."""
    parts: list[str] = []
    tokens: list[tuple[int, int]] = []
    spans: list[GoldSpan] = []
    pos = 0
    for sentence in sentences:
        open_: tuple[str, int] | None = None    # (type, start offset) of the span being read
        last_end = pos
        for k, (word, tag, _) in enumerate(sentence):
            start = pos + (1 if k else 0)
            end = start + len(word)
            if tag is None or tag[0] in ("B", "S", "U") or (open_ is not None and open_[0] != tag[1]):
                if open_ is not None:
                    spans.append(GoldSpan(open_[0], open_[1], last_end))
                    open_ = None
            if tag is not None:
                if open_ is None:
                    open_ = (tag[1], start)
                if tag[0] in ("E", "L", "S", "U"):
                    spans.append(GoldSpan(open_[0], open_[1], end))
                    open_ = None
            tokens.append((start, end))
            pos = last_end = end
        if open_ is not None:
            spans.append(GoldSpan(open_[0], open_[1], last_end))
        parts.append(" ".join(w for w, _, _ in sentence))
        pos += 1   # the line break after the sentence
    return GoldDoc(f"{name}:{sentences[0][0][2]}", "\n".join(parts) + "\n", tuple(spans), tuple(tokens))


# --- JSON Lines spans --------------------------------------------------------------------------------------
def read_spans(path: str | Path, *, texts: Sequence[str] = (), glob: str = "*.txt", errors: str = "strict") -> Gold:
    """Read `{"doc", "label", "start", "end"}` lines and the texts they annotate (see the module docstring)."""
    name = str(path)
    base = Path(name).parent
    by_doc: dict[str, list[tuple[GoldSpan, int, str | None]]] = {}
    for k, line in _lines(name):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise _error(name, k, getattr(e, "colno", 1), f"not JSON: {getattr(e, 'msg', e)}") from None
        if not isinstance(obj, dict):
            raise _error(name, k, 1, "expected a JSON object with doc, label, start and end")
        for key, kind in (("doc", str), ("label", str), ("start", int), ("end", int)):
            v = obj.get(key)
            if not isinstance(v, kind) or isinstance(v, bool):
                what = "missing" if v is None else f"{type(v).__name__}, not {'text' if kind is str else 'a number'}"
                raise _error(name, k, 1, f"'{key}' is {what}")
        if not 0 <= obj["start"] < obj["end"]:
            raise _error(name, k, 1, f"bad span: start {obj['start']}, end {obj['end']} (0 <= start < end)")
        text = obj.get("text") if isinstance(obj.get("text"), str) else None
        by_doc.setdefault(obj["doc"], []).append((GoldSpan(obj["label"], obj["start"], obj["end"]), k, text))
    docs: dict[str, InputDoc] = {}          # gold document id -> its text (the id as the inputs name it)
    if texts:
        inputs = _read_texts(texts, glob, errors)
        by_path = {_resolved(d.id): d for d in inputs}
        for d in inputs:
            docs[d.id] = d
        for doc_id, spans in list(by_doc.items()):
            if doc_id in docs:
                continue
            found = next((by_path[k] for k in (_resolved(doc_id), _resolved(base / doc_id)) if k in by_path), None)
            if found is None:
                raise _error(name, spans[0][1], 1, f"document {doc_id!r} is not among the inputs")
            by_doc.setdefault(found.id, []).extend(by_doc.pop(doc_id))
    else:
        for doc_id, spans in by_doc.items():
            where = Path(doc_id) if Path(doc_id).exists() or Path(doc_id).is_absolute() else base / doc_id
            got = list(iter_inputs([str(where)], errors=errors))
            if len(got) != 1 or not isinstance(got[0], InputDoc):
                reason = str(got[0]).split(": ", 1)[-1] if got else "no text"
                raise _error(name, spans[0][1], 1, f"document {doc_id!r}: {reason}")
            docs[doc_id] = InputDoc(doc_id, got[0].text)
    documents = []
    for doc_id, doc in docs.items():
        spans = by_doc.get(doc_id, [])
        for span, k, text in spans:
            if span.end > len(doc.text):
                raise _error(name, k, 1, f"span {span.start}-{span.end} ends after the text of {doc_id!r} "
                                         f"({len(doc.text)} characters)")
            if text is not None and doc.text[span.start:span.end] != text:
                raise _error(name, k, 1, f"'text' is {text!r} but the document has "
                                         f"{doc.text[span.start:span.end]!r} at {span.start}-{span.end}")
        documents.append(GoldDoc(doc_id, doc.text, tuple(sorted({s for s, _, _ in spans},
                                                                  key=lambda s: (s.start, s.end, s.type)))))
    return Gold(name, "spans", tuple(documents))


def _resolved(p: str | Path) -> str:
    try:
        return str(Path(p).resolve())
    except (OSError, ValueError):
        return str(p)


def _read_texts(paths: Sequence[str], glob: str, errors: str) -> list[InputDoc]:
    out = []
    for item in iter_inputs(paths, glob=glob, errors=errors):
        if isinstance(item, InputProblem):
            if item.skipped:
                continue
            raise InputError(str(item))
        out.append(item)
    return out
