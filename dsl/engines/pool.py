"""All the cores of one machine: a process pool that gives exactly the sequential engine's results.

`match_parallel(pack, items, labels, workers=N)` yields the same `DocResult`s (and passes the
same `InputProblem`s through) in the same order as `runner.match_documents`, whatever N is:

* **What travels.** The compiled pack is pickled once (`PackRef`, a few hundred KiB for the
  shipped packs) and handed to each worker process by the pool initializer, so a worker
  unpickles it once and keeps it. Documents travel as `(id, text)` pairs in chunks; mentions
  come back without their `tokens` and without `Arg.mention` (both stay in the worker: they
  are not part of a mention's equality or of any output format).
* **Order and memory.** Documents are grouped in chunks (at most `chunk_docs` documents or
  `chunk_chars` characters) and at most `window` chunks are in flight; results are yielded
  from the oldest chunk first. Memory is bounded by the window, not by the corpus, and a
  slow chunk only holds back the ones after it.
* **Failures.** A worker process that dies (killed, out of memory, a crash in C code) does not
  stop the run: the pool is restarted, the documents of the chunks in flight are redone, and
  the chunk that was being waited for is redone one document at a time, so the document that
  kills its worker again gets an error of its own ("worker process died ...") like any other
  document that fails. Workers ignore SIGINT: on Ctrl-C (KeyboardInterrupt in the caller) the
  generator's `close()` cancels the queued chunks and waits for the few already running (a
  second or so with the default chunk size), so the workers exit cleanly and none is left behind.
* **When to use it.** `match_auto` is the CLI's default policy: it looks ahead at most
  `AUTO_THRESHOLD` documents; a shorter input runs in this process (starting workers would cost
  more than it saves), a longer one runs on one worker per core.
"""
from __future__ import annotations

import copyreg
import glob as _glob
import hashlib
import io
import itertools
import multiprocessing
import os
import pickle
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from dsl.version import __version__
from dsl.io.inputs import InputDoc, InputProblem, cpu_count
from dsl.doc.mention import Arg, Mention
from dsl.engines.sequential import DocResult, match_documents, match_one

#: Inputs with more documents than this run on a process pool under `--workers auto`.
AUTO_THRESHOLD = 8
#: A chunk (one task) holds at most this many documents ...
CHUNK_DOCS = 64
#: ... or about this many characters of text (a longer document is a chunk of its own).
CHUNK_CHARS = 64_000
#: Chunks in flight per worker: enough to keep every worker busy while the oldest is awaited.
WINDOW_PER_WORKER = 4
#: After this many worker deaths without a single document finished in between, give up.
MAX_DEATHS = 3

DIED = "worker process died while matching this document (killed, out of memory, or a crash)"

#: What a worker returns for one document: its mentions (portable), or an error message.
Outcome = tuple[tuple[Mention, ...], "str | None"]


class EngineError(Exception):
    """The engine cannot go on (workers keep dying, a cluster is unreachable): one line for the user."""


# --- the pack, pickled once ------------------------------------------------------------------------------
def _mappingproxy(d: dict[str, Any]) -> MappingProxyType:
    return MappingProxyType(d)


