"""Long runs: a progress line on terminals (documents, throughput, ETA), a summary line always."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from sample_packs import SENTENCE, TINY

from dsl.cli.progress import Progress, count_documents, summary

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"arabic-ie: (\d+) documents?, (\d+) mentions? in \d+\.\d s( \([\d.,]+ documents/s\))?")


def corpus(tmp_path: Path, n: int = 3) -> tuple[Path, Path]:
    pack = tmp_path / "tiny.yaml"
    pack.write_text(TINY, encoding="utf-8")
    folder = tmp_path / "docs"
    folder.mkdir()
    for k in range(n):
        (folder / f"{k}.txt").write_text(SENTENCE, encoding="utf-8")
    return pack, folder


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, timeout=300, **kw)


def test_the_summary_line_ends_every_run_even_without_a_terminal(tmp_path):
    pack, folder = corpus(tmp_path)
    r = run("match", "--rules", str(pack), str(folder))
    assert r.returncode == 0 and len(r.stdout.decode().splitlines()) == 3
    [line] = r.stderr.decode().splitlines()
    m = SUMMARY.fullmatch(line)
    assert m and m.group(1, 2) == ("3", "3")
    r = run("match", "--quiet", "--rules", str(pack), str(folder))
    assert r.returncode == 0 and r.stderr == b""


def test_summary_words():
    assert summary(1, 1, 0.42) == "1 document, 1 mention in 0.4 s"
    assert summary(2000, 41233, 52.3, failed=3) == ("2,000 documents, 41,233 mentions in 52.3 s (38.2 documents/s); "
                                                    "3 could not be read or matched")


def test_the_progress_line_shows_documents_throughput_and_eta_once_the_total_is_known():
    out = io.StringIO()
    p = Progress(out, enabled=True)
    p.started -= 10                    # ten seconds into the run
    assert p.line(50, 120, "docs/a.txt", 10.0).startswith("50 documents  120 mentions  5.0 docs/s  docs/a.txt")
    p.total = 200
    line = p.line(50, 120, "docs/a.txt", 10.0)
    assert line.startswith("50/200 documents (25%)  120 mentions  5.0 docs/s  ETA 0:30  docs/a.txt")
    assert p.line(40, 0, "x", 10.0, skipped=100).startswith("140/200 documents (70%)")   # a resumed run
    p.update(50, 120, "docs/a.txt")
    assert out.getvalue().startswith("\r\033[K50/200 documents (25%)")
    p.clear()
    assert out.getvalue().endswith("\r\033[K")


def test_no_progress_when_disabled_and_none_in_the_first_second():
    out = io.StringIO()
    Progress(out, enabled=False).update(5, 5, "a")
    fresh = Progress(out, enabled=True)
    fresh.update(5, 5, "a")
    assert out.getvalue() == ""


def test_the_total_counts_files_by_glob_and_json_lines(tmp_path):
    _, folder = corpus(tmp_path, 4)
    (folder / "notes.md").write_text("x", encoding="utf-8")
    jl = tmp_path / "docs.jsonl"
    jl.write_text("\n".join(json.dumps({"text": SENTENCE}) for _ in range(5)) + "\n\n", encoding="utf-8")
    assert count_documents([str(folder)], "*.txt", jsonl=False) == 4
    assert count_documents([str(folder), str(folder / "notes.md")], "*.txt", jsonl=False) == 5
    assert count_documents([str(jl)], "*.txt", jsonl=True) == 5
    assert count_documents(["-"], "*.txt", jsonl=False) is None


def test_on_a_terminal_the_line_is_cleared_before_the_summary(tmp_path):
    import pty
    pack, folder = corpus(tmp_path, 20)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "dsl", "match", "--rules", str(pack), str(folder)],
                                stdout=subprocess.PIPE, stderr=follower, env=dict(os.environ, COLUMNS="100"))
        out, _ = proc.communicate(timeout=300)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    err = b"".join(chunks).decode()
    assert proc.returncode == 0 and len(out.decode().splitlines()) == 20
    last = err.replace("\r\n", "\n").split("\n")[-2]
    # whatever progress was drawn was erased: the summary is alone on its line
    assert SUMMARY.fullmatch(last.split("\r\033[K")[-1]), repr(err)
