"""Worker processes that die: the run never hangs, a document is retried once on a fresh worker, then
reported by name while the others complete.

From the API with stand-in packs that kill their own process, and from the command line with
real kills: `kill -9` of a worker mid-run (the output equals a clean run's), and a document
that kills every worker that touches it (exit 3, the document named, the rest written).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from procs import kill_group, run, start, wait_for, wait_group_gone, worker_pids, write_corpus

from dsl.doc.mention import Mention
from dsl.engines.common import DIED, EngineError
from dsl.engines.pool import match_parallel
from dsl.io.inputs import InputDoc

pytestmark = pytest.mark.slow   # worker processes, killed


class FlakyPack:
    """A stand-in pack whose worker dies the first time it meets 'FLAKY' (noted in `marker`), not the second."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def match(self, text: str, id: str | None = None) -> list[Mention]:
        if "FLAKY" in text:
            with open(self.marker, "a") as f:
                f.write(f"{os.getpid()}\n")
            if len(Path(self.marker).read_text().split()) == 1:
                os.kill(os.getpid(), signal.SIGKILL)
        return [Mention("Word", "stub", 0, len(text), text, 0, 1, doc=id)]


def test_a_document_whose_worker_died_is_retried_once_on_a_fresh_worker(tmp_path):
    marker = tmp_path / "attempts"
    texts = ["a", "b", "c", "FLAKY", "d", "e", "f", "g", "h"]
    items = [InputDoc(f"t{i}", t) for i, t in enumerate(texts)]
    got = list(match_parallel(FlakyPack(str(marker)), items, workers=2, chunk_docs=3))
    assert [r.doc.id for r in got] == [d.id for d in items] and all(r.error is None for r in got)
    assert [m.text for r in got for m in r.mentions] == texts
    first, second = marker.read_text().split()
    assert first != second                      # the retry ran in another (new) process


def _cannot_load() -> None:
    raise RuntimeError("this pack was compiled by arabic-ie 0.0.0-other")


class Unloadable:
    """A stand-in pack that cannot be unpickled in a worker (as a pack from another version)."""

    def __reduce__(self):
        return (_cannot_load, ())


def test_a_worker_that_cannot_start_stops_the_run_with_its_reason():
    items = [InputDoc(f"t{i}", "x") for i in range(5)]
    with pytest.raises(EngineError, match="^a worker process cannot start: this pack was compiled by arabic-ie "
                                          "0.0.0-other$"):
        list(match_parallel(Unloadable(), items, workers=2))


# --- from the command line, real kills ------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("faults")
    folder = write_corpus(d / "corpus", 400, sentences_per_doc=8, seed=3)
    clean = run(["--workers", "1", str(folder)])
    assert clean.returncode == 0, clean.stderr
    return folder, clean.stdout


def test_a_worker_killed_mid_run_changes_nothing_in_the_output(corpus, tmp_path):
    folder, clean = corpus
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f:
        p = start(["--workers", "2", str(folder)], stdout=f)
        try:
            wait_for(lambda: out.stat().st_size > 0, proc=p)          # matching and writing
            victim = wait_for(lambda: worker_pids(p.pid), proc=p)[0]
            os.kill(victim, signal.SIGKILL)                           # as the kernel's OOM killer would
            _, err = p.communicate(timeout=300)
        finally:
            kill_group(p.pid)
    assert p.returncode == 0, err
    assert out.read_bytes() == clean
    wait_group_gone(p.pid)


KILLER = textwrap.dedent("""\
    # Loaded by every Python process of the run (PYTHONPATH): a worker that meets KILLME dies, as if
    # the document made it run out of memory or crash in C code.
    import multiprocessing, os, signal
    import dsl.engines.sequential as sequential
    _match_one = sequential.match_one

    def match_one(pack, doc, labels=None):
        if "KILLME" in doc.text and multiprocessing.current_process().name == "arabic-ie worker":
            os.kill(os.getpid(), signal.SIGKILL)
        return _match_one(pack, doc, labels)

    sequential.match_one = match_one
    """)


def test_a_document_that_kills_its_worker_twice_is_reported_by_name_and_the_rest_complete(corpus, tmp_path):
    folder, clean = corpus
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(KILLER, encoding="utf-8")
    killer = folder / "d0123.txt"
    original = killer.read_text(encoding="utf-8")
    killer.write_text(original + " KILLME", encoding="utf-8")
    try:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), *sys.path]))
        r = subprocess.run([sys.executable, "-m", "dsl", "match", "--quiet", "--workers", "2", str(folder)],
                           capture_output=True, env=env, timeout=300)
    finally:
        killer.write_text(original, encoding="utf-8")
    assert r.returncode == 3, r.stderr
    assert r.stderr.decode().splitlines() == [f"arabic-ie: {killer}: {DIED}"]
    expected = [x for x in clean.decode().splitlines() if json.loads(x)["doc"] != str(killer)]
    assert r.stdout.decode().splitlines() == expected
