"""`arabic-ie bench` runs end to end on a tiny corpus and reports every stage (no timing assertions)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsl.bench.corpus import generate_corpus
from dsl.bench.packs import synthetic_gazetteer, synthetic_pack
from dsl.cli.main import main
from dsl.morph.analyzer import default_analyzer
from dsl.pack.pack import Pack

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "000_457475bf7bf8e888.txt")


def test_bench_prints_a_table_of_every_stage(capsys):
    code = main(["bench", "--quick", "--no-spacy", "--no-memory", "--corpus", EXAMPLE])
    out = capsys.readouterr().out
    assert code == 0
    for stage in ("floor: regex tokenization", "tokenize (dsl.text.tokenize.scan)", "analyze (warm caches)",
                  "match 10 rules", "match 100 rules", "end to end, 100 rules", "gazetteer 1,000 entries",
                  "targets (not judged", "100 rules vs 10 rules", "end to end vs regex floor",
                  "rule count, measured alternately: 100 rules", "100 rules that match nothing"):
        assert stage in out, stage
    assert "NOT met" not in out and " met" not in out.split("targets", 1)[1]   # a smoke test judges nothing


def test_bench_json_has_rows_pairs_agreement_memory_and_targets(capsys):
    pytest.importorskip("spacy")
    code = main(["bench", "--quick", "--json", "--chars", "8000", "--gazetteers", "500"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    stages = [r["stage"] for r in report["rows"]]
    assert "spaCy Matcher 100 patterns" in stages and "spaCy PhraseMatcher 500" in stages
    assert all(r["tokens_per_second"] > 0 and r["runs"] >= 1 for r in report["rows"])
    assert {p["stage"] for p in report["pairs"]} >= {"tokenize", "match 10 rules", "match 100 rules", "gazetteer 500"}
    # on the patterns both engines express, over the same tokens, they find the same matches
    assert report["agreement"]["match 100 rules"]["agreement"] == 1.0
    assert report["agreement"]["match 100 rules"]["ours"] > 0
    mem = report["memory"]
    assert mem["stream"]["10x"]["docs"] == 10 * mem["stream"]["1x"]["docs"]
    assert mem["gazetteer"]["ours"]["delta_mb"] >= 0
    assert {t["target"] for t in report["targets"]} >= {"match 100 rules vs spaCy Matcher", "end to end vs regex floor"}


def test_a_missing_corpus_is_a_usage_error(capsys, tmp_path):
    assert main(["bench", "--quick", "--no-spacy", "--no-memory", "--corpus", str(tmp_path / "nope.txt")]) == 2
    assert "bench:" in capsys.readouterr().err


def test_the_generated_corpus_packs_and_gazetteers_are_deterministic():
    a, b = generate_corpus(20_000, seed=3), generate_corpus(20_000, seed=3)
    assert a == b and sum(map(len, a)) >= 20_000 and generate_corpus(20_000, seed=4) != a
    docs = [default_analyzer().analyze(t) for t in a]
    y1, rules = synthetic_pack(docs, 50, seed=3)
    y2, _ = synthetic_pack(docs, 50, seed=3)
    assert y1 == y2 and len(rules) == 50
    pack = Pack.from_yaml(y1)                      # every generated rule compiles
    assert len(pack.rules) == 50
    matched = {m.rule for d in docs for m in pack.run(d).mentions}
    assert 10 <= len(matched) <= 45                # about half of the rules match somewhere
    none = Pack.from_yaml(synthetic_pack(docs, 50, seed=3, matching=False)[0])
    assert len(none.rules) == 50
    assert len({m.rule for d in docs for m in none.run(d).mentions}) <= 2   # (a random last word may follow)
    g = synthetic_gazetteer(2000, seed=3)
    assert len(g) == len(set(g)) == 2000 and g == synthetic_gazetteer(2000, seed=3)
