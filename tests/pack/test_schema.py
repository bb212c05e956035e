"""The JSON Schema of rule packs (for editors) is shipped, generated, and agrees with the validator."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from dsl.errors import DslError
from dsl.pack.pack import Pack
from dsl.pack.schema import json_schema

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the 'test' extra: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = Path(resources.files("dsl.pack") / "pack.schema.json")   # type: ignore[arg-type]
REGENERATE = "regenerate it with: arabic-ie schema > dsl/pack/pack.schema.json"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=ROOT,
                          env=dict(os.environ), timeout=120)


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_shipped_schema_is_generated_from_the_validator_tables():
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == json_schema(), REGENERATE
    r = cli("schema")
    assert r.returncode == 0 and r.stdout.decode("utf-8") == SHIPPED.read_text(encoding="utf-8"), REGENERATE


def test_schema_path_prints_where_editors_find_it():
    r = cli("schema", "--path")
    assert r.returncode == 0
    assert Path(r.stdout.decode().strip()).read_bytes() == SHIPPED.read_bytes()


@pytest.mark.parametrize("pack", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_packs_validate_against_the_schema(validator, pack: Path):
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(pack.read_text(encoding="utf-8")))]
    assert errors == []


GOOD = """\
# yaml-language-server: $schema=../dsl/pack/pack.schema.json
name: good
version: "1.0"
overlap: {default: longest, Place: keep_all}
sets:
  ranks: [مشير]
document_sets:
  surnames: {label: Person, token: last, min_tokens: 2}
macros:
  RANK: '[stem in ranks]'
rules:
  - name: ranked
    label: Person
    span: name
    priority: 2
    mode: all
    args: {name: span}
    pattern: 'RANK (?<name> [shape=arabic]+)'
    examples:
      - text: المشير خليفة
        expect: [{text: خليفة, args: {}}]
  - name: place
    label: Place
    output: false
    pattern: '[stem in surnames]'
"""

# Each breaks one rule of the schema; the validator and the JSON Schema must both reject it.
BAD = {
    "misspelt key": GOOD.replace("    priority: 2\n", "    priorty: 2\n"),
    "missing label": GOOD.replace("    label: Place\n", ""),
    "wrong type": GOOD.replace("priority: 2", "priority: high"),
    "unknown mode": GOOD.replace("mode: all", "mode: some"),
    "unknown policy": GOOD.replace("Place: keep_all", "Place: shortest"),
    "unknown top-level key": GOOD + "extra: 1\n",
    "example without expect": GOOD.replace("        expect: [{text: خليفة, args: {}}]\n", ""),
}


def test_a_good_pack_passes_both(validator, tmp_path: Path):
    (tmp_path / "rules").mkdir()
    p = tmp_path / "rules" / "good.yaml"
    p.write_text(GOOD, encoding="utf-8")
    Pack.load([p])
    assert [e.message for e in validator.iter_errors(yaml.safe_load(GOOD))] == []


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_pack_fails_both(validator, tmp_path: Path, name: str):
    p = tmp_path / "bad.yaml"
    p.write_text(BAD[name], encoding="utf-8")
    with pytest.raises(DslError):
        Pack.load([p])
    assert list(validator.iter_errors(yaml.safe_load(BAD[name]))), name
