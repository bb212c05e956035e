"""Output formats for mentions and tokens: JSON Lines (for tools), TSV, IOB (for NER tools), a table for people.

Every writer emits whole lines and flushes after each document, so `| head` and killed runs
leave only complete records. Arabic stays readable in a terminal in `table` format because
each row ends with the (right-to-left) text, after the fixed-width left-to-right columns.

Output files (`AtomicFile`) are written whole or not at all, with the permissions any Unix
tool would give them; a write that fails (disk full, the folder gone) is an `OutputError`.
"""
from __future__ import annotations

import bisect
import json
import os
import stat
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from dsl.doc.mention import Arg, Mention
from dsl.doc.token import Token

FORMATS = ("jsonl", "tsv", "table", "iob")
#: The line that starts each document of `--format iob` (CoNLL's document separator, in two columns).
IOB_DOCSTART = "-DOCSTART- O"


def width(s: str) -> int:
    """Display width in a terminal: combining marks take no column, wide (CJK) characters two."""
    w = 0
    for ch in s:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _pad(s: str, n: int) -> str:
    return s + " " * max(0, n - width(s))


def _clean(s: str) -> str:
    """Tabs and line breaks inside a field would break TSV and table rows."""
    return s.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _arg_text(v: Arg | tuple[Arg, ...]) -> str:
    return " | ".join(a.text for a in v) if isinstance(v, tuple) else v.text


def mention_json(m: Mention, doc_id: str | None) -> str:
    d = m.to_dict()
    d["doc"] = doc_id if doc_id is not None else m.doc
    return json.dumps(d, ensure_ascii=False)


def iob_lines(text: str, mentions: Sequence[Mention]) -> list[str]:
    """One document as IOB2 lines: `word TAG` per word of the text, a blank line after each sentence.

    Words are the text's tokens with their clitics (`وحفتر`), as annotated corpora tag them;
    a mention tags every word its characters overlap (`B-Person`, `I-Person`). Words carry one
    tag, so of mentions that share words the longest (then the first) is kept: pass the labels
    you want (`--labels Person`) to choose. `arabic-ie evaluate` reads this format back.
    """
    from dsl.text.tokenize import scan, split_spans
    words = scan(text)
    starts = [w[0] for w in words]
    ends = [w[1] for w in words]
    tags = ["O"] * len(words)
    taken = [False] * len(words)
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start, m.label)):
        i = bisect.bisect_right(ends, m.start)      # the first word ending after the mention starts
        j = bisect.bisect_left(starts, m.end) - 1   # the last word starting before it ends
        if i > j or any(taken[i:j + 1]):
            continue
        for k in range(i, j + 1):
            taken[k] = True
            tags[k] = ("B-" if k == i else "I-") + m.label
    lines: list[str] = []
    for a, b in split_spans(text, words):
        lines += [f"{text[words[k][0]:words[k][1]]} {tags[k]}" for k in range(a, b)]
        lines.append("")
    return lines


def write_mentions(out: IO[str], mentions: Sequence[Mention], doc_id: str, fmt: str, *,
                   header: bool = False, text: str | None = None) -> None:
    """Write one document's mentions in `fmt`; `header` prints the TSV/table header first.

    `iob` needs the document's `text` (it writes every word, tagged or not).
    """
    if fmt == "iob":
        if text is None:
            raise ValueError("the iob format needs the document's text")
        out.write("\n".join([IOB_DOCSTART, "", *iob_lines(text, mentions)]) + "\n")
    elif fmt == "jsonl":
        for m in mentions:
            out.write(mention_json(m, doc_id) + "\n")
    elif fmt == "tsv":
        if header:
            out.write("doc\tlabel\tstart\tend\ttext\trule\targs\n")
        for m in mentions:
            args = "; ".join(f"{k}={_clean(_arg_text(v))}" for k, v in m.args.items())
            out.write("\t".join([_clean(doc_id), m.label, str(m.start), str(m.end), _clean(m.text), m.rule,
                                 args]) + "\n")
    elif fmt == "table":
        if mentions:
            out.write(f"== {doc_id}  ({len(mentions)} mention{'s' if len(mentions) != 1 else ''})\n")
        for m in mentions:
            span = f"{m.start}-{m.end}"
            out.write(f"  {_pad(m.label, 12)} {_pad(span, 11)} {_pad(m.rule, 28)} {_clean(m.text)}\n")
            for k, v in m.args.items():
                out.write(f"  {'':12} {'':11} {_pad('  ' + k, 28)} {_clean(_arg_text(v))}\n")
    else:  # pragma: no cover - argparse restricts the choices
        raise ValueError(f"unknown format {fmt!r}")
    out.flush()


