"""What the process pool and the Dask engine share: the pack pickled once, chunks, the ordered window.

* `PackRef`: the compiled pack pickled once, with the digest that names it; a worker process
  unpickles it once and keeps it.
* `match_pairs`: the task a worker (process or Dask) runs on one chunk of `(id, text)` pairs;
  mentions come back `portable` (without their tokens and `Arg.mention`, which stay in the worker).
* `chunked` and `ordered_results`: documents grouped in chunks, at most a window of chunks in
  flight, results yielded oldest chunk first, so memory is bounded by the window.
"""
from __future__ import annotations

import copyreg
import hashlib
import io
import multiprocessing
import pickle
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from dsl.doc.mention import Arg, Mention
from dsl.engines.defaults import CHUNK_CHARS, CHUNK_DOCS
from dsl.engines.sequential import DocResult, match_one
from dsl.frozen import settle_collector
from dsl.io.inputs import InputDoc, InputProblem
from dsl.version import __version__

#: The error of a document whose worker process died on it twice (the process pool and the Dask engine).
DIED = "worker process died while matching this document, twice (killed, out of memory, or a crash)"
#: What a worker returns for one document: its mentions (portable), or an error message.
Outcome = tuple[tuple[Mention, ...], "str | None"]
#: What the engines read: documents, and the input problems they pass through in place.
Item = InputDoc | InputProblem


class EngineError(Exception):
    """The engine cannot go on (workers keep dying, a cluster is unreachable): one line for the user."""


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while processes are spawned, so that they ignore it from their first instruction.

    A terminal sends Ctrl-C to every process of its group; worker processes leave it to the
    process that started them. In the main thread only (elsewhere a no-op). A Ctrl-C that comes
    in this moment is lost: `sigint_held_for_children` is the better way, this is its fallback
    where threads cannot block signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextmanager
def sigint_held_for_children() -> Iterator[None]:
    """Block SIGINT in this thread while the block starts threads and processes; it arrives when it ends.

    Threads started in the block inherit the blocked signal, and so do the processes they or
    this thread spawn (a Dask LocalCluster's nannies and workers, now and when they are
    restarted later): a terminal's Ctrl-C never reaches them, and the one meant for this
    process is handled as soon as the block ends, not lost.
    """
    if not hasattr(signal, "pthread_sigmask"):   # pragma: no cover - not on this platform
        with sigint_ignored():
            yield
        return
    from multiprocessing import resource_tracker
    resource_tracker.ensure_running()   # now: starting it later would unblock SIGINT in its thread
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


#: The signals that stop a run (`signals_held` keeps them waiting while a process starts).
_STOP_SIGNALS = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}


@contextmanager
def signals_held() -> Iterator[None]:
    """Block SIGINT, SIGTERM and SIGHUP in this thread while the block runs; they arrive when it ends.

    Starting a worker process writes its pickled arguments to it: a signal handler raising
    in the middle would cut them, and the new process would fail with a traceback. Held, the
    signal is handled a moment later, between two steps of the run.
    """
    if not hasattr(signal, "pthread_sigmask"):   # pragma: no cover - not on this platform
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


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
    def of(cls, pack: Any) -> PackRef:
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
                if multiprocessing.parent_process() is not None:
                    # a worker process (the pool's, a Dask worker's) keeps its pack to its end:
                    # later collections skip it (not done in a caller's own process)
                    settle_collector()
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
    for doc_id, text, *given in docs:   # a third item: the document's given mentions (chunk_pairs)
        r = match_one(pack, InputDoc(doc_id, text, mentions=given[0] if given else ()), labels)
        out.append((tuple(portable(m) for m in r.mentions), r.error))
    return out


def match_pairs_ref(ref: PackRef, labels: frozenset[str] | None, docs: Sequence[tuple[str, str]]
                    ) -> list[Outcome]:
    """`match_pairs` with the pack given by reference (unpickled once per process): for Dask tasks."""
    return match_pairs(ref.get(), labels, docs)


# --- chunks and the ordered window ---------------------------------------------------------------------
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


def chunk_pairs(chunk: Sequence[Item]) -> list[tuple[str, str]]:
    """The `(id, text)` pairs of a chunk's documents: what travels to a worker.

    A document with given mentions (`--mentions-field`) travels as `(id, text, mentions)`.
    """
    return [(d.id, d.text, d.mentions) if d.mentions else (d.id, d.text) for d in chunk if isinstance(d, InputDoc)]


def merge_outcomes(chunk: Sequence[Item], outcomes: Sequence[Outcome]) -> Iterator[DocResult | InputProblem]:
    """A chunk's items in input order: problems as they are, documents with their outcomes."""
    it = iter(outcomes)
    for item in chunk:
        if isinstance(item, InputProblem):
            yield item
        else:
            mentions, error = next(it)
            yield DocResult(item, mentions, error)


#: A chunk in flight and its future (None when the chunk holds only input problems).
Pending = deque[tuple[list[Item], Any]]


def fill_window(pending: Pending, chunks: Iterator[list[Item]], submit: Callable[[list[tuple[str, str]]], Any],
                window: int) -> None:
    """Submit chunks from `chunks` until `window` of them are in flight (or none is left)."""
    while len(pending) < window:
        chunk = next(chunks, None)
        if chunk is None:
            return
        pairs = chunk_pairs(chunk)
        pending.append((chunk, submit(pairs) if pairs else None))


def ordered_results(chunks: Iterable[list[Item]], submit: Callable[[list[tuple[str, str]]], Any],
                    window: int) -> Iterator[DocResult | InputProblem]:
    """Submit chunks (at most `window` in flight) and yield their results oldest first.

    `submit(pairs)` returns a future with `.result()` (concurrent.futures or dask.distributed);
    used as is by the Dask engine. On close (Ctrl-C, an error), queued futures are cancelled.
    """
    pending: Pending = deque()
    it = iter(chunks)
    try:
        while True:
            fill_window(pending, it, submit, window)
            if not pending:
                return
            chunk, fut = pending.popleft()
            yield from merge_outcomes(chunk, fut.result() if fut is not None else [])
    finally:
        for _, fut in pending:
            if fut is not None:
                fut.cancel()
