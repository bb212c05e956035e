"""Robustness (#7): bad rule packs and patterns are positioned errors, never crashes or hangs.

Every case asserts the exact shape of the message (`file:line:column: ...`) and the exit code
of `arabic-ie check`, which lists every error at once and exits 2.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from dsl.cli.main import main
from dsl.pack.pack import Pack
from dsl.pattern.program import REGEX_TIMEOUT, RegexTimeoutWarning


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
        code = main(["match", "--quiet", "--no-cache", "--rules", str(pack), str(text)])
    out = capsys.readouterr()
    assert code == 0 and out.out == ""
    assert out.err.replace(str(tmp_path) + "/", "").splitlines() == [
        f"arabic-ie: warning: slow2.yaml:5:21: rule 'slow_regex': regex /(a|aa)+b/ timed out after "
        f"{REGEX_TIMEOUT} s (limit REGEX_TIMEOUT) on a 200-character value; taken as no match"]


def test_a_regex_that_keeps_timing_out_is_switched_off_so_the_total_time_is_bounded(tmp_path):
    from dsl.pattern.program import REGEX_MAX_TIMEOUTS
    pack = Pack.load([write(tmp_path, "slow4.yaml", SLOW)])
    words = " ".join("a" * (200 + k) for k in range(REGEX_MAX_TIMEOUTS + 30))   # all distinct: no cache hit
    with pytest.warns(RegexTimeoutWarning) as rec:
        assert pack.match(words) == []
    where = f"{tmp_path}/slow4.yaml:5:21: rule 'slow_regex': regex /(a|aa)+b/ timed out after {REGEX_TIMEOUT} s"
    assert [str(w.message) for w in rec] == [
        f"{where} (limit REGEX_TIMEOUT) on a 200-character value; taken as no match",
        f"{where} (limit REGEX_TIMEOUT) on a {200 + REGEX_MAX_TIMEOUTS - 1}-character value; it timed out "
        f"{REGEX_MAX_TIMEOUTS} times (limit REGEX_MAX_TIMEOUTS), so it is taken as no match from now on, "
        "without running it"]


def test_values_longer_than_regex_max_input_never_reach_the_regex(tmp_path):
    from dsl.pattern.program import REGEX_MAX_INPUT
    pack = Pack.load([write(tmp_path, "slow3.yaml", SLOW)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no timeout: the regex is never run
        assert pack.match("a" * (REGEX_MAX_INPUT + 1)) == []


# --- every malformed input, all at once ------------------------------------------------------------------
MANY = """\
name: many
imports: [other.yaml]
gazetteers:
  titles: {file: ../gazetteers/t.txt, label: Title}
  gone: {file: missing.txt}
  far: {file: ../outside/secret.txt}
sets:
  empty: []
  ab: [a, b]
rules:
  - name: r1
    label: A
    pattern: '[stem="a" & stem="b"]'
  - name: r1
    label: A
    pattern: 'UNDEFINED [def]'
  - name: r3
    label: B
    patern: '[stem="a"]'
  - name: r4
    label: B
    pattern: '[stem="a"'
    priority: high
  - name: r5
    label: C
    pattern: '[norm=/(a/]'
  - name: r6
    label: C
    pattern: '[stem in nosuch] [stem in empty]'
  - name: r7
    label: C
    pattern: '[def & !def] | [stem="c" & stem!="c"]'
  - name: r8
    label: C
    pattern: '[stem="q" & stem in ab]'
  - name: r9
    label: D
    pattern: '[]?'
  - name: r10
    label: E
    pattern: '@F [def]'
  - name: r11
    label: F
    pattern: '@E [def]'
  - name: r12
    label: G
    pattern: '[def] @Nope'
