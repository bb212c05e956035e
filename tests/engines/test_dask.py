"""Past one machine: a real dask.distributed LocalCluster (two worker processes) gives exactly the
single-process output, from the command line and from bags and dataframes.

Every test here runs under a watchdog: if the cluster hangs, the test process is stopped with a
traceback after WATCHDOG_SECONDS instead of hanging CI.
"""
from __future__ import annotations

import faulthandler
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import kill_group, run, start, wait_for, wait_group_gone, worker_pids, write_corpus

distributed = pytest.importorskip("distributed")   # the 'test' extra installs dask[distributed,dataframe]

from dsl.engines.sequential import DocResult, match_documents  # noqa: E402
from dsl.io.inputs import InputDoc, InputProblem  # noqa: E402
from dsl.io.writers import mention_json  # noqa: E402

pytestmark = pytest.mark.slow   # local clusters and worker processes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))
WATCHDOG_SECONDS = 180


@pytest.fixture(scope="module", autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def pack():
    from dsl.pack.pack import load_default_pack
    return load_default_pack()


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=40, timeout=60)
    c = distributed.Client(cluster, timeout=60)
    c.wait_for_workers(2, timeout=60)
    yield c
    c.close(timeout=30)
    cluster.close(timeout=30)


def documents(n: int) -> list[InputDoc | InputProblem]:
    sents = []
    for p in EXAMPLES:
        sents.extend(s.strip() for s in re.split(r"(?<=[.،])\s+", p.read_text(encoding="utf-8")) if s.strip())
    rng = random.Random(5)
    items: list[InputDoc | InputProblem] = []
    for i in range(n):
        items.append(InputDoc(f"doc{i}", " ".join(rng.choice(sents) for _ in range(rng.randint(1, 5)))))
        if i == 4:
            items.append(InputProblem("unreadable.txt", "cannot read: no such file"))
    return items


def expected_dicts(pack, items):
    return [json.loads(mention_json(m, r.doc.id)) for r in match_documents(pack, items)
            if isinstance(r, DocResult) for m in r.mentions]


def test_the_cluster_gives_the_single_process_results_in_order(pack, client):
    from dsl.engines.dask import match_on_cluster
    items = documents(30)
    expected = list(match_documents(pack, items))
    assert list(match_on_cluster(pack, items, client=client, chunk_docs=4)) == expected
    assert len(client.nthreads()) == 2


def test_a_bag_of_documents_gives_the_json_lines_objects(pack, client):
    import dask.bag as db

    from dsl.engines.dask import match_bag
    docs = [d for d in documents(20) if isinstance(d, InputDoc)]
    bag = db.from_sequence([(d.id, d.text) for d in docs], npartitions=4)
    got = match_bag(bag, pack).compute()
    assert got == expected_dicts(pack, docs) and got
    dicts = db.from_sequence([{"id": d.id, "body": d.text} for d in docs], npartitions=3)
    assert match_bag(dicts, pack, text_field="body", labels=["Person"]).compute() == \
        [m for m in expected_dicts(pack, docs) if m["label"] == "Person"]


def test_a_dataframe_of_documents_gives_a_dataframe_of_mentions(pack, client):
    pd = pytest.importorskip("pandas")
    import dask.dataframe as dd

    from dsl.engines.dask import COLUMNS, match_dataframe
    docs = [d for d in documents(20) if isinstance(d, InputDoc)]
    frame = dd.from_pandas(pd.DataFrame({"id": [d.id for d in docs], "text": [d.text for d in docs]}),
                           npartitions=3)
    got = match_dataframe(frame, pack).compute()
    assert tuple(got.columns) == COLUMNS
    rows = [{"doc": r.doc, "label": r.label, "start": int(r.start), "end": int(r.end), "text": r.text,
             "rule": r.rule, "args": json.loads(r.args), **({"attrs": json.loads(r.attrs)} if r.attrs else {})}
            for r in got.itertuples()]
    expected = [{k: v for k, v in m.items()} for m in expected_dicts(pack, docs)]
    assert rows == expected


