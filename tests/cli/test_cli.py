"""The arabic-ie command line, as an analyst and a rule writer use it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sample_packs import TINY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def cli(*args: str, stdin: bytes | None = None, cwd: Path = ROOT, env: dict | None = None
        ) -> subprocess.CompletedProcess:
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "dsl", *args], input=stdin, capture_output=True, cwd=cwd,
                          env=e, timeout=300)


TINY_PACK = TINY + """\
    examples:
      - text: والمشير خليفة حفتر
        expect: [{text: خليفة حفتر}]
      - text: لا شيء هنا
        expect: []
"""


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY_PACK, encoding="utf-8")
    return p


def test_version_and_help():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.decode().startswith("arabic-ie ")
    for cmd in ("match", "test", "check", "tokens"):
        r = cli(cmd, "--help")
        assert r.returncode == 0 and b"examples:" in r.stdout, cmd


def test_match_jsonl_offsets_slice_the_files():
    r = cli("match", *map(str, EXAMPLES))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode("utf-8").splitlines()
    assert lines
    texts = {str(p): p.read_bytes().decode("utf-8") for p in EXAMPLES}
    for line in lines:
        m = json.loads(line)
        assert set(m) >= {"doc", "label", "start", "end", "text", "rule", "args"}
        assert texts[m["doc"]][m["start"]:m["end"]] == m["text"]
        for v in m["args"].values():
            for a in v if isinstance(v, list) else [v]:
                assert texts[m["doc"]][a["start"]:a["end"]] == a["text"]


def test_match_reads_a_folder_and_standard_input(tmp_path, tiny):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("والمشير خليفة حفتر", encoding="utf-8")
    (tmp_path / "b.md").write_text("الفريق محمود", encoding="utf-8")
    r = cli("match", "--rules", str(tiny), str(tmp_path))
    docs = [json.loads(x)["doc"] for x in r.stdout.decode().splitlines()]
    assert docs == [str(tmp_path / "sub" / "a.txt")]
    r = cli("match", "--rules", str(tiny), "--glob", "*.md", str(tmp_path))
    assert [json.loads(x)["text"] for x in r.stdout.decode().splitlines()] == ["محمود"]
    r = cli("match", "--rules", str(tiny), "-", stdin="الفريق محمود".encode())
    m = json.loads(r.stdout.decode())
    assert (m["doc"], m["text"], m["start"], m["end"]) == ("-", "محمود", 7, 12)


def test_match_formats_and_label_filter(tiny):
    text = "والمشير خليفة حفتر\tهنا".encode()
    tsv = cli("match", "--rules", str(tiny), "--format", "tsv", "-", stdin=text).stdout.decode().splitlines()
    assert tsv[0] == "doc\tlabel\tstart\tend\ttext\trule\targs"
    assert tsv[1].split("\t")[:6] == ["-", "Person", "8", "18", "خليفة حفتر", "ranked"]
    table = cli("match", "--rules", str(tiny), "--format", "table", "-", stdin=text).stdout.decode()
    assert "Person" in table and table.rstrip().endswith("خليفة حفتر")
    r = cli("match", "--rules", str(tiny), "--labels", "Nope", "-", stdin=text)
    assert r.returncode == 2
    assert r.stderr.decode().strip().endswith("--labels names unknown label(s): Nope (the packs produce: Person)")


def test_output_file_is_written_atomically(tmp_path, tiny):
    out = tmp_path / "out.jsonl"
    r = cli("match", "--rules", str(tiny), "--output", str(out), "-", stdin="المشير خليفة حفتر".encode())
    assert r.returncode == 0 and r.stdout == b""
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "خليفة حفتر"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_bad_input_files_are_reported_and_the_run_goes_on(tmp_path, tiny):
    (tmp_path / "good.txt").write_text("المشير خليفة حفتر", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes("المشير ".encode() + b"\xff\xfe")
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    r = cli("match", "--rules", str(tiny), str(tmp_path))
    assert r.returncode == 3
    err = r.stderr.decode()
    assert f"{tmp_path / 'bad.txt'}: invalid UTF-8 at byte 13" in err
    assert f"warning: {tmp_path / 'blob.txt'}: skipped: looks like a binary file" in err
    assert [json.loads(x)["text"] for x in r.stdout.decode().splitlines()] == ["خليفة حفتر"]
    r = cli("match", "--rules", str(tiny), "--encoding-errors", "replace", str(tmp_path / "bad.txt"))
    assert r.returncode == 0 and "2 undecodable bytes were replaced" in r.stderr.decode()


def test_missing_file_is_reported_with_its_name(tiny):
    r = cli("match", "--rules", str(tiny), "no/such/file.txt")
    assert r.returncode == 3
    first, last = r.stderr.decode().splitlines()
    assert first == "arabic-ie: no/such/file.txt: cannot read: no such file"
    assert re.fullmatch(r"arabic-ie: 0 documents, 0 mentions in \d+\.\d s; 1 could not be read or matched", last)


def test_piping_into_head_ends_quietly():
    cmd = f"{sys.executable} -m dsl match {' '.join(map(str, EXAMPLES))} | head -n 1"
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0
    assert len(r.stdout.decode().splitlines()) == 1
    # nothing on stderr but, if the run finished writing before head closed the pipe, its summary
    assert re.fullmatch(r"(arabic-ie: \d+ documents?, \d+ mentions? in [^\n]*\n)?", r.stderr.decode())


def test_test_command_reports_and_exits(tmp_path, tiny):
    r = cli("test", str(tiny))
    assert r.returncode == 0, r.stdout
    assert r.stdout.decode().splitlines()[-1] == "2 passed, 0 failed"
    broken = tmp_path / "broken.yaml"
    broken.write_text(TINY_PACK.replace("expect: [{text: خليفة حفتر}]", "expect: [{text: خليفة}]"), encoding="utf-8")
    r = cli("test", str(broken))
    out = r.stdout.decode()
    assert r.returncode == 1
    assert f"{broken}:10:9: rule ranked: example failed" in out
    assert "  - Person 'خليفة'   (expected, not found)" in out
    assert "  + Person 'خليفة حفتر'   (found by ranked, not expected)" in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_check_lists_every_error_at_once(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nrules:\n  - name: a\n    label: X\n    pattern: '[stem=\"x\" &]'\n"
                   "  - name: b\n    label: X\n    pattern: '@Nope'\n    priorty: 2\n", encoding="utf-8")
    r = cli("check", str(bad))
    assert r.returncode == 2
    err = r.stderr.decode()
    assert f"{bad}:9:5: unknown key 'priorty' in a rule (did you mean 'priority'?)" in err
    assert f"{bad}:5:26:" in err and f"{bad}:8:15: unknown label '@Nope'" in err
    assert err.strip().endswith("arabic-ie: 3 errors")
    assert "Traceback" not in err


def test_check_passes_on_the_shipped_packs():
    r = cli("check", "rules/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("ok: ")


def test_tokens_command_shows_clitics():
    r = cli("tokens", "--text", "والمشير حفتر")
    out = r.stdout.decode()
    assert r.returncode == 0 and "مشير" in out and "المشير" in out
    r = cli("tokens", "--format", "jsonl", "--text", "للفريق")
    tok = json.loads(r.stdout.decode())
    assert (tok["pre"], tok["def"], tok["stem"], tok["text"]) == ("ل", True, "فريق", "لفريق")


def test_tokens_command_shows_the_word_lexicons_class():
    r = cli("tokens", "--text", "وقال لاريجاني")
    head, said, name = r.stdout.decode().splitlines()
    assert head.split() == ["i", "start", "end", "sent", "shape", "pre", "def", "stem", "suf", "lex", "norm", "text"]
    assert said.split()[9] == "common" and name.split()[9] == "unknown"
    r = cli("tokens", "--format", "jsonl", "--text", "مع")
    assert json.loads(r.stdout.decode())["lex"] == "function"


def test_no_command_prints_help_and_exits_2():
    r = cli()
    assert r.returncode == 2 and b"usage:" in r.stderr


def test_cached_pack_positions_follow_the_working_directory(tmp_path):
    """A pack cached from one directory must not show another directory's relative paths."""
    cache = tmp_path / "cache"
    env = {"ARABIC_IE_CACHE": str(cache)}
    r1 = cli("explain", "--rule", "person_title", "--text", "المشير حفتر", env=env)
    assert r1.returncode == 0, r1.stderr
    assert "rules/persons.yaml:" in r1.stdout.decode()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r2 = cli("explain", "--rules", str(ROOT / "rules"), "--rule", "person_title", "--text", "المشير حفتر",
             cwd=elsewhere, env=env)
    assert r2.returncode == 0, r2.stderr
    out = r2.stdout.decode()
    assert "defined at rules/persons.yaml" not in out
    assert f"defined at {ROOT / 'rules' / 'persons.yaml'}:" in out  # outside the cwd: absolute