"""


def test_check_lists_every_kind_of_pack_error_with_file_line_column(tmp_path, capsys):
    write(tmp_path, "gazetteers/t.txt", "وزير\n")
    write(tmp_path, "outside/secret.txt", "x\n")
    write(tmp_path, "p/other.yaml", "name: other\nimports:\n  - many.yaml\n")
    many = write(tmp_path, "p/many.yaml", MANY)
    code, lines = check(capsys, tmp_path, str(many))
    assert code == 2
    assert [x for x in lines if not x.startswith(" ")] == [
        "p/many.yaml:5:16: gazetteer 'missing.txt' does not exist (looked for p/missing.txt)",
        "p/many.yaml:6:15: gazetteer '../outside/secret.txt' resolves outside the allowed folders "
        "(p, gazetteers) (pass --allow-path DIR (or allow_paths=[...]) to permit it)",
        "p/many.yaml:19:5: unknown key 'patern' in a rule (did you mean 'pattern'?)",
        "p/many.yaml:17:5: a rule is missing the required key 'pattern'",
        "p/many.yaml:23:15: 'priority' must be a whole number, not text",
        "p/other.yaml:3:5: import cycle: many.yaml → other.yaml → many.yaml",
        "p/many.yaml:14:5: duplicate rule name 'r1' (first defined at p/many.yaml:11:5)",
        "p/many.yaml:16:15: undefined macro 'UNDEFINED'",
        "p/many.yaml:22:24: unexpected end of pattern: missing ']' to close the '[' at line 1, column 1",
        "p/many.yaml:26:24: bad regex /(a/: missing )",
        "p/many.yaml:29:24: unknown set 'nosuch'",
        "p/many.yaml:38:15: pattern can match zero tokens: a match must consume at least one token "
        "(make at least one element mandatory)",
        "p/many.yaml:47:21: unknown label '@Nope'",
        "p/many.yaml:39:5: cascade cycle: @E → @F → @E (a rule may read its own label, but labels may "
        "not depend on each other in a circle)",
        "p/many.yaml:13:27: rule 'r1' can never match: stem cannot be both 'a' and 'b' "
        "(one token has one value per attribute; write | for either)",
        "p/many.yaml:32:23: rule 'r7' can never match: def cannot be both true and false "
        "(remove one of [def] and [!def])",
        "p/many.yaml:35:35: rule 'r8' can never match: stem='q' is not in 'ab'",
        "arabic-ie: 17 errors",
    ]


# --- packs are data, never code ---------------------------------------------------------------------------
def test_object_constructing_tags_are_refused_by_check(tmp_path, capsys):
    p = write(tmp_path, "evil.yaml", "name: evil\nrules: !!python/object/apply:os.system ['touch pwned']\n")
    code, lines = check(capsys, tmp_path, str(p))
    assert code == 2 and not (tmp_path / "pwned").exists()
    assert lines[0] == "evil.yaml:2:8: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not " \
                       "allowed: packs are data"


def test_a_billion_laughs_pack_is_refused_quickly(tmp_path, capsys):
    import time
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    p = write(tmp_path, "lol.yaml", "name: lol\nsets:\n" + "".join(f"  {x}\n" for x in levels)
              + "rules: *a9\n")
    t = time.perf_counter()
    code, lines = check(capsys, tmp_path, str(p))
    assert time.perf_counter() - t < 30              # 10**10 nodes if expanded; refused after MAX_NODES
    assert code == 2
    assert lines[0].endswith("pack expands to more than 200000 YAML nodes (aliases?) (limit MAX_NODES)")


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_thousands_of_nested_brackets_are_a_depth_error_not_a_crash(tmp_path, capsys, opening):
    closing = "]" if opening == "[" else "}"
    p = write(tmp_path, "deep.yaml", "name: deep\nrules: " + opening * 5000 + "1" + closing * 5000 + "\n")
    code, lines = check(capsys, tmp_path, str(p))
    col = 8 + 63 * len(opening)      # the pack's own mapping is the first level
    assert (code, lines) == (2, [f"deep.yaml:2:{col}: pack nests deeper than 64 levels (limit MAX_DEPTH)"])


def test_pack_files_are_bounded_in_size(tmp_path, capsys, monkeypatch):
    import dsl.pack.yamlsafe
    monkeypatch.setattr(dsl.pack.yamlsafe, "MAX_FILE_BYTES", 1024 * 1024)
    p = write(tmp_path, "big.yaml", "name: big\n" + "# padding\n" * 110_000)
    code, lines = check(capsys, tmp_path, str(p))
    assert (code, lines) == (2, ["big.yaml:1:1: pack is larger than 1 MiB (limit MAX_FILE_BYTES)"])


GAZ_PACK = "name: g\ngazetteers:\n  titles: {file: ../gazetteers/titles.txt, label: Title}\n"


def test_gazetteer_files_are_bounded_in_size(tmp_path, capsys, monkeypatch):
    import dsl.gazetteer.format
    monkeypatch.setattr(dsl.gazetteer.format, "MAX_GAZETTEER_BYTES", 1024)
    write(tmp_path, "gazetteers/titles.txt", "وزير\n" * 200)
    p = write(tmp_path, "p/g.yaml", GAZ_PACK)
    code, lines = check(capsys, tmp_path, str(p))
    assert (code, lines) == (2, ["gazetteers/titles.txt:1:1: gazetteer is larger than 0 MiB "
                                 "(limit MAX_GAZETTEER_BYTES)"])


def test_a_gazetteer_that_cannot_be_read_is_reported_at_its_declaration(tmp_path, capsys):
    (tmp_path / "gazetteers" / "titles.txt").mkdir(parents=True)
    p = write(tmp_path, "p/g.yaml", GAZ_PACK)
    code, lines = check(capsys, tmp_path, str(p))
    assert (code, lines[0]) == (2, "p/g.yaml:3:18: gazetteer '../gazetteers/titles.txt' is not a file")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading")
def test_an_unreadable_gazetteer_is_reported(tmp_path, capsys):
    g = write(tmp_path, "gazetteers/titles.txt", "وزير\n")
    g.chmod(0)
    try:
        code, lines = check(capsys, tmp_path, str(write(tmp_path, "p/g.yaml", GAZ_PACK)))
    finally:
        g.chmod(0o600)
    assert (code, lines[0]) == (2, "p/g.yaml:3:18: gazetteer '../gazetteers/titles.txt' is not readable")


# --- paths stay inside the pack's folder ---------------------------------------------------------------
def test_imports_and_symlinks_cannot_leave_the_pack_folder(tmp_path, capsys):
    write(tmp_path, "outside/other.yaml", "name: other\n")
    write(tmp_path, "outside/names.txt", "زيد\n")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "link.txt").symlink_to(tmp_path / "outside" / "names.txt")
    p = write(tmp_path, "p/a.yaml", "name: a\nimports: [../outside/other.yaml]\n"
                                    "gazetteers:\n  names: {file: link.txt, label: Name}\n")
    code, lines = check(capsys, tmp_path, str(p))
    hint = "(pass --allow-path DIR (or allow_paths=[...]) to permit it)"
    assert code == 2
    assert [x for x in lines if not x.startswith(" ")] == [
        f"p/a.yaml:2:11: import '../outside/other.yaml' resolves outside the allowed folders (p, gazetteers) {hint}",
        f"p/a.yaml:4:17: gazetteer 'link.txt' resolves outside the allowed folders (p, gazetteers) {hint}",
        "arabic-ie: 2 errors"]
    code, lines = check(capsys, tmp_path, "--allow-path", str(tmp_path / "outside"), str(p))
    assert code == 0 and lines == []


# --- pattern limits ---------------------------------------------------------------------------------------
def rule_pack(pattern: str, extra: str = "") -> str:
    return f"name: lim\n{extra}rules:\n  - name: r\n    label: X\n    pattern: '{pattern}'\n"


@pytest.mark.parametrize("pattern,extra,message", [
    ("[def]" * 4001, "", "lim.yaml:5:15: pattern is longer than 20000 characters"),
    ("(" * 60 + "[def]" + ")" * 60, "", "lim.yaml:5:65: pattern nests deeper than 50 levels"),
    ("[def]{2000}", "", "lim.yaml:5:20: repetition count 2000 is larger than the limit of 1000"),
    ("([def]{1000}){1000}", "", "lim.yaml:5:16: pattern is too large: it compiles to more than 50000 "
                                "instructions"),
    ("M9", "macros:\n  M0: \"[def]\"\n" + "".join(f"  M{i}: M{i - 1} M{i - 1} M{i - 1} M{i - 1}\n"
                                                  for i in range(1, 10)),
     "lim.yaml:16:15: pattern is too large: it expands to more than 100000 elements (limit MAX_EXPANDED_NODES)"),
])
def test_patterns_too_large_or_too_deep_name_the_limit(tmp_path, capsys, pattern, extra, message):
    code, lines = check(capsys, tmp_path, str(write(tmp_path, "lim.yaml", rule_pack(pattern, extra))))
    assert code == 2
    assert lines[0].startswith(message)


# --- patterns that can match nothing ------------------------------------------------------------------
DEAD_SETS = "sets:\n  ab: [a, b]\n  bc: [b, c]\n  de: [d, e]\n  none: []\n"


@pytest.mark.parametrize("pattern,column,reason", [
    ('[stem="a" & stem="b"]', 27, "stem cannot be both 'a' and 'b'"),
    ('[stem="a" & stem!="a"]', 27, "stem cannot be 'a' and not 'a'"),
    ('[stem="a" & !(stem="a")]', 29, "stem cannot be 'a' and not 'a'"),
    ('[def & !def]', 23, "def cannot be both true and false"),
    ('[!pre & pre="و"]', 23, "[!pre] contradicts pre='و'"),
    ('[stem in none]', 24, "set 'none' is empty"),
    ('[stem in ab & stem in de]', 37, "stem cannot be in both 'ab' and 'de': they have no value in common"),
    ('[stem="x" & stem in ab]', 35, "stem='x' is not in 'ab'"),
    ('[def] ([stem="a" & stem="b"] | [def & !def])', 34, "stem cannot be both 'a' and 'b'"),
    ('[def] [stem="a" & stem="b"]+', 33, "stem cannot be both 'a' and 'b'"),
    ('(?<x>[stem="a" & stem="b"])', 32, "stem cannot be both 'a' and 'b'"),
    ('(?=[def & !def]) [def]', 26, "def cannot be both true and false"),
    ('@X[type="a" & type="b"] [def]', 29, "type cannot be both 'a' and 'b'"),
])
def test_a_pattern_that_can_never_match_is_an_error_at_the_constraint(tmp_path, capsys, pattern, column, reason):
    text = f"name: dead\n{DEAD_SETS}rules:\n  - name: x\n    label: X\n    pattern: \"[def]\"\n" \
           f"  - name: r\n    label: Y\n    pattern: '{pattern}'\n"
    code, lines = check(capsys, tmp_path, str(write(tmp_path, "dead.yaml", text)))
    assert code == 2
    assert lines[0].startswith(f"dead.yaml:13:{column}: rule 'r' can never match: {reason}")


@pytest.mark.parametrize("pattern", [
    '[stem="a" | stem="b"]', '[stem="a" & stem!="b"]', '[def] [stem="a" & stem="b"]?', '[def] [def & !def]*',
    '[def] | [stem="a" & stem="b"]', '(?![def & !def]) [def]', '[stem in ab & stem in bc]', '[stem="a" & stem in ab]',
    '[text="x" & stem="x"]', '[def] [stem=/a/ & stem=/b/]', '[pre & pre="و"]', '[!pre & pre=""]',
])
def test_satisfiable_or_optional_constraints_are_not_reported(tmp_path, capsys, pattern):
    text = f"name: live\n{DEAD_SETS}rules:\n  - name: r\n    label: Y\n    pattern: '{pattern}'\n"
    assert check(capsys, tmp_path, str(write(tmp_path, "live.yaml", text)))[0] == 0


def test_reading_a_label_only_disabled_or_dead_rules_produce_is_a_warning(tmp_path, capsys):
    text = """\
