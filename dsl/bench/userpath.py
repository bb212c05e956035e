"""The shipped packs as users run them, for `arabic-ie bench`: `Pack.match` and the command line.

* **In process**: `Pack.load(rules, cache=True)` (as the command line loads it), then
  `pack.match(text)` over every document, measured alternately with the regex floor over the
  same texts. The first run starts with the caches a fresh process has (word analyses, token
  types, gazetteer codes); the median is over every run.
* **Command line over a folder**: the documents written one file each, then
  `python -m dsl match --workers 1 --rules RULES FOLDER` in a child process (its output
  discarded), its CPU time (user + system) against the floor's over the same files (read
  and tokenized with `regex` in this process), measured alternately. Each run is a new
  process, so each pays the start and the cold caches, as a user does. One unmeasured run
  first fills the compiled-pack cache, as a user's first run would.
* **Start**: the command line on one article, median CPU and wall time of several runs.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import regex

from dsl.bench.corpus import write_folder
from dsl.bench.timing import GcClock, child_cpu, paired

_ROOT = Path(__file__).resolve().parent.parent.parent
#: The regex tokenization floor (compiled with the `regex` module): what no pipeline beats.
FLOOR = regex.compile(r"\w+|[^\w\s]")


def floor_tokens(texts: Sequence[str]) -> int:
    """Tokens of the floor pass over `texts`."""
    return sum(1 for t in texts for _ in FLOOR.finditer(t))


def floor_over_files(paths: Sequence[Path]) -> Callable[[], int]:
    """The floor pass over files, reading them as the command line does (bytes, decoded)."""
    def run() -> int:
        n = 0
        for p in paths:
            n += sum(1 for _ in FLOOR.finditer(p.read_bytes().decode("utf-8")))
        return n
    return run


def child_env() -> dict[str, str]:
    """The environment of the measured child processes: this checkout's package first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def in_process(texts: Sequence[str], rules: Sequence[str], *, runs: int, budget: float, say: Any) -> dict[str, Any]:
    """`Pack.match` over `texts` with the packs `rules`, alternately with the floor."""
    import time

    from dsl.pack.pack import Pack
    t0 = time.process_time()
    pack = Pack.load(rules, cache=True)
    load_s = time.process_time() - t0
    n_floor = floor_tokens(texts)
    clock = GcClock()

    def ours() -> int:
        with clock:
            return sum(len(pack.match(t)) for t in texts)

    def floor() -> int:
        return floor_tokens(texts)
    mine, base = paired([ours, floor], runs, budget)
    out = {"documents": len(texts), "floor_tokens": n_floor, "load_seconds": round(load_s, 3),
           "tok_s": n_floor / mine.seconds, "first_tok_s": n_floor / mine.first, "runs": list(mine.runs),
           "mentions": mine.result, "floor_tok_s": n_floor / base.seconds, "vs_floor": base.seconds / mine.seconds,
           "first_vs_floor": base.seconds / mine.first, "gc_share": clock.seconds / sum(mine.runs)}
    say(f"  Pack.match (in process): {out['tok_s']:,.0f} tok/s (first run {out['first_tok_s']:,.0f}), "
        f"{out['vs_floor']:.1%} of the floor ({out['floor_tok_s']:,.0f} tok/s); {mine.result:,} mentions; "
        f"{out['gc_share']:.1%} of the time in the garbage collector")
    return out


def command_line(texts: Sequence[str], rules: Sequence[str], *, runs: int, budget: float, say: Any,
                 label: str) -> dict[str, Any]:
    """`arabic-ie match --workers 1` over a folder of `texts`, alternately with the floor over the files."""
    with tempfile.TemporaryDirectory(prefix="arabic-ie-bench-") as tmp:
        folder = Path(tmp) / "corpus"
        paths = write_folder(texts, folder)
        cmd = [sys.executable, "-m", "dsl", "match", "--workers", "1"]
        for r in rules:
            cmd += ["--rules", str(r)]
        cmd.append(str(folder))
        env = child_env()
        child_cpu(cmd, env=env)          # fills the compiled-pack cache, as a first run does
        n_floor = floor_over_files(paths)()
        cpu_times: list[float] = []
        walls: list[float] = []

        def cli() -> None:           # the child's CPU time is what counts (this process only waits)
            cpu, wall = child_cpu(cmd, env=env)
            cpu_times.append(cpu)
            walls.append(wall)
        _, base = paired([cli, floor_over_files(paths)], runs, budget)
    cpu = statistics.median(cpu_times)
    out = {"label": label, "documents": len(texts), "floor_tokens": n_floor, "cpu_seconds": cpu,
           "runs": cpu_times, "wall_seconds": statistics.median(walls), "tok_s": n_floor / cpu,
           "floor_tok_s": n_floor / base.seconds, "vs_floor": base.seconds / cpu}
    say(f"  arabic-ie match --workers 1 over {len(texts)} files ({label}): {cpu:.2f} s CPU, {out['tok_s']:,.0f} tok/s, "
        f"{out['vs_floor']:.1%} of the floor ({out['floor_tok_s']:,.0f} tok/s)")
    return out


def start_time(article: Path | None, texts: Sequence[str], rules: Sequence[str], *, runs: int = 5,
               say: Any) -> dict[str, Any]:
    """`arabic-ie match ARTICLE`: median CPU and wall seconds of `runs` runs (one unmeasured first)."""
    with tempfile.TemporaryDirectory(prefix="arabic-ie-bench-") as tmp:
        if article is None or not article.is_file():
            article = write_folder([max(texts[:20], key=len)], Path(tmp))[0]
        cmd = [sys.executable, "-m", "dsl", "match"]
        for r in rules:
            cmd += ["--rules", str(r)]
        cmd.append(str(article))
        env = child_env()
        child_cpu(cmd, env=env)
        got = [child_cpu(cmd, env=env) for _ in range(max(1, runs))]
        chars = len(article.read_text(encoding="utf-8"))
    # Without .pyc files every start compiles the package from source (about 0.08 s here); pip
    # writes them when it installs a wheel, Python at the first import otherwise: said, not changed.
    no_pyc = bool(os.environ.get("PYTHONDONTWRITEBYTECODE")) or sys.flags.dont_write_bytecode
    out = {"article": article.name, "characters": chars, "cpu_seconds": statistics.median(c for c, _ in got),
           "wall_seconds": statistics.median(w for _, w in got), "runs": [round(c, 3) for c, _ in got],
           "bytecode_cached": not no_pyc}
    note = " (PYTHONDONTWRITEBYTECODE is set: each start compiles the package from source)" if no_pyc else ""
    say(f"  start: arabic-ie match {out['article']}: {out['cpu_seconds']:.2f} s CPU, "
        f"{out['wall_seconds']:.2f} s wall{note}")
    return out


def sample_article() -> Path | None:
    """The first sample article of a checkout (`examples/*.txt`), or None."""
    for d in (Path.cwd() / "examples", _ROOT / "examples"):
        found = sorted(d.glob("*.txt"))
        if found:
            return found[0]
    return None
