"""`arabic-ie stats`: matches per rule and label over a corpus, rules that never fire, time per rule."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sample_packs import DEMO_DOCS as DOCS
from sample_packs import DEMO_RULES, demo_pack

from dsl.io.inputs import InputDoc
from dsl.pack.pack import Pack
from dsl.tools.stats import collect, format_text

ROOT = Path(__file__).resolve().parents[2]

PACK = demo_pack("stats-demo", DEMO_RULES, """\
  - name: never
    label: Visit
    pattern: '"غير موجود"'
""")


@pytest.fixture()
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    pack = tmp_path / "demo.yaml"
    pack.write_text(PACK, encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return pack, folder


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=ROOT,
                          env=dict(os.environ), timeout=300)


def test_stats_counts_per_rule_and_label_and_lists_silent_rules(corpus: tuple[Path, Path]):
    pack, folder = corpus
    r = cli("stats", "--rules", str(pack), "--format", "json", str(folder))
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert (d["documents"], d["tokens"], d["failed"]) == (2, 12, 0)
    assert d["labels"] == {"Event": {"mentions": 1, "documents": 1}, "Person": {"mentions": 2, "documents": 2},
                           "Visit": {"mentions": 1, "documents": 1}}
    rules = {x["name"]: x for x in d["rules"]}
    assert list(rules) == ["titled", "bare_pair", "greet", "never", "visit"]   # pack order: phase, priority
    counts = {n: (x["made"], x["kept"], x["output"], x["removed"], x["documents"]) for n, x in rules.items()}
    assert counts == {"titled": (2, 2, 2, 0, 2), "bare_pair": (1, 0, 0, 1, 0), "greet": (1, 1, 1, 0, 1),
                      "never": (0, 0, 0, 0, 0), "visit": (1, 1, 1, 0, 1)}
    assert d["never_fired"] == ["never"]
    assert all(x["seconds"] > 0 for x in rules.values())   # every rule's search was timed


def test_stats_text_is_a_table_per_label_and_per_rule(corpus: tuple[Path, Path]):
    pack, folder = corpus
    r = cli("stats", "--rules", str(pack), "--sort", "made", str(folder))
    assert r.returncode == 0, r.stderr.decode()
    lines = r.stdout.decode("utf-8").splitlines()
    assert lines[0].startswith("2 documents, 12 tokens; analysis ")
    assert lines[2].split() == ["label", "mentions", "documents"]
    assert lines[3].split() == ["Person", "2", "2"]
    header = next(k for k, ln in enumerate(lines) if ln.startswith("rule "))
    assert lines[header].split() == ["rule", "label", "phase", "made", "kept", "output", "removed", "docs",
                                     "time", "ms", "time", "%"]
    assert [ln.split()[0] for ln in lines[header + 1:header + 6]] == ["titled", "bare_pair", "greet", "visit",
                                                                     "never"]
    assert lines[header + 2].split()[:8] == ["bare_pair", "Person", "1", "1", "0", "0", "1", "0"]
    assert lines[-1] == "never fired (1 of 5 rules): never"


def test_stats_api_with_the_shipped_packs_and_gazetteers():
    pack = Pack.load([ROOT / "rules"])
    docs = [InputDoc(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.txt"))]
    st = collect(pack, docs)
    out = {m.label for d in docs for m in pack.match(d.text)}
    assert set(st.labels) == out
    assert sum(st.labels.values()) == sum(len(pack.match(d.text)) for d in docs)
    assert st.gazetteers["gazetteer:locations"].output == st.labels["Location"] - sum(
        r.output for r in st.rules.values() if r.label == "Location")
    for r in st.rules.values():
        assert r.kept + r.removed <= r.made and r.output <= r.kept
    assert "never fired" in format_text(st) or "every rule fired" in format_text(st)


def test_stats_reports_unreadable_inputs_with_exit_3(corpus: tuple[Path, Path]):
    pack, folder = corpus
    (folder / "bad.txt").write_bytes(b"not utf-8 \x80 here")
    r = cli("stats", "--rules", str(pack), "--format", "json", str(folder))
    assert r.returncode == 3 and "bad.txt" in r.stderr.decode()
    d = json.loads(r.stdout)
    assert (d["documents"], d["failed"]) == (2, 1)
