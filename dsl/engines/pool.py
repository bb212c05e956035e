"""All the cores of one machine: a process pool that gives exactly the sequential engine's results.

`match_parallel(pack, items, labels, workers=N)` yields the same `DocResult`s (and passes the
same `InputProblem`s through) in the same order as `sequential.match_documents`, whatever N is:

* **What travels.** The compiled pack is pickled once (`common.PackRef`, a few hundred KiB for
  the shipped packs) and handed to each worker process by the pool initializer, so a worker
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

import itertools
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from dsl.engines.common import (
    EngineError,
    Item,
    Outcome,
    PackRef,
    Pending,
    chunk_pairs,
    chunked,
    fill_window,
    match_pairs,
    merge_outcomes,
)
from dsl.engines.defaults import AUTO_THRESHOLD, CHUNK_CHARS, CHUNK_DOCS, MAX_DEATHS, WINDOW_PER_WORKER
from dsl.engines.sequential import DocResult, match_documents
from dsl.io.inputs import InputDoc, InputProblem, cpu_count

DIED = "worker process died while matching this document (killed, out of memory, or a crash)"


# --- what runs in a worker process ---------------------------------------------------------------------
_WORKER: tuple[Any, frozenset[str] | None] | None = None


def _init_worker(ref: PackRef, labels: frozenset[str] | None) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    _WORKER = (ref.get(), labels)


def _pool_task(docs: Sequence[tuple[str, str]]) -> list[Outcome]:
    assert _WORKER is not None, "worker not initialized"
    return match_pairs(_WORKER[0], _WORKER[1], docs)


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
    """`common.ordered_results` on the pool, restarting it when a worker dies (see the module docstring)."""
    pending: Pending = deque()
    while True:
        fill_window(pending, chunks, pool.submit, window)
        if not pending:
            return
        chunk, fut = pending.popleft()
        try:
            outcomes = fut.result() if fut is not None else []
        except BrokenProcessPool:
            pool.died()
            outcomes = _one_by_one(pool, chunk_pairs(chunk))
            # The futures still queued died with the old pool (unless they had finished): submit again.
            pending = deque((c, f if f is None or _finished(f) else pool.submit(chunk_pairs(c))) for c, f in pending)
        else:
            pool.deaths = 0
        yield from merge_outcomes(chunk, outcomes)


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
