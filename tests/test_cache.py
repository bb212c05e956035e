"""The disk cache (dsl.cache): trust checks before any unpickling, stale and corrupt entries, atomic writes."""
from __future__ import annotations

import os
import pickle

import pytest

from dsl import cache
from dsl.cache import read_entry, write_entry

needs_uid = pytest.mark.skipif(not hasattr(os, "getuid"), reason="owner checks need POSIX user ids")


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("ARABIC_IE_CACHE", str(d))
    return d


def entries(folder):
    return sorted(p.name for p in folder.iterdir())


def test_location_follows_the_environment(tmp_path, monkeypatch):
    assert cache.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("ARABIC_IE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "arabic-ie"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "arabic-ie"


def test_round_trip_and_a_changed_dependency(tmp_path, folder):
    dep = tmp_path / "words.txt"
    dep.write_text("one\n", encoding="utf-8")
    assert write_entry("thing", "k1", {"a": (1, 2)}, deps=[dep])
    assert read_entry("thing", "k1") == {"a": (1, 2)}
    assert read_entry("thing", "k2") is None and read_entry("other", "k1") is None
    (name,) = entries(folder)
    assert name.startswith("thing-") and name.endswith(".pickle")
    if hasattr(os, "getuid"):
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
        assert oct((folder / name).stat().st_mode & 0o777) == "0o600"
    dep.write_text("two\n", encoding="utf-8")
    assert read_entry("thing", "k1") is None              # built from another version of the file
    dep.unlink()
    assert read_entry("thing", "k1") is None
    assert not write_entry("thing", "k3", 1, deps=[dep])  # an unreadable dependency: not stored


def test_digest_parts_do_not_run_together():
    assert cache.digest("ab", "c") != cache.digest("a", "bc") != cache.digest("abc")
    assert cache.digest("x", b"y") == cache.digest(b"x", "y")


class Exploding:
    """Unpickling this would run code: the trust checks must stop before any pickle.load."""

    def __reduce__(self):
        return (pytest.fail, ("an untrusted cache entry was unpickled",))


@needs_uid
@pytest.mark.parametrize("what, mode", [("file", 0o666), ("file", 0o620), ("folder", 0o777), ("folder", 0o770)])
def test_an_entry_others_can_write_is_not_loaded(folder, monkeypatch, what, mode):
    assert write_entry("thing", "k", Exploding())
    (name,) = entries(folder)
    os.chmod(folder / name if what == "file" else folder, mode)
    loads = []
    monkeypatch.setattr(pickle, "load", lambda *a, **k: loads.append(a))
    assert read_entry("thing", "k") is None and loads == []
    if what == "folder":
        assert not write_entry("thing", "k2", 1)         # nor is anything written there
        assert entries(folder) == [name]


@needs_uid
def test_an_entry_owned_by_another_user_is_not_loaded(folder, monkeypatch):
    # root can make files for other users but tests should not: pretend to be someone else
    assert write_entry("thing", "k", Exploding())
    me = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: me + 1)
    loads = []
    monkeypatch.setattr(pickle, "load", lambda *a, **k: loads.append(a))
    assert read_entry("thing", "k") is None and loads == []


def test_a_cache_path_that_is_not_a_folder_is_ignored(tmp_path, monkeypatch):
    f = tmp_path / "plain-file"
    f.write_text("", encoding="utf-8")
    monkeypatch.setenv("ARABIC_IE_CACHE", str(f))
    assert not write_entry("thing", "k", 1)
    assert read_entry("thing", "k") is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other format", "header only"])
def test_a_corrupt_or_foreign_entry_is_ignored(folder, damage):
    assert write_entry("thing", "k", list(range(1000)))
    (name,) = entries(folder)
    path = folder / name
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a pickle at all")
    elif damage == "truncated":
        path.write_bytes(data[:len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other format":
        head = pickle.loads(data)
        path.write_bytes(pickle.dumps({**head, "format": cache.FORMAT - 1}) + data[len(pickle.dumps(head)):])
    else:
        head = pickle.loads(data)
        path.write_bytes(pickle.dumps(head))
    assert read_entry("thing", "k") is None                # no traceback: the caller rebuilds
    assert write_entry("thing", "k", [1, 2])              # ... and stores it over the old entry
    assert read_entry("thing", "k") == [1, 2]


class Unpicklable:
    def __reduce__(self):
        raise TypeError("cannot pickle this")


def test_a_failed_write_leaves_no_partial_file(folder):
    assert write_entry("thing", "k", "first")
    before = entries(folder)
    # fails halfway through pickling (after a large first item has been written)
    assert not write_entry("thing", "k", ["x" * 200_000, Unpicklable()])
    assert not write_entry("thing", "other", ["x" * 200_000, Unpicklable()])
    assert entries(folder) == before                      # no temporary file, no new entry
    assert read_entry("thing", "k") == "first"            # the old entry is intact


def test_an_interrupted_write_leaves_no_partial_file(folder, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_entry("thing", "k", "value")
    assert entries(folder) == []



def write_and_find(folder, key, blob):
    """Write an entry and return its file (the one that was not there before)."""
    before = set(folder.iterdir()) if folder.exists() else set()
    assert write_entry("pack", key, blob)
    (path,) = set(folder.iterdir()) - before
    return path


def test_the_folder_stays_bounded_least_recently_used_first(folder, monkeypatch):
    monkeypatch.setattr(cache, "MAX_BYTES", 3 * 20_500)
    blob = b"x" * 20_000
    paths = {k: write_and_find(folder, k, blob) for k in ("k0", "k1", "k2")}
    for t, k in enumerate(("k0", "k2", "k1")):         # k0 oldest, then k2, k1 used last
        os.utime(paths[k], (1_000_000 + t, 1_000_000 + t))
    assert read_entry("pack", "k0") is not None        # a read marks k0 used now: k2 is the oldest
    write_and_find(folder, "k3", blob)                   # over the limit: the least recently used goes
    assert read_entry("pack", "k2") is None
    assert all(read_entry("pack", k) is not None for k in ("k0", "k1", "k3"))


def test_pruning_leaves_the_new_entry_and_other_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    big = write_and_find(folder, "big", b"y" * 50_000)
    assert cache.prune(folder, keep=big, max_bytes=10) == 0
    assert read_entry("pack", "big") is not None and (folder / "notes.txt").exists()
    assert cache.prune(folder, max_bytes=10) == 1 and (folder / "notes.txt").exists()
