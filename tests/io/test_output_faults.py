"""Output that cannot be written (a full disk, a folder removed mid-run) and the permissions of output files.

A full disk is real here: `/dev/full` for a stream, a file-size limit (RLIMIT_FSIZE: writes past
it fail with EFBIG, as they fail with ENOSPC on a full disk) for files, and a small tmpfs where
unprivileged mount namespaces are available (`unshare`). Each gives one line and exit code 2,
with nothing half-written: an existing --output file unchanged, a redirected stdout cut back
to whole lines, a SQLite file holding whole documents that a rerun completes.
"""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import kill_group, start, wait_for, wait_group_gone
from sample_packs import SENTENCE, TINY

from dsl.cli.main import main
from dsl.io.sqlite import read_documents, read_mentions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny pack, and 300 documents of 40 sentences with a mention each (~11 KiB of JSON Lines apiece)."""
    pack = tmp_path / "tiny.yaml"
    pack.write_text(TINY, encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    for k in range(300):
        (folder / f"doc{k:03d}.txt").write_text(" و".join([SENTENCE] * 40), encoding="utf-8")
    return pack, folder


def match(*args: str, limit: int | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """`arabic-ie match` on one process, with files limited to `limit` bytes (writes past it fail)."""
    def pre() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run([sys.executable, "-m", "dsl", "match", "--no-cache", "--workers", "1", *args], cwd=ROOT,
                          stdout=stdout, stderr=subprocess.PIPE, preexec_fn=pre, timeout=300)


# --- a full disk -----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_full_stream_is_one_line_and_exit_2(corpus):
    pack, folder = corpus
    with open("/dev/full", "w") as full:
        r = match("--rules", str(pack), str(folder), stdout=full)
    assert r.returncode == 2
    assert r.stderr.decode() == ("arabic-ie: cannot write the output: No space left on device (after 0 documents; "
                                 "the output holds whole records for those)\n")


@pytest.mark.slow
def test_a_redirected_stdout_that_fills_up_is_cut_back_to_whole_lines(corpus, tmp_path):
    pack, folder = corpus
    out = tmp_path / "out.jsonl"
    with open(out, "w") as f:
        r = match("--rules", str(pack), str(folder), limit=100_000, stdout=f)
    assert r.returncode == 2
    n = int(re.fullmatch(rb"arabic-ie: cannot write the output: File too large \(after (\d+) documents; the output "
                         rb"holds whole records for those\)\n", r.stderr).group(1))
    data = out.read_bytes()
    assert data.endswith(b"\n") and 0 < len(data) <= 100_000
    assert len({json.loads(x)["doc"] for x in data.decode().splitlines()}) == n


@pytest.mark.slow
def test_output_file_on_a_full_disk_leaves_the_old_file_and_no_temporary(corpus, tmp_path):
    pack, folder = corpus
    target = tmp_path / "out.jsonl"
    target.write_text("old results\n", encoding="utf-8")
    r = match("--rules", str(pack), "--output", str(target), str(folder), limit=100_000)
    assert r.returncode == 2
    assert re.fullmatch(rf"arabic-ie: cannot write {target}: File too large \(after \d+ documents; {target} was not "
                        rf"changed\)\n", r.stderr.decode()), r.stderr
    assert target.read_text(encoding="utf-8") == "old results\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.slow
def test_sqlite_on_a_full_disk_keeps_whole_documents_and_a_rerun_completes_it(corpus, tmp_path):
    pack, folder = corpus
    db, whole = tmp_path / "r.sqlite", tmp_path / "whole.sqlite"
    r = match("--rules", str(pack), "--output", str(db), str(folder), limit=400_000)
    assert r.returncode == 2
    m = re.fullmatch(rf"arabic-ie: cannot write {db}: (database or disk is full|disk I/O error) \(after \d+ "
                     rf"documents; {db} holds (\d+) documents: run the same command again to finish\)\n",
                     r.stderr.decode())
    assert m, r.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == int(m.group(2)) < 300
    assert conn.execute("SELECT COUNT(*) FROM documents d WHERE n_mentions != "
                        "(SELECT COUNT(*) FROM mentions m WHERE m.document = d.id)").fetchone()[0] == 0
    assert conn.execute("SELECT status FROM runs").fetchall() == [("failed",)]
    conn.close()
    assert match("--rules", str(pack), "--output", str(db), str(folder)).returncode == 0
    assert match("--rules", str(pack), "--output", str(whole), str(folder)).returncode == 0
    assert (read_documents(db), list(read_mentions(db))) == (read_documents(whole), list(read_mentions(whole)))


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                        "mount -t tmpfs -o size=64k tmpfs /tmp"], capture_output=True)
    return r.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unprivileged mount namespaces (unshare) for a small tmpfs")
def test_a_really_full_tmpfs_gives_the_same_endings(corpus, tmp_path):
    """ENOSPC itself: a 200 KiB tmpfs, mounted in a namespace of the test's own (no root needed)."""
    pack, folder = corpus
    disk = tmp_path / "disk"
    disk.mkdir()
    base = f"{sys.executable} -m dsl match --no-cache --workers 1 --rules {pack} {folder}"
    script = f"""
        mount -t tmpfs -o size=200k tmpfs {disk} || exit 99
        echo old > {disk}/out.jsonl
        {base} --output {disk}/out.jsonl; echo "rc=$?"; cat {disk}/out.jsonl
        {base} > {disk}/redirected.jsonl; echo "rc=$?"
        python3 -c "import json, sys; [json.loads(x) for x in open('{disk}/redirected.jsonl')]; print('whole lines')"
        rm {disk}/redirected.jsonl
        {base} --output {disk}/r.sqlite; echo "rc=$?"
        ls -a {disk}
    """
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script], cwd=ROOT,
                       capture_output=True, timeout=300)
    out, err = r.stdout.decode(), r.stderr.decode()
    assert out.splitlines()[:4] == ["rc=2", "old", "rc=2", "whole lines"], (out, err)
    assert out.splitlines()[4] == "rc=2" and ".out.jsonl." not in out   # no temporary file left
    lines = err.splitlines()
    assert len(lines) == 3 and all("No space left on device" in x or "database or disk is full" in x for x in lines)
    assert "Traceback" not in err


