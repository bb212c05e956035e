"""All the cores of one machine: a process pool that gives exactly the sequential engine's results.

`match_parallel(pack, items, labels, workers=N)` yields the same `DocResult`s (and passes the
same `InputProblem`s through) in the same order as `sequential.match_documents`, whatever N is:

* **What travels.** The compiled pack is pickled once (`common.PackRef`, about 4 MB for
  the shipped packs) and handed to each worker process when it starts, so a worker unpickles it
  once and keeps it. Documents travel as `(id, text)` pairs in chunks (with their given mentions,
  if any); mentions come back
  without their `tokens` and without `Arg.mention` (both stay in the worker: they are not part
  of a mention's equality or of any output format).
* **Order and memory.** Documents are grouped in chunks (at most `chunk_docs` documents or
  `chunk_chars` characters) and at most `window` chunks are read ahead; results are yielded in
  input order as soon as they are in. Memory is bounded by the window, not by the corpus.
* **Each worker has pipes of its own** (one for chunks, one for results) and nothing else is
  shared: a worker killed in the middle of a message damages only its own pipe, which the
  parent then drops. A worker sends each document's outcome as soon as it is matched, so the
  parent always knows which document a worker was matching.
* **Failures.** When a worker dies (killed, out of memory, a crash in C code), the document it
  was matching is retried once, alone, on a fresh worker; if that worker dies too, the document
  gets an error of its own (`DIED`) like any document that fails, and the run goes on. The rest
  of its chunk goes to the other workers. If workers keep dying without a document finishing in
  between (`MAX_DEATHS`), or a worker cannot start, the run stops with an `EngineError`.
* **Stopping.** Closing the generator (Ctrl-C, SIGTERM, an error, `break`) terminates the
  workers at once; a running document is abandoned, not waited for. Workers ignore SIGINT (the
  terminal sends it to every process of the group; the parent decides). A worker whose parent
  is gone, even killed with SIGKILL, sees its chunk pipe close and exits: none is left behind.
* **When to use it.** `match_auto` is the CLI's default policy: it looks ahead at most
  `AUTO_THRESHOLD` documents; a shorter input runs in this process (starting workers would cost
  more than it saves), a longer one runs on one worker per core.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import selectors
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from dsl.engines.common import (
    DIED,
    EngineError,
    Item,
    Outcome,
    PackRef,
    chunk_pairs,
    chunked,
    match_pairs,
    sigint_held_for_children,
    signals_held,
)
from dsl.engines.defaults import AUTO_THRESHOLD, CHUNK_CHARS, CHUNK_DOCS, MAX_DEATHS, WINDOW_PER_WORKER
from dsl.engines.sequential import DocResult, match_documents
from dsl.io.inputs import InputDoc, InputProblem, cpu_count

#: Chunks sent to a worker before it answers: one to match, one waiting in its queue.
PREFETCH = 2
#: How long `close()` waits for a terminated worker to exit before it kills it.
STOP_SECONDS = 2.0


# --- what runs in a worker process ---------------------------------------------------------------------
class _StartFailed:
    """What a worker sends instead of outcomes when it cannot start (a pack from another version ...)."""

    def __init__(self, message: str) -> None:
        self.message = message


def _init_worker(ref: PackRef, labels: frozenset[str] | None) -> tuple[Any, frozenset[str] | None]:
    """A worker's setup: Ctrl-C is the parent's to handle; the pack is unpickled once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return ref.get(), labels


