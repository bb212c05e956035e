"""Real signals to real runs: every engine ends cleanly, quickly, with whole records and no process left.

As a user would see it: Ctrl-C (SIGINT, sent by the terminal to the whole process group,
once or twice), SIGTERM (`timeout`, `docker stop`, systemd, Slurm: to the command only) and
SIGHUP end `arabic-ie match` with 130, 143 or 129 and one line saying how far it got; the
output holds whole records; a SQLite run is marked interrupted and a rerun finishes it into
exactly the database of an uninterrupted run. Readiness is polled (first output line, first
committed documents), never slept for.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time

import pytest
from procs import documents_in, kill_group, run, start, wait_for, wait_group_gone, write_corpus

from dsl.io.sqlite import read_documents, read_mentions

pytestmark = pytest.mark.slow   # real processes and signals

#: How long a stop may take here. The issue asks for "a few seconds"; the bound is loose because
#: the test machine may be shared (measured: 0.1-0.6 s for the pool, 0.2-0.6 s for Dask).
STOP_SECONDS = 15


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """600 documents: long enough that no run below ends before it is stopped."""
    return write_corpus(tmp_path_factory.mktemp("signals") / "corpus", 600, sentences_per_doc=12)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """240 documents and the database of an uninterrupted run over them."""
    d = tmp_path_factory.mktemp("resume")
    folder = write_corpus(d / "corpus", 240, sentences_per_doc=8, seed=11)
    whole = d / "whole.sqlite"
    r = run(["--workers", "2", "-o", str(whole), str(folder)])
    assert r.returncode == 0, r.stderr
    return folder, whole


def content(db):
    return read_documents(db), list(read_mentions(db))


def stop(p: subprocess.Popen, sig: int, *, group: bool, again_after: float | None = None
         ) -> tuple[bytes, bytes, float]:
    """Send `sig` (to the group, as a terminal does, or to the command only), maybe a second time; wait."""
    t0 = time.monotonic()
    (os.killpg if group else os.kill)(p.pid, sig)
    if again_after is not None:
        time.sleep(again_after)
        (os.killpg if group else os.kill)(p.pid, sig)
    try:
        out, err = p.communicate(timeout=STOP_SECONDS + 30)
    finally:
        kill_group(p.pid)
    return out or b"", err, time.monotonic() - t0


@pytest.mark.parametrize("engine,sig,group", [
    (["--workers", "1"], signal.SIGTERM, False),
    (["--workers", "2"], signal.SIGINT, True),
    (["--workers", "2"], signal.SIGTERM, False),
    (["--workers", "2"], signal.SIGHUP, False),
], ids=["sequential-SIGTERM", "pool-SIGINT", "pool-SIGTERM", "pool-SIGHUP"])
def test_a_signal_ends_the_run_with_whole_lines_and_no_process_left(corpus, engine, sig, group):
    p = start([*engine, str(corpus)], stdout=subprocess.PIPE, bufsize=0)
    first = wait_for(p.stdout.readline, proc=p)          # it is matching and writing
    rest, err, took = stop(p, sig, group=group)
    assert p.returncode == 128 + sig, err
    assert took < STOP_SECONDS
    name = signal.Signals(sig).name
    assert re.fullmatch(rf"arabic-ie: interrupted after \d+ documents \({name}\); the output holds whole records "
                        rf"for those\n", err.decode()), err
    lines = (first + rest).decode("utf-8").split("\n")
    assert lines[-1] == "" and all(json.loads(x)["doc"].startswith(str(corpus)) for x in lines[:-1])
    wait_group_gone(p.pid)


def test_ctrl_c_twice_with_sqlite_marks_the_run_interrupted_and_a_rerun_finishes_it(small):
    folder, whole = small
    db = whole.with_name("twice.sqlite")
    p = start(["--workers", "2", "-o", str(db), str(folder)])
    wait_for(lambda: documents_in(db), proc=p)
    _, err, took = stop(p, signal.SIGINT, group=True, again_after=0.1)
    assert p.returncode == 130 and took < STOP_SECONDS, err
    m = re.fullmatch(rf"arabic-ie: interrupted after (\d+) documents \(SIGINT\); {db} holds (\d+) documents: run the "
                     rf"same command again to finish\n", err.decode())
    assert m, err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == int(m.group(2)) < 240
    half = conn.execute("SELECT COUNT(*) FROM documents d WHERE n_mentions != "
                        "(SELECT COUNT(*) FROM mentions m WHERE m.document = d.id)").fetchone()[0]
    assert half == 0
    conn.close()
    wait_group_gone(p.pid)
    again = run(["--workers", "2", "-o", str(db), str(folder)])
    assert again.returncode == 0, again.stderr
    assert content(db) == content(whole)


def test_sigterm_with_sqlite_then_a_rerun_equals_an_uninterrupted_run(small):
    folder, whole = small
    db = whole.with_name("term.sqlite")
    p = start(["--workers", "2", "-o", str(db), str(folder)])
    wait_for(lambda: documents_in(db), proc=p)
    _, err, took = stop(p, signal.SIGTERM, group=False)
    assert p.returncode == 143 and took < STOP_SECONDS, err
    assert b"(SIGTERM)" in err and b"Traceback" not in err
    wait_group_gone(p.pid)
    assert sqlite3.connect(db).execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    again = run(["--workers", "2", "-o", str(db), str(folder)])
    assert again.returncode == 0 and b"resumed: " in again.stderr, again.stderr
    assert content(db) == content(whole)
    assert sqlite3.connect(db).execute("SELECT status FROM runs ORDER BY id").fetchall() == [("interrupted",),
                                                                                            ("done",)]


def test_ctrl_c_twice_on_a_blocked_output_still_ends_the_run(corpus):
    """Nobody reads stdout (`| less`, then Ctrl-C): the second press ends the run after the grace period."""
    p = start(["--workers", "2", str(corpus)], stdout=subprocess.PIPE)   # never read: the pipe fills up
    wait_for(lambda: _pipe_full(p.stdout.fileno()), proc=p)               # the run now waits in a write
    t0 = time.monotonic()
    os.killpg(p.pid, signal.SIGINT)              # held: a record is being written
    time.sleep(0.1)
    os.killpg(p.pid, signal.SIGINT)              # the second: workers killed, one second of grace, then out
    try:
        p.wait(timeout=STOP_SECONDS)
    finally:
        kill_group(p.pid)
    err = p.stderr.read()
    assert p.returncode == 130 and time.monotonic() - t0 < STOP_SECONDS
    assert re.fullmatch(rb"arabic-ie: stopped at once after \d+ documents \(SIGINT again\); the output holds whole "
                        rb"records for those\n", err), err
    wait_group_gone(p.pid)


def _pipe_full(fd: int) -> bool:
    """The pipe holds more than half its capacity and has not moved for 0.2 s: its writer is blocked."""
    import fcntl
    import termios

    def waiting() -> int:
        return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"), "little")
    before = waiting()
    time.sleep(0.2)
    return before > fcntl.fcntl(fd, 1032) // 2 and waiting() == before   # 1032: F_GETPIPE_SZ (Linux)
