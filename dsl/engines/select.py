"""Choosing an engine: a Dask cluster, a process pool, or this process (`match_auto`'s policy).

Above the engines (it knows them all; none of them imports it): the command line calls
`engine_for` with the values of its options. Every engine yields the same results in the
same order, so the choice changes only where the work is done.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dsl.engines.common import Item
from dsl.engines.pool import match_auto
from dsl.engines.sequential import DocResult
from dsl.io.inputs import InputProblem


def engine_for(pack: Any, items: Iterable[Item], labels: frozenset[str] | None = None, *,
               workers: int | None = None, scheduler: str | None = None, local_cluster: bool = False
               ) -> Iterator[DocResult | InputProblem]:
    """The results of `items` from the engine asked for (a generator; close it to stop the workers).

    `scheduler` (a Dask scheduler's address) or `local_cluster` (a Dask LocalCluster of
    `workers` processes): the Dask engine; else `match_auto` (`workers=None`: this process for
    a short input, one process per core for a longer one; `workers=N`: N processes).
    """
    if scheduler is not None and local_cluster:
        raise ValueError("give a scheduler address or local_cluster=True, not both")
    if scheduler is not None or local_cluster:
        from dsl.engines.dask import cluster_engine  # Dask is an optional extra: imported when asked for
        yield from cluster_engine(pack, items, labels, scheduler=scheduler, workers=workers)
    else:
        yield from match_auto(pack, items, labels, workers=workers)
