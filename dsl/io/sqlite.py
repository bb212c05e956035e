"""Results in SQLite: documents, mentions and arguments tables, written in transactions, resumable.

`arabic-ie match --output results.sqlite corpus/` writes here. A document is inserted together
with its mentions and their arguments in one transaction (commits are batched: every
`BATCH_DOCS` documents or `BATCH_SECONDS` seconds), so a killed run never leaves half a
document; on Ctrl-C the open batch is committed. A rerun into the same file skips, before
matching, every document already recorded, so an interrupted run is finished by running the
same command again: nothing is lost and nothing is repeated. Documents that could not be read
or failed are not recorded, so a rerun tries them again.

One run writes a file at a time. The writer holds a lock (`flock` on `FILE.lock`, beside it),
which the kernel releases when the process ends however it ends, and records its process id,
host and process start in `runs`. A run still marked `running` whose lock is free belongs to
a process that is gone (killed, crashed, the machine rebooted): the next run marks it
`abandoned` and takes over. A live owner (its lock held, or, on this host, its process still
running with the same start time) is never taken over: `StoreError`.

A file remembers the rules it was written with (`meta`: a digest of the pack files, the
label filter); resuming with other rules is refused rather than mixing results.

Schema (`start`/`end` are character offsets into the document's text, end exclusive):

    documents(id, doc UNIQUE, chars, n_mentions, run, done_at)
    mentions(id, document -> documents.id, seq, label, rule, start, end, text, attrs JSON|NULL)
    arguments(id, mention -> mentions.id, name, position NULL|0.., start, end, text, label)
    runs(id, started_at, finished_at, status, pack, labels, version, pid, host, process)
    meta(key, value)

`position` is NULL for a single-span argument and the index in the list for a repeated one.
`read_mentions(path)` gives back the JSON Lines objects, in document order.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import socket
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

#: Columns added to `runs` after schema 1 was released (added to older files when they are opened).
_RUN_OWNER_COLUMNS = (("pid", "INTEGER"), ("host", "TEXT"), ("process", "TEXT"))

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
    """The file cannot be used (not a results database, written with other rules, in use by a live run),
    or can no longer be written (disk full, removed during the run): one line."""


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


def process_identity(pid: int) -> str | None:
    """What tells a process from a later one with the same id: `boot id:start time` (Linux), else None.

    None also when there is no such process. Start times count clock ticks since boot, so the
    boot id makes them unique across reboots.
    """
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return f"{boot}:{fields[19]}"          # field 22 of proc(5), starttime
    except (OSError, IndexError):
        return None


def process_alive(pid: int, identity: str | None) -> bool:
    """Whether process `pid` of this host is the one that recorded `identity` and still runs."""
    if identity is not None and process_identity(os.getpid()) is not None:
        return process_identity(pid) == identity
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _create(path: Path) -> None:
    """Create an empty file (a valid empty database) with 0666 less the umask, as any Unix tool would.

    SQLite would create it 0644 whatever the umask allows; its -wal and -shm files take the
    database's permissions.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError:
        pass