def dumps_pack(pack: Any) -> bytes:
    """Pickle a compiled pack; read-only mappings (gazetteer attributes) travel as their contents."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table[MappingProxyType] = lambda m: (_mappingproxy, (dict(m),))
    p.dispatch_table = table
    p.dump(pack)
    return buf.getvalue()


_PACKS: dict[str, Any] = {}          # digest -> unpickled pack, one per process (and per pack)
_PACKS_LOCK = threading.Lock()       # Dask workers may run several threads


@dataclass(frozen=True)
class PackRef:
    """A compiled pack as bytes, with the digest that names it; `get()` unpickles it once per process."""

    data: bytes
    digest: str
    version: str = __version__

    @classmethod
    def of(cls, pack: Any) -> "PackRef":
        """Pickle `pack` (once) so it can travel to worker processes or machines."""
        data = dumps_pack(pack)
        return cls(data, hashlib.sha256(data).hexdigest())

    def get(self) -> Any:
        """The pack, unpickled the first time this process asks for it."""
        if self.version != __version__:
            raise RuntimeError(f"this pack was compiled by arabic-ie {self.version}, but this worker runs "
                               f"arabic-ie {__version__}: install the same version everywhere")
        with _PACKS_LOCK:
            pack = _PACKS.get(self.digest)
            if pack is None:
                if len(_PACKS) >= 4:          # a long-lived Dask worker may see several packs
                    _PACKS.pop(next(iter(_PACKS)))
                pack = _PACKS[self.digest] = pickle.loads(self.data)
            return pack

    def __repr__(self) -> str:
        return f"PackRef({len(self.data)} bytes, sha256 {self.digest[:12]})"


# --- what runs in a worker -----------------------------------------------------------------------------
def portable(m: Mention) -> Mention:
    """The mention without what stays in the worker (its tokens, the mentions its args refer to)."""
    args = {k: (tuple(_arg(a) for a in v) if isinstance(v, tuple) else _arg(v)) for k, v in m.args.items()}
    return replace(m, args=args, attrs=dict(m.attrs), tokens=())


def _arg(a: Arg) -> Arg:
    return a if a.mention is None else replace(a, mention=None)


def match_pairs(pack: Any, labels: frozenset[str] | None, docs: Sequence[tuple[str, str]]) -> list[Outcome]:
    """Match `(id, text)` pairs with `pack`: the task a worker (process or Dask) runs on one chunk."""
    out: list[Outcome] = []
    for doc_id, text in docs:
        r = match_one(pack, InputDoc(doc_id, text), labels)
        out.append((tuple(portable(m) for m in r.mentions), r.error))
    return out


def match_pairs_ref(ref: PackRef, labels: frozenset[str] | None, docs: Sequence[tuple[str, str]]
                    ) -> list[Outcome]:
    """`match_pairs` with the pack given by reference (unpickled once per process): for Dask tasks."""
    return match_pairs(ref.get(), labels, docs)


_WORKER: tuple[Any, frozenset[str] | None] | None = None


def _init_worker(ref: PackRef, labels: frozenset[str] | None) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    _WORKER = (ref.get(), labels)


def _pool_task(docs: Sequence[tuple[str, str]]) -> list[Outcome]:
    assert _WORKER is not None, "worker not initialized"
    return match_pairs(_WORKER[0], _WORKER[1], docs)


# --- chunks and the ordered window ---------------------------------------------------------------------
Item = InputDoc | InputProblem


def chunked(items: Iterable[Item], max_docs: int = CHUNK_DOCS, max_chars: int = CHUNK_CHARS
            ) -> Iterator[list[Item]]:
    """Group items in input order: a chunk ends after `max_docs` documents or `max_chars` characters."""
    chunk: list[Item] = []
    docs = chars = 0
    for item in items:
        chunk.append(item)
        if isinstance(item, InputDoc):
            docs += 1
            chars += len(item.text)
            if docs >= max_docs or chars >= max_chars:
                yield chunk
                chunk, docs, chars = [], 0, 0
    if chunk:
        yield chunk


def _pairs(chunk: Sequence[Item]) -> list[tuple[str, str]]:
    return [(d.id, d.text) for d in chunk if isinstance(d, InputDoc)]


def _merge(chunk: Sequence[Item], outcomes: Sequence[Outcome]) -> Iterator[DocResult | InputProblem]:
    it = iter(outcomes)
    for item in chunk:
        if isinstance(item, InputProblem):
            yield item
        else:
            mentions, error = next(it)
            yield DocResult(item, mentions, error)


def ordered_results(chunks: Iterable[list[Item]], submit: Callable[[list[tuple[str, str]]], Any],
                    window: int) -> Iterator[DocResult | InputProblem]:
    """Submit chunks (at most `window` in flight) and yield their results oldest first.

    `submit(pairs)` returns a future with `.result()` (concurrent.futures or dask.distributed);
    used as is by the Dask engine. On close (Ctrl-C, an error), queued futures are cancelled.
    """
    pending: deque[tuple[list[Item], Any]] = deque()
    it = iter(chunks)
    try:
        while True:
            while len(pending) < window:
                chunk = next(it, None)
                if chunk is None:
                    break
                pairs = _pairs(chunk)
                pending.append((chunk, submit(pairs) if pairs else None))
            if not pending:
                return
            chunk, fut = pending.popleft()
            yield from _merge(chunk, fut.result() if fut is not None else [])
    finally:
        for _, fut in pending:
            if fut is not None:
                fut.cancel()


# --- the process pool ----------------------------------------------------------------------------------
def default_start_method() -> str:
    """`forkserver` where it exists (safe in a process with threads, cheap per worker), else `spawn`."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class _Pool:
    """A ProcessPoolExecutor that can be restarted after a worker died and terminated on Ctrl-C."""

    def __init__(self, workers: int, ref: PackRef, labels: frozenset[str] | None, start_method: str) -> None:
        self.args = (workers, ref, labels, start_method)
        self.deaths = 0      # pool deaths since a document last finished
        self.ex = self._new()

    def _new(self) -> ProcessPoolExecutor:
        workers, ref, labels, start_method = self.args
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(start_method),
                                   initializer=_init_worker, initargs=(ref, labels))

    def submit(self, pairs: list[tuple[str, str]]) -> Future:
        return self.ex.submit(_pool_task, pairs)

    def died(self) -> None:
        """A worker died: start a new pool, unless they keep dying without finishing anything."""
        self.deaths += 1
        if self.deaths > MAX_DEATHS:
            raise EngineError(f"worker processes keep dying ({self.deaths} times in a row without finishing "
                              f"a document; out of memory, or a broken installation?)")
        self.close()
        self.ex = self._new()

    def close(self) -> None:
        """Cancel the queued chunks and wait for the running ones (workers exit when they are done).

        Workers are never terminated from here: one killed while it sends a result leaves half
        a message in the result pipe, and the executor's reader thread waits for the rest forever.
        A broken pool has already been cleaned up by the executor itself.
        """
        self.ex.shutdown(wait=True, cancel_futures=True)