# --- a folder removed during the run ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["out.jsonl", "r.sqlite"])
def test_an_output_folder_removed_mid_run_stops_it_with_one_line(corpus, tmp_path, name):
    pack, folder = corpus
    where = tmp_path / "results"
    where.mkdir()
    p = start(["--no-cache", "--workers", "1", "--rules", str(pack), "--output", str(where / name), str(folder)])
    try:
        wait_for(lambda: sum(f.stat().st_size for f in where.iterdir() if f.is_file()) > 50_000, proc=p)
        shutil.rmtree(where)
        t0 = time.monotonic()
        _, err = p.communicate(timeout=60)
    finally:
        kill_group(p.pid)
    assert p.returncode == 2 and time.monotonic() - t0 < 15, err
    said = "its folder was removed or renamed during the run" if name.endswith(".jsonl") else \
        "the file was removed or moved during the run (or its folder was)"
    assert err.decode().startswith(f"arabic-ie: cannot write {where / name}: {said} (after ")
    assert len(err.splitlines()) == 1
    wait_group_gone(p.pid)


# --- permissions -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_output_files_get_the_permissions_of_the_umask(tmp_path, umask, capsys):
    pack = tmp_path / "tiny.yaml"
    pack.write_text(TINY, encoding="utf-8")
    doc = tmp_path / "doc.txt"
    doc.write_text(SENTENCE, encoding="utf-8")
    old = os.umask(umask)
    try:
        for name, fmt in (("out.jsonl", "jsonl"), ("report.html", "html"), ("out.tsv", "tsv"), ("r.sqlite", "sqlite")):
            assert main(["match", "--no-cache", "--rules", str(pack), "--format", fmt, "-o", str(tmp_path / name),
                         str(doc)]) == 0
            assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o666 & ~umask, name
    finally:
        os.umask(old)


def test_an_output_file_that_exists_keeps_its_permissions(tmp_path, capsys):
    pack = tmp_path / "tiny.yaml"
    pack.write_text(TINY, encoding="utf-8")
    doc = tmp_path / "doc.txt"
    doc.write_text(SENTENCE, encoding="utf-8")
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    target.chmod(0o640)
    assert main(["match", "--no-cache", "--rules", str(pack), "-o", str(target), str(doc)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and "خليفة حفتر" in target.read_text(encoding="utf-8")
