"""`arabic-ie bench` runs end to end on a tiny corpus and reports every part (no timing assertions)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsl.bench.corpus import generate_corpus, read_corpus, token_lines
from dsl.bench.packs import synthetic_gazetteer
from dsl.bench.peer import peer_pack_yaml, peer_rules
from dsl.bench.report import format_report, targets
from dsl.cli.main import main
from dsl.pack.pack import Pack

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "000_457475bf7bf8e888.txt")


def test_bench_prints_every_part_and_the_targets(capsys):
    code = main(["bench", "--quick", "--no-spacy", "--no-memory", "--no-cli", "--corpus", EXAMPLE])
    out = capsys.readouterr().out
    assert code == 0
    for part in ("floor: regex tokenization", "tokenize (dsl.text.tokenize.scan)", "analyze (warm caches)",
                 "Pack.match in process", "gazetteer 1,000 entries", "targets (not judged"):
        assert part in out, part
    assert "NOT met" not in out and " met" not in out.split("targets", 1)[1]   # a smoke test judges nothing


@pytest.mark.slow
def test_bench_json_has_the_spacy_comparison_the_command_line_and_memory(capsys, tmp_path):
    pytest.importorskip("spacy")
    corpus = tmp_path / "news.txt"                 # one token per line, as the shared dev corpus
    words = Path(EXAMPLE).read_text(encoding="utf-8").split()
    corpus.write_text("".join(f"{w} O\n" + ("\n" if k % 12 == 11 else "") for k, w in enumerate(words)),
                      encoding="utf-8")
    code = main(["bench", "--quick", "--json", "--corpus", str(corpus), "--doc-sentences", "3", "--chars", "6000",
                 "--gazetteers", "500"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    peer = report["peer"]
    assert set(peer["sizes"]) == {"10", "100"} and peer["tokens"] > 0
    for entry in peer["sizes"].values():
        # the same patterns over the same tokens: both engines find the same matches at every start
        assert entry["agreement"]["agreement"] == 1.0
        assert entry["ours"]["tok_s"] > 0 and entry["spacy"]["tok_s"] > 0
    assert peer["sizes"]["100"]["ours"]["matches"] > 0
    ship = report["shipped"]
    assert ship["in_process"]["mentions"] > 0 and ship["in_process"]["vs_floor"] > 0
    assert ship["cli"]["corpus"]["cpu_seconds"] > 0 and ship["cli"]["generated"]["documents"] >= 1
    assert ship["start"]["cpu_seconds"] > 0
    mem = report["memory"]
    assert mem["stream"]["10x"]["matched"] == 10 * mem["stream"]["1x"]["matched"]
    assert mem["fresh"]["10x"]["matched"] == 10 * mem["fresh"]["1x"]["matched"]
    names = {t["target"] for t in report["targets"]}
    assert {"100 patterns vs spaCy's Matcher (median)", "100 patterns vs 10 patterns (throughput)",
            "agreement with spaCy on every start", "shipped packs via the CLI, --corpus (real news), vs floor",
            "shipped packs via the CLI, generated corpus, vs floor", "arabic-ie match on one article, CPU seconds",
            "peak memory growth, the same documents 10x through Pack.match"} <= names
    text = format_report(report)
    assert "spaCy's Matcher and ours on spaCy's tokens" in text and "targets (not judged" in text   # --quick


def test_a_missing_corpus_is_a_usage_error(capsys, tmp_path):
    assert main(["bench", "--quick", "--no-spacy", "--no-memory", "--corpus", str(tmp_path / "nope.txt")]) == 2
    assert "bench:" in capsys.readouterr().err


def test_token_per_line_corpora_become_documents_of_sentences(tmp_path):
    f = tmp_path / "dev.txt"
    f.write_text("قال O\nمحمد B-PERS\n. O\n\nثم O\nوصل O\n\nوقال O\n", encoding="utf-8")
    assert token_lines(f.read_text(encoding="utf-8")) == [["قال", "محمد", "."], ["ثم", "وصل"], ["وقال"]]
    assert read_corpus(str(f), doc_sentences=2) == ["قال محمد .\nثم وصل\n", "وقال\n"]
    plain = tmp_path / "article.txt"
    plain.write_text("قال محمد في القاهرة.\n", encoding="utf-8")
    assert token_lines(plain.read_text(encoding="utf-8")) is None
    assert read_corpus(str(plain)) == ["قال محمد في القاهرة.\n"]


def test_peer_patterns_compile_and_are_deterministic():
    texts = generate_corpus(20_000, seed=3)
    token_docs = [t.split() for t in texts]
    a, b = peer_rules(token_docs, 60, seed=3), peer_rules(token_docs, 60, seed=3)
    assert a == b and len(a) == 60 and peer_rules(token_docs, 60, seed=4) != a
    pack = Pack.from_yaml(peer_pack_yaml(a))          # every pattern compiles, as the rule it stands for
    assert len(pack.rules) == 60 and all(r.mode == "all" and r.cross_sentence for r in pack.rules)
    ops = {spec.get("OP") for r in a for spec in r.spacy}
    keys = {k for r in a for spec in r.spacy for k in spec if k != "OP"}
    assert {"?", "+", "{0,3}"} <= ops and {"ORTH", "LOWER", "TEXT"} <= keys
    g = synthetic_gazetteer(2000, seed=3)
    assert len(g) == len(set(g)) == 2000 and g == synthetic_gazetteer(2000, seed=3)


def test_targets_say_met_or_not():
    report = {"peer": {"sizes": {"10": {"ratio": 9.0, "agreement": {"agreement": 1.0}},
                                 "1000": {"ratio": 60.0, "agreement": {"agreement": 1.0}}},
                       "rule_count_ratio": 0.2, "rule_count": [10, 1000]},
              "corpus": {"source": "dev.txt"},
              "shipped": {"cli": {"corpus": {"vs_floor": 0.06}, "generated": {"vs_floor": 0.04}},
                          "start": {"cpu_seconds": 0.3}},
              "memory": {"stream": {"growth": 0.02}}, "pairs": []}
    got = {t["target"]: t["met"] for t in targets(report)}
    assert targets({"pairs": []})[0] == {"target": "1000 patterns vs spaCy's Matcher (median)", "value": None,
                                         "goal": 50, "higher_is_better": True, "met": None, "format": "x"}
    assert got == {"1000 patterns vs spaCy's Matcher (median)": True,
                   "1000 patterns vs 10 patterns (throughput)": False,
                   "agreement with spaCy on every start": True,
                   "shipped packs via the CLI, --corpus (real news), vs floor": True,
                   "shipped packs via the CLI, generated corpus, vs floor": False,
                   "arabic-ie match on one article, CPU seconds": True,
                   "peak memory growth, the same documents 10x through Pack.match": True}
