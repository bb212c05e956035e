"""The wheel is a real package: every subpackage, the shipped packs and gazetteers, usable from anywhere.

`.ci/run` installs the wheel in a fresh environment and runs it outside the checkout; the slow
test here builds it, unpacks it and runs the shipped packs from the unpacked copy.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "dsl").rglob("__init__.py")}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_the_shipped_data_is_mapped_from_the_top_level_folders_not_copied():
    tool = _pyproject()["tool"]["setuptools"]
    assert tool["package-dir"] == {"dsl.shipped.rules": "rules", "dsl.shipped.gazetteers": "gazetteers"}
    assert not (ROOT / "dsl" / "shipped" / "rules").exists()
    assert not (ROOT / "dsl" / "shipped" / "gazetteers").exists()


@pytest.mark.slow
def test_the_wheel_carries_the_packs_and_runs_outside_the_checkout(tmp_path):
    src, dist = tmp_path / "src", tmp_path / "dist"   # built from a copy: no build/ left in the checkout
    src.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, src / part)
    for part in ("dsl", "rules", "gazetteers"):
        shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(src)],
                       capture_output=True, timeout=600)
    if r.returncode != 0:
        pytest.skip(f"pip could not build the wheel here (no build backend?): {r.stderr.decode()[-500:]}")
    [wheel] = dist.glob("arabic_ie-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for src in sorted((ROOT / "rules").glob("*.yaml")) + sorted((ROOT / "gazetteers").glob("*.txt")):
            inside = f"dsl/shipped/{src.parent.name}/{src.name}"
            assert inside in names
            assert z.read(inside) == src.read_bytes()
        z.extractall(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "article.txt").write_text("وأجرى الوزير محادثات مع المشير خليفة حفتر في بنغازي.", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ARABIC_IE_RULES"}
    env.update(PYTHONPATH=str(tmp_path / "site"), ARABIC_IE_CACHE=str(tmp_path / "cache"))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=elsewhere, env=env,
                              timeout=300)

    r = run("match", "article.txt")
    assert r.returncode == 0, r.stderr.decode()
    found = {(m["label"], m["text"]) for m in map(json.loads, r.stdout.decode().splitlines())}
    assert ("Person", "خليفة حفتر") in found and "Meeting" in {label for label, _ in found}
    r = run("test")
    assert r.returncode == 0 and r.stdout.decode().splitlines()[-1].endswith(" passed, 0 failed")
    r = subprocess.run([sys.executable, "-c", "import dsl.pack.shipped as s; print(s.shipped_rules_dir())"],
                       capture_output=True, cwd=elsewhere, env=env, timeout=60)
    assert r.stdout.decode().strip() == str(tmp_path / "site" / "dsl" / "shipped" / "rules")