def match_parallel(pack: Any, items: Iterable[Item], labels: frozenset[str] | None = None, *,
                   workers: int | None = None, chunk_docs: int = CHUNK_DOCS, chunk_chars: int = CHUNK_CHARS,
                   window: int | None = None, start_method: str | None = None
                   ) -> Iterator[DocResult | InputProblem]:
    """The process-pool engine: `match_documents`' results, in the same order, on `workers` processes.

    `workers` defaults to the usable cores. Close the generator (or exhaust it) to stop the
    workers; `contextlib.closing` does it on Ctrl-C.
    """
    n = max(1, workers or cpu_count())
    window = window or WINDOW_PER_WORKER * n
    pool = _Pool(n, PackRef.of(pack), labels, start_method or default_start_method())
    try:
        yield from _run_pool(pool, chunked(items, chunk_docs, chunk_chars), window)
    finally:
        pool.close()


def _run_pool(pool: _Pool, chunks: Iterator[list[Item]], window: int) -> Iterator[DocResult | InputProblem]:
    """`ordered_results` on the pool, restarting it when a worker dies (see the module docstring)."""
    pending: deque[tuple[list[Item], Future | None]] = deque()
    while True:
        while len(pending) < window:
            chunk = next(chunks, None)
            if chunk is None:
                break
            pairs = _pairs(chunk)
            pending.append((chunk, pool.submit(pairs) if pairs else None))
        if not pending:
            return
        chunk, fut = pending.popleft()
        try:
            outcomes = fut.result() if fut is not None else []
        except BrokenProcessPool:
            pool.died()
            outcomes = _one_by_one(pool, _pairs(chunk))
            # The futures still queued died with the old pool (unless they had finished): submit again.
            pending = deque((c, f if f is None or _finished(f) else pool.submit(_pairs(c))) for c, f in pending)
        else:
            pool.deaths = 0
        yield from _merge(chunk, outcomes)


def _finished(f: Future) -> bool:
    return f.done() and not f.cancelled() and f.exception() is None


def _one_by_one(pool: _Pool, pairs: list[tuple[str, str]]) -> list[Outcome]:
    """Redo a chunk whose worker died, one document per task, so only the culprit gets an error."""
    out: list[Outcome] = []
    for pair in pairs:
        try:
            out.extend(pool.submit([pair]).result())
            pool.deaths = 0
        except BrokenProcessPool:
            pool.died()
            out.append(((), DIED))
    return out


# --- the policy used by the command line ---------------------------------------------------------------
def match_auto(pack: Any, items: Iterable[Item], labels: frozenset[str] | None = None, *,
               workers: int | None = None, threshold: int = AUTO_THRESHOLD, **kw: Any
               ) -> Iterator[DocResult | InputProblem]:
    """`workers=None` (auto): sequential for at most `threshold` documents, else one worker per core.

    The count of a stream is not known in advance, so up to `threshold + 1` documents are read
    ahead; `workers=1` is always sequential, `workers=N` always a pool of N.
    """
    if workers == 1:
        yield from match_documents(pack, items, labels)
        return
    if workers is None:
        it = iter(items)
        head: list[Item] = []
        docs = 0
        for x in it:
            head.append(x)
            docs += isinstance(x, InputDoc)
            if docs > threshold:
                break
        items = itertools.chain(head, it)
        if cpu_count() < 2 or docs <= threshold:
            yield from match_documents(pack, items, labels)
            return
    yield from match_parallel(pack, items, labels, workers=workers, **kw)


