"""Coverage-guided fuzzing of the pattern parser and compiler (atheris).

    .venv/bin/pip install -e ".[fuzz]"
    .venv/bin/python tests/fuzz/fuzz_pattern.py -max_total_time=300 -timeout=10 tests/fuzz/corpus/pattern

A crash is any exception other than `DslError`, or one input taking longer than -timeout
seconds. Add the crashing input as a regression test in tests/test_robustness_properties.py.
"""
from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

with atheris.instrument_imports(include=["dsl", "harness"]):
    import harness


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    harness.check_pattern(fdp.ConsumeUnicodeNoSurrogates(len(data)))


def main() -> None:
    corpus = [a for a in sys.argv[1:] if not a.startswith("-")]
    for d in corpus:
        os.makedirs(d, exist_ok=True)
        if not os.listdir(d):
            for k, s in enumerate(harness.seed_patterns()):
                with open(os.path.join(d, f"seed{k:03d}"), "wb") as f:
                    f.write(b"\x01" + s.encode("utf-16-le"))  # FuzzedDataProvider: 1 = 2-byte chars
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
