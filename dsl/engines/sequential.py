"""Running a pack over a stream of documents: documents in, (document, mentions) out, in order.

This is where a corpus is processed one document at a time, so memory does not grow with
the number of documents. `match_documents` is the sequential engine; the other engines
yield exactly the same results in the same order: `pool.match_parallel` (a process pool,
`--workers N`), `pool.match_auto` (the command line's default policy) and
`dask.match_on_cluster` (a Dask cluster, `--scheduler ADDRESS` / `--dask local`);
`select.engine_for` picks one.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsl.doc.mention import Mention
from dsl.errors import DslError
from dsl.io.inputs import InputDoc, InputProblem

if TYPE_CHECKING:  # pragma: no cover
    from dsl.pack.pack import Pack


@dataclass(frozen=True, slots=True)
class DocResult:
    """One document's outcome: its mentions, or the one-line error that stopped it."""

    doc: InputDoc
    mentions: tuple[Mention, ...] = ()
    error: str | None = None


def match_one(pack: Pack, doc: InputDoc, labels: frozenset[str] | None = None) -> DocResult:
    """Match one document; an error in it is a value, never an exception that stops the run."""
    try:
        ms = pack.match(doc.text, id=doc.id, mentions=doc.mentions) if doc.mentions else \
            pack.match(doc.text, id=doc.id)
    except DslError as e:
        return DocResult(doc, (), e.one_line())
    except RecursionError:
        return DocResult(doc, (), "internal error: recursion too deep while matching this document")
    if labels:
        ms = [m for m in ms if m.label in labels]
    return DocResult(doc, tuple(ms))


def match_documents(pack: Pack, items: Iterable[InputDoc | InputProblem],
                    labels: frozenset[str] | None = None) -> Iterator[DocResult | InputProblem]:
    """The sequential engine: problems pass through, documents become DocResults, in input order."""
    for item in items:
        if isinstance(item, InputProblem):
            yield item
        else:
            yield match_one(pack, item, labels)
