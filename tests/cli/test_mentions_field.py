"""`arabic-ie match --mentions-field`: a model's entities, given in JSON Lines, as input to the rules."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Invented names: no gazetteer, lexicon or rule of the shipped packs knows them.
TEXT = "والتقى قحطوم برزيلان مع فلدوز شمرخان في القاهرة."
AGENT, PARTNER = "قحطوم برزيلان", "فلدوز شمرخان"


def ent(label: str, sub: str) -> dict:
    i = TEXT.index(sub)
    return {"label": label, "start": i, "end": i + len(sub)}


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=cwd,
                          env=dict(os.environ), timeout=300)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def mentions(r: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in r.stdout.decode("utf-8").splitlines()]


MATCH = ("match", "--jsonl-field", "text", "--id-field", "id", "--mentions-field", "ents")


def test_an_event_rule_fires_on_persons_given_only_in_the_mentions_field(tmp_path):
    src = write_jsonl(tmp_path / "ner.jsonl", [
        {"id": "with", "text": TEXT, "ents": [ent("PER", AGENT), ent("PER", PARTNER)]},   # PER -> Person
        {"id": "without", "text": TEXT},
    ])
    r = cli(*MATCH, str(src))
    assert r.returncode == 0, r.stderr
    got = mentions(r)
    (meeting,) = [m for m in got if m["label"] == "Meeting"]
    assert meeting["doc"] == "with"
    assert (meeting["args"]["agent"]["text"], meeting["args"]["partner"]["text"]) == (AGENT, PARTNER)
    assert "Person" not in {m["label"] for m in got}          # input, not output
    assert [m["label"] for m in got if m["doc"] == "without"] == ["Location"]


def test_echo_mentions_outputs_them_and_mentions_map_renames_labels(tmp_path):
    src = write_jsonl(tmp_path / "ner.jsonl", [
        {"id": "a", "text": TEXT, "ents": [ent("PERSONNE", AGENT), ent("PERSONNE", PARTNER)]}])
    r = cli(*MATCH, "--mentions-map", "PERSONNE=Person", "--echo-mentions", "--labels", "Person,Meeting", str(src))
    assert r.returncode == 0, r.stderr
    got = [(m["label"], m["text"], m["rule"]) for m in mentions(r)]
    assert ("Person", AGENT, "input") in got and ("Person", PARTNER, "input") in got
    assert [x for x in got if x[0] == "Meeting"]


def test_a_bad_entry_fails_its_document_alone_with_a_line_naming_it(tmp_path):
    src = write_jsonl(tmp_path / "ner.jsonl", [
        {"id": "ok1", "text": TEXT, "ents": [ent("PER", AGENT), ent("PER", PARTNER)]},
        {"id": "bad", "text": TEXT, "ents": [ent("PER", AGENT), {"label": "PER", "start": 24, "end": 99}]},
        {"id": "bad2", "text": TEXT, "ents": "PER"},
        {"id": "ok2", "text": TEXT, "ents": [ent("PER", AGENT), ent("PER", PARTNER)]},
    ])
    r = cli(*MATCH, "--quiet", str(src))
    assert r.returncode == 3
    assert r.stderr.decode("utf-8").splitlines() == [
        f"arabic-ie: {src}:2: ents[1]: start 24 and end 99 must satisfy 0 <= start < end <= 48 "
        "(the text's length in characters)",
        f"arabic-ie: {src}:3: ents must be a list of {{label, start, end}} objects, not text ('PER')",
    ]
    assert [m["doc"] for m in mentions(r) if m["label"] == "Meeting"] == ["ok1", "ok2"]


@pytest.mark.parametrize("args,message", [
    (("--mentions-field", "ents"), "--mentions-field needs JSON Lines input: give --jsonl-field FIELD too"),
    (("--jsonl-field", "text", "--echo-mentions"), "--echo-mentions needs --mentions-field FIELD"),
    (("--jsonl-field", "text", "--mentions-field", "ents", "--mentions-map", "PER"),
     "--mentions-map expects TAG=Label, not 'PER'"),
])
def test_usage_mistakes_are_one_line_errors(tmp_path, args, message):
    src = write_jsonl(tmp_path / "ner.jsonl", [{"id": "a", "text": TEXT}])
    r = cli("match", *args, str(src))
    assert r.returncode == 2 and r.stderr.decode("utf-8").strip().endswith(message)


@pytest.mark.slow
@pytest.mark.parametrize("engine", [("--workers", "2"), ("--dask", "local", "--workers", "1")], ids=["pool", "dask"])
def test_worker_processes_get_the_mentions_too(tmp_path, engine):
    if engine[0] == "--dask":
        pytest.importorskip("distributed", reason="the Dask engine needs the 'dask' extra")
    records = [{"id": f"d{k}", "text": TEXT, "ents": [ent("PER", AGENT), ent("PER", PARTNER)] if k % 2 else []}
               for k in range(12)]
    src = write_jsonl(tmp_path / "ner.jsonl", records)
    one = cli(*MATCH, "--workers", "1", str(src))
    other = cli(*MATCH, *engine, str(src))
    assert one.returncode == other.returncode == 0, other.stderr
    assert one.stdout == other.stdout
    assert [m["doc"] for m in mentions(other) if m["label"] == "Meeting"] == [f"d{k}" for k in range(1, 12, 2)]
