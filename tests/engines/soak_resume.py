"""Soak test of stop-and-resume, run by hand (not collected by pytest): start, kill at random, resume, compare.

    python tests/engines/soak_resume.py                       # 20 cycles over 2,000 documents, process pool
    python tests/engines/soak_resume.py --cycles 40 --engine dask --docs 1000

A folder of small documents is matched once into `clean.sqlite`. Then, cycle after cycle, the
same command runs into `soak.sqlite` and is stopped at a random moment in a random way: Ctrl-C
(SIGINT to the process group, as a terminal sends it, once or twice 0.1 s apart), SIGTERM to
the command, SIGKILL to the command (nothing gets to clean up: its workers must go by
themselves), or SIGKILL to a worker process (the run must carry on; SIGTERM follows later).
A fifth of the stops land in the first half second after the command has begun (its signal
handlers installed), while it loads the pack, opens the database and starts its workers. Every cycle checks the
exit code, that stderr has no traceback, that no process of the run is left, and that no
document in the database is half-written. A last run finishes the work, and the database must
equal the clean one: documents, mentions and arguments. Exit status 0 when everything held.
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # tests/: the process helpers

from procs import (
    documents_in,
    group_alive,
    handles_sigterm,
    kill_group,
    run,
    start,
    worker_pids,
    write_corpus,
)

KINDS = ("SIGINT", "SIGINT twice", "SIGTERM", "SIGKILL parent", "SIGKILL worker")
EXPECTED = {"SIGINT": {130}, "SIGINT twice": {130}, "SIGTERM": {143}, "SIGKILL parent": {-9},
            "SIGKILL worker": {143}, "SIGKILL worker (none yet)": {143}}


def dump(db: Path) -> dict[str, tuple]:
    """Every document with its mentions and their arguments, by document id (ids of rows left out)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out: dict[str, tuple] = {}
    for did, doc, chars, n in conn.execute("SELECT id, doc, chars, n_mentions FROM documents"):
        ms = []
        for mid, seq, label, rule, s, e, text, attrs in conn.execute(
                "SELECT id, seq, label, rule, start, end, text, attrs FROM mentions WHERE document = ? ORDER BY seq",
                (did,)):
            args = conn.execute("SELECT name, position, start, end, text, label FROM arguments WHERE mention = ? "
                                "ORDER BY id", (mid,)).fetchall()
            ms.append((seq, label, rule, s, e, text, attrs, tuple(args)))
        out[doc] = (chars, n, tuple(ms))
    conn.close()
    return out


def half_written(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM documents d WHERE n_mentions != "
                            "(SELECT COUNT(*) FROM mentions m WHERE m.document = d.id)").fetchone()[0]
    finally:
        conn.close()


def wait_gone(pgid: int, timeout: float = 15) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = group_alive(pgid)
        if not left:
            return []
        time.sleep(0.05)
    left = group_alive(pgid)
    kill_group(pgid)
    return left


