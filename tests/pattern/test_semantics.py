"""Matching semantics, pinned: finditer order, preference, spans, sentences, and the Program.

Letter documents (one token per character, tests/reference_matcher.py) keep the cases small;
`"a"` is a literal over such tokens (stem "a").
"""
from __future__ import annotations

import pickle
import subprocess
import sys
import threading
import time
import warnings

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_matcher import letters_document

from dsl.doc.document import Document
from dsl.doc.token import Analysis, Token
from dsl.pattern import program
from dsl.pattern import syntax as S
from dsl.pattern.compiler import CompileEnv, compile_pattern
from dsl.pattern.vm import MatchContext, MentionRef, finditer, index_mentions

ENV = CompileEnv(labels=frozenset({"P"}), sets={"ab": frozenset({"a", "b"})},
                 analyze_literal=lambda t: [Analysis(stem=w) for w in t.split()])


def spans(pattern, s, sentences=None, env=ENV, **kw):
    doc = letters_document(s, sentences)
    return [(m.tok_start, m.tok_end) for m in finditer(compile_pattern(pattern, env), MatchContext(doc), **kw)]


def caps(pattern, s, name, env=ENV):
    doc = letters_document(s)
    return [[(c.tok_start, c.tok_end) for c in m.captures[name]]
            for m in finditer(compile_pattern(pattern, env), MatchContext(doc))]


# ---------------------------------------------------------------- finditer order

def test_leftmost_then_non_overlapping():
    assert spans('"a" "a"', "aaaaa") == [(0, 2), (2, 4)]


def test_leftmost_start_beats_alternative_order():
    # the second alternative matching at 0 wins over the first one matching later
    assert spans('"c" | "a"', "ac") == [(0, 1), (1, 2)]
    assert spans('"b" | "a" "b" "c"', "abc") == [(0, 3)]


def test_alternation_order_not_longest():
    assert spans('"a" | "a" "b"', "ab") == [(0, 1)]
    assert spans('"a" "b" | "a"', "ab") == [(0, 2)]


def test_greedy_and_lazy():
    assert spans('"a" []* "c"', "abcbc") == [(0, 5)]
    assert spans('"a" []*? "c"', "abcbc") == [(0, 3)]
    assert spans('"a"+', "aaa") == [(0, 3)]
    assert spans('"a"+?', "aaa") == [(0, 1), (1, 2), (2, 3)]
    assert spans('"a"{2,3}?', "aaaaa") == [(0, 2), (2, 4)]
    assert spans('"a" "b"??', "ab") == [(0, 1)]


def test_greedy_gives_back_when_needed():
    assert spans('[]* "b"', "aab") == [(0, 3)]
    assert spans('"a"{1,3} "a"', "aaa") == [(0, 3)]


def test_every_match_mode():
    assert spans('"a"+', "aaa", mode="all") == [(0, 3), (1, 3), (2, 3)]
    assert spans('"a"+?', "aaa", mode="all") == [(0, 1), (1, 2), (2, 3)]


def test_bad_mode():
    with pytest.raises(ValueError):
        spans('"a"', "a", mode="longest")


# ---------------------------------------------------------------- captures

def test_capture_lists_follow_regex_captures():
    assert caps('(?: (?<x> "a") | "b")+', "abab", "x") == [[(0, 1), (2, 3)]]
    # backtracking removes the iterations it undoes
    assert caps('(?<x> [])+ "c"', "abc", "x") == [[(0, 1), (1, 2)]]


def test_capture_not_in_repetition_is_single():
    doc = letters_document("ab")
    m = next(finditer(compile_pattern('(?<x> "a") "b"', ENV), MatchContext(doc)))
    assert [c.repeated for c in m.captures["x"]] == [False]
    assert compile_pattern('(?<x> "a") "b"', ENV).repeated_captures == frozenset()
    assert compile_pattern('(?<x> "a") (?<x> "b")', ENV).repeated_captures == {"x"}
    assert compile_pattern('(?<x> "a") | (?<x> "b")', ENV).repeated_captures == frozenset()


# ---------------------------------------------------------------- sentences and anchors

def test_matches_do_not_cross_sentences():
    assert spans('"a" "b"', "abab", sentences=((0, 1), (1, 4))) == [(2, 4)]
    assert spans('"a" "b"', "abab", sentences=((0, 1), (1, 4)), cross_sentence=True) == [(0, 2), (2, 4)]


def test_anchors_are_sentence_boundaries():
    sents = ((0, 2), (2, 4))
    assert spans('^ []', "abab", sentences=sents) == [(0, 1), (2, 3)]
    assert spans('[] $', "abab", sentences=sents) == [(1, 2), (3, 4)]
    assert spans('^ []', "abab", sentences=sents, cross_sentence=True) == [(0, 1), (2, 3)]
    assert spans('[] $ []', "abab", sentences=sents, cross_sentence=True) == [(1, 3)]