class _Lock:
    """An exclusive `flock` on `path` (created if needed), released by the kernel when the process ends.

    `held` is False where the file system cannot lock (then ownership is decided from process ids).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        self.held = False
        try:
            import fcntl
        except ImportError:      # pragma: no cover - not on this platform: process ids only
            return
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise
            except OSError as e:
                os.close(fd)
                if e.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                    return       # no locks on this file system
                raise
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:             # not a file its last owner removed while we waited for it
                break
            os.close(fd)
        self.fd, self.held = fd, True
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())

    def release(self) -> None:
        """Remove the lock file, then unlock it (in that order, so a waiting run never locks a removed file)."""
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.fd)
        self.fd, self.held = None, False


class SqliteSink(Sink):
    """Write results into a SQLite file, resuming a run recorded there before.

    Use `pending(items)` on the input stream so recorded documents are skipped before
    matching; `skipped` counts them. `close(status)` commits and records how the run ended.
    """

    def __init__(self, path: str | Path, *, pack: Any = None, labels: Iterable[str] | None = None,
                 batch_docs: int = BATCH_DOCS, batch_seconds: float = BATCH_SECONDS) -> None:
        self.path = Path(path)
        self.batch_docs, self.batch_seconds = batch_docs, batch_seconds
        self.skipped = self.written = self.duplicates = self.committed = 0
        self.taken_over: list[str] = []     # the abandoned runs this one took over, described
        self._in_flight: set[str] = set()
        self._open_batch = False
        self._batch_n = 0
        self._batch_t = time.monotonic()
        self.conn: sqlite3.Connection | None = None
        try:
            self._lock = _Lock(self.path.with_name(self.path.name + ".lock"))
        except BlockingIOError:
            raise StoreError(f"{self.path}: another run is writing this file ({self._owner()}); wait for it to "
                             f"end, or stop it") from None
        except OSError as e:
            raise StoreError(f"{self.path}: cannot write in {self.path.parent}: {e.strerror or e}") from None
        try:
            _create(self.path)
            self.conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            self._setup(pack_digest(pack) if pack is not None else None,
                        ",".join(sorted(labels)) if labels else "")
            self._file = os.stat(self.path)
        except BaseException as e:
            self._lock.release()
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(f"{self.path}: cannot use as a results database: {e}") from None
            if isinstance(e, OSError):
                raise StoreError(f"{self.path}: cannot write: {e.strerror or e}") from None
            raise

    def _owner(self) -> str:
        """The running run of the file, described (for a message), as far as it can be read."""
        try:
            conn = sqlite3.connect(_read_only_uri(self.path), uri=True, timeout=1)
            try:
                row = conn.execute("SELECT * FROM runs WHERE status = 'running' ORDER BY id DESC LIMIT 1").fetchone()
                cols = [d[0] for d in conn.execute("SELECT * FROM runs LIMIT 0").description]
            finally:
                conn.close()
        except sqlite3.Error:
            row = None
        return _describe(dict(zip(cols, row))) if row else "its lock is held"

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
            have = {r[1] for r in c.execute("PRAGMA table_info(runs)")}
            for name, kind in _RUN_OWNER_COLUMNS:
                if name not in have:
                    c.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
            self._take_over(c)
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
            self.run = c.execute(
                "INSERT INTO runs(started_at, status, pack, labels, version, pid, host, process) "
                "VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
                (_now(), digest, labels, __version__, os.getpid(), socket.gethostname(),
                 process_identity(os.getpid()))).lastrowid
            self._next_mention = c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM mentions").fetchone()[0]
            self._next_arg = c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM arguments").fetchone()[0]
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            c.close()
            raise

    def _take_over(self, c: sqlite3.Connection) -> None:
        """Mark the runs left `running` by processes that are gone `abandoned`; refuse if one is alive."""
        c.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in c.execute("SELECT * FROM runs WHERE status = 'running' ORDER BY id")]
        finally:
            c.row_factory = None
        here = socket.gethostname()
        for r in rows:
            if r["host"] == here and r["pid"] is not None and process_alive(r["pid"], r["process"]):
                raise StoreError(f"{self.path}: another run is writing this file ({_describe(r)}); wait for it "
                                 f"to end, or stop it")
            if r["host"] not in (None, here) and not self._lock.held:
                raise StoreError(f"{self.path}: a run on another host may still be writing this file "
                                 f"({_describe(r)}), and this file system cannot lock files to tell; if it has "
                                 f"ended, set its status: UPDATE runs SET status = 'abandoned' WHERE id = {r['id']}")
            c.execute("UPDATE runs SET status = 'abandoned' WHERE id = ?", (r["id"],))
            self.taken_over.append(_describe(r))

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
        c = self._connection()
        try:
            if not self._open_batch:
                c.execute("BEGIN IMMEDIATE")
                self._open_batch = True
            self._in_flight.discard(doc_id)
            c.execute("SAVEPOINT doc")   # all of the document or nothing, even when Ctrl-C lands in here
            try:
                recorded = self._insert(doc_id, text, mentions)
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK TO doc")
                    c.execute("RELEASE doc")
                raise
            c.execute("RELEASE doc")
        except sqlite3.Error as e:
            raise self._failed(e) from None
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

    def _connection(self) -> sqlite3.Connection:
        if self.conn is None:
            raise StoreError(f"{self.path}: closed")
        return self.conn

    def _failed(self, e: sqlite3.Error) -> StoreError:
        """The open batch is lost (rolled back, by SQLite or here): the error to raise, in one line."""
        c = self.conn
        if c is not None and c.in_transaction:
            try:
                c.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        self._open_batch = False
        self._batch_n = 0
        return StoreError(f"cannot write {self.path}: {e}")

    def commit(self) -> None:
        """Commit the documents written so far (`StoreError` if the file was removed or cannot be written)."""
        if self._open_batch:
            self._check_file()
            try:
                self._connection().execute("COMMIT")
            except sqlite3.Error as e:
                raise self._failed(e) from None
            self._open_batch = False
            self.committed += self._batch_n
        self._batch_n = 0
        self._batch_t = time.monotonic()

    def _check_file(self) -> None:
        """A file removed (or its folder) while SQLite writes on keeps nothing: stop instead."""
        try:
            same = os.path.samestat(os.stat(self.path), self._file)
        except OSError:
            same = False
        if not same:
            raise self._failed(sqlite3.OperationalError("the file was removed or moved during the run "
                                                        "(or its folder was)"))

    def recorded_count(self) -> int:
        """How many documents the file holds (committed, all runs)."""
        return self._connection().execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def close(self, status: str = "done") -> None:
        """Commit, record how the run ended (`done`, `interrupted`, `failed`), close the file, unlock it.

        With `failed`, what cannot be committed any more is dropped quietly (the error was
        reported already); otherwise a commit that fails raises `StoreError` after closing.
        """
        if self.conn is None:
            return
        error: StoreError | None = None
        requested = status
        try:
            try:
                self.commit()
            except StoreError as e:
                error, status = e, "failed"
            try:
                self.conn.execute("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
                                  (_now(), status, self.run))
            except sqlite3.Error:
                pass           # the disk is full: the next run finds the lock free and takes over
        finally:
            self.conn.close()
            self.conn = None
            self._lock.release()
        if error is not None and requested != "failed":
            raise error


def _read_only_uri(path: str | Path) -> str:
    """A `file:` URI that opens `path` read-only (any character in the path is escaped)."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def _describe(run: dict[str, Any]) -> str:
    """`run 3: process 1234 on host h, started 2026-...` (whatever of it is known)."""
    who = f"process {run['pid']}" if run.get("pid") is not None else "a process"
    where = f" on {run['host']}" if run.get("host") else ""
    return f"run {run.get('id')}: {who}{where}, started {run.get('started_at')}"


# --- reading back --------------------------------------------------------------------------------------
def read_mentions(path: str | Path) -> Iterator[dict[str, Any]]:
    """The recorded mentions as the JSON Lines objects (`Mention.to_dict()` with `doc`), in document order."""
    conn = sqlite3.connect(_read_only_uri(path), uri=True)
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


def count_documents(path: str | Path, timeout: float = 0.5) -> int | None:
    """How many documents a results file holds (committed), or None if it cannot be read quickly."""
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True, timeout=timeout)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def read_documents(path: str | Path) -> list[tuple[str, int, int]]:
    """`(doc, chars, n_mentions)` of every recorded document, in the order they were recorded."""
    conn = sqlite3.connect(_read_only_uri(path), uri=True)
    try:
        return list(conn.execute("SELECT doc, chars, n_mentions FROM documents ORDER BY id"))
    finally:
        conn.close()
