"""Robustness (#7): output integrity. Whole JSON lines, quiet `| head`, clean Ctrl-C, atomic --output.

These run the real command in a subprocess, because signals, pipes and exit codes are what
is being checked.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sample_packs import SENTENCE
from sample_packs import TINY as PACK

pytestmark = pytest.mark.slow   # real processes, pipes and signals

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def corpus(tmp_path: Path) -> tuple[Path, list[str]]:
    """A pack, and 20 documents with 5 mentions each."""
    (tmp_path / "tiny.yaml").write_text(PACK, encoding="utf-8")
    docs = []
    for k in range(20):
        p = tmp_path / f"doc{k:02d}.txt"
        p.write_text(" و".join([SENTENCE] * 5), encoding="utf-8")
        docs.append(str(p))
    return tmp_path / "tiny.yaml", docs


def cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "dsl", "match", "--no-cache", "--workers", "1", *args]   # streams in order


def start(argv: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    # SIGINT back to its default in the child, even when this test runs with it ignored (a
    # background job); Python then turns it into KeyboardInterrupt as it does at a terminal.
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def interrupt_when_blocked(proc: subprocess.Popen[bytes], lines_before: int, out_file: Path | None = None
                           ) -> tuple[int, bytes, bytes]:
    """Wait for `lines_before` output lines (the process then waits on a FIFO), send SIGINT, collect."""
    got = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out_file is None:
            got += proc.stdout.readline()  # type: ignore[union-attr]
            if got.count(b"\n") >= lines_before:
                break
        else:
            tmp = [p for p in out_file.parent.iterdir() if p.name.startswith(f".{out_file.name}.")]
            if tmp and tmp[0].read_bytes().count(b"\n") >= lines_before:
                break
            time.sleep(0.05)
    time.sleep(0.3)            # let it reach the blocking read of the FIFO
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, got + out, err


def test_ctrl_c_exits_130_with_whole_json_lines(tmp_path, corpus):
    pack, docs = corpus
    os.mkfifo(tmp_path / "never.txt")       # nobody writes: reading it waits until interrupted
    proc = start(cmd("--rules", str(pack), *docs, str(tmp_path / "never.txt")), tmp_path)
    code, out, err = interrupt_when_blocked(proc, 100)
    assert code == 130
    assert err.decode().splitlines()[-1] == ("arabic-ie: interrupted after 20 documents (SIGINT); the output holds "
                                             "whole records for those")
    lines = out.decode().split("\n")
    assert lines[-1] == ""                     # ends with a newline: no partial record
    records = [json.loads(x) for x in lines[:-1]]
    assert len(records) == 100 and {r["text"] for r in records} == {"خليفة حفتر"}


def test_ctrl_c_with_output_renames_whole_records_into_place(tmp_path, corpus):
    pack, docs = corpus
    os.mkfifo(tmp_path / "never.txt")
    target = tmp_path / "out.jsonl"
    target.write_text("old results\n", encoding="utf-8")
    proc = start(cmd("--rules", str(pack), "--output", str(target), *docs, str(tmp_path / "never.txt")), tmp_path)
    code, out, err = interrupt_when_blocked(proc, 100, target)
    assert code == 130 and out == b""
    text = target.read_text(encoding="utf-8")
    assert text.endswith("\n") and len([json.loads(x) for x in text.splitlines()]) == 100
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_failed_run_leaves_an_existing_output_file_untouched(tmp_path, corpus):
    pack, docs = corpus
    target = tmp_path / "out.jsonl"
    target.write_text("old results\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("name: bad\nrules: [\n", encoding="utf-8")
    r = subprocess.run(cmd("--rules", str(tmp_path / "bad.yaml"), "--output", str(target), *docs),
                       capture_output=True, timeout=120)
    assert r.returncode == 2
    assert target.read_text(encoding="utf-8") == "old results\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("where,message", [
    ("missing/out.jsonl", "arabic-ie: --output {d}/missing/out.jsonl: cannot write in {d}/missing: "
                          "No such file or directory"),
    (".", "arabic-ie: --output {d}/.: is a directory"),
])
def test_an_output_that_cannot_be_written_is_a_usage_error_before_any_work(tmp_path, corpus, where, message):
    pack, docs = corpus
    r = subprocess.run(cmd("--rules", str(pack), "--output", f"{tmp_path}/{where}", *docs),
                       capture_output=True, timeout=120)
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode().splitlines() == [message.format(d=tmp_path)]


@pytest.mark.parametrize("fmt", ["jsonl", "tsv", "table"])
def test_piping_into_head_ends_quietly_in_every_format(tmp_path, corpus, fmt):
    pack, docs = corpus
    shell = " ".join(cmd("--rules", str(pack), "--format", fmt, *docs)) + " | head -n 3"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.decode().splitlines()) == 3
    # nothing on stderr but, if the run finished writing before head closed the pipe, its summary
    assert re.fullmatch(r"(arabic-ie: [\d,]+ documents?, [\d,]+ mentions? in [^\n]*\n)?", r.stderr.decode())


def test_tokens_into_head_ends_quietly(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(" ".join([SENTENCE] * 5000), encoding="utf-8")
    shell = f"{sys.executable} -m dsl tokens --format jsonl {big} | head -n 2"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, timeout=120)
    assert r.returncode == 0 and r.stderr == b""
    assert [json.loads(x)["text"] for x in r.stdout.decode().splitlines()] == ["المشير", "خليفة"]