def test_lookaround_sees_only_the_sentence():
    sents = ((0, 2), (2, 4))
    assert spans('"b" (?! [])', "abab", sentences=sents) == [(1, 2), (3, 4)]
    assert spans('"b" (?! [])', "abab", sentences=sents, cross_sentence=True) == [(3, 4)]
    assert spans('(?<= "b") "a"', "abab", sentences=sents) == []
    assert spans('(?<= "b") "a"', "abab", sentences=sents, cross_sentence=True) == [(2, 3)]


# ---------------------------------------------------------------- mentions

def _doc_with_mentions():
    doc = letters_document("abcd")
    ms = [MentionRef("P", 0, 2, {"k": "v"}, "m1"), MentionRef("P", 0, 3, {}, "m2"), MentionRef("P", 2, 4, {}, "m3")]
    return doc, index_mentions(ms)


def test_mention_is_one_unit_longest_first():
    doc, idx = _doc_with_mentions()
    prog = compile_pattern("(?<p> @P)", ENV)
    out = [(m.tok_start, m.tok_end, m.captures["p"][0].mention_ref.ref) for m in finditer(prog, MatchContext(doc, idx))]
    assert out == [(0, 3, "m2")]
    out = [(m.tok_start, m.tok_end) for m in finditer(compile_pattern('@P "c"', ENV), MatchContext(doc, idx))]
    assert out == [(0, 3)]


def test_mention_constraint_and_lookbehind():
    doc, idx = _doc_with_mentions()
    prog = compile_pattern('@P[k="v"]', ENV)
    assert [(m.tok_start, m.tok_end) for m in finditer(prog, MatchContext(doc, idx))] == [(0, 2)]
    prog = compile_pattern('(?<= @P) []', ENV)
    assert [(m.tok_start, m.tok_end) for m in finditer(prog, MatchContext(doc, idx))] == [(2, 3), (3, 4)]


def test_mention_cannot_leave_the_sentence():
    doc = letters_document("abcd", ((0, 2), (2, 4)))
    idx = index_mentions([MentionRef("P", 1, 3)])
    prog = compile_pattern("@P", ENV)
    assert list(finditer(prog, MatchContext(doc, idx))) == []
    assert len(list(finditer(prog, MatchContext(doc, idx), cross_sentence=True))) == 1


# ---------------------------------------------------------------- spans in characters

def _clitic_doc():
    # "وحفتر قال" : token 0 has the proclitic و; "كتابه": enclitic ه
    text = "وحفتر كتابه"
    t0 = Token(0, 1, 5, 0, 5, "حفتر", "وحفتر", "حفتر", "حفتر", pre="و", analyses=(Analysis("و", False, "حفتر"),),
               sent_start=True)
    t1 = Token(1, 6, 10, 6, 11, "كتاب", "كتابه", "كتاب", "كتاب", suf="ه", analyses=(Analysis("", False, "كتاب", "ه"),),
               sent_end=True)
    return Document(text, (t0, t1), ((0, 2),))


@pytest.mark.parametrize("pattern,expected", [
    ('"حفتر" "كتاب"', "حفتر كتاب"),
    ('[conj] "كتاب"', "وحفتر كتاب"),
    ('"حفتر" [suf]', "حفتر كتابه"),
    ('[word="وحفتر"] [text="كتاب"]', "وحفتر كتابه"),
    ('[pre] [suf]', "وحفتر كتابه"),
])
def test_span_trimming_rule(pattern, expected):
    doc = _clitic_doc()
    m = next(finditer(compile_pattern(pattern, ENV), MatchContext(doc)))
    assert doc.text[m.start:m.end] == expected


def test_capture_spans_are_trimmed_the_same_way():
    doc = _clitic_doc()
    m = next(finditer(compile_pattern('(?<a> "حفتر") (?<b> [suf])', ENV), MatchContext(doc)))
    assert [doc.text[c.start:c.end] for c in (m.captures["a"][0], m.captures["b"][0])] == ["حفتر", "كتابه"]


def test_lookaround_tests_do_not_widen_spans():
    doc = _clitic_doc()
    m = next(finditer(compile_pattern('(?= [pre]) "حفتر"', ENV), MatchContext(doc)))
    assert doc.text[m.start:m.end] == "حفتر"


# ---------------------------------------------------------------- the program