def _worker_main(chunks: Connection, results: Connection, labels: frozenset[str] | None) -> None:
    """Match the chunks that come on `chunks`, one outcome per document on `results`, until the parent goes.

    The pack comes first on `chunks`, not with the process's arguments: those are read by
    multiprocessing before this function runs, and a parent killed while writing a large
    message there leaves the new process to die with a traceback; here it just exits.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # then let in what the parent held while starting it
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
    try:
        ref = chunks.recv()
    except (EOFError, OSError):      # the parent is gone (killed while it sent the pack)
        os._exit(0)
    try:
        pack, labels = _init_worker(ref, labels)
    except Exception as e:   # told to the parent in one line
        results.send(_StartFailed(f"a worker process cannot start: {e}"))
        return
    todo: queue.SimpleQueue[list[tuple[str, str]]] = queue.SimpleQueue()

    def read() -> None:
        # A thread of its own, so the parent's sends never wait for a long document; EOF means
        # the parent closed the pipe or is gone (even killed): stop now, whatever is running.
        while True:
            try:
                todo.put(chunks.recv())
            except (EOFError, OSError):
                os._exit(0)

    threading.Thread(target=read, name="arabic-ie chunk reader", daemon=True).start()
    while True:
        for pair in todo.get():   # (id, text), or (id, text, given mentions)
            try:
                outcome: Any = match_pairs(pack, labels, [pair])[0]
                results.send(outcome)
            except (BrokenPipeError, EOFError):
                os._exit(0)
            except Exception as e:   # one document's error, not the end of the worker
                results.send(((), f"internal error: {type(e).__name__}: {e}"))


# --- the process pool ----------------------------------------------------------------------------------
def default_start_method() -> str:
    """`forkserver` where it exists (safe in a process with threads, cheap per worker), else `spawn`."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class _Slot:
    """One input item on its way through the pool: its outcome once known, and how often it was tried."""

    __slots__ = ("item", "outcome", "attempts", "last")

    def __init__(self, item: Item, last: bool) -> None:
        self.item = item
        self.outcome: Outcome | None = None
        self.attempts = 0
        self.last = last           # the last item of its chunk (chunks bound the read-ahead)

    @property
    def ready(self) -> bool:
        return self.outcome is not None or isinstance(self.item, InputProblem)

    def result(self) -> DocResult | InputProblem:
        if isinstance(self.item, InputProblem):
            return self.item
        assert self.outcome is not None
        return DocResult(self.item, *self.outcome)


class _Worker:
    """A worker process, its two pipes, and the documents sent to it that it has not answered yet."""

    def __init__(self, ctx: Any, ref: PackRef, labels: frozenset[str] | None) -> None:
        chunks_r, self.chunks = ctx.Pipe(duplex=False)
        self.results, results_w = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_worker_main, args=(chunks_r, results_w, labels),
                                name="arabic-ie worker", daemon=True)
        try:
            with signals_held():        # and a spawned worker starts with them held (it lets them in)
                self.proc.start()
        finally:
            chunks_r.close()       # the worker's ends: only the worker may hold them, so that
            results_w.close()      # its death (or ours) shows as end-of-file on the other side
        try:
            self.chunks.send(ref)  # the worker's first message: the pack (a signal may cut it: the worker exits)
        except OSError:
            pass                   # it died already: `collect` finds out
        self.sent: deque[_Slot] = deque()   # oldest first: sent[0] is the document being matched
        self.chunk_sizes: deque[int] = deque()
        self.fresh = True                   # started after a death, not given anything yet

    def send(self, slots: list[_Slot]) -> None:
        self.fresh = False
        self.sent.extend(slots)
        self.chunk_sizes.append(len(slots))
        self.chunks.send(chunk_pairs([s.item for s in slots]))

    def answered(self) -> _Slot:
        """The document an outcome that just came back belongs to."""
        self.chunk_sizes[0] -= 1
        if not self.chunk_sizes[0]:
            self.chunk_sizes.popleft()
        return self.sent.popleft()

    @property
    def can_take(self) -> bool:
        return len(self.chunk_sizes) < PREFETCH

    def stop(self) -> None:
        """Close our ends of the pipes (the worker exits on EOF) and terminate the process."""
        for c in (self.chunks, self.results):
            try:
                c.close()
            except OSError:
                pass
        if self.proc.is_alive():
            try:
                self.proc.terminate()
            except (OSError, AttributeError):
                pass


