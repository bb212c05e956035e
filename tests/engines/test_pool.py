"""All the cores of one machine: the process pool gives the sequential engine's output, in order.

The pool is checked against `match_documents` on the shipped packs (1, 2 and 4 workers, small
chunks so several are in flight), from the API and the command line; a worker that dies takes
only its own document down; Ctrl-C stops the run with whole lines and no process left behind.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl.cli.match import expand_globs
from dsl.doc.mention import Mention
from dsl.engines.common import EngineError, PackRef, chunked, dumps_pack, ordered_results, portable
from dsl.engines.pool import DIED, match_auto, match_parallel
from dsl.engines.sequential import DocResult, match_documents
from dsl.io.inputs import InputDoc, InputProblem

pytestmark = pytest.mark.slow   # process pools, killed workers, real signals

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


@pytest.fixture(scope="module")
def pack():
    from dsl.pack.pack import load_default_pack
    return load_default_pack()


def sentences() -> list[str]:
    out = []
    for p in EXAMPLES:
        out.extend(s.strip() for s in re.split(r"(?<=[.،])\s+", p.read_text(encoding="utf-8")) if s.strip())
    return out


def corpus(n: int, seed: int = 1) -> list[InputDoc | InputProblem]:
    """Documents of 1-6 sample sentences, with an unreadable one now and then (they pass through)."""
    rng = random.Random(seed)
    sents = sentences()
    items: list[InputDoc | InputProblem] = []
    for i in range(n):
        if i % 7 == 3:
            items.append(InputProblem(f"bad{i}", "cannot read: no such file"))
        items.append(InputDoc(f"doc{i}", " ".join(rng.choice(sents) for _ in range(rng.randint(1, 6)))))
    return items


def write_corpus(folder: Path, n: int, sentences_per_doc: int = 4) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    sents = sentences()
    for i in range(n):
        (folder / f"d{i:04d}.txt").write_text(" ".join(rng.choice(sents) for _ in range(sentences_per_doc)),
                                              encoding="utf-8")
    return folder


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=ROOT, timeout=300, **kw)


# --- the engine from the API ---------------------------------------------------------------------------
def test_one_two_and_four_workers_give_the_sequential_results_in_order(pack):
    items = corpus(40)
    expected = list(match_documents(pack, items))
    assert sum(len(r.mentions) for r in expected if isinstance(r, DocResult)) > 40
    for workers in (1, 2, 4):
        got = list(match_parallel(pack, items, workers=workers, chunk_docs=3, chunk_chars=2000))
        assert got == expected, workers
        assert [type(x) for x in got] == [type(x) for x in expected]


def test_mentions_come_back_without_tokens_but_equal(pack):
    items = corpus(5)
    seq = [r for r in match_documents(pack, items) if isinstance(r, DocResult)]
    par = [r for r in match_parallel(pack, items, workers=2) if isinstance(r, DocResult)]
    m_seq = [m for r in seq for m in r.mentions]
    m_par = [m for r in par for m in r.mentions]
    assert m_par == m_seq and all(m.tokens == () for m in m_par)
    assert [m.to_dict() for m in m_par] == [m.to_dict() for m in m_seq]
    assert [portable(m) for m in m_seq] == m_seq


def test_the_pack_travels_once_as_bytes_and_unpickles_to_an_equal_matcher(pack):
    ref = PackRef.of(pack)
    assert ref.get() is ref.get()                      # once per process
    text = EXAMPLES[0].read_text(encoding="utf-8")
    import pickle
    assert pickle.loads(dumps_pack(pack)).match(text) == pack.match(text)
    assert "bytes" in repr(ref)


def test_auto_runs_small_inputs_here_and_large_ones_on_a_pool(pack, monkeypatch):
    import dsl.engines.pool as par
    started = []
    real = par.match_parallel

    def spy(*a, **k):
        started.append(k.get("workers"))
        return real(*a, **k)

    monkeypatch.setattr(par, "match_parallel", spy)
    monkeypatch.setattr(par, "cpu_count", lambda: 2)
    small, large = corpus(5), corpus(12)
    assert list(match_auto(pack, small)) == list(match_documents(pack, small)) and started == []
    assert list(match_auto(pack, large)) == list(match_documents(pack, large)) and started == [None]
    assert list(match_auto(pack, large, workers=1)) == list(match_documents(pack, large)) and len(started) == 1


# --- failures ------------------------------------------------------------------------------------------
class KillerPack:
    """A stand-in pack: one mention per document, and the worker process dies on the text 'KILL'."""

    def match(self, text: str, id: str | None = None) -> list[Mention]:
        if "KILL" in text:
            os.kill(os.getpid(), signal.SIGKILL)
        return [Mention("Word", "stub", 0, len(text), text, 0, 1, doc=id)]


def test_a_document_that_kills_its_worker_fails_alone_and_the_order_holds():
    texts = ["a", "b", "KILL", "c", "d", "e", "f", "g"]
    items = [InputDoc(f"t{i}", t) for i, t in enumerate(texts)]
    got = list(match_parallel(KillerPack(), items, workers=2, chunk_docs=2))
    assert [r.doc.id for r in got] == [d.id for d in items]
    assert [r.error for r in got] == [None, None, DIED, None, None, None, None, None]
    assert [m.text for r in got for m in r.mentions] == ["a", "b", "c", "d", "e", "f", "g"]


def test_workers_that_keep_dying_stop_the_run_with_one_line():
    items = [InputDoc(f"t{i}", "KILL") for i in range(10)]
    with pytest.raises(EngineError, match="keep dying"):
        list(match_parallel(KillerPack(), items, workers=2, chunk_docs=1))


# --- invariants of the ordering machinery (no processes) -----------------------------------------------
items_st = st.lists(st.one_of(st.builds(InputDoc, st.text(max_size=3), st.text(max_size=30)),
                              st.builds(InputProblem, st.text(max_size=3), st.just("unreadable"))), max_size=40)


@given(items_st, st.integers(1, 5), st.integers(1, 50))
def test_chunks_keep_every_item_in_order_within_their_limits(items, max_docs, max_chars):
    chunks = list(chunked(items, max_docs, max_chars))
    assert [x for c in chunks for x in c] == items
    for c in chunks:
        docs = [x for x in c if isinstance(x, InputDoc)]
        assert len(docs) <= max_docs and sum(len(d.text) for d in docs[:-1]) < max_chars
    for c in chunks[:-1]:                                   # all but the last are full
        docs = [x for x in c if isinstance(x, InputDoc)]
        assert isinstance(c[-1], InputDoc)                  # and end on the document that filled them
        assert len(docs) == max_docs or sum(len(d.text) for d in docs) >= max_chars


@settings(deadline=None, max_examples=30)
@given(items_st, st.integers(1, 4), st.integers(1, 6), st.randoms(use_true_random=False))
def test_results_come_out_in_input_order_whatever_order_chunks_finish_in(items, max_docs, window, rnd):
    def submit(pairs):
        f: Future = Future()
        result = [((Mention("L", "r", 0, len(t), t, 0, 1, doc=i),), None) for i, t in pairs]

        delay = rnd.random() / 500     # drawn here: hypothesis' random is not for other threads

        def finish():
            time.sleep(delay)
            if f.set_running_or_notify_cancel():   # not cancelled by a generator closed early
                f.set_result(result)
        threading.Thread(target=finish).start()
        return f

    got = list(ordered_results(chunked(items, max_docs, 10**9), submit, window))
    assert [r if isinstance(r, InputProblem) else r.doc for r in got] == items
    assert all(r.mentions[0].text == r.doc.text for r in got if isinstance(r, DocResult))


def test_globs_expand_sorted_unless_a_file_has_that_name(tmp_path):
    for name in ("b.txt", "a.txt", "c.md", "[x].txt"):
        (tmp_path / name).write_text("x")
    assert expand_globs([str(tmp_path / "*.txt")]) == [str(tmp_path / n) for n in ("[x].txt", "a.txt", "b.txt")]
    assert expand_globs([str(tmp_path / "[x].txt")]) == [str(tmp_path / "[x].txt")]   # exists: taken as is
    assert expand_globs([str(tmp_path / "*.none"), "-"]) == [str(tmp_path / "*.none"), "-"]


# --- the command line ----------------------------------------------------------------------------------
def test_cli_output_is_the_same_for_any_number_of_workers(tmp_path):
    folder = write_corpus(tmp_path / "corpus", 24)
    outs = {w: cli("match", "--workers", w, str(folder)) for w in ("1", "2", "4", "auto")}
    for w, r in outs.items():
        assert r.returncode == 0, (w, r.stderr)
    assert outs["1"].stdout and all(r.stdout == outs["1"].stdout for r in outs.values())
    docs = {json.loads(line)["doc"] for line in outs["1"].stdout.decode().splitlines()}
    assert docs <= {str(p) for p in folder.iterdir()} and len(docs) > 12
    g = cli("match", "--workers", "2", str(folder / "d00*.txt"))   # a glob the shell did not expand
    assert g.returncode == 0 and g.stdout == outs["1"].stdout


def test_cli_jsonl_ids_travel_with_the_mentions(tmp_path):
    src = tmp_path / "docs.jsonl"
    sents = sentences()
    src.write_text("".join(json.dumps({"id": f"n{i}", "body": " ".join(sents[i:i + 3])}, ensure_ascii=False) + "\n"
                           for i in range(12)), encoding="utf-8")
    one = cli("match", "--workers", "1", "--jsonl-field", "body", "--id-field", "id", str(src))
    two = cli("match", "--workers", "2", "--jsonl-field", "body", "--id-field", "id", str(src))
    assert one.returncode == 0 and one.stdout == two.stdout
    assert {json.loads(x)["doc"] for x in one.stdout.decode().splitlines()} <= {f"n{i}" for i in range(12)}


def test_ctrl_c_stops_the_pool_with_whole_lines_and_no_process_left(tmp_path):
    folder = write_corpus(tmp_path / "corpus", 600, sentences_per_doc=12)
    p = subprocess.Popen([sys.executable, "-m", "dsl", "match", "--workers", "2", str(folder)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                         bufsize=0)          # unbuffered: communicate() below reads the pipe directly
    try:
        first = p.stdout.readline()          # the pool is running and writing
        assert first
        os.killpg(p.pid, signal.SIGINT)      # what a terminal sends to the whole process group
        rest, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130, err
    assert b"interrupted after" in err and b"Traceback" not in err
    lines = (first + rest).decode("utf-8").splitlines()
    assert all(json.loads(x)["doc"].startswith(str(folder)) for x in lines)
    assert len({json.loads(x)["doc"] for x in lines}) < 600
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:        # workers, the fork server and the resource tracker
        try:
            os.killpg(p.pid, 0)
        except ProcessLookupError:
            break
        if _group_is_only_zombies(p.pid):
            break
        time.sleep(0.2)
    else:
        pytest.fail("processes of the run are still alive after Ctrl-C")


def _group_is_only_zombies(pgid: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return False
    return True
