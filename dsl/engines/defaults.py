"""The engines' sizes: when `--workers auto` starts a pool, how big a chunk is, how many are in flight.

A leaf module (no imports), so that the command line can quote these numbers in its help
without loading the engines.
"""
from __future__ import annotations

#: Inputs with more documents than this run on a process pool under `--workers auto`.
AUTO_THRESHOLD = 8
#: A chunk (one task) holds at most this many documents ...
CHUNK_DOCS = 64
#: ... or about this many characters of text (a longer document is a chunk of its own).
CHUNK_CHARS = 64_000
#: Chunks in flight per worker: enough to keep every worker busy while the oldest is awaited.
WINDOW_PER_WORKER = 4
#: After this many worker deaths without a single document finished in between, give up.
MAX_DEATHS = 3