name: labels
rules:
  - name: title
    label: Title
    pattern: '"وزير"'
    enabled: false
  - name: person
    label: Person
    pattern: '@Title [def]'
  - name: meeting
    label: Meeting
    pattern: '@Person "مع" @Person'
  - name: self_only
    label: Loop
    pattern: '@Loop [def]'
"""
    code, lines = check(capsys, tmp_path, str(write(tmp_path, "labels.yaml", text)))
    assert code == 0                                 # a warning: switching a rule off keeps the pack usable
    assert [x for x in lines if not x.startswith(" ")] == [
        "labels.yaml:9:15: warning: rule 'person' can never match: it reads @Title, which only disabled rules "
        "produce (title)",
        "labels.yaml:12:15: warning: rule 'meeting' can never match: it reads @Person, which only rules that "
        "can never match produce (person)",
        "labels.yaml:15:15: warning: rule 'self_only' can never match: it reads @Loop, which only rules that "
        "can never match produce (self_only)",
    ]
    pack = Pack.load([tmp_path / "labels.yaml"])
    assert [w.pos.line for w in pack.warnings] == [9, 12, 15]


def test_the_shipped_packs_have_no_rule_that_can_never_match(capsys):
    from dsl.pack.pack import default_rules_dir
    code = main(["check", "--no-cache", str(default_rules_dir())])
    out = capsys.readouterr()
    assert code == 0 and out.err == ""


# --- bytes a pack may not hold ----------------------------------------------------------------------------
def test_control_characters_in_a_pack_are_positioned_and_never_echoed_raw(tmp_path, capsys):
    (tmp_path / "nul.yaml").write_bytes(b"name: x\x00\nrules: []\n")
    (tmp_path / "esc.yaml").write_bytes(b'name: x\r\nrules:\r\n  - name: "a\x1b[2Jb"\r\n')
    code, lines = check(capsys, tmp_path, str(tmp_path / "nul.yaml"), str(tmp_path / "esc.yaml"))
    assert code == 2
    assert lines == [
        "nul.yaml:1:8: YAML does not allow the character U+0000 (special characters are not allowed)",
        "    name: x?",
        "           ^",
        "esc.yaml:3:13: YAML does not allow the character U+001B (special characters are not allowed)",
        '      - name: "a?[2Jb"',
        "                ^",
        "arabic-ie: 2 errors"]


def test_a_utf16_pack_says_to_save_it_as_utf8(tmp_path, capsys):
    (tmp_path / "u16.yaml").write_bytes("name: x\n".encode("utf-16"))
    code, lines = check(capsys, tmp_path, str(tmp_path / "u16.yaml"))
    assert (code, lines) == (2, ["u16.yaml:1:1: pack is UTF-16 (it starts with a UTF-16 byte-order mark): "
                                 "save it as UTF-8"])
