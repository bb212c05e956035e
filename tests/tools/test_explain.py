"""`arabic-ie explain`: why a rule matched or not, and what the overlap policy did with it.

The explanation must be honest: its traced run of the VM has to find exactly what the plain
search and the cascade find, which is checked for every shipped rule on the sample articles
and on every rule example, and for random texts.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.doc.mention import Mention
from dsl.pack.pack import Pack
from dsl.tools.explain import explain, explain_rules, format_text, overlap_reason

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsl", *args], input=stdin, capture_output=True, cwd=ROOT,
                          env=dict(os.environ), timeout=300)


CLITIC_PACK = """\
name: clitic-demo
sets:
  ranks: [مشير, فريق]
  given: [خليفة, صدام]
rules:
  - name: rank_name
    label: Person
    span: name
    pattern: |
      [stem in ranks]
      (?<name> [pre="" & stem in given] [shape=arabic]?)
"""

OVERLAP_PACK = """\
name: overlap-demo
sets:
  ranks: [مشير]
rules:
  - name: titled
    label: Person
    priority: 2
    pattern: '[stem in ranks] [shape=arabic] [shape=arabic]'
  - name: bare_pair
    label: Person
    priority: 1
    pattern: '[stem="خليفة"] [shape=arabic]'
"""


@pytest.fixture(scope="module")
def clitic_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("packs") / "clitic.yaml"
    p.write_text(CLITIC_PACK, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def overlap_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("packs") / "overlap.yaml"
    p.write_text(OVERLAP_PACK, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def shipped() -> Pack:
    return Pack.load([ROOT / "rules"])


# ---------------------------------------------------------------- a rule that fails on a clitic

def test_explain_names_the_constraint_the_clitic_broke(clitic_pack: Path):
    r = cli("explain", "--rules", str(clitic_pack), "--rule", "rank_name",
            "--text", "التقى المشير وخليفة في بنغازي.")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode("utf-8")
    # the tokens, the pattern as written and as compiled
    assert "tokens (6 in 1 sentence):" in out
    assert '  [stem in ranks]\n  (?<name> [pre="" & stem in given] [shape=arabic]?)' in out
    assert "as compiled (macros expanded, literals as stems, values normalized):" in out
    # where it was tried, how far it got, what failed on which token, and why
    assert "at token 1 «المشير»: got 1 token in, then failed at token 2:" in out
    assert f'      [pre="" & stem in given]   {clitic_pack}:11:16\n' in out
    assert '        on token 2 «وخليفة»: pre="" is false (pre=و)' in out
    assert "at tokens 0, 2-4: failed at the start token (-v shows why)" in out
    assert "matches: 0" in out and "kept after overlap: 0" in out


def test_explain_json_gives_the_same_facts_to_tools(clitic_pack: Path):
    r = cli("explain", "--rules", str(clitic_pack), "--rule", "rank_name", "--format", "json",
            "--text", "التقى المشير وخليفة في بنغازي. والتقى المشير خليفة حفتر.")
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert d["rule"] == "rank_name" and d["label"] == "Person" and d["agrees_with_matcher"] is True
    assert d["compiled"] == '[stem in ranks] (?<name> [pre="" & stem in given] [shape=arabic]?)'
    assert [t["text"] for t in d["tokens"]][:3] == ["التقى", "المشير", "خليفة"]
    failed = next(a for a in d["attempts"] if a["start"] == 1)
    assert failed["reached"] == 2 and failed["matched"] is None and failed["window"] == [0, 6]
    [f] = failed["failures"]
    assert f["element"] == '[pre="" & stem in given]' and f["token"] == 2 and f["pattern_pos"] == "2:10"
    assert f["where"].endswith("clitic.yaml:11:16") and f["macro"] is None
    assert f["reason"] == 'pre="" is false (pre=و)'
    matched = next(a for a in d["attempts"] if a["matched"])
    assert matched["start"] == 7 and matched["matched"]["text"] == "المشير خليفة حفتر"
    [m] = d["mentions"]
    assert (m["text"], m["rule"], m["kept"]) == ("خليفة حفتر", "rank_name", True)


def test_explain_from_a_file_and_from_stdin(clitic_pack: Path, tmp_path: Path):
    f = tmp_path / "one.txt"
    f.write_text("والتقى المشير خليفة حفتر.", encoding="utf-8")
    r1 = cli("explain", "--rules", str(clitic_pack), "--rule", "rank_name", str(f))
    r2 = cli("explain", "--rules", str(clitic_pack), "--rule", "rank_name", "-", stdin=f.read_bytes())
    assert r1.returncode == r2.returncode == 0
    assert r1.stdout == r2.stdout
    assert "MATCHED tokens 1-3 «المشير خليفة حفتر»" in r1.stdout.decode()


def test_explain_usage_errors(clitic_pack: Path):
    r = cli("explain", "--rules", str(clitic_pack), "--rule", "rank_nam", "--text", "نص")
    assert r.returncode == 2 and "no rule named 'rank_nam'" in r.stderr.decode() \
        and "rank_name" in r.stderr.decode()
    r = cli("explain", "--rules", str(clitic_pack), "--rule", "rank_name", "--text", "نص", "file.txt")
    assert r.returncode == 2 and "either --text TEXT or one FILE" in r.stderr.decode()
    r = cli("explain", "--rules", str(clitic_pack), "--rule", "rank_name", "/nonexistent/x.txt")
    assert r.returncode == 3


# ---------------------------------------------------------------- a rule that loses an overlap

def test_explain_shows_the_overlap_a_rule_lost_and_why(overlap_pack: Path):
    r = cli("explain", "--rules", str(overlap_pack), "--rule", "bare_pair", "--text", "التقى المشير خليفة حفتر.")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode("utf-8")
    assert "at token 2 «خليفة»: MATCHED tokens 2-3 «خليفة حفتر»" in out
    assert "overlap (policy 'longest' for label Person):" in out
    assert "  REMOVED Person 13-23 «خليفة حفتر» (tokens 2-3, rule bare_pair, priority 1)" in out
    assert "    lost on priority (2 > 1) to Person 6-23 «المشير خليفة حفتر» (tokens 1-3, rule titled, priority 2)" \
        in out
    assert "kept after overlap: 0" in out


def test_explain_of_the_winner_says_what_it_removed(overlap_pack: Path):
    pack = Pack.load([overlap_pack])
    ex = explain(pack, "titled", "التقى المشير خليفة حفتر.")
    [ev] = ex.overlap
    assert not ev.lost and ev.removed.rule == "bare_pair" and ev.winner.rule == "titled"
    assert [m.text for m in ex.kept] == ["المشير خليفة حفتر"]
    text = format_text(ex)
    assert "  won over Person 13-23 «خليفة حفتر» (tokens 2-3, rule bare_pair, priority 1)" in text
    d = ex.to_dict()
    assert d["overlap"][0]["lost"] is False and d["overlap"][0]["reason"] == "priority (2 > 1)"


def _m(start: int, end: int, tok: tuple[int, int], priority: int = 0, rule: str = "r") -> Mention:
    return Mention("L", rule, start, end, "x" * (end - start), tok[0], tok[1], priority=priority)


def test_overlap_reasons_follow_the_ranking_of_the_policy():
    assert overlap_reason(_m(0, 5, (0, 1), 1), _m(0, 9, (0, 2), 3)) == "priority (3 > 1)"
    assert overlap_reason(_m(0, 5, (0, 1)), _m(0, 9, (0, 2))) == "length (2 tokens > 1)"
    assert overlap_reason(_m(0, 5, (0, 1)), _m(0, 9, (0, 1))) == "length (9 characters > 5)"
    assert overlap_reason(_m(3, 8, (1, 2)), _m(0, 5, (0, 1))) == "position (starts at 0, before 3)"
    assert overlap_reason(_m(0, 5, (0, 1), rule="b"), _m(0, 5, (0, 1), rule="a")) == \
        "rule name, a tie otherwise (a < b)"


# ---------------------------------------------------------------- every construct, and honesty

CONSTRUCTS_PACK = """\
name: constructs
sets:
  ranks: [مشير, فريق, لواء]
