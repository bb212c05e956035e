"""The on-disk cache (compiled packs, gazetteers, the lexicon's table): where, what it trusts, when stale.

An entry is a pickle, and unpickling runs code: an entry is read only from a folder and a file
owned by the current user that group and others cannot write, checked before anything is
unpickled. An entry is named by its kind, its key and the digest of this package's code, so
other code never reads it; it lists the files it was built from with their SHA-256, checked
before the object itself is unpickled. Writes are atomic (a private temporary file, then a
rename). An entry that is missing, untrusted, corrupt, foreign or stale is ignored, and the
caller builds the object again and stores it over the old entry; a cache that cannot be
written is no error. The folder stays bounded: after a write, entries beyond `MAX_BYTES`
are removed, least recently used first (a read marks an entry used).
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from dsl.version import __version__

__all__ = ["FORMAT", "MAX_BYTES", "cache_dir", "code_digest", "digest", "file_digest", "open_trusted", "prune",
           "read_entry", "trusted", "write_atomic", "write_entry"]

#: The layout of an entry: a header {format, kind, id, deps: [(path, sha256), ...]}, then the object.
FORMAT = 3

#: The cache folder's size after a write (an edited pack, a new version, another gazetteer each
#: leave an entry; a rule writer's cache would otherwise grow without end).
MAX_BYTES = 256 * 1024 * 1024

#: Files under `dsl/` whose content decides what a compiled object is (code, grammar, lexicons, schema).
_CODE_SUFFIXES = (".py", ".lark", ".txt", ".json")


def cache_dir() -> Path:
    """`$ARABIC_IE_CACHE`, else `$XDG_CACHE_HOME/arabic-ie`, else `~/.cache/arabic-ie` (not created here)."""
    env = os.environ.get("ARABIC_IE_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "arabic-ie"


def trusted(st: os.stat_result, *, folder: bool) -> bool:
    """Is this a folder (or a regular file) of the current user's that group and others cannot write?"""
    if not (stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)):
        return False
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        return False
    return True


def digest(*parts: str | bytes) -> str:
    """SHA-256 (hex) of `parts`, each length-prefixed so that no two lists of parts collide."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def file_digest(path: str | os.PathLike[str]) -> str | None:
    """SHA-256 (hex) of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


@functools.cache
def code_digest() -> str:
    """SHA-256 of the package's version and of every code and data file under `dsl/` (once per process)."""
    here = Path(__file__).resolve().parent
    parts: list[str | bytes] = [__version__]
    for p in sorted(here.rglob("*")):
        if p.suffix in _CODE_SUFFIXES and p.is_file():
            parts += [p.relative_to(here).as_posix(), p.read_bytes()]
    return digest(*parts)


def _entry(kind: str, key: str) -> tuple[Path, str]:
    ident = digest(str(FORMAT), code_digest(), kind, key)
    return cache_dir() / f"{kind}-{ident[:32]}.pickle", ident


def open_trusted(path: Path) -> BinaryIO | None:
    """`path` opened for reading when it and its folder are trusted (see `trusted`), else None."""
    try:
        if not trusted(os.stat(path.parent), folder=True):
            return None
        fh = open(path, "rb")
    except OSError:
        return None
    if not trusted(os.fstat(fh.fileno()), folder=False):
        fh.close()
        return None   # never read what someone else could have written
    _touch(path)
    return fh


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> bool:
    """Create `path` through `write(fh)` on a private temporary file renamed into place; False when not written.

    The folder is created private (0700) and must be trusted; a failure (a full disk, an
    exception from `write`) leaves no file behind and is no error: a cache is optional.
    """
    folder = path.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not trusted(os.stat(folder), folder=True):
            return False
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=folder)   # mode 0600
    except OSError:
        return False
    done = False
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)   # atomic: readers see the old file, none, or the whole new one
        done = True
    except Exception:
        pass
    finally:
        if not done:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    if done and folder == cache_dir():
        prune(folder, keep=path)
    return done


def _touch(path: Path) -> None:
    """Mark an entry as used (its mtime), for `prune`; a read-only cache is no error."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(folder: Path, keep: Path | None = None, max_bytes: int | None = None) -> int:
    """Remove the least recently used entries of `folder` until it holds at most `max_bytes`; the number removed.

    `keep` (the entry just written) is never removed; files that are not entries, and
    temporary files of writes under way, are left alone.
    """
    limit = MAX_BYTES if max_bytes is None else max_bytes
    entries: list[tuple[float, int, Path]] = []
    total = 0
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name.startswith(".") or not e.name.endswith((".pickle", ".bin")):
                    continue
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += st.st_size
                entries.append((st.st_mtime, st.st_size, Path(e.path)))
    except OSError:
        return 0
    removed = 0
    if total <= limit:
        return 0
    entries.sort(key=lambda x: x[0])
    for _, size, path in entries:
        if total <= limit:
            break
        if keep is not None and path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def read_entry(kind: str, key: str) -> Any | None:
    """The object stored as (`kind`, `key`) when it can be trusted and every file it lists is unchanged, else None."""
    path, ident = _entry(kind, key)
    fh = open_trusted(path)
    if fh is None:
        return None
    try:
        with fh:
            head = pickle.load(fh)
            if not isinstance(head, dict) or (head.get("format"), head.get("kind"), head.get("id")) != (
                    FORMAT, kind, ident):
                return None
            for dep, want in head["deps"]:
                if file_digest(dep) != want:
                    return None   # a file it was built from changed since
            return pickle.load(fh)
    except Exception:
        return None


def write_entry(kind: str, key: str, obj: Any, deps: Iterable[str | os.PathLike[str]] = ()) -> bool:
    """Store `obj` as (`kind`, `key`), with the SHA-256 of each file in `deps`; False when it was not stored."""
    listed: list[tuple[str, str]] = []
    for dep in sorted({os.fspath(d) for d in deps}):
        sha = file_digest(dep)
        if sha is None:
            return False
        listed.append((dep, sha))
    path, ident = _entry(kind, key)

    def dump(fh: BinaryIO) -> None:
        pickle.dump({"format": FORMAT, "kind": kind, "id": ident, "deps": listed}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)

    return write_atomic(path, dump)
