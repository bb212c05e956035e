"""Results in SQLite: documents, mentions and arguments tables, written in transactions, resumable.

`arabic-ie match --output results.sqlite corpus/` writes here. A document is inserted together
with its mentions and their arguments in one transaction (commits are batched: every
`BATCH_DOCS` documents or `BATCH_SECONDS` seconds), so a killed run never leaves half a
document; on Ctrl-C the open batch is committed. A rerun into the same file skips, before
matching, every document already recorded, so an interrupted run is finished by running the
same command again: nothing is lost and nothing is repeated. Documents that could not be read
or failed are not recorded, so a rerun tries them again.

A file remembers the rules it was written with (`meta`: a digest of the pack files, the
label filter); resuming with other rules is refused rather than mixing results.

Schema (`start`/`end` are character offsets into the document's text, end exclusive):

    documents(id, doc UNIQUE, chars, n_mentions, run, done_at)
    mentions(id, document -> documents.id, seq, label, rule, start, end, text, attrs JSON|NULL)
    arguments(id, mention -> mentions.id, name, position NULL|0.., start, end, text, label)
    runs(id, started_at, finished_at, status, pack, labels, version)
    meta(key, value)

`position` is NULL for a single-span argument and the index in the list for a repeated one.
`read_mentions(path)` gives back the JSON Lines objects, in document order.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dsl.doc.mention import Arg, Mention
from dsl.io.inputs import InputDoc, InputProblem
from dsl.io.writers import Sink
from dsl.version import __version__

SCHEMA_VERSION = "1"
#: Suffixes of `--output` that mean SQLite.
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
#: A transaction is committed after this many documents ...
BATCH_DOCS = 256
#: ... or after this many seconds, whichever comes first.
BATCH_SECONDS = 0.5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    pack TEXT, labels TEXT, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY, doc TEXT NOT NULL UNIQUE, chars INTEGER NOT NULL,
    n_mentions INTEGER NOT NULL, run INTEGER NOT NULL REFERENCES runs(id), done_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mentions (
    id INTEGER PRIMARY KEY, document INTEGER NOT NULL REFERENCES documents(id), seq INTEGER NOT NULL,
    label TEXT NOT NULL, rule TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, attrs TEXT);
CREATE TABLE IF NOT EXISTS arguments (
    id INTEGER PRIMARY KEY, mention INTEGER NOT NULL REFERENCES mentions(id), name TEXT NOT NULL,
    position INTEGER, start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL, label TEXT);
CREATE INDEX IF NOT EXISTS mentions_document ON mentions(document, seq);
CREATE INDEX IF NOT EXISTS mentions_label ON mentions(label);
CREATE INDEX IF NOT EXISTS arguments_mention ON arguments(mention);
CREATE INDEX IF NOT EXISTS arguments_label ON arguments(label, name);
"""


class StoreError(Exception):
    """The file cannot be used (not a results database, written with other rules): one line."""


def is_sqlite_path(path: str | None) -> bool:
    """Whether an `--output` path means SQLite (by its suffix)."""
    return bool(path) and Path(str(path)).suffix.lower() in SQLITE_SUFFIXES


