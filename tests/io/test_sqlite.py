"""Results in SQLite: the same mentions as JSON Lines, in tables, and runs that resume.

A run killed part-way (SIGKILL: no chance to clean up) and run again gives exactly the
database an uninterrupted run gives; Ctrl-C commits what is done; a file written with other
rules is not resumed with these.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsl.doc.mention import Arg, Mention
from dsl.io.inputs import InputDoc
from dsl.io.sqlite import (
    SqliteSink,
    StoreError,
    is_sqlite_path,
    process_identity,
    read_documents,
    read_mentions,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=ROOT, timeout=300, **kw)


def write_corpus(folder: Path, n: int, sentences_per_doc: int = 4) -> Path:
    sents = []
    for p in EXAMPLES:
        sents.extend(s.strip() for s in re.split(r"(?<=[.،])\s+", p.read_text(encoding="utf-8")) if s.strip())
    rng = random.Random(3)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"d{i:04d}.txt").write_text(" ".join(rng.choice(sents) for _ in range(sentences_per_doc)),
                                              encoding="utf-8")
    return folder


def content(db: Path) -> tuple[list, list]:
    return read_documents(db), list(read_mentions(db))


def test_sqlite_holds_exactly_the_json_lines_output(tmp_path):
    db = tmp_path / "results.sqlite"
    j = cli("match", *map(str, EXAMPLES))
    s = cli("match", "--output", str(db), *map(str, EXAMPLES))
    assert j.returncode == 0 and s.returncode == 0, s.stderr
    assert s.stdout == b""
    expected = [json.loads(x) for x in j.stdout.decode("utf-8").splitlines()]
    assert list(read_mentions(db)) == expected
    texts = {str(p): p.read_text(encoding="utf-8") for p in EXAMPLES}
    assert read_documents(db) == [(str(p), len(texts[str(p)]), sum(m["doc"] == str(p) for m in expected))
                                  for p in EXAMPLES]
    conn = sqlite3.connect(db)
    # The tables join as documented, and offsets slice the documents' text.
    rows = conn.execute("SELECT d.doc, m.start, m.end, m.text, a.name, a.start, a.end, a.text FROM arguments a "
                        "JOIN mentions m ON m.id = a.mention JOIN documents d ON d.id = m.document").fetchall()
    assert rows
    for doc, ms, me, mt, _, a_s, a_e, a_t in rows:
        assert texts[doc][ms:me] == mt and texts[doc][a_s:a_e] == a_t
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"mentions_document", "mentions_label", "arguments_mention"} <= indexes
    assert conn.execute("SELECT status FROM runs").fetchall() == [("done",)]


def test_list_arguments_keep_their_positions(tmp_path):
    db = tmp_path / "r.db"
    m = Mention("Meeting", "r", 0, 9, "ا ب ج د ه", 0, 5,
                args={"who": (Arg(0, 1, "ا", label="Person"), Arg(2, 3, "ب")), "where": Arg(4, 5, "ج")},
                attrs={"k": "v"})
    sink = SqliteSink(db)
    sink.write("doc1", "ا ب ج د ه", [m])
    sink.close()
    assert list(read_mentions(db)) == [{**m.to_dict(), "doc": "doc1"}]
    got = sqlite3.connect(db).execute("SELECT name, position, text, label FROM arguments ORDER BY id").fetchall()
    assert got == [("who", 0, "ا", "Person"), ("who", 1, "ب", None), ("where", None, "ج", None)]


def test_a_rerun_skips_what_is_recorded_and_retries_what_failed(tmp_path):
    folder = write_corpus(tmp_path / "c", 3)
    db = tmp_path / "r.sqlite"
    (folder / "bad.txt").write_bytes(b"\xc3\x28 not UTF-8")
    first = cli("match", "-o", str(db), str(folder))
    assert first.returncode == 3 and b"bad.txt" in first.stderr
    docs = read_documents(db)
    assert len(docs) == 3
    (folder / "bad.txt").write_text("نص سليم", encoding="utf-8")
    again = cli("match", "-o", str(db), str(folder))
    assert again.returncode == 0, again.stderr
    assert b"resumed: 3 documents already in" in again.stderr
    assert read_documents(db)[:3] == docs and len(read_documents(db)) == 4


@pytest.mark.slow
def test_a_killed_run_resumed_equals_an_uninterrupted_one(tmp_path):
    folder = write_corpus(tmp_path / "c", 300, sentences_per_doc=8)
    whole, resumed = tmp_path / "whole.sqlite", tmp_path / "resumed.sqlite"
    r = cli("match", "--workers", "2", "-o", str(whole), str(folder))
    assert r.returncode == 0, r.stderr
    p = subprocess.Popen([sys.executable, "-m", "dsl", "match", "--workers", "2", "-o", str(resumed), str(folder)],
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        recorded = _wait_for_documents(resumed, p)
    finally:
        _killpg(p.pid, signal.SIGKILL)       # the whole run, workers too: nothing gets to clean up
        p.wait(timeout=30)
    assert 0 < recorded < 300, "the run was not killed part-way"
    r = cli("match", "--workers", "2", "-o", str(resumed), str(folder))
    assert r.returncode == 0, r.stderr
    skipped = int(re.search(rb"resumed: (\d+) documents", r.stderr).group(1))
    assert skipped >= recorded
    assert content(resumed) == content(whole)
    runs = sqlite3.connect(resumed).execute("SELECT status FROM runs ORDER BY id").fetchall()
    assert runs == [("abandoned",), ("done",)]           # the killed run never got to say it ended: taken over
    assert re.search(rb"note: took over from run 1: process \d+ on .*, which ended without closing", r.stderr)


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _wait_for_documents(db: Path, p: subprocess.Popen, timeout: float = 120) -> int:
    """Poll the database until the run has committed some documents; return how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and p.poll() is None:
        try:
            n = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1).execute(
                "SELECT COUNT(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            n = 0
        if n:
            return n
        time.sleep(0.05)
    return 0


@pytest.mark.slow
def test_ctrl_c_commits_the_documents_done(tmp_path):
    folder = write_corpus(tmp_path / "c", 1500, sentences_per_doc=8)
    db = tmp_path / "r.sqlite"
    p = subprocess.Popen([sys.executable, "-m", "dsl", "match", "--workers", "2", "-o", str(db), str(folder)],
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert _wait_for_documents(db, p)
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        _killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130, err
    n = int(re.search(rb"interrupted after (\d+) documents", err).group(1))
    assert len(read_documents(db)) == n < 1500
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    half = conn.execute("SELECT COUNT(*) FROM documents d WHERE n_mentions != "
                        "(SELECT COUNT(*) FROM mentions m WHERE m.document = d.id)").fetchone()[0]
    assert half == 0


def test_other_rules_or_labels_are_not_mixed_into_a_file(tmp_path):
    db = tmp_path / "r.sqlite"
    assert cli("match", "-o", str(db), str(EXAMPLES[0])).returncode == 0
    r = cli("match", "-o", str(db), "--labels", "Person", str(EXAMPLES[1]))
    assert r.returncode == 2 and b"--labels" in r.stderr
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text("name: tiny\nrules:\n  - name: r\n    label: X\n    pattern: '[stem=حفتر]'\n", encoding="utf-8")
    r = cli("match", "-o", str(db), "--rules", str(tiny), str(EXAMPLES[1]))
    assert r.returncode == 2 and b"other rules" in r.stderr
    assert len(read_documents(db)) == 1


def test_files_that_are_not_results_databases_are_refused(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="not an arabic-ie results database"):
        SqliteSink(other)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    r = cli("match", "-o", str(junk), str(EXAMPLES[0]))
    assert r.returncode == 2 and b"junk.sqlite" in r.stderr and b"Traceback" not in r.stderr


def test_one_document_per_id(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "t": "المشير خليفة حفتر"}\n{"id": "a", "t": "نص آخر"}\n', encoding="utf-8")
    db = tmp_path / "r.sqlite"
    r = cli("match", "--jsonl-field", "t", "--id-field", "id", "-o", str(db), str(src))
    assert r.returncode == 0 and b"warning: a: skipped: this document id came earlier" in r.stderr
    assert [d[0] for d in read_documents(db)] == ["a"] and read_documents(db)[0][1] == len("المشير خليفة حفتر")


def test_pending_skips_recorded_documents_before_matching(tmp_path):
    db = tmp_path / "r.sqlite"
    sink = SqliteSink(db)
    sink.write("x", "text", [])
    sink.close()
    sink = SqliteSink(db)
    todo = list(sink.pending([InputDoc("x", "text"), InputDoc("y", "more")]))
    assert [d.id for d in todo] == ["y"] and sink.skipped == 1
    sink.close()


def test_sqlite_is_chosen_by_suffix_or_format(tmp_path):
    assert is_sqlite_path("a.sqlite") and is_sqlite_path("b.SQLITE3") and is_sqlite_path("c.db")
    assert not is_sqlite_path("d.jsonl") and not is_sqlite_path(None)
    out = tmp_path / "results.bin"
    r = cli("match", "--format", "sqlite", "-o", str(out), str(EXAMPLES[0]))
    assert r.returncode == 0 and len(read_documents(out)) == 1
    r = cli("match", "--format", "sqlite", str(EXAMPLES[0]))
    assert r.returncode == 2 and b"needs --output" in r.stderr


# --- one writer at a time: live owners refused, dead ones taken over -------------------------------------
def _reaped_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid          # a process that has ended (its pid may be reused later, which is what `process` is for)


def _orphan_run(db: Path, pid: int, process: str | None) -> None:
    """A results file whose run 1 was left 'running' by process `pid` (its lock long gone), as after SIGKILL."""
    sink = SqliteSink(db)
    sink.write("first", "نص", [])
    sink.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET status = 'running', finished_at = NULL, pid = ?, process = ? WHERE id = 1",
                     (pid, process))


def test_a_run_left_running_by_a_dead_process_is_taken_over(tmp_path):
    db = tmp_path / "r.sqlite"
    _orphan_run(db, _reaped_pid(), None)
    sink = SqliteSink(db)
    assert len(sink.taken_over) == 1 and re.match(r"run 1: process \d+ on .+, started ", sink.taken_over[0])
    assert [d.id for d in sink.pending([InputDoc("first", "نص"), InputDoc("second", "نص")])] == ["second"]
    sink.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM runs ORDER BY id").fetchall() == [("abandoned",), ("done",)]
    pid, host, process = conn.execute("SELECT pid, host, process FROM runs WHERE id = 2").fetchone()
    assert pid == os.getpid() and host and (process is None or process == process_identity(os.getpid()))
    assert not Path(f"{db}.lock").exists()          # removed when the run closed


def test_a_live_owner_is_refused_and_a_reused_pid_is_not_mistaken_for_it(tmp_path):
    db = tmp_path / "r.sqlite"
    _orphan_run(db, os.getpid(), process_identity(os.getpid()))        # alive: this very process
    with pytest.raises(StoreError, match=r"another run is writing this file \(run 1: process \d+ on "):
        SqliteSink(db)
    if process_identity(os.getpid()) is None:
        pytest.skip("no process start times on this platform: a live pid is taken as the owner")
    db2 = tmp_path / "r2.sqlite"
    _orphan_run(db2, os.getpid(), "another-boot:12345")     # same pid, another process: the owner is gone
    sink = SqliteSink(db2)
    assert len(sink.taken_over) == 1
    sink.close()


@pytest.mark.slow
def test_the_lock_is_held_by_a_running_writer_and_released_however_it_ends(tmp_path):
    db = tmp_path / "r.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from dsl.io.sqlite import SqliteSink; "
                               f"s = SqliteSink({str(db)!r}); print('open', flush=True); sys.stdin.read()"],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"open\n"
        with pytest.raises(StoreError, match=rf"another run is writing this file \(run 1: process {holder.pid} "):
            SqliteSink(db)
    finally:
        holder.kill()                  # SIGKILL: no chance to mark the run or remove the lock file
        holder.wait()
    assert Path(f"{db}.lock").exists()
    sink = SqliteSink(db)              # the kernel released the lock: taken over
    assert len(sink.taken_over) == 1
    sink.close()


def test_a_full_database_is_one_line_and_keeps_the_committed_documents(tmp_path):
    db = tmp_path / "r.sqlite"
    sink = SqliteSink(db, batch_docs=1)
    sink.write("a", "نص", [])
    pages = sink.conn.execute("PRAGMA page_count").fetchone()[0]
    sink.conn.execute(f"PRAGMA max_page_count = {pages + 1}")      # as good as a full disk
    m = Mention("Person", "r", 0, 2, "نص", 0, 1, attrs={"pad": "x" * 20_000})   # pages of its own
    with pytest.raises(StoreError, match=rf"^cannot write {re.escape(str(db))}: database or disk is full$"):
        for k in range(5):
            sink.write(f"big{k}", "نص", [m])
    sink.close("failed")
    assert [d[0] for d in read_documents(db)] == ["a"]
    assert sqlite3.connect(db).execute("SELECT status FROM runs").fetchall() == [("failed",)]
