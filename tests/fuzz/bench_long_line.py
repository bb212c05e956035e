"""How long and how much memory `arabic-ie match` takes on one huge one-line document.

    .venv/bin/python tests/fuzz/bench_long_line.py --mb 100            # the shipped packs
    .venv/bin/python tests/fuzz/bench_long_line.py --mb 1 10 --no-punct

The text is the sample articles in examples/ joined on one line (no newline at all) and
repeated to the size asked; `--no-punct` also removes sentence punctuation, so the whole
file is one sentence. Prints seconds (wall and CPU), peak RSS and mentions for each size,
then the ratio to the first size (linear scaling gives ratios close to the size ratios).
Give sizes in increasing order: peak RSS is the largest over the child processes so far.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_text(megabytes: float, no_punct: bool) -> bytes:
    """`megabytes` MiB of the sample articles on a single line, cut at a character boundary."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt")))
    text = " ".join(text.split())
    if no_punct:
        text = re.sub(r"[.،؟!:؛]", " ", text)
    unit = (text + " ").encode()
    n = int(megabytes * 1024 * 1024)
    return (unit * (n // len(unit) + 1))[:n].decode("utf-8", "ignore").encode()


def run_one(path: Path) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS KiB, output lines) of one `arabic-ie match` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        subprocess.run([sys.executable, "-m", "dsl", "match", str(path)], stdout=out, check=True, cwd=ROOT)
        out.seek(0)
        lines = sum(1 for _ in out)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--no-punct", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for mb in args.mb:
            path = Path(d) / f"line{mb}.txt"
            path.write_bytes(make_text(mb, args.no_punct))
            wall, cpu, rss, lines = run_one(path)
            rows.append((mb, wall, cpu, rss, lines))
            print(f"{mb:8.1f} MiB  wall {wall:8.1f} s  cpu {cpu:8.1f} s  peak RSS {rss / 1024:8.0f} MiB  "
                  f"mentions {lines}", flush=True)
            os.unlink(path)
    base = rows[0]
    for mb, _wall, cpu, rss, _ in rows[1:]:
        print(f"x{mb / base[0]:.0f} size: cpu x{cpu / base[2]:.1f}, peak RSS x{rss / base[3]:.1f}")


if __name__ == "__main__":
    main()