def test_help_examples_name_rules_and_packs_that_exist():
    """Every `--rule NAME` and `rules/...yaml` in a command's examples is in the shipped packs."""
    from dsl.cli.main import build_parser
    from dsl.pack.pack import Pack
    names = {r.name for r in Pack.load([ROOT / "rules"]).rules}
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    checked = 0
    for cmd, parser in sub.choices.items():
        examples = parser.epilog or ""
        for rule in re.findall(r"--rule (\S+)", examples):
            assert rule in names, f"arabic-ie {cmd} --help names the rule {rule!r}, which does not exist"
            checked += 1
        for path in re.findall(r"\brules/\S+\.yaml", examples):
            assert (ROOT / path).is_file(), f"arabic-ie {cmd} --help names {path}, which does not exist"
    assert checked >= 3


def test_an_unknown_rule_is_an_error_with_a_suggestion(tiny):
    r = cli("test", "--rule", "rankd", str(tiny))
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode() == "arabic-ie: --rule: no rule named 'rankd' in the pack (did you mean 'ranked'?)\n"


def test_usage_errors_name_the_command_once():
    r = cli("match", "--workers", "0", "-")
    assert r.returncode == 2
    assert r.stderr.decode().splitlines()[-1] == ("arabic-ie match: argument --workers: expected a number of "
                                                  "processes (1 or more) or 'auto', not '0'")


