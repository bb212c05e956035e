"""Past one machine: the same matching on a Dask cluster (`pip install 'arabic-ie[dask]'`).

Three ways in, all giving exactly what the sequential engine gives:

* `match_bag(bag, pack)`: a `dask.bag.Bag` of texts, `(id, text)` pairs or dicts -> a Bag of
  mention dicts (the JSON Lines objects, each with its `doc` id), in document order.
* `match_dataframe(df, pack, text_column="text", id_column="id")`: a `dask.dataframe.DataFrame`
  -> a DataFrame of mentions, one row each (`doc, label, start, end, text, rule, args, attrs`;
  `args` and `attrs` as JSON text), in document order (needs pandas: `dask[dataframe]`).
* `match_on_cluster(pack, items, client=...)`: what `arabic-ie match --scheduler ADDRESS` and
  `--dask local` run. Documents are read where the command runs and sent to the cluster in
  chunks (a bounded number in flight); results come back in input order, like the process pool.

Failures: a worker lost mid-run (killed, out of memory, its machine gone) is the cluster's to
handle: the scheduler reruns its tasks elsewhere and the results are the same. A chunk whose
task keeps killing workers (`KilledWorker`) is redone one document per task, so only the
document that kills its worker gets an error (`DIED`) and the others complete, as with the
process pool. The LocalCluster of `--dask local` retries a task once (`allowed_failures=1`);
a cluster of your own keeps its configured number. Stopping (Ctrl-C, SIGTERM, an error)
cancels the tasks; a LocalCluster's worker processes are killed, not waited for.

What travels to the workers: the compiled pack, pickled once (`common.PackRef`, a few hundred
KiB) and sent once to each worker that needs it (the result of one task every chunk depends
on, for the command line; one graph key that every partition depends on, for bags and
dataframes: either way, a worker lost with it costs a recomputation, never the run), where it
is unpickled once per process; then the documents' ids and texts; mentions come back without tokens. The
workers need arabic-ie installed (the same version), not the rule or gazetteer files: those
are inside the compiled pack. No code is shipped: tasks name functions of arabic-ie (here and in
`common`).
"""
from __future__ import annotations

import json
import logging
import os
import signal
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from dsl.doc.mention import Mention
from dsl.engines.common import (
    DIED,
    EngineError,
    Outcome,
    PackRef,
    chunked,
    match_pairs_ref,
    ordered_results,
    sigint_held_for_children,
)
from dsl.engines.defaults import CHUNK_CHARS, CHUNK_DOCS, MAX_DEATHS, WINDOW_PER_WORKER
from dsl.engines.sequential import DocResult
from dsl.io.inputs import InputDoc, InputProblem, cpu_count

#: Columns of `match_dataframe`'s result.
COLUMNS = ("doc", "label", "start", "end", "text", "rule", "args", "attrs")


class DocumentError(Exception):
    """A document failed to match (in `match_bag` / `match_dataframe` with `on_error="raise"`)."""


def _require_dask() -> Any:
    """The `dask` module; an `EngineError` saying how to install it when it is missing."""
    try:
        import dask
    except ImportError:  # pragma: no cover - the extra is installed for the tests
        raise EngineError("Dask is not installed: pip install 'arabic-ie[dask]'") from None
    return dask


def _ref(pack: Any) -> PackRef:
    return pack if isinstance(pack, PackRef) else PackRef.of(pack)


def _pack_of(ref: PackRef) -> PackRef:
    """The task whose result is the pack (what the matching tasks depend on)."""
    return ref


def _delayed_ref(ref: PackRef) -> Any:
    """The pack as one graph key: shipped to each worker that needs it once, not once per task."""
    import dask
    return dask.delayed(ref, name=f"arabic-ie-pack-{ref.digest}", pure=True, traverse=False)


def _as_pair(x: Any, where: str, text_field: str, id_field: str | None) -> tuple[str, str]:
    if isinstance(x, str):
        return where, x
    if isinstance(x, InputDoc):
        return x.id, x.text
    if isinstance(x, dict):
        doc_id = x.get(id_field) if id_field else None
        return (str(doc_id) if doc_id is not None else where), x[text_field]
    doc_id, text = x
    return str(doc_id), text