class _Pool:
    """Worker processes fed chunk by chunk; a dead worker is replaced and its document retried once."""

    def __init__(self, workers: int, ref: PackRef, labels: frozenset[str] | None, start_method: str) -> None:
        self.ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            # Workers fork from a server that has imported this module: a new one starts in
            # milliseconds, so a retry after a death costs little. The server starts with SIGINT
            # blocked, and so do the processes it forks: a terminal's Ctrl-C never reaches them.
            from multiprocessing import forkserver
            self.ctx.set_forkserver_preload(["dsl.engines.pool"])
            with sigint_held_for_children():
                forkserver.ensure_running()
        self.ref, self.labels = ref, labels
        self.deaths = 0      # worker deaths since a document last finished
        self.workers: list[_Worker] = []
        self.selector = selectors.DefaultSelector()   # every worker's result pipe and sentinel, kept registered
        try:
            for _ in range(workers):
                self._add()
        except BaseException:
            self.close()
            raise

    def dispatch(self, todo: deque[list[_Slot]], retry: deque[_Slot]) -> None:
        """Documents to retry go alone to fresh workers; chunks to any worker with room."""
        for w in self.workers:
            if retry and w.fresh:
                self._send(w, [retry.popleft()])
        for w in self.workers:
            while todo and w.can_take and not (retry and w.fresh):
                self._send(w, todo.popleft())

    def _send(self, w: _Worker, slots: list[_Slot]) -> None:
        try:
            w.send(slots)
        except OSError:      # the worker is gone; `collect` finds out and requeues what it was sent
            pass

    def _add(self) -> None:
        w = _Worker(self.ctx, self.ref, self.labels)
        self.workers.append(w)
        self.selector.register(w.results.fileno(), selectors.EVENT_READ, w)
        self.selector.register(w.proc.sentinel, selectors.EVENT_READ, w)

    def _remove(self, w: _Worker) -> None:
        self.workers.remove(w)
        for fd in (w.results.fileno(), w.proc.sentinel):
            try:
                self.selector.unregister(fd)
            except (KeyError, ValueError, OSError):
                pass

    def collect(self, todo: deque[list[_Slot]], retry: deque[_Slot]) -> None:
        """Wait until a worker answers or dies; take every outcome that came, replace the dead."""
        dead: list[_Worker] = []
        for key, _ in self.selector.select():
            w: _Worker = key.data
            if w in dead:
                continue
            if key.fd == w.proc.sentinel or not self._take(w):
                dead.append(w)
        for w in dead:
            while w.results.poll() and self._take(w):   # outcomes it sent before it died
                pass
            self._replace(w, todo, retry)

    def _take(self, w: _Worker) -> bool:
        """Receive one outcome from `w` (its pipe is readable); False when the pipe is broken (it died).

        One per wake-up: if more are waiting, the selector says so again at once, which costs
        less than asking the pipe (`poll()` builds a selector of its own each time).
        """
        try:
            msg = w.results.recv()
        except (EOFError, OSError):
            return False
        if isinstance(msg, _StartFailed):
            raise EngineError(msg.message)
        if w.sent:
            w.answered().outcome = msg
            self.deaths = 0
        return True

    def _replace(self, w: _Worker, todo: deque[list[_Slot]], retry: deque[_Slot]) -> None:
        """A worker died: its document is retried once on a fresh worker, the rest of its chunks requeued."""
        self._remove(w)
        w.stop()
        w.proc.join(STOP_SECONDS)
        self.deaths += 1
        if self.deaths > MAX_DEATHS:
            raise EngineError(f"worker processes keep dying ({self.deaths} times in a row without finishing "
                              f"a document; out of memory, or a broken installation?)")
        if w.sent:
            culprit = w.sent.popleft()
            culprit.attempts += 1
            if culprit.attempts >= 2:
                culprit.outcome = ((), DIED)
            else:
                retry.append(culprit)
            if w.sent:
                todo.appendleft(list(w.sent))   # not started: they go first, to any worker
        self._add()

    def close(self) -> None:
        """Terminate every worker now and wait (a bounded time) for them to exit; kill the stubborn."""
        workers, self.workers = self.workers, []
        self.selector.close()
        for w in workers:
            w.stop()
        for w in workers:
            w.proc.join(STOP_SECONDS)
            if w.proc.exitcode is None:
                w.proc.kill()
                w.proc.join(STOP_SECONDS)


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
    """Read ahead up to `window` chunks, keep the workers fed, yield results in input order."""
    ahead: deque[_Slot] = deque()          # every item read and not yet yielded, in input order
    todo: deque[list[_Slot]] = deque()     # chunks of documents not yet sent to a worker
    retry: deque[_Slot] = deque()          # documents whose worker died, to send alone to a fresh one
    open_chunks = 0
    exhausted = False
    while True:
        while not exhausted and open_chunks < window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
                break
            slots = [_Slot(x, last=k == len(chunk) - 1) for k, x in enumerate(chunk)]
            ahead.extend(slots)
            open_chunks += 1
            docs = [s for s in slots if isinstance(s.item, InputDoc)]
            if docs:
                todo.append(docs)
        if ahead and ahead[0].ready:
            while ahead and ahead[0].ready:
                s = ahead.popleft()
                open_chunks -= s.last
                yield s.result()
            continue                        # room in the window: read ahead before waiting
        if not ahead:
            return
        pool.dispatch(todo, retry)
        pool.collect(todo, retry)


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