def test_program_metadata():
    p = compile_pattern('(?<t> [stem in ab]) "c"? (?<who> @P)', ENV)
    assert p.labels_used == {"P"} and p.sets_used == {"ab"}
    assert p.capture_names == ("t", "who")
    assert (p.min_length, p.max_length, p.can_be_empty) == (2, None, False)
    assert p.first_tokens.stems == {"a", "b"} and not p.first_tokens.any
    assert compile_pattern('"a" | "b" "c"', ENV).first_tokens.stems == {"a", "b"}
    assert compile_pattern('[]', ENV).first_tokens.any
    assert compile_pattern('@P "a"', ENV).first_tokens.labels == {"P"}
    assert compile_pattern('^ (?= "x") "a"', ENV).first_tokens.stems == {"a"}
    assert "TOKEN" in p.dump()


def test_program_records_the_element_each_instruction_comes_from():
    p = compile_pattern('(?<t> [stem in ab]) (?: "c" | @P)+ (?! "a")', ENV)
    assert len(p.origins) == len(p.code) and [len(o) for o in p.sub_origins] == [len(c) for c, _ in p.subs]
    shown = [(program.OPNAMES[ins[0]], S.format_pattern(node)) for ins, node in zip(p.code, p.origins)]
    assert shown[:3] == [("OPEN", "(?<t> [stem in ab])"), ("TOKEN", "[stem in ab]"), ("CLOSE", "(?<t> [stem in ab])")]
    assert ("MENTION", "@P") in shown and ("SPLIT", '[stem="c"] | @P') in shown
    assert shown[-2:] == [("LOOK", '(?! [stem="a"])'), ("MATCH", S.format_pattern(p.ast))]
    assert p.sub_origins[0][0] == S.TokenAtom(S.Compare("stem", "=", S.Text("a")))
    assert '# 1:7 [stem in ab]' in p.dump()


class Recorder:
    def __init__(self):
        self.events = []

    def on_run(self, run, code, start):
        self.events.append(("run", code is run.prog.code, start))

    def on_fail(self, code, pc, pos):
        self.events.append(("fail", pc, pos))

    def on_match(self, code, pos):
        self.events.append(("match", pos))


def test_an_observer_sees_every_attempt_and_where_each_path_stopped():
    p = compile_pattern('"a" (?: "b" | "c") "d"', ENV)
    doc = letters_document("xabdacx")
    plain = list(finditer(p, MatchContext(doc)))
    rec = Recorder()
    assert list(finditer(p, MatchContext(doc), observer=rec)) == plain and len(plain) == 1
    ev = rec.events
    # every start token is tried, even "x" (the plain search skips tokens that cannot start a match)
    assert [e[2] for e in ev if e[0] == "run"] == [0, 1, 4]
    # at 0 the first TOKEN fails on "x"; at 1 the match ends before token 4; at 4 "b" fails on token 5,
    # then "c" holds there and "d" fails on token 6
    assert ev[:4] == [("run", True, 0), ("fail", 0, 0), ("run", True, 1), ("match", 4)]
    assert ev[4] == ("run", True, 4)
    assert [(S.format_pattern(p.origins[pc]), pos) for _, pc, pos in ev[5:]] == [('[stem="b"]', 5), ('[stem="d"]', 6)]


