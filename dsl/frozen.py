"""Cheap objects on hot paths: positional constructors for frozen dataclasses, and a pause of
the cyclic garbage collector while a document's objects are built.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__`
(to get past its own read-only `__setattr__`): ~100-150 ns a field, so 3 us for a `Mention`,
more than the matching that produced it. `constructor(cls)` returns
a function taking every field positionally, in declaration order, that fills the instance
directly: slot descriptors for a slotted class, one `__dict__` for the others. The result is
the same object `cls(*args)` builds (equal, hashable, still read-only); classes with a
`__post_init__` or non-init fields get `cls` itself, so a changed contract cannot go unnoticed.

`collector_paused()` keeps the cyclic garbage collector from running while a document is
matched: matching allocates tens of thousands of objects that hold no reference cycle (a test
checks it), and every 700 of them would otherwise trigger a collection, the older ones walking
every object alive (a loaded pack, the caller's documents). Reference counting still frees
everything at once; the collector runs again, as usual, after the document.

`settle_collector()` is for processes that load a pack and then only match with it (the
command line, pool and Dask workers): one collection, then every object alive moves to the
collector's permanent generation (`gc.freeze`), so the collections that the results and the
caches still trigger no longer walk the pack. A library caller's process is not the
library's to freeze: `Pack.load` does not do it.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import fields
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["constructor", "collector_paused", "settle_collector"]

T = TypeVar("T")


def constructor(cls: type[T]) -> Callable[..., T]:
    """`make(*every_field)` equivalent to `cls(*every_field)` for the frozen dataclass `cls`."""
    fs = fields(cls)  # type: ignore[arg-type]
    if hasattr(cls, "__post_init__") or any(not f.init for f in fs):
        return cls
    names = [f.name for f in fs]
    params = ", ".join(f"a{k}" for k in range(len(names)))
    ns: dict[str, Any] = {"new": object.__new__, "cls": cls, "setattr": object.__setattr__}
    if "__slots__" in cls.__dict__:
        # Straight-line code (no loop over the slots): about twice as fast as a loop with zip.
        for k, n in enumerate(names):
            ns[f"set{k}"] = cls.__dict__[n].__set__
        body = "".join(f"    set{k}(t, a{k})\n" for k in range(len(names)))
    else:
        items = ", ".join(f"{n!r}: a{k}" for k, n in enumerate(names))
        body = f"    setattr(t, '__dict__', {{{items}}})\n"
    exec(f"def make({params}):\n    t = new(cls)\n{body}    return t\n", ns)
    make = ns["make"]
    make.__doc__ = f"{cls.__name__}(*fields) without the frozen __setattr__ (see dsl.frozen)."
    return make  # type: ignore[no-any-return]


class _CollectorPause:
    """The context manager `collector_paused()` returns (one, shared): nests, and is safe across threads.

    The first thread to enter disables the collector if it was enabled; the last one to leave
    enables it again, so concurrent documents never turn it back on under each other, and a
    caller who disabled the collector finds it disabled afterwards.
    """

    __slots__ = ()
    _lock = threading.Lock()
    _depth = 0
    _owned = False

    def __enter__(self) -> None:
        cls = _CollectorPause
        with cls._lock:
            if cls._depth == 0:
                cls._owned = gc.isenabled()
                if cls._owned:
                    gc.disable()
            cls._depth += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        cls = _CollectorPause
        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0 and cls._owned:
                cls._owned = False
                gc.enable()


_PAUSE = _CollectorPause()


def collector_paused() -> _CollectorPause:
    """`with collector_paused(): ...` runs the block with the cyclic garbage collector paused
    (see the module docstring); for code that allocates many objects and makes no reference cycle."""
    return _PAUSE


def settle_collector() -> None:
    """Collect once, then freeze every object alive out of later collections (see the module
    docstring): for a process that has loaded what it keeps, such as a pack, and owns its lifetime."""
    gc.collect()
    gc.freeze()
