"""Robustness (#7): bad rule packs and patterns are positioned errors, never crashes or hangs.

Every case asserts the exact shape of the message (`file:line:column: ...`) and the exit code
of `arabic-ie check`, which lists every error at once and exits 2.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from dsl.cli import main
from dsl.compiler import REGEX_TIMEOUT, RegexTimeoutWarning
from dsl.pack import Pack


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def check(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    """Run `arabic-ie check` in-process; the exit code and stderr's lines with the folder removed."""
    code = main(["check", "--no-cache", *args])
    err = capsys.readouterr().err.replace(str(tmp_path) + "/", "")
    return code, err.splitlines()


# --- regex constraints cannot hang the matcher ------------------------------------------------------------
SLOW = """\
name: slow
rules:
  - name: slow_regex
    label: Slow
    pattern: '[text=/(a|aa)+b/]'
"""


def test_a_regex_that_times_out_names_its_rule_and_position(tmp_path):
    pack = Pack.load([write(tmp_path, "slow.yaml", SLOW)])
    with pytest.warns(RegexTimeoutWarning) as rec:
        assert pack.match("a" * 200) == []          # taken as no match, not an endless wait
    assert [str(w.message) for w in rec] == [
        f"{tmp_path}/slow.yaml:5:21: rule 'slow_regex': regex /(a|aa)+b/ timed out after {REGEX_TIMEOUT} s "
        "(limit REGEX_TIMEOUT) on a 200-character value; taken as no match"]


def test_the_command_line_prints_a_regex_timeout_as_one_warning_line(tmp_path, capsys):
    pack = write(tmp_path, "slow2.yaml", SLOW)
    text = write(tmp_path, "a.txt", "a" * 200 + " " + "a" * 201 + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        code = main(["match", "--no-cache", "--rules", str(pack), str(text)])
    out = capsys.readouterr()
    assert code == 0 and out.out == ""
    assert out.err.replace(str(tmp_path) + "/", "").splitlines() == [
        f"arabic-ie: warning: slow2.yaml:5:21: rule 'slow_regex': regex /(a|aa)+b/ timed out after "
        f"{REGEX_TIMEOUT} s (limit REGEX_TIMEOUT) on a 200-character value; taken as no match"]