def test_the_vm_loads_without_the_parser_or_the_compiler():
    code = ("import sys, dsl.pattern.vm; print(sorted(m for m in sys.modules if m.split('.')[0] == 'lark' "
            "or m in ('dsl.pattern.parser', 'dsl.pattern.compiler')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_program_pickles_and_runs_the_same():
    p = compile_pattern('(?<x> [norm=/[ab]/])+ "c"', ENV)
    doc = letters_document("abcabc")
    before = [(m.tok_start, m.tok_end) for m in finditer(p, MatchContext(doc))]
    q = pickle.loads(pickle.dumps(p))
    assert [(m.tok_start, m.tok_end) for m in finditer(q, MatchContext(doc))] == before == [(0, 3), (3, 6)]


def test_a_pickled_program_reads_its_debug_view_only_when_asked():
    p = compile_pattern('(?<x> [norm=/[ab]/])+ "c"', ENV)
    q = pickle.loads(pickle.dumps(p))
    assert not q.debug.loaded                                  # not unpickled yet: a pack loads without it
    assert S.format_pattern(q.ast) == S.format_pattern(p.ast) and q.debug.loaded
    assert q.dump() == p.dump()                                # every instruction with its element
    r = pickle.loads(pickle.dumps(q))                          # read, then pickled again
    assert r.dump() == p.dump()


def test_program_runs_in_many_threads():
    p = compile_pattern('(?<x> [norm=/[ab]/])+ "c"', ENV)
    doc = letters_document("abcab" * 200 + "c")
    expected = [(m.tok_start, m.tok_end) for m in finditer(p, MatchContext(doc))]
    results, errors = [], []

    def work():
        try:
            results.append([(m.tok_start, m.tok_end) for m in finditer(p, MatchContext(doc))])
        except Exception as e:  # pragma: no cover
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(r == expected for r in results)


def test_no_pattern_hangs_the_matcher():
    # exponential for a naive backtracker: every failed (instruction, position) is remembered
    doc = letters_document("a" * 400)
    for pat in ('(?: [] | [] )+ "b"', '(?: "a" | "a" "a")+ "b"', '(?: []+ )+ "b"', '(?: []* "a")* "b"',
                '(?= (?: [] | [])+ "b") "a"', '(?<= (?: [] | [])+) "b"'):
        t = time.perf_counter()
        assert list(finditer(compile_pattern(pat, ENV), MatchContext(doc))) == []
        assert time.perf_counter() - t < 5, pat


def test_regex_constraints_have_a_timeout(monkeypatch):
    monkeypatch.setattr(program, "REGEX_TIMEOUT", 0.01)
    slow = "ab" * 100 + "dc"
    doc = Document(slow, (Token(0, 0, len(slow), 0, len(slow), slow, slow, slow, slow, sent_start=True,
                                sent_end=True),), ((0, 1),))
    prog = compile_pattern("[norm=/(a|b|ab)*(a|b|ab)*(a|b|ab)*c/]", ENV)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t = time.perf_counter()
        assert list(finditer(prog, MatchContext(doc))) == []
        assert time.perf_counter() - t < 2
    assert any(issubclass(x.category, program.RegexTimeoutWarning) for x in w)


# Regex constraints run by plan (`program.regex_plan`): literal text as a string comparison,
# regexes that cannot backtrack badly without the timeout, the others with it.
RX_PIECES = ["a", "ب", "ال", "A", ".", r"\.", "a?", "b+", "(?:a|b)", "[ab]", r"\d", r"\p{L}", "x*", "{", "$", "^",
             "(a|aa)+", "/", "-", "\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.sampled_from(RX_PIECES), min_size=1, max_size=5), flags=st.sampled_from(["", "i"]),
       search=st.booleans(), negate=st.booleans(), value=st.text("abAB.ال1x\n", max_size=8))
def test_a_regex_constraint_answers_like_the_regex_itself(pieces, flags, search, negate, value):
    src = "".join(pieces)
    try:
        rx = regex.compile(src, regex.IGNORECASE if flags else 0)
    except regex.error:
        return
    pred = program.PredRegex("text", src, flags, search, negate, level="token")
    tok = Token(0, 0, len(value), 0, len(value), value, value, value, value)
    want = ((rx.search if search else rx.fullmatch)(value) is not None) != negate
    assert pred.eval(tok, tok, {}) == want, (src, flags, search, program.regex_plan(src, flags, search))


def test_regex_plans():
    plan = program.regex_plan
    assert plan("^ال", "", True) == ("prefix", "ال") and plan("ة$", "", True) == ("suffix", "ة")
    assert plan("وزير", "i", False) == ("eq", "وزير") and plan(r"\.", "", True) == ("in", ".")
    assert plan("abc", "i", False) == ("safe", "")               # cased letters under `i`: the regex runs
    assert plan(r"\p{L}{2,}ي", "", False) == ("safe", "")       # one repetition: no timeout needed
    assert plan("(a|aa)+b", "", False) == ("guarded", "")        # alternation inside a repetition
    assert plan("a+b+c+", "", False) == ("guarded", "")          # three repetitions
    assert plan("(?:a+)+", "", False) == ("guarded", "")         # nested repetition
    assert plan("a{e<=1}", "", False) == ("guarded", "")         # fuzzy matching (the `regex` module's own)
    assert plan(r"(a)\1", "", False) == ("guarded", "")         # backreference


def test_regex_constraints_ignore_overlong_values():
    long = "a" * (program.REGEX_MAX_INPUT + 1)
    doc = Document(long, (Token(0, 0, len(long), 0, len(long), long, long, long, long),), ((0, 1),))
    assert list(finditer(compile_pattern("[norm=/a+/]", ENV), MatchContext(doc))) == []
    assert len(list(finditer(compile_pattern("[norm!=/a+/]", ENV), MatchContext(doc)))) == 1


def test_predicates_are_cached_per_distinct_token():
    calls = []

    class Counting(program.PredEq):
        def eval(self, tok, an, sets):
            calls.append(tok.i)
            return super().eval(tok, an, sets)
    p = compile_pattern('"a"', ENV)
    object.__setattr__(p, "preds", (Counting("stem", "a"),))
    doc = letters_document("ab" * 50)
    assert len(list(finditer(p, MatchContext(doc)))) == 50
    # one evaluation per distinct token (a, b, and the first/last tokens that differ by
    # sent_start/sent_end), not one per position
    assert len(calls) == 4
