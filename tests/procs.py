"""Helpers for the tests (and the soak script) that run `arabic-ie match` in real processes and stop it.

A run is started in a session of its own (`start_new_session`), so its process group holds
the command, its worker processes, the fork server and Dask's processes: "no process left"
means no live (non-zombie) process in that group. Readiness is polled, never slept for.
"""
from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def sentences() -> list[str]:
    """The sample articles' sentences (what test corpora are made of)."""
    out = []
    for p in EXAMPLES:
        out.extend(s.strip() for s in re.split(r"(?<=[.،])\s+", p.read_text(encoding="utf-8")) if s.strip())
    return out


def write_corpus(folder: Path, n: int, sentences_per_doc: int = 4, seed: int = 7) -> Path:
    """`n` text files `d0000.txt ...` of recombined sample sentences."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sents = sentences()
    for i in range(n):
        (folder / f"d{i:04d}.txt").write_text(" ".join(rng.choice(sents) for _ in range(sentences_per_doc)),
                                              encoding="utf-8")
    return folder


def start(args: list[str], *, stdout: Any = subprocess.DEVNULL, stderr: Any = subprocess.PIPE,
          env: dict[str, str] | None = None, **kw: Any) -> subprocess.Popen:
    """`arabic-ie match ARGS` in a session of its own, SIGINT at its default (even if this process ignores it)."""
    return subprocess.Popen([sys.executable, "-m", "dsl", "match", *args], cwd=ROOT, stdout=stdout, stderr=stderr,
                            start_new_session=True, env=dict(os.environ, **(env or {})),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kw)


def run(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    """`arabic-ie match ARGS` to completion, output captured."""
    return subprocess.run([sys.executable, "-m", "dsl", "match", *args], cwd=ROOT, capture_output=True,
                          timeout=timeout)


def wait_for(predicate: Callable[[], Any], timeout: float = 120, proc: subprocess.Popen | None = None) -> Any:
    """Poll `predicate` every 10 ms until it returns something true (returned), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {proc.returncode}) before it was ready")
        time.sleep(0.01)
    raise AssertionError(f"not ready after {timeout} s")


def documents_in(db: Path) -> int:
    """Committed documents of a results file (0 while it cannot be read)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def handles_sigterm(pid: int) -> bool:
    """Whether process `pid` has a handler for SIGTERM: `arabic-ie match` does once its run has begun."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    except OSError:
        pass
    return False


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group_alive(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group `pgid`."""
    out = []
    for d in Path("/proc").glob("[0-9]*"):
        f = _stat(int(d.name))
        if f and int(f[2]) == pgid and f[0] != "Z":
            out.append(int(d.name))
    return out


def wait_group_gone(pgid: int, timeout: float = 10) -> float:
    """Seconds until no process of group `pgid` is alive; fails (and kills them) after `timeout`."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not group_alive(pgid):
            return time.monotonic() - t0
        time.sleep(0.02)
    left = group_alive(pgid)
    kill_group(pgid)
    raise AssertionError(f"processes of the run still alive {timeout} s after it ended: {left}")


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def children(pid: int) -> list[int]:
    return [int(d.name) for d in Path("/proc").glob("[0-9]*") if (f := _stat(int(d.name))) and int(f[1]) == pid]


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        c = children(todo.pop())
        out += c
        todo += c
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def worker_pids(pid: int) -> list[int]:
    """The worker processes of run `pid`: a pool's (forked by its fork server) or a Dask LocalCluster's."""
    out = []
    for d in descendants(pid):
        c = cmdline(d)
        if "resource_tracker" in c:
            continue
        if "forkserver" in c and not children(d) and d not in children(pid):
            out.append(d)                                     # forked by the fork server
        elif "multiprocessing.spawn" in c or "spawn_main" in c:
            out.append(d)                                     # a Dask worker (spawned by its nanny)
    return out
