"""Coverage-guided fuzzing of the pack loader: YAML text -> validated, compiled pack (atheris).

    .venv/bin/python tests/fuzz/fuzz_pack.py -max_total_time=300 -timeout=20 tests/fuzz/corpus/pack

Inputs are loaded as a pack named fuzz.yaml in a scratch folder (so imports and gazetteer
paths resolve there). A crash is any exception other than `DslError`, or a slow input.
"""
from __future__ import annotations

import os
import sys
import tempfile

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

with atheris.instrument_imports(include=["dsl.pack.yamlsafe", "dsl.pack.source", "dsl.pack.pack", "dsl.pack.schema",
                                         "harness"]):
    import harness


def one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    harness.check_pack_text(text)


def main() -> None:
    corpus = [os.path.abspath(a) for a in sys.argv[1:] if not a.startswith("-")]
    for d in corpus:
        os.makedirs(d, exist_ok=True)
        if not os.listdir(d):
            for k, s in enumerate(harness.seed_packs()):
                with open(os.path.join(d, f"seed{k:03d}"), "w", encoding="utf-8") as f:
                    f.write(s)
    argv = [a if a.startswith("-") or a == sys.argv[0] else os.path.abspath(a) for a in sys.argv]
    os.chdir(tempfile.mkdtemp(prefix="fuzz-pack-"))   # relative paths in packs resolve here
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
