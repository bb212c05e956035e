"""Which packs run when none is named, and shipped packs imported by name from anywhere."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsl.errors import PackError
from dsl.pack.pack import Pack
from dsl.pack.shipped import RULES_ENV, default_packs, shipped_gazetteers_dir, shipped_pack_names, shipped_rules_dir

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None
        ) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k != RULES_ENV}
    e.update(env or {})
    e["PYTHONPATH"] = str(ROOT)   # the package itself, from any working directory
    return subprocess.run([sys.executable, "-m", "dsl", *args], input=stdin, capture_output=True, cwd=cwd,
                          env=e, timeout=300)


def test_the_shipped_packs_are_found_beside_the_package_in_a_checkout():
    assert shipped_rules_dir() == ROOT / "rules"
    assert shipped_gazetteers_dir() == ROOT / "gazetteers"
    assert shipped_pack_names() == ["common", "events", "persons"]


def test_pack_load_without_arguments_loads_the_shipped_packs(monkeypatch):
    monkeypatch.delenv(RULES_ENV, raising=False)
    pack = Pack.load()
    assert pack.sources == ("common", "persons", "events")
    assert default_packs().source == "shipped"


def test_the_environment_variable_names_the_default_packs(tmp_path, monkeypatch):
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nrules:\n  - name: r\n    label: Thing\n    pattern: '\"مشير\"'\n", encoding="utf-8")
    monkeypatch.setenv(RULES_ENV, str(mine))
    assert Pack.load().labels() == ["Thing"]
    assert default_packs().describe() == f"${RULES_ENV}={mine}"


def test_a_rules_folder_in_the_working_directory_does_not_replace_the_shipped_packs(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "other.yaml").write_text(
        "name: other\nrules:\n  - name: r\n    label: Other\n    pattern: '\"مشير\"'\n", encoding="utf-8")
    r = cli("match", "--format", "jsonl", "-", cwd=tmp_path, stdin="التقى المشير خليفة حفتر".encode())
    assert r.returncode == 0, r.stderr.decode()
    labels = {json.loads(x)["label"] for x in r.stdout.decode().splitlines()}
    assert "Person" in labels and "Other" not in labels
    r = cli("check", cwd=tmp_path)        # and the rule writer's commands say which packs ran
    said = r.stdout.decode().splitlines()[-1]
    assert said == f"packs: common, persons, events (the shipped packs in {ROOT / 'rules'})"


def test_a_pack_outside_the_checkout_imports_shipped_packs_by_name(tmp_path):
    pack = tmp_path / "my-pack.yaml"
    pack.write_text("""\
name: my-pack
imports: [arabic-ie:common]
rules:
  - name: ranked_person
    label: Person
    span: name
    pattern: (?<rank> [stem in titles]) (?<name> @GivenName [shape=arabic]?)
    examples:
      - text: وصل المشير خليفة حفتر إلى القاهرة.
        expect: [{text: خليفة حفتر}]
      - text: وقال الفريق إن التدريبات انتهت.
        expect: []
""", encoding="utf-8")
    r = cli("test", "--rule", "ranked_person", str(pack), cwd=tmp_path)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    assert r.stdout.decode().splitlines()[-1] == "2 passed, 0 failed"
    r = cli("match", "--rules", str(pack), "--labels", "Person", "-", cwd=tmp_path,
            stdin="وصل المشير خليفة حفتر إلى القاهرة.".encode())
    assert [json.loads(x)["text"] for x in r.stdout.decode().splitlines()] == ["خليفة حفتر"]


def test_an_unknown_shipped_pack_is_an_error_with_a_hint(tmp_path):
    pack = tmp_path / "p.yaml"
    pack.write_text("name: p\nimports: [arabic-ie:comon]\nrules: []\n", encoding="utf-8")
    with pytest.raises(PackError) as e:
        Pack.load([pack])
    assert e.value.one_line() == (f"{pack}:2:11: import 'arabic-ie:comon': no shipped pack is named 'comon' "
                                  "(did you mean 'common'?)")