def cycle(rng: random.Random, args: argparse.Namespace, engine: list[str], db: Path, corpus: Path,
          cycles_left: int) -> dict:
    before = documents_in(db)
    kind = rng.choice(KINDS)
    early = rng.random() < 0.2                   # stop it while it is still starting
    p = start([*engine, "-o", str(db), str(corpus)])
    t0 = time.monotonic()
    goal = before + rng.randint(1, max(1, (args.docs - before) // max(1, cycles_left)))
    deadline = t0 + 300
    if early:   # once the command has begun (its handlers are in), while it loads, opens, starts workers
        while p.poll() is None and not handles_sigterm(p.pid) and time.monotonic() < t0 + 60:
            time.sleep(0.005)
        deadline = time.monotonic() + rng.uniform(0.0, 0.5)
    while p.poll() is None and time.monotonic() < deadline and documents_in(db) < goal:
        time.sleep(0.01)
    finished_first = p.poll() is not None
    stopped_at = documents_in(db)
    if not finished_first:
        if kind == "SIGINT":
            os.killpg(p.pid, signal.SIGINT)
        elif kind == "SIGINT twice":
            os.killpg(p.pid, signal.SIGINT)
            time.sleep(0.1)
            os.killpg(p.pid, signal.SIGINT)
        elif kind == "SIGTERM":
            os.kill(p.pid, signal.SIGTERM)
        elif kind == "SIGKILL parent":
            os.kill(p.pid, signal.SIGKILL)
        else:
            victims = worker_pids(p.pid)
            if victims:
                os.kill(rng.choice(victims), signal.SIGKILL)
            else:
                kind = "SIGKILL worker (none yet)"
            goal2 = documents_in(db) + 1     # the run goes on: stop it after its next commit
            while p.poll() is None and documents_in(db) < goal2 and time.monotonic() - t0 < 300:
                time.sleep(0.01)
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
    t_stop = time.monotonic()
    try:
        _, err = p.communicate(timeout=120)
        hung = False
    except subprocess.TimeoutExpired:
        hung = True
        kill_group(p.pid)
        _, err = p.communicate()
    took = time.monotonic() - t_stop
    left = wait_gone(p.pid)
    code = p.returncode
    ok_code = code in EXPECTED[kind] or (code == 0 and documents_in(db) == args.docs)
    return {"kind": kind if not finished_first else "finished before the stop", "early": early, "code": code,
            "ok_code": ok_code, "hung": hung, "stop_seconds": took, "left": left, "docs_before": before,
            "docs_at_stop": stopped_at, "docs_after": documents_in(db), "half": half_written(db) if db.exists() else 0,
            "traceback": b"Traceback" in err, "stderr": err.decode(errors="replace").strip().splitlines()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--sentences", type=int, default=8, help="sentences per document (default 8)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engine", choices=("pool", "dask"), default="pool")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (kept) instead of a temporary folder")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    engine = ["--workers", str(args.workers)] + (["--dask", "local"] if args.engine == "dask" else [])
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="arabic-ie-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = write_corpus(work / "corpus", args.docs, sentences_per_doc=args.sentences, seed=args.seed)
    clean, db = work / "clean.sqlite", work / "soak.sqlite"
    for f in work.glob("*.sqlite*"):
        f.unlink()
    t = time.monotonic()
    r = run([*engine, "-o", str(clean), str(corpus)], timeout=1800)
    assert r.returncode == 0, r.stderr
    print(f"clean run: {args.docs} documents in {time.monotonic() - t:.1f} s ({args.engine}, {args.workers} workers)")
    results = []
    for i in range(args.cycles):
        res = cycle(rng, args, engine, db, corpus, args.cycles - i)
        results.append(res)
        flags = [k for k in ("hung", "traceback") if res[k]] + (["PROCESSES LEFT"] if res["left"] else []) + \
            (["HALF-WRITTEN"] if res["half"] else []) + ([] if res["ok_code"] else ["UNEXPECTED EXIT"])
        print(f"cycle {i + 1:2d}: {res['kind']:<24} {'early ' if res['early'] else '':6} exit {res['code']:>4}  "
              f"stopped in {res['stop_seconds']:.2f} s  documents {res['docs_before']:>5} -> {res['docs_after']:>5}"
              f"  {' '.join(flags)}")
        if flags:
            print("          stderr:\n" + "\n".join("            " + x for x in res["stderr"][-30:]))
    t = time.monotonic()
    r = run([*engine, "-o", str(db), str(corpus)], timeout=1800)
    print(f"final resume: exit {r.returncode} in {time.monotonic() - t:.1f} s; "
          f"{r.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
    want, got = dump(clean), dump(db)
    mismatches = sum(want.get(d) != got.get(d) for d in set(want) | set(got))
    statuses = collections.Counter(s for (s,) in sqlite3.connect(db).execute("SELECT status FROM runs"))
    kinds = collections.Counter(r["kind"] for r in results)
    problems = sum(bool(r["hung"] or r["traceback"] or r["left"] or r["half"] or not r["ok_code"]) for r in results)
    stops = sorted(r["stop_seconds"] for r in results if r["kind"] in KINDS and r["kind"] != "SIGKILL parent")
    print(f"\ncycles {args.cycles}, documents {args.docs}, kills {dict(kinds)}")
    print(f"runs recorded: {dict(statuses)}")
    if stops:
        print(f"time from the stop to the exit: median {stops[len(stops) // 2]:.2f} s, max {stops[-1]:.2f} s")
    print(f"cycles with a problem (hang, traceback, process left, half-written, unexpected exit): {problems}")
    print(f"documents: clean {len(want)}, resumed {len(got)}; mismatches (documents, mentions, arguments): "
          f"{mismatches}")
    print(f"work folder: {work}")
    return 0 if mismatches == 0 and problems == 0 and r.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