class Sink:
    """Where one run's results go. Subclasses: a text stream (jsonl, tsv, table); others add HTML, SQLite."""

    def write(self, doc_id: str, text: str, mentions: Sequence[Mention]) -> None:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output (write a page footer, commit a transaction ...)."""


class StreamSink(Sink):
    """Text formats written line by line to a stream, flushed after each document.

    A write that fails (disk full) raises `OutputError`; when the stream is a regular file (a
    redirected stdout), the file is first cut back to the last whole record, and nothing more
    reaches it.
    """

    def __init__(self, out: IO[str], fmt: str, name: str = "the output") -> None:
        self.out, self.fmt, self.count, self.name = out, fmt, 0, name
        self._fd, self._whole = _regular_file_fd(out), 0
        if self._fd is not None:
            self._whole = os.lseek(self._fd, 0, os.SEEK_CUR)

    def write(self, doc_id: str, text: str, mentions: Sequence[Mention]) -> None:
        try:
            write_mentions(self.out, mentions, doc_id, self.fmt, header=(self.count == 0), text=text)
        except BrokenPipeError:
            raise                   # `| head`: the reader has what it wanted
        except OSError as e:
            self._cut_back()
            raise OutputError(f"cannot write {self.name}: {e.strerror or e}") from None
        self.count += 1
        if self._fd is not None:
            self._whole = os.lseek(self._fd, 0, os.SEEK_CUR)

    def _cut_back(self) -> None:
        """Drop the part of a record that reached the file, and send what is still buffered nowhere."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, self._whole)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._fd)
            os.close(devnull)
        except OSError:
            pass


def _regular_file_fd(out: IO[str]) -> int | None:
    """The file descriptor of `out` when it is a regular file (so it can be cut back), else None."""
    try:
        fd = out.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (AttributeError, OSError, ValueError):
        return None


class OutputError(Exception):
    """The output cannot be written (disk full, its folder removed, no permission): one line for the user."""


def current_umask() -> int:
    """This process's umask (read from /proc where it can be, so no thread ever sees it changed)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class AtomicFile:
    """A text file written whole or not at all: a temporary file beside it, renamed into place by `commit()`.

    The file gets the permissions a shell redirection would give it: those of the file it
    replaces, or 0666 less the umask for a new one. `check()` (cheap, call it as often as you
    like) finds out when the temporary file has vanished (its folder removed or renamed), so
    a long run stops early instead of failing at the rename. `abort()` removes the temporary
    file and leaves an existing file untouched.
    """

    #: `check()` looks at the file system at most this often (seconds).
    CHECK_EVERY = 1.0
    GONE = "its folder was removed or renamed during the run"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():   # found now, not after the whole run when the rename fails
            raise OutputError(f"--output {path}: is a directory")
        d = self.path.resolve().parent
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
        except OSError:
            mode = 0o666 & ~current_umask()
        try:
            fd, self.tmp = tempfile.mkstemp(dir=d, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as e:
            raise OutputError(f"--output {path}: cannot write in {d}: {e.strerror or e}") from None
        os.fchmod(fd, mode)      # mkstemp makes it 0600
        self.stream: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._checked = time.monotonic()
        self.done = False          # committed or aborted
        self.committed = False     # renamed into place

    def check(self) -> None:
        """Raise `OutputError` if the temporary file is gone (its folder removed or renamed)."""
        now = time.monotonic()
        if now - self._checked < self.CHECK_EVERY:
            return
        self._checked = now
        try:
            gone = os.fstat(self.stream.fileno()).st_nlink == 0 or not os.path.exists(self.tmp)
        except (OSError, ValueError):
            gone = True
        if gone:
            raise OutputError(f"cannot write {self.path}: {self.GONE}")

    def commit(self) -> None:
        """Flush, sync and rename into place; on failure the temporary file is removed (`OutputError`)."""
        if self.done:
            return
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self.tmp, self.path)
        except FileNotFoundError:
            self.abort()
            raise OutputError(f"cannot write {self.path}: {self.GONE}") from None
        except OSError as e:
            self.abort()
            raise OutputError(f"cannot write {self.path}: {e.strerror or e}") from None
        self.done = self.committed = True

    def abort(self) -> None:
        """Remove the temporary file; an existing file at `path` stays as it was."""
        if self.done:
            return
        self.done = True
        try:
            self.stream.close()
        except (OSError, ValueError):
            pass
        self.discard()

    def discard(self) -> None:
        """Remove the temporary file, nothing else (quick: safe at any moment, even in a signal handler)."""
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


TOKEN_COLUMNS = ("i", "start", "end", "sent", "shape", "pre", "def", "stem", "suf", "lex", "norm", "text")


def write_tokens(out: IO[str], tokens: Iterable[Token], fmt: str, doc_id: str | None = None) -> None:
    """One line per token: a readable table, or JSON Lines with every attribute."""
    if fmt == "jsonl":
        for t in tokens:
            d: dict[str, Any] = t.to_dict()
            if doc_id is not None:
                d = {"doc": doc_id, **d}
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
        out.flush()
        return
    toks = list(tokens)
    rows = [[str(t.i), str(t.start), str(t.end), str(t.sent), t.shape, t.pre or "-", "ال" if t.definite else "-",
             t.stem or "-", t.suf or "-", t.lex or "-", t.norm, _clean(t.text) + (" *" if len(t.analyses) > 1 else "")]
            for t in toks]
    widths = [max([width(h)] + [width(r[k]) for r in rows]) for k, h in enumerate(TOKEN_COLUMNS)]
    if doc_id is not None:
        out.write(f"== {doc_id}\n")
    out.write("  ".join(_pad(h, widths[k]) for k, h in enumerate(TOKEN_COLUMNS)).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(_pad(c, widths[k]) for k, c in enumerate(r)).rstrip() + "\n")
    if any(len(t.analyses) > 1 for t in toks):
        out.write("(* the word has other analyses too; see --format jsonl)\n")
    out.flush()