def _mention_dicts(docs: Sequence[tuple[str, str]], outcomes: Sequence[tuple[tuple[Mention, ...], str | None]],
                   on_error: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for (doc_id, _), (mentions, error) in zip(docs, outcomes):
        if error is not None:
            if on_error == "raise":
                raise DocumentError(f"{doc_id}: {error}")
            continue
        for m in mentions:
            d = m.to_dict()
            d["doc"] = doc_id
            out.append(d)
    return out


def _match_partition(ref: PackRef, labels: frozenset[str] | None, part: Sequence[Any], index: int,
                     text_field: str, id_field: str | None, on_error: str) -> list[dict[str, Any]]:
    docs = [_as_pair(x, f"{index}:{j}", text_field, id_field) for j, x in enumerate(part)]
    return _mention_dicts(docs, match_pairs_ref(ref, labels, docs), on_error)


def match_bag(bag: Any, pack: Any, *, labels: Iterable[str] | None = None, text_field: str = "text",
              id_field: str | None = "id", on_error: str = "raise") -> Any:
    """Mentions of a Bag of documents, as a Bag of JSON Lines objects in document order.

    Elements are `(id, text)` pairs, dicts (`text_field`, `id_field`) or plain strings (whose
    id is `"partition:index"`). A document that fails raises `DocumentError` (`on_error="raise"`)
    or is left out (`"skip"`).
    """
    _require_dask()
    import dask
    import dask.bag as db
    ref = _delayed_ref(_ref(pack))
    labs = frozenset(labels) if labels else None
    parts = [dask.delayed(_match_partition, pure=True)(ref, labs, part, i, text_field, id_field, on_error)
             for i, part in enumerate(bag.to_delayed())]
    return db.from_delayed(parts)


def _match_frame(frame: Any, ref: PackRef, labels: frozenset[str] | None, text_column: str,
                 id_column: str | None, on_error: str) -> Any:
    import pandas as pd
    texts = frame[text_column].tolist()
    ids = frame[id_column].tolist() if id_column else frame.index.tolist()
    docs = [(str(i), t) for i, t in zip(ids, texts)]
    rows = []
    for d in _mention_dicts(docs, match_pairs_ref(ref, labels, docs), on_error):
        rows.append((d["doc"], d["label"], d["start"], d["end"], d["text"], d["rule"],
                     json.dumps(d["args"], ensure_ascii=False),
                     json.dumps(d["attrs"], ensure_ascii=False) if "attrs" in d else None))
    return _frame(pd, rows)


def _frame(pd: Any, rows: list[tuple[Any, ...]]) -> Any:
    cols = list(zip(*rows)) if rows else [()] * len(COLUMNS)
    dtypes = ("object", "object", "int64", "int64", "object", "object", "object", "object")
    return pd.DataFrame({c: pd.Series(list(v), dtype=t) for c, v, t in zip(COLUMNS, cols, dtypes)})


def match_dataframe(df: Any, pack: Any, *, text_column: str = "text", id_column: str | None = "id",
                    labels: Iterable[str] | None = None, on_error: str = "raise") -> Any:
    """Mentions of a DataFrame of documents, one row per mention, in document order.

    The id is `id_column` (or the index when it is None). Columns: `COLUMNS`; `args` and `attrs`
    are the JSON of the JSON Lines format, `start`/`end` offsets into the document's text.
    """
    _require_dask()
    import pandas as pd
    ref = _delayed_ref(_ref(pack))
    labs = frozenset(labels) if labels else None
    return df.map_partitions(_match_frame, ref, labs, text_column, id_column, on_error,
                             meta=_frame(pd, []), align_dataframes=False)


# --- the engine of `arabic-ie match --scheduler / --dask local` ------------------------------------------
def match_on_cluster(pack: Any, items: Iterable[InputDoc | InputProblem], labels: frozenset[str] | None = None, *,
                     client: Any, chunk_docs: int = CHUNK_DOCS, chunk_chars: int = CHUNK_CHARS,
                     window: int | None = None) -> Iterator[DocResult | InputProblem]:
    """The process pool's results, computed by the workers of a `dask.distributed.Client`, in input order."""
    ref = _ref(pack)
    # The pack is a task's result, not scattered data: a worker lost with it is no loss (the scheduler
    # recomputes it from the task, which holds the bytes), while scattered data, which the cluster
    # may keep on one worker only, would be gone for good.
    ref_future = client.submit(_pack_of, ref, key=f"arabic-ie-pack-{ref.digest}", pure=False)
    threads = sum(client.nthreads().values()) or 1
    window = window or WINDOW_PER_WORKER * threads
    deaths = _Deaths()

    def submit_task(pairs: list[tuple[str, str]]) -> Any:
        return client.submit(match_pairs_ref, ref_future, labels, pairs, pure=False)

    def submit(pairs: list[tuple[str, str]]) -> Any:
        return _Chunk(submit_task, pairs, deaths)

    try:
        yield from ordered_results(chunked(items, chunk_docs, chunk_chars), submit, window)
    finally:
        ref_future.release()


class _Deaths:
    """Documents in a row that killed their workers: past `MAX_DEATHS`, the cluster is broken, stop."""

    def __init__(self) -> None:
        self.in_a_row = 0

    def died(self) -> None:
        self.in_a_row += 1
        if self.in_a_row > MAX_DEATHS:
            raise EngineError(f"Dask workers keep dying ({self.in_a_row} documents in a row killed their worker; "
                              f"out of memory, or a broken installation?); see the workers' logs")


class _Chunk:
    """A chunk's task; when it keeps killing workers (`KilledWorker`), its documents are redone one per task."""

    def __init__(self, submit: Any, pairs: list[tuple[str, str]], deaths: _Deaths) -> None:
        self.submit, self.pairs, self.deaths = submit, pairs, deaths
        self.future = submit(pairs)
        self.singles: list[Any] = []

    def result(self) -> list[Outcome]:
        from distributed import KilledWorker
        try:
            out = self.future.result()
        except KilledWorker:
            self.singles = [self.submit([pair]) for pair in self.pairs]
            out = []
            for f in self.singles:
                try:
                    out.extend(f.result())
                except KilledWorker:
                    self.deaths.died()
                    out.append(((), DIED))
                else:
                    self.deaths.in_a_row = 0
            return out
        self.deaths.in_a_row = 0
        return out

    def cancel(self) -> None:
        for f in [self.future, *self.singles]:
            f.cancel()


def _kill_local_workers(cluster: Any) -> None:
    """Kill a LocalCluster's worker processes (ours), so that closing it does not wait for running tasks."""
    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(getattr(nanny, "process", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def cluster_engine(pack: Any, items: Iterable[InputDoc | InputProblem], labels: frozenset[str] | None = None, *,
                   scheduler: str | None = None, workers: int | None = None,
                   **kw: Any) -> Iterator[DocResult | InputProblem]:
    """Connect to `scheduler` (an address such as `tcp://10.0.0.5:8786`), or start a LocalCluster
    of `workers` processes (default: one per core) when it is None; run `match_on_cluster`; clean up."""
    _require_dask()
    import dask.config
    from dask.utils import parse_timedelta
    from distributed import Client, LocalCluster
    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    cluster = None
    quiet = logging.getLogger("distributed")
    with ExitStack() as stack:
        stack.callback(quiet.setLevel, quiet.level)   # the first registered runs last: after the cluster closed
        try:
            if scheduler is None:
                # The scheduler's HTTP server on a free port (8787 may be another cluster's), no dashboard.
                with sigint_held_for_children(), dask.config.set({"distributed.scheduler.dashboard.address": ":0"}):
                    cluster = stack.enter_context(LocalCluster(
                        n_workers=workers or cpu_count(), threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=logging.ERROR,
                        scheduler_kwargs={"allowed_failures": 1}))
                client = stack.enter_context(Client(cluster))
            else:
                client = stack.enter_context(Client(scheduler))
                client.wait_for_workers(1, timeout=timeout)
        except OSError as e:   # includes the timeouts
            raise EngineError(f"cannot reach the Dask scheduler {scheduler or '(local)'}, or no worker joined "
                              f"it within {timeout:g} s (DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT): {e}") from None
        try:
            yield from match_on_cluster(pack, items, labels, client=client, **kw)
        except BaseException:   # stopped (Ctrl-C, SIGTERM, an error, the generator closed): do not wait
            if cluster is not None:
                quiet.setLevel(logging.CRITICAL)   # the cluster would log the workers it loses: we killed them
                _kill_local_workers(cluster)
            raise
