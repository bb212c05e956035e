"""`arabic-ie diff`: mentions gained, lost and changed between two versions of a pack, by rule."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sample_packs import DEMO_DOCS as DOCS
from sample_packs import TITLED, demo_pack

from dsl.doc.mention import Arg, Mention
from dsl.io.inputs import InputDoc
from dsl.pack.pack import Pack
from dsl.tools.diff import DiffResult, diff_corpus, diff_mentions, format_text, mention_key

ROOT = Path(__file__).resolve().parents[2]

OLD = demo_pack("demo-old")

# greet is gone (lost), city is new (gained), visit's place takes two words (changed), titled is the same
NEW = demo_pack("demo-new", TITLED, """\
  - name: visit
    label: Visit
    span: trigger
    args: {trigger: span, place: span}
    pattern: '(?<trigger> "زار") (?<place> [shape=arabic]{2})'
  - name: city
    label: Location
    pattern: '"بنغازي"'
""")


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    (tmp_path / "old.yaml").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(NEW, encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    for name, text in DOCS.items():
        (tmp_path / "corpus" / name).write_text(text, encoding="utf-8")
    return tmp_path / "old.yaml", tmp_path / "new.yaml", tmp_path / "corpus"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], capture_output=True, cwd=cwd,
                          env=dict(os.environ), timeout=300)


def test_diff_reads_like_a_code_review(setup: tuple[Path, Path, Path]):
    old, new, corpus = setup
    r = cli("diff", "--rules", "old.yaml", "--rules-new", "new.yaml", "corpus", cwd=old.parent)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode("utf-8") == """\
2 documents: 4 mentions with old.yaml, 4 with new.yaml; +1 gained, -1 lost, ~1 changed, 2 unchanged

greet (Event): +0 -1 ~0
  - corpus/a.txt  0-5  «التقى»
      in: التقى المشير خليفة حفتر في بنغازي.

city (Location): +1 -0 ~0
  + corpus/a.txt  27-33  «بنغازي»
      in: التقى المشير خليفة حفتر في بنغازي.

visit (Visit): +0 -0 ~1
  ~ corpus/b.txt  0-3  «زار»  args: place=«اللواء»  ->  place=«اللواء خالد»
      in: زار اللواء خالد القاهرة.
"""


def test_diff_json_groups_changes_by_rule(setup: tuple[Path, Path, Path]):
    old, new, corpus = setup
    r = cli("diff", "--rules", str(old), "--rules-new", str(new), "--format", "json", str(corpus))
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert (d["gained"], d["lost"], d["changed"], d["unchanged"]) == (1, 1, 1, 2)
    assert {k: (v["gained"], v["lost"], v["changed"]) for k, v in d["rules"].items()} == \
        {"greet": (0, 1, 0), "city": (1, 0, 0), "visit": (0, 0, 1)}
    [ch] = d["rules"]["visit"]["changes"]
    assert ch["old"]["args"]["place"]["text"] == "اللواء" and ch["new"]["args"]["place"]["text"] == "اللواء خالد"
    assert d["old_pack"] == str(old) and d["new_pack"] == str(new)


def test_the_same_pack_makes_no_difference(setup: tuple[Path, Path, Path]):
    old, _, corpus = setup
    r = cli("diff", "--rules", str(old), "--rules-new", str(old), str(corpus))
    assert r.returncode == 0
    assert r.stdout.decode().endswith("+0 gained, -0 lost, ~0 changed, 4 unchanged\nno differences\n")


def _m(label: str, start: int, end: int, rule: str = "r", **args: Arg) -> Mention:
    return Mention(label, rule, start, end, "x" * (end - start), 0, 1, args=args)


def test_mentions_compare_by_label_span_and_arguments_not_by_rule():
    a = _m("P", 0, 4, "one", who=Arg(0, 2, "xx"))
    assert mention_key(a) == mention_key(_m("P", 0, 4, "two", who=Arg(0, 2, "xx")))
    assert mention_key(a) != mention_key(_m("P", 0, 4, "one", who=Arg(0, 3, "xxx")))
    assert mention_key(a) != mention_key(_m("Q", 0, 4, "one", who=Arg(0, 2, "xx")))
    changes, same = diff_mentions("d", "x" * 10, [a, _m("P", 5, 9)], [_m("P", 0, 4, "two", who=Arg(0, 3, "xxx")),
                                                                     _m("P", 5, 9), _m("P", 5, 9)])
    assert same == 1
    assert [(c.kind, c.rule) for c in changes] == [("changed", "two"), ("gained", "r")]
    text = format_text(DiffResult(changes, documents=1, old_mentions=2, new_mentions=3, unchanged=1))
    assert "(was rule one)" in text


def test_diff_api_between_the_shipped_packs_and_a_copy_without_a_rule(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (tmp_path / "gazetteers").symlink_to(ROOT / "gazetteers")
    for p in (ROOT / "rules").glob("*.yaml"):
        text = p.read_text(encoding="utf-8")
        if p.name == "persons.yaml":
            text = text.replace("  - name: person_kin\n", "  - name: person_kin\n    enabled: false\n")
        (rules / p.name).write_text(text, encoding="utf-8")
    old, new = Pack.load([ROOT / "rules"]), Pack.load([rules])
    docs = [InputDoc(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.txt"))]
    res = diff_corpus(old, new, docs)
    lost = [c for c in res.changes if c.kind == "lost"]
    assert "person_kin" in {c.rule for c in lost}
    # the rest follows through the cascade: other Person rules, and rules that take a Person argument
    for c in res.changes:
        rule = old.rule(c.rule)
        assert c.rule == "person_kin" or rule.label == "Person" or "Person" in rule.needs, c
    assert res.unchanged + len(lost) + sum(c.kind == "changed" for c in res.changes) == res.old_mentions
