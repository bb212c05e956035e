"""Scale-out benchmark: one process vs a process pool vs a Dask LocalCluster, on a generated corpus.

    python examples/bench_scale.py corpus /tmp/corpus --mb 20     # build a corpus (not committed)
    python examples/bench_scale.py run /tmp/corpus --repeats 3    # time `arabic-ie match` on it

The corpus is the sample articles in examples/ cut into sentences and recombined at random
(fixed seed) into documents of 2-8 KiB, so it has the sample articles' vocabulary and density
of mentions. `run` times the whole command (`arabic-ie match --workers 1`, `--workers N`,
`--dask local --workers N`, and `--workers N --output x.sqlite`), checks that every variant
gives the same mentions, and prints medians, speed-ups, the CPU time of each run (all its
processes) and the load average before and after
(other jobs on the machine skew the numbers: run it when `uptime` shows a low load, or pass
`--max-load 0.5` to wait for a quiet minute before each run).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sentences() -> list[str]:
    """The sample articles' sentences (split after . ؟ ! and line breaks)."""
    out: list[str] = []
    for p in sorted((ROOT / "examples").glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        out.extend(s.strip() for s in re.split(r"(?<=[.؟!])\s+|\n+", text) if len(s.strip()) > 20)
    return out


def make_corpus(out: Path, mb: float, seed: int = 8) -> tuple[int, int]:
    """Write documents of recombined sentences into `out` until `mb` MiB of UTF-8; (files, bytes)."""
    rng = random.Random(seed)
    sents = sentences()
    out.mkdir(parents=True, exist_ok=True)
    total = n = 0
    while total < mb * 1024 * 1024:
        size = rng.randint(2048, 8192)
        parts: list[str] = []
        length = 0
        while length < size:
            s = rng.choice(sents)
            parts.append(s)
            length += len(s.encode("utf-8")) + 1
            if rng.random() < 0.2:
                parts.append("\n")
        data = " ".join(parts).replace(" \n ", "\n").encode("utf-8")
        (out / f"doc_{n:06d}.txt").write_bytes(data)
        total += len(data)
        n += 1
    return n, total


class CpuSampler(threading.Thread):
    """CPU seconds of a process tree, from /proc every 0.2 s (workers are not all waited for by the
    run, so RUSAGE_CHILDREN misses them); a process's last 0.2 s before it exits may be missed."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.seen, self.done = root, {}, threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.sample()

    def sample(self) -> None:
        parents: dict[int, int] = {}
        times: dict[int, float] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            times[pid] = (int(fields[11]) + int(fields[12])) / self.tick
        for pid, t in times.items():
            q = pid
            while q in parents and q != self.root and q > 1:
                q = parents[q]
            if q == self.root:
                self.seen[pid] = max(self.seen.get(pid, 0.0), t)

    def total(self) -> float:
        self.done.set()
        return sum(self.seen.values())


def run_cli(args: list[str], out: Path) -> tuple[float, float, str]:
    """Run `arabic-ie match ARGS --output OUT`; (wall seconds, CPU seconds of the run and its workers,
    sha256 of the mentions). Output goes to a file, so reading a pipe costs the benchmark nothing."""
    cmd = [sys.executable, "-m", "dsl", "match", *args, "--output", str(out)]
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = CpuSampler(p.pid)
    sampler.start()
    stdout, stderr = p.communicate()
    dt = time.perf_counter() - t
    cpu = sampler.total()
    r = subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr)
    if out.suffix == ".sqlite":
        from dsl.io.sqlite import read_mentions
        body = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in read_mentions(out))
    else:
        body = out.read_text(encoding="utf-8")
    out.unlink()
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return dt, cpu, hashlib.sha256(body.encode("utf-8")).hexdigest()


def wait_for_quiet(max_load: float | None, patience: float = 900) -> None:
    """Wait (at most `patience` seconds) until the 1-minute load average is below `max_load`."""
    deadline = time.monotonic() + patience
    while max_load is not None and os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(5)


def bench(corpus: Path, repeats: int, workers: int, skip: set[str], max_load: float | None = None) -> None:
    files = list(corpus.glob("*.txt"))
    size = sum(f.stat().st_size for f in files)
    print(f"corpus: {corpus}  {len(files)} documents, {size / 2**20:.1f} MiB; {os.cpu_count()} cores; "
          f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    variants = {
        "sequential": ["--workers", "1"],
        f"pool-{workers}": ["--workers", str(workers)],
        f"dask-local-{workers}": ["--dask", "local", "--workers", str(workers)],
        f"pool-{workers}-sqlite": ["--workers", str(workers)],
    }
    times: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    digests: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            for name, extra in variants.items():
                if name.split("-")[0] in skip:
                    continue
                out = Path(tmp) / ("out.sqlite" if name.endswith("sqlite") else "out.jsonl")
                wait_for_quiet(max_load)
                load = os.getloadavg()[0]
                dt, cpu, digest = run_cli([*extra, str(corpus)], out)
                times.setdefault(name, []).append(dt)
                cpus.setdefault(name, []).append(cpu)
                digests.setdefault(name, set()).add(digest)
                print(f"  run {i + 1}/{repeats}  {name:22} {dt:8.1f} s  cpu {cpu:7.1f} s   "
                      f"load {load:.2f} -> {os.getloadavg()[0]:.2f}", flush=True)
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    same = len(set().union(*digests.values())) == 1
    print(f"identical output across all variants and repeats: {'yes' if same else 'NO'}")
    base = statistics.median(times["sequential"]) if "sequential" in times else None
    base_cpu = statistics.median(cpus["sequential"]) if "sequential" in cpus else None
    # cpu: all processes of the run (parent, workers, scheduler); with N idle cores the wall time
    # cannot beat cpu / N, so seq-cpu / (cpu / N) is the speed-up a quiet machine would show.
    print(f"{'variant':24} {'median s':>9} {'MiB/s':>7} {'speed-up':>9} {'cpu s':>7} {'cpu-bound speed-up':>19}")
    for name, ts in times.items():
        med, cpu = statistics.median(ts), statistics.median(cpus[name])
        sp = f"{base / med:8.2f}x" if base else "-"
        n = 1 if name == "sequential" else workers
        bound = f"{base_cpu / (cpu / n):18.2f}x" if base_cpu else "-"
        print(f"{name:24} {med:9.1f} {size / 2**20 / med:7.3f} {sp:>9} {cpu:7.1f} {bound:>19}")
    pool, dask = times.get(f"pool-{workers}"), times.get(f"dask-local-{workers}")
    if pool and dask:
        print(f"Dask LocalCluster vs process pool: {statistics.median(dask) / statistics.median(pool):.3f}x the time "
              f"({statistics.median(dask) - statistics.median(pool):+.1f} s)")
    if not same:
        raise SystemExit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus", help="build a corpus of recombined sample sentences")
    c.add_argument("out", type=Path)
    c.add_argument("--mb", type=float, default=20.0, help="size in MiB of UTF-8 text (default 20)")
    c.add_argument("--seed", type=int, default=8)
    r = sub.add_parser("run", help="time sequential, process pool, Dask LocalCluster and SQLite output")
    r.add_argument("corpus", type=Path)
    r.add_argument("--repeats", type=int, default=3)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--max-load", type=float, default=None,
                   help="before each run, wait (up to 15 min) until the 1-minute load average is below this")
    r.add_argument("--skip", action="append", default=[], choices=("sequential", "pool", "dask"),
                   help="leave a variant out (repeatable)")
    a = ap.parse_args()
    if a.cmd == "corpus":
        n, size = make_corpus(a.out, a.mb, a.seed)
        print(f"{n} documents, {size / 2**20:.1f} MiB in {a.out}")
    else:
        bench(a.corpus, a.repeats, a.workers, set(a.skip), a.max_load)


if __name__ == "__main__":
    main()
