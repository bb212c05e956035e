"""Fast positional constructors for the frozen dataclasses built on hot paths.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__`
(to get past its own read-only `__setattr__`): ~100-150 ns a field, so 3 us for a `Mention`,
more than the matching that produced it. `constructor(cls)` returns
a function taking every field positionally, in declaration order, that fills the instance
directly: slot descriptors for a slotted class, one `__dict__` for the others. The result is
the same object `cls(*args)` builds (equal, hashable, still read-only); classes with a
`__post_init__` or non-init fields get `cls` itself, so a changed contract cannot go unnoticed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["constructor"]

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