def test_check_lists_every_error_of_one_pattern_and_a_shared_macro_once(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nmacros:\n  M: '[stem in nope]'\nrules:\n  - name: a\n    label: X\n"
                   "    pattern: 'M [lemma=\"x\"] @Persn'\n  - name: b\n    label: X\n    pattern: 'M [stem=\"y\"]'\n",
                   encoding="utf-8")
    r = cli("check", str(bad))
    assert r.returncode == 2
    firsts = [x for x in r.stderr.decode().splitlines() if x.startswith(str(bad))]
    assert firsts == [f"{bad}:3:16: unknown set 'nope'",
                      f"{bad}:7:18: unknown attribute 'lemma' (an attribute from another analyzer must be declared: "
                      "'attributes: [lemma]' in the pack)",
                      f"{bad}:7:29: unknown label '@Persn'"]
    assert r.stderr.decode().splitlines()[-1] == "arabic-ie: 3 errors"


def test_a_disabled_rule_named_with_rule_is_an_error(tmp_path):
    pack = tmp_path / "off.yaml"
    pack.write_text(TINY_PACK.replace("    span: name\n", "    span: name\n    enabled: false\n"), encoding="utf-8")
    r = cli("test", "--rule", "ranked", str(pack))
    assert r.returncode == 2
    assert r.stderr.decode().strip().endswith("rule 'ranked' is disabled (enabled: false): its examples do not run")