def pack_digest(pack: Any) -> str | None:
    """A digest of the files a pack was built from (rules, imports, gazetteers); None if it has none."""
    files = [str(f) for f in getattr(pack, "files", ()) or ()]
    if not files:
        return None
    h = hashlib.sha256(__version__.encode())
    for f in files:
        h.update(Path(f).name.encode() + b"\0")
        try:
            h.update(Path(f).read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SqliteSink(Sink):
    """Write results into a SQLite file, resuming a run recorded there before.

    Use `pending(items)` on the input stream so recorded documents are skipped before
    matching; `skipped` counts them. `close(status)` commits and records how the run ended.
    """

    def __init__(self, path: str | Path, *, pack: Any = None, labels: Iterable[str] | None = None,
                 batch_docs: int = BATCH_DOCS, batch_seconds: float = BATCH_SECONDS) -> None:
        self.path = Path(path)
        self.batch_docs, self.batch_seconds = batch_docs, batch_seconds
        self.skipped = self.written = self.duplicates = 0
        self._in_flight: set[str] = set()
        try:
            self.conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            self._setup(pack_digest(pack) if pack is not None else None,
                        ",".join(sorted(labels)) if labels else "")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot use as a results database: {e}") from None
        self._open_batch = False
        self._batch_n = 0
        self._batch_t = time.monotonic()

    def _setup(self, digest: str | None, labels: str) -> None:
        c = self.conn
        c.execute("PRAGMA journal_mode=WAL")     # readers (sqlite3 results.sqlite) while the run writes
        c.execute("PRAGMA synchronous=NORMAL")   # a killed process loses nothing committed
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("BEGIN IMMEDIATE")
        try:
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                raise StoreError(f"{self.path}: this SQLite file is not an arabic-ie results database")
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            meta = dict(c.execute("SELECT key, value FROM meta"))
            if meta.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by another version of arabic-ie "
                                 f"(schema {meta['schema']}, this one reads {SCHEMA_VERSION})")
            recorded = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            if recorded and digest and meta.get("pack") and meta["pack"] != digest:
                raise StoreError(f"{self.path}: its {recorded} documents were matched with other rules (the "
                                 f"pack files changed); write to a new file, or delete this one to start over")
            if recorded and meta.get("labels", "") != labels:
                raise StoreError(f"{self.path}: its {recorded} documents were matched with --labels "
                                 f"{meta.get('labels') or '(all)'}; use the same labels, or a new file")
            for k, v in (("schema", SCHEMA_VERSION), ("pack", digest or ""), ("labels", labels)):
                c.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                          (k, v))
            self.run = c.execute("INSERT INTO runs(started_at, status, pack, labels, version) "
                                 "VALUES (?, 'running', ?, ?, ?)", (_now(), digest, labels, __version__)).lastrowid
            self._next_mention = c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM mentions").fetchone()[0]
            self._next_arg = c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM arguments").fetchone()[0]
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            c.close()
            raise

    # --- before matching --------------------------------------------------------------------------
    def recorded(self, doc_id: str) -> int | None:
        """The run that recorded `doc_id`, or None."""
        row = self.conn.execute("SELECT run FROM documents WHERE doc = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def pending(self, items: Iterable[InputDoc | InputProblem]) -> Iterator[InputDoc | InputProblem]:
        """The items still to do: documents recorded by an earlier run are skipped (counted in `skipped`).

        An id met twice in one run keeps its first document; the second becomes a warning.
        """
        for item in items:
            if isinstance(item, InputDoc):
                run = self.recorded(item.id)
                if (run is not None and run == self.run) or item.id in self._in_flight:
                    self.duplicates += 1
                    yield InputProblem(item.id, "skipped: this document id came earlier in the input "
                                                "(the database keeps one document per id)", skipped=True)
                    continue
                if run is not None:
                    self.skipped += 1
                    continue
                self._in_flight.add(item.id)
            yield item

    # --- writing ----------------------------------------------------------------------------------
    def write(self, doc_id: str, text: str, mentions: Sequence[Mention]) -> None:
        """Record one document with its mentions and arguments (in the open transaction)."""
        c = self.conn
        if not self._open_batch:
            c.execute("BEGIN IMMEDIATE")
            self._open_batch = True
        self._in_flight.discard(doc_id)
        c.execute("SAVEPOINT doc")   # all of the document or nothing, even when Ctrl-C lands in here
        try:
            recorded = self._insert(doc_id, text, mentions)
        except BaseException:
            c.execute("ROLLBACK TO doc")
            c.execute("RELEASE doc")
            raise
        c.execute("RELEASE doc")
        if not recorded:   # the same id twice in one run, both in flight: keep the first
            self.duplicates += 1
            return
        self.written += 1
        self._batch_n += 1
        if self._batch_n >= self.batch_docs or time.monotonic() - self._batch_t >= self.batch_seconds:
            self.commit()

    def _insert(self, doc_id: str, text: str, mentions: Sequence[Mention]) -> bool:
        c = self.conn
        cur = c.execute("INSERT INTO documents(doc, chars, n_mentions, run, done_at) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(doc) DO NOTHING", (doc_id, len(text), len(mentions), self.run, _now()))
        if cur.rowcount == 0:
            return False
        doc_row = cur.lastrowid
        m_rows: list[tuple[Any, ...]] = []
        a_rows: list[tuple[Any, ...]] = []
        for seq, m in enumerate(mentions):
            mid = self._next_mention
            self._next_mention += 1
            attrs = json.dumps(dict(m.attrs), ensure_ascii=False) if m.attrs else None
            m_rows.append((mid, doc_row, seq, m.label, m.rule, m.start, m.end, m.text, attrs))
            for name, val in m.args.items():
                for pos, a in (enumerate(val) if isinstance(val, tuple) else ((None, val),)):
                    a_rows.append((self._next_arg, mid, name, pos, a.start, a.end, a.text, a.label))
                    self._next_arg += 1
        c.executemany("INSERT INTO mentions(id, document, seq, label, rule, start, end, text, attrs) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", m_rows)
        if a_rows:
            c.executemany("INSERT INTO arguments(id, mention, name, position, start, end, text, label) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", a_rows)
        return True

    def commit(self) -> None:
        """Commit the documents written so far."""
        if self._open_batch:
            self.conn.execute("COMMIT")
            self._open_batch = False
        self._batch_n = 0
        self._batch_t = time.monotonic()

    def close(self, status: str = "done") -> None:
        """Commit, record how the run ended (`done`, `interrupted`, `failed`) and close the file."""
        if self.conn is None:
            return
        try:
            self.commit()
            self.conn.execute("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?", (_now(), status, self.run))
        finally:
            self.conn.close()
            self.conn = None  # type: ignore[assignment]


# --- reading back --------------------------------------------------------------------------------------
def read_mentions(path: str | Path) -> Iterator[dict[str, Any]]:
    """The recorded mentions as the JSON Lines objects (`Mention.to_dict()` with `doc`), in document order."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        args: dict[int, dict[str, Any]] = {}
        rows = conn.execute(
            "SELECT m.id, d.doc, m.label, m.start, m.end, m.text, m.rule, m.attrs FROM mentions m "
            "JOIN documents d ON d.id = m.document ORDER BY d.id, m.seq")
        arg_cur = conn.cursor()
        for mid, doc, label, start, end, text, rule, attrs in rows:
            args = {}
            for name, pos, a_start, a_end, a_text, a_label in arg_cur.execute(
                    "SELECT name, position, start, end, text, label FROM arguments WHERE mention = ? "
                    "ORDER BY id", (mid,)):
                d = Arg(a_start, a_end, a_text, label=a_label).to_dict()
                if pos is None:
                    args[name] = d
                else:
                    args.setdefault(name, []).append(d)
            obj: dict[str, Any] = {"doc": doc, "label": label, "start": start, "end": end, "text": text,
                                   "rule": rule, "args": args}
            if attrs:
                obj["attrs"] = json.loads(attrs)
            yield obj
    finally:
        conn.close()


def read_documents(path: str | Path) -> list[tuple[str, int, int]]:
    """`(doc, chars, n_mentions)` of every recorded document, in the order they were recorded."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT doc, chars, n_mentions FROM documents ORDER BY id"))
    finally:
        conn.close()
