"""The README's first commands are what CI runs, and the README's tutorial tells the truth."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    ") and line.strip()]


def test_readme_opens_with_install_and_test_commands():
    install_run, install_test = quick_start_commands()[:2]
    assert "pip install -e ." in install_run and "arabic-ie match" in install_run and "examples/" in install_run
    assert "'.[test]'" in install_test and "pytest" in install_test
    assert "arabic-ie check rules/" in install_test and "arabic-ie test rules/" in install_test


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert quick_start_commands()[1] in commands


def test_embedding_example_runs():
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "embed.py")], capture_output=True, cwd=ROOT,
                       timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    assert "خليفة حفتر" in r.stdout.decode()


def test_tutorial_pack_behaves_as_the_readme_says(tmp_path):
    block = README.split("Save this as `my-pack.yaml`:", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    pack = tmp_path / "my-pack.yaml"
    pack.write_text(block, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "dsl", "test", str(pack)], capture_output=True, cwd=tmp_path,
                       timeout=300)
    out = r.stdout.decode()
    assert r.returncode == 1 and out.splitlines()[-1] == "1 passed, 1 failed"
    assert out.startswith("packs: my-pack (" + str(pack) + ")\nmy-pack.yaml:16:9: rule ranked_person: example failed")
    assert "+ Person 'إن' rank='الفريق'   (found by ranked_person, not expected)" in out
    fixed = block.replace('[shape=arabic & !def & pre=""]', '[shape=arabic & !def & pre="" & stem!="ان"]')
    pack.write_text(fixed, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "dsl", "test", str(pack)], capture_output=True, cwd=tmp_path,
                       timeout=300)
    assert r.stdout.decode().splitlines()[-1] == "2 passed, 0 failed"
    r = subprocess.run([sys.executable, "-m", "dsl", "match", "--rules", str(pack), "-"], capture_output=True,
                       input="والتقى الوزير بالمشير خليفة حفتر".encode(), cwd=tmp_path, timeout=300)
    assert '"text": "خليفة حفتر"' in r.stdout.decode() and '"rank": {"start": 15, "end": 21, "text": "المشير"}' \
        in r.stdout.decode()
    broken = fixed.replace("[stem in ranks])", "[stem in rank])")
    pack.write_text(broken, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "dsl", "check", str(pack)], capture_output=True, cwd=tmp_path,
                       timeout=300)
    assert r.returncode == 2
    assert "my-pack.yaml:10:25: unknown set 'rank' (did you mean 'ranks'?)" in r.stderr.decode()


def test_tutorial_pack_can_use_the_shipped_given_names_from_anywhere(tmp_path):
    """The tutorial's "better" fix: import the shipped pack by name and use `@GivenName`."""
    block = README.split("Save this as `my-pack.yaml`:", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    advice = README.split("To use the shipped gazetteers", 1)[1].split("Mistakes in a rule", 1)[0]
    imports = re.search(r"add `(imports: \[arabic-ie:common\])`", advice).group(1)
    name = re.search(r"write the name as\s+`(\(\?<name> [^`]+\))`", advice).group(1)
    pack = block.replace("sets:", imports + "\nsets:", 1).replace(
        '(?<name> [shape=arabic & !def & pre=""]{1,2})', name)
    assert pack != block and name in pack
    (tmp_path / "my-pack.yaml").write_text(pack, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "dsl", "test", "--rule", "ranked_person", "my-pack.yaml"],
                       capture_output=True, cwd=tmp_path, timeout=300)
    assert r.stdout.decode().splitlines()[-1] == "2 passed, 0 failed", r.stdout.decode() + r.stderr.decode()


def test_the_json_sample_is_real_output():
    """The Output format section's sample is one line of `arabic-ie match` on the sample article it names."""
    section = README.split("## Output format", 1)[1].split("\n## ", 1)[0]
    sample = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    r = subprocess.run([sys.executable, "-m", "dsl", "match", "--rules", "rules/", sample["doc"]], capture_output=True,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    assert sample in [json.loads(line) for line in r.stdout.decode().splitlines()]


def test_gazetteer_figures_are_the_loaded_counts():
    """README's '7 files, 9,125 entries' and gazetteers/README.md's table are what the shipped pack loads."""
    from dsl.pack.pack import Pack
    pack = Pack.load([ROOT / "rules"])
    gazetteer_files = [Path(f).name for f in pack.files if f.endswith(".txt")]   # in declaration order
    # the entries written in the files (a gazetteer declared `variants: spelling` also loads
    # generated spelling variants, marked variant=spelling, which the files do not hold)
    written = (sum(1 for i in range(len(use.gazetteer)) if use.gazetteer.entry(i).get("variant") != "spelling")
               for use in pack.gazetteers.values())
    counts = dict(zip(gazetteer_files, written, strict=True))
    said = re.search(r"The shipped files \((\d+) files, ([\d,]+) entries", README)
    assert (int(said.group(1)), int(said.group(2).replace(",", ""))) == (len(counts), sum(counts.values()))
    table = (ROOT / "gazetteers" / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([\w.]+\.txt)` \| ([\d,]+) \|", table, re.M))
    assert {f: int(n.replace(",", "")) for f, n in rows.items()} == counts


def test_limits_table_names_real_constants_with_their_values():
    """Every constant in the README's Limits table exists where it says, with the value it says."""
    import importlib
    section = README.split("### Limits", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| [^|]+ \| `(dsl\.[\w.]+)` \| ([^|]+) \|", section, re.M)
    assert len(rows) >= 10
    units = {"MiB": 1024 * 1024, "ms": 0.001}
    for dotted, shown in rows:
        module, name = dotted.rsplit(".", 1)
        value = getattr(importlib.import_module(module), name)
        number, _, unit = shown.strip().partition(" ")
        expected = float(number.replace(",", "")) * units.get(unit, 1)
        assert abs(value - expected) < 1e-9, f"{dotted} is {value}, the README says {shown.strip()}"