def test_cli_dask_local_equals_the_single_process_run(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for d in documents(12):
        if isinstance(d, InputDoc):
            (folder / f"{d.id}.txt").write_text(d.text, encoding="utf-8")
    run = [sys.executable, "-m", "dsl", "match", str(folder)]
    one = subprocess.run([*run, "--workers", "1"], capture_output=True, timeout=120)
    on_dask = subprocess.run([*run, "--dask", "local", "--workers", "2"], capture_output=True, timeout=120)
    assert one.returncode == 0 and on_dask.returncode == 0, on_dask.stderr
    assert on_dask.stdout == one.stdout and one.stdout


@pytest.mark.parametrize("sig,group", [(signal.SIGINT, True), (signal.SIGTERM, False)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_local_cluster_cleanly_and_quickly(tmp_path, sig, group):
    folder = tmp_path / "corpus"
    folder.mkdir()
    long = " ".join(d.text for d in documents(40) if isinstance(d, InputDoc))
    for i in range(200):
        (folder / f"d{i:03d}.txt").write_text(long, encoding="utf-8")
    p = start(["--dask", "local", "--workers", "2", str(folder)], stdout=subprocess.PIPE, bufsize=0)
    try:
        assert p.stdout.readline()
        t0 = time.monotonic()
        (os.killpg if group else os.kill)(p.pid, sig)   # Ctrl-C: to every process of the group, as a terminal does
        _, err = p.communicate(timeout=60)
        took = time.monotonic() - t0
    finally:
        kill_group(p.pid)
    assert p.returncode == 128 + sig and b"interrupted after" in err, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err   # workers leave Ctrl-C to the run
    assert took < 15                                                      # measured: 0.2-0.6 s
    wait_group_gone(p.pid)


def test_a_dask_worker_lost_mid_run_changes_nothing_in_the_output(tmp_path):
    folder = write_corpus(tmp_path / "corpus", 120, sentences_per_doc=8, seed=5)
    clean = run(["--workers", "1", str(folder)])
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f:
        p = start(["--dask", "local", "--workers", "2", str(folder)], stdout=f)
        try:
            wait_for(lambda: out.stat().st_size > 0, proc=p)
            victim = wait_for(lambda: worker_pids(p.pid), proc=p)[0]
            os.kill(victim, signal.SIGKILL)          # its tasks are rerun by the cluster
            _, err = p.communicate(timeout=300)
        finally:
            kill_group(p.pid)
    assert p.returncode == 0, err
    assert out.read_bytes() == clean.stdout and clean.stdout
    wait_group_gone(p.pid)


class _Future:
    def __init__(self, value=None, error=None):
        self.value, self.error, self.cancelled = value, error, False

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value

    def cancel(self):
        self.cancelled = True

    def release(self):
        pass


class _KillingClient:
    """A stand-in client: a task holding 'KILL' dies with its workers (KilledWorker), as on a real cluster."""

    def __init__(self, pack):
        self.pack, self.tasks = pack, []

    def nthreads(self):
        return {"w1": 1, "w2": 1}

    def submit(self, fn, *args, key=None, pure=False):
        if len(args) == 1:                  # the pack's task
            return _Future(fn(*args))
        ref_future, labels, pairs = args
        self.tasks.append([i for i, _ in pairs])
        if any("KILL" in t for _, t in pairs):
            return _Future(error=distributed.KilledWorker("task", None, 1))
        return _Future(fn(ref_future.value, labels, pairs))


def test_a_chunk_that_kills_its_workers_is_redone_per_document_and_only_the_culprit_fails(pack):
    from dsl.engines.common import DIED
    from dsl.engines.dask import match_on_cluster
    items = [InputDoc(f"d{i}", "KILL" if i == 5 else d.text) for i, d in enumerate(
        x for x in documents(12) if isinstance(x, InputDoc))]
    client = _KillingClient(pack)
    got = list(match_on_cluster(pack, items, client=client, chunk_docs=4))
    assert [r.doc.id for r in got] == [d.id for d in items]
    assert [r.error for r in got] == [DIED if i == 5 else None for i in range(12)]
    expected = list(match_documents(pack, [d for d in items if d.id != "d5"]))
    assert [r for r in got if r.doc.id != "d5"] == expected
    assert client.tasks[:3] == [["d0", "d1", "d2", "d3"], ["d4", "d5", "d6", "d7"], ["d8", "d9", "d10", "d11"]]
    assert client.tasks[3:] == [["d4"], ["d5"], ["d6"], ["d7"]]     # the failed chunk, one document per task


def test_workers_that_keep_dying_on_dask_stop_the_run_with_one_line(pack):
    from dsl.engines.common import EngineError
    from dsl.engines.dask import match_on_cluster
    items = [InputDoc(f"d{i}", "KILL") for i in range(10)]
    with pytest.raises(EngineError, match="Dask workers keep dying"):
        list(match_on_cluster(pack, items, client=_KillingClient(pack), chunk_docs=2))


def test_cli_says_so_when_the_scheduler_cannot_be_reached(tmp_path, monkeypatch):
    r = subprocess.run([sys.executable, "-m", "dsl", "match", "--scheduler", "tcp://127.0.0.1:9",
                        str(EXAMPLES[0])], capture_output=True, timeout=120,
                       env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert r.returncode == 2 and b"cannot reach the Dask scheduler tcp://127.0.0.1:9" in r.stderr
    assert b"Traceback" not in r.stderr
