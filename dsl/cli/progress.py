"""The progress line of a long `arabic-ie match` run, and the one-line summary at its end.

Progress goes to stderr and only when stderr is a terminal: one line, redrawn in place at
most ten times a second, first drawn after a second (a short run never flickers), cleared
before any other message. It shows the documents done, the throughput and, once the total
is known, the share done and the time left. The total is counted in a background thread
(files under the folders, with the same glob; lines of JSON Lines files) so a large folder
does not delay the first result; standard input has no total.

Hand-written rather than `tqdm` or `rich`: the line needs the run's own counts (mentions,
resumed documents), must be cleared around warnings the run prints itself, and is some forty
lines; a dependency for it would not earn its place.

The summary (`arabic-ie: 3 documents, 12 mentions in 0.8 s`) is printed whether or not
stderr is a terminal, so logs of batch runs say what was done; `--quiet` leaves both out.
"""
from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

#: Seconds before the first progress line, and between two redraws.
FIRST_DRAW = 1.0
REDRAW = 0.1


def count_documents(paths: Sequence[str], glob: str, jsonl: bool) -> int | None:
    """How many documents `paths` hold (as `dsl.io.inputs.iter_inputs` reads them); None for stdin."""
    total = 0
    for raw in paths:
        if raw == "-":
            return None
        p = Path(raw)
        files = sorted(q for q in p.rglob(glob) if q.is_symlink() or not q.is_dir()) if p.is_dir() else [p]
        for f in files:
            total += _lines(f) if jsonl else 1
    return total


def _lines(path: Path) -> int:
    """Lines that are not blank in a JSON Lines file (0 when it cannot be read: the run reports it)."""
    try:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return 0


class Progress:
    """`update` after each document; `clear` before printing a message; `close` at the end."""

    def __init__(self, stream: IO[str], enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.total: int | None = None
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def count_in_background(self, paths: Sequence[str], glob: str, jsonl: bool) -> None:
        """Count the documents in a daemon thread; the line shows a share and an ETA once it is done."""
        if not self.enabled:
            return

        def work() -> None:
            try:
                self.total = count_documents(paths, glob, jsonl)
            except OSError:
                self.total = None
        threading.Thread(target=work, name="arabic-ie-count", daemon=True).start()

    def update(self, done: int, mentions: int, name: str, skipped: int = 0) -> None:
        """Redraw the line (throttled): `done` documents matched, `skipped` already in a resumed output."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < FIRST_DRAW or now - self.last < REDRAW:
            return
        self.last = now
        self.stream.write("\r\033[K" + self.line(done, mentions, name, now - self.started, skipped))
        self.stream.flush()
        self.shown = True

    def line(self, done: int, mentions: int, name: str, elapsed: float, skipped: int = 0) -> str:
        """The progress text, cut to the terminal's width."""
        rate = done / elapsed if elapsed > 0 else 0.0
        total = self.total
        if total:
            left = max(total - done - skipped, 0)
            eta = _clock(left / rate) if rate > 0 else "?"
            head = f"{done + skipped:,}/{total:,} documents ({(done + skipped) / total:.0%})"
            text = f"{head}  {mentions:,} mentions  {rate:,.1f} docs/s  ETA {eta}  "
        else:
            text = f"{done + skipped:,} documents  {mentions:,} mentions  {rate:,.1f} docs/s  "
        width = shutil.get_terminal_size((100, 20)).columns - 1
        room = width - len(text)
        return (text + (name if len(name) <= room else "…" + name[-(room - 1):]) if room > 10 else text)[:width]

    def clear(self) -> None:
        """Erase the line (before a warning or the summary)."""
        if self.enabled and self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False

    close = clear


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def summary(documents: int, mentions: int, seconds: float, failed: int = 0) -> str:
    """The last line of a run: `3 documents, 12 mentions in 0.8 s (3.7 documents/s)`."""
    docs = f"{documents:,} document{'s' if documents != 1 else ''}"
    ms = f"{mentions:,} mention{'s' if mentions != 1 else ''}"
    rate = f" ({documents / seconds:,.1f} documents/s)" if seconds > 0 and documents > 1 else ""
    bad = f"; {failed:,} could not be read or matched" if failed else ""
    return f"{docs}, {ms} in {seconds:.1f} s{rate}{bad}"