def expand_globs(paths: Sequence[str]) -> list[str]:
    """PATH arguments with `*`, `?` or `[` that name no file are globs (sorted, `**` recursive).

    Shells expand globs themselves; this is for quoted globs, Windows shells and very long
    lists. A glob that matches nothing stays as it is, so the reader reports "no such file".
    """
    out: list[str] = []
    for p in paths:
        if p != "-" and any(c in p for c in "*?[") and not os.path.exists(p):
            found = sorted(_glob.glob(p, recursive=True))
            out.extend(found or [p])
        else:
            out.append(p)
    return out


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) while the block runs, then act on it: a document's output is written whole.

    Outside the main thread (where signal handlers cannot be set) the block just runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if got:
            if callable(old):
                old(signal.SIGINT, None)     # the default handler raises KeyboardInterrupt
            elif old != signal.SIG_IGN:
                raise KeyboardInterrupt


# --- the command line: `arabic-ie match --workers N | --dask local | --scheduler ADDRESS` ---------------
def _workers_arg(s: str) -> int | None:
    import argparse
    if s == "auto":
        return None
    try:
        n = int(s)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more) or 'auto', not {s!r}")
    return n


def add_match_options(m: Any) -> None:
    """Add the scale-out options to the `match` subparser (and `sqlite` to its --format choices)."""
    fmt = next((a for a in m._actions if a.dest == "format"), None)
    if fmt is not None and fmt.choices is not None and "sqlite" not in fmt.choices:
        fmt.choices = (*fmt.choices, "sqlite")
        fmt.help = (fmt.help or "") + "; sqlite (resumable, needs --output; implied by --output *.sqlite/.sqlite3/.db)"
    out = next((a for a in m._actions if a.dest == "output"), None)
    if out is not None:
        out.help = (out.help or "") + "; a .sqlite/.sqlite3/.db file is written in place, and a rerun resumes it"
    m.add_argument("--workers", type=_workers_arg, default=None, metavar="N",
                   help=f"processes to match with (default 'auto': one per core when the input has more than "
                        f"{AUTO_THRESHOLD} documents, else this process alone); output is the same for any N")
    m.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster (e.g. tcp://10.0.0.5:8786); needs the 'dask' extra")
    m.add_argument("--dask", choices=("local",),
                   help="'local': run on a Dask LocalCluster of --workers processes on this machine")
    m.epilog = (m.epilog or "").rstrip("\n") + (
        "\n  arabic-ie match --workers 2 --output results.sqlite 'archive/**/*.txt'   # rerun to resume"
        "\n  arabic-ie match --scheduler tcp://10.0.0.5:8786 --output results.sqlite archive/")


def open_store(args: Any, pack: Any, labels: frozenset[str] | None) -> Any:
    """The SQLite sink when `--output` ends in .sqlite/.sqlite3/.db or `--format sqlite`; else None."""
    from dsl.io.sqlite import SqliteSink, is_sqlite_path
    if getattr(args, "format", None) == "sqlite" or is_sqlite_path(getattr(args, "output", None)):
        if not args.output:
            raise EngineError("--format sqlite needs --output FILE")
        return SqliteSink(args.output, pack=pack, labels=labels)
    return None


def engine_for(args: Any, pack: Any, items: Iterable[Item], labels: frozenset[str] | None
               ) -> Iterator[DocResult | InputProblem]:
    """The engine the options ask for: a Dask cluster, a pool of N processes, or `match_auto` (a generator)."""
    scheduler, dask_mode = getattr(args, "scheduler", None), getattr(args, "dask", None)
    if scheduler or dask_mode:
        if scheduler and dask_mode:
            raise EngineError("give --scheduler ADDRESS or --dask local, not both")
        from dsl.engines.dask import cluster_engine
        yield from cluster_engine(pack, items, labels, scheduler=scheduler, workers=args.workers)
    else:
        yield from match_auto(pack, items, labels, workers=getattr(args, "workers", None))