gazetteers:
  locations: {file: ../gazetteers/locations.txt, label: Location}
rules:
  - name: anchored
    label: A
    pattern: '^ [shape=arabic] [shape=arabic] $'
  - name: behind
    label: B
    pattern: '(?<= [stem in ranks]) [shape=arabic & !def]+?'
  - name: typed_place
    label: C
    pattern: '"في" @Location[type="country"]'
  - name: all_starts
    label: D
    mode: all
    pattern: '[shape=arabic]{2}'
  - name: across
    label: E
    cross_sentence: true
    pattern: '[stem="حفتر"] [shape=punct] [] (?! [def])'
  - name: reads_b
    label: F
    pattern: '(?<x> @B) [shape=arabic]'
"""


@pytest.fixture(scope="module")
def constructs(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    d = tmp_path_factory.mktemp("constructs")
    (d / "gazetteers").mkdir()
    (d / "gazetteers" / "locations.txt").write_text(
        (ROOT / "gazetteers" / "locations.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (d / "rules").mkdir()
    p = d / "rules" / "c.yaml"
    p.write_text(CONSTRUCTS_PACK, encoding="utf-8")
    return Pack.load([p])


CONSTRUCT_TEXTS = [
    "التقى المشير خليفة حفتر في ليبيا. وصل الوفد إلى القاهرة",
    "قال حفتر. الجيش يتقدم في بنغازي",
    "وصل اللواء خالد إلى مصر",
    "حفتر وصل",
    "في في في. المشير",
]


@pytest.mark.parametrize("text", CONSTRUCT_TEXTS)
def test_every_construct_is_traced_as_the_matcher_runs_it(constructs: Pack, text: str):
    for ex in explain_rules(constructs, [r.name for r in constructs.rules], text):
        assert ex.agrees, (ex.rule.name, text)
        assert ex.rounds == 1
        # every attempt that failed says what failed, at the furthest token it reached
        for a in ex.attempts:
            assert (a.match is None) == bool(a.failures)
            assert all(f.token is None or f.token <= max(a.reached, 0) + 1 for f in a.failures)


def test_failure_messages_for_anchors_mentions_and_lookarounds(constructs: Pack):
    ex = explain(constructs, "anchored", "التقى المشير خليفة")
    [f] = ex.attempts[0].failures
    assert f.element == "$" and f.reason == "the sentence goes on here" and f.pattern_pos == "1:33"
    ex = explain(constructs, "typed_place", "وصل الوفد في القاهرة")
    reasons = [f.reason for a in ex.attempts for f in a.failures if f.element.startswith("@Location")]
    assert reasons and "fails the constraint" in reasons[0] and 'type="country" is false (type=' in reasons[0]
    ex = explain(constructs, "typed_place", "وصل الوفد في الطريق")
    reasons = [f.reason for a in ex.attempts for f in a.failures if f.element.startswith("@Location")]
    assert reasons == ["no @Location mention starts at token 3"]
    ex = explain(constructs, "across", "قال حفتر. الجيش الليبي")
    [f] = [f for a in ex.attempts for f in a.failures if f.element == "(?! [def])"]
    assert f.reason == "the token satisfies [def]" and f.token == 4
    ex = explain(constructs, "behind", "قال حفتر")
    fs = [f for a in ex.attempts for f in a.failures if f.element.startswith("(?<=")]
    assert [(f.token, f.reason) for f in fs] == [(None, "the lookbehind needs a token before this point"),
                                                 (0, "stem in ranks is false (stem=قال)")]


def test_a_disabled_rule_is_explained_as_not_run(tmp_path: Path):
    p = tmp_path / "off.yaml"
    p.write_text("name: switched\nrules:\n  - {name: r, label: X, pattern: '[]', enabled: false}\n"
                 "  - {name: s, label: Y, pattern: '[shape=arabic]'}\n", encoding="utf-8")
    ex = explain(Pack.load([p]), "r", "نص قصير")
    assert ex.rounds == 0 and not ex.attempts and ex.agrees
    assert "the rule did not run (it is disabled)." in format_text(ex)


def test_explain_agrees_with_the_matcher_for_every_shipped_rule(shipped: Pack):
    """On the sample articles and on every rule example: the trace finds what `match` finds."""
    names = [r.name for r in shipped.rules if r.enabled]
    texts = [p.read_text(encoding="utf-8") for p in EXAMPLES] + [e.text for r in shipped.rules for e in r.examples]
    for text in texts:
        for ex in explain_rules(shipped, names, text):
            assert ex.agrees, (ex.rule.name, text[:60])
            found = {m.key() for m in ex.result.mentions if m.rule == ex.rule.name}
            assert found <= {m.key() for m in ex.mentions}, ex.rule.name


WORDS = ("المشير", "خليفة", "حفتر", "وحفتر", "التقى", "وزير", "الخارجية", "المصري", "سامح", "شكري", "في",
         "القاهرة", "مع", "نظيره", "الليبي", "بحث", "الرئيس", "عبد", "الفتاح", "السيسي", "زار", "ليبيا", ".",
         "بن", "محمد", "زايد", "آل", "نهيان", "اللواء", "،", "وأجرى", "محادثات", "الجيش", "الوطني")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14), st.data())
def test_explain_agrees_with_the_matcher_on_random_texts(shipped: Pack, words: list[str], data: st.DataObject):
    text = " ".join(words)
    names = data.draw(st.lists(st.sampled_from([r.name for r in shipped.rules if r.enabled]),
                               min_size=1, max_size=4, unique=True))
    for ex in explain_rules(shipped, names, text):
        assert ex.agrees, (ex.rule.name, text)
        ex.to_dict()   # every failure message can be built
