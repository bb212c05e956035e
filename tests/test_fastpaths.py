"""The speed paths of the text layer and the gazetteer give exactly what the plain code gives.

* `tokenize.scan` cuts the text at whitespace and scans each distinct chunk once: same tokens
  as one pass of the master regex over the whole text.
* `Analyzer.analyze` builds tokens with `tuple.__new__`: equal to `Token(...)`.
* `dsl.frozen.constructor` fills frozen dataclasses directly: the same objects as `cls(*args)`,
  still read-only (mentions, arguments, matches and captures are built that way per match).
* `dsl.frozen.collector_paused` pauses the cyclic garbage collector while a document is
  matched: it nests, it is safe across threads, it leaves a collector the caller disabled
  disabled, and matching makes no reference cycle, so nothing waits for the collector.
  Processes that keep a pack to their end (the command line, pool and Dask workers) freeze
  what they loaded out of later collections (`settle_collector`); a caller's process is left as it is.
* `Document.from_tokens` works out a token's attributes once per distinct combination of
  values and types its tokens (`dsl.doc.document.token_types`): tokens of one type agree on
  every attribute but position and sentence flags, and matching a typed document gives what
  matching the same tokens untyped gives (the pack matcher and gazetteers read types).
* `Gazetteer.find` runs one Aho-Corasick automaton over two byte codes per token (and walks
  the trie only where the automaton cannot decide alone): same matches as walking the trie
  from every token (the loop it replaced, kept here as the reference), on documents of the
  analyzer (sentence boundaries checked on the matches) and on documents built otherwise
  (sentence starts coded to stop matches).
"""
from __future__ import annotations

import dataclasses
import gc
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.doc.document import Document
from dsl.doc.mention import Arg, Mention
from dsl.doc.token import Token
from dsl.frozen import collector_paused, constructor
from dsl.gazetteer.format import parse_entries
from dsl.gazetteer.index import Gazetteer
from dsl.gazetteer.scanner import GazMatch
from dsl.morph.analyzer import default_analyzer
from dsl.pattern.vm import Capture, Match
from dsl.text.tokenize import _MASTER, scan

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.txt"))

# letters, marks, tatweel, digits (Arabic-Indic too), Latin, punctuation, URL and e-mail pieces,
# spaces of every kind, line breaks, joiners, format and control characters, astral symbols
PIECES = ["و", "ال", "محمد", "بن", "ـ", "\u064e", "\u0651", "3", "٣", "٫", ".", ",", "،", "؟", "!", "...",
          "a", "Ab", "www.", "http://", "x.com", "/p", "@", "mail@ex.org", "-", "«", "»", "(", ")", " ", "  ",
          "\u00a0", "\n", "\r\n", "\u2028", "\t", "\u200c", "\u200d", "\u200b", "\u00ad", "\ufeff", "\x01",
          "\U0001F600", "$", "%", "_", "'"]


def reference_scan(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), "word" if m.lastgroup == "aword" else m.lastgroup) for m in _MASTER.finditer(text)]


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_scan_by_chunks_equals_one_pass_over_the_text(text):
    assert scan(text) == reference_scan(text)
    assert scan(text) == reference_scan(text)       # again, now from the chunk cache


def test_scan_on_the_sample_articles():
    for p in EXAMPLES:
        text = p.read_text(encoding="utf-8")
        assert scan(text) == reference_scan(text)


def test_analyzed_tokens_equal_tokens_built_by_the_dataclass():
    doc = default_analyzer().analyze(EXAMPLES[0].read_text(encoding="utf-8"))
    rebuilt = tuple(Token(**{f: getattr(t, f) for f in Token._fields}) for t in doc.tokens)
    assert doc.tokens == rebuilt
    assert [hash(t) for t in doc.tokens] == [hash(t) for t in rebuilt]


@pytest.mark.parametrize("cls,args", [
    (Mention, ("PERSON", "r1", 3, 9, "الفريق", 1, 2, {"x": Arg(3, 5, "ال")}, {"k": "v"}, 2, "d1", (), False)),
    (Arg, (3, 5, "ال", 1, 2, "TITLE", None)),
    (Match, (1, 3, 4, 9, {"arg": ()})),
    (Capture, (1, 2, 4, 6, None, True)),
])
def test_fast_constructors_build_what_the_dataclass_builds(cls, args):
    made = constructor(cls)(*args)
    plain = cls(*args)
    assert type(made) is cls and made == plain and repr(made) == repr(plain)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.start = 0
    if cls in (Arg, Capture):          # slotted, all fields compared: hashable like the original
        assert hash(made) == hash(plain)


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_paused_inside_and_back_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():            # nested (the analyzer inside a pack's run)
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("an error inside still resumes the collector")
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled(collector_on):
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads_resume_the_collector_only_at_the_end(collector_on):
    inside, leave = threading.Barrier(3), threading.Event()
    states = []

    def work(wait: bool) -> None:
        with collector_paused():
            inside.wait(5)
            if wait:
                leave.wait(5)
        states.append(gc.isenabled())

    threads = [threading.Thread(target=work, args=(w,)) for w in (False, True)]
    for t in threads:
        t.start()
    inside.wait(5)                         # both threads are inside
    threads[0].join(5)
    assert states == [False]               # the first left; the second still runs paused
    leave.set()
    threads[1].join(5)
    assert gc.isenabled()


def test_pack_match_pauses_the_collector_and_makes_no_reference_cycle(collector_on):
    from dsl.pack.pack import load_default_pack
    pack = load_default_pack()
    texts = [p.read_text(encoding="utf-8") for p in EXAMPLES]
    pack.match(texts[0])
    runs = []
    threshold = gc.get_threshold()
    gc.callbacks.append(lambda phase, info: runs.append(phase))
    gc.set_threshold(1)                    # a collection at every allocation, unless paused
    try:
        for t in texts:
            runs.clear()
            pack.match(t)
            assert runs.count("start") <= 4, runs.count("start")   # (a few at the call's edges, not thousands)
            runs.clear()
            pack.run(t)
            assert runs.count("start") <= 4, runs.count("start")
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.pop()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)         # keep what a collection frees, to look at it
    try:
        for t in texts:
            assert pack.match(t)
            pack.run(t)
        gc.collect()
        assert gc.garbage == []            # nothing was left for the collector: no cycle was made
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def _freeze_count_after_loading_in_a_worker(data: bytes) -> int:
    import hashlib

    from dsl.engines.common import PackRef
    PackRef(data, hashlib.sha256(data).hexdigest()).get()
    return gc.get_freeze_count()


@pytest.mark.slow
def test_worker_processes_and_the_command_line_freeze_their_pack_a_callers_process_does_not(shipped_pack):
    import multiprocessing

    from dsl.cli.common import load_pack
    from dsl.engines.common import PackRef
    ref = PackRef.of(shipped_pack)
    before = gc.get_freeze_count()
    ref.get()                                   # in this (a caller's) process: nothing frozen
    assert gc.get_freeze_count() == before
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_freeze_count_after_loading_in_a_worker, (ref.data,)) > 0
    import argparse
    try:
        load_pack(argparse.Namespace(rules=None))   # the command line's loading
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_a_dataclass_with_post_init_keeps_its_own_constructor():
    @dataclasses.dataclass(frozen=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            if self.x < 0:
                raise ValueError("negative")

    assert constructor(Checked) is Checked


# ---------------------------------------------------------------- gazetteer

def reference_find(g: Gazetteer, doc: Document) -> list[GazMatch]:
    """The trie walked from every token of every sentence: what `find` did before the automaton
    (and still does where the automaton cannot decide alone)."""
    out: list[GazMatch] = []
    if doc.tokens and g._paths:
        for s, e in (doc.sentences if doc.sentences else ((0, len(doc.tokens)),)):
            g._walk(doc.tokens, s, e, out)
    return out


ENTRIES = """\
القاهرة	type=capital
أبو ظبي
خليفة حفتر
محمد علي
محمد علي حسن
مشير	article=optional
فريق أول	article=optional
الجيش الوطني الليبي
علي	spelling=exact
حكومته
"""
GAZ = Gazetteer.build(parse_entries(ENTRIES), cache=False)
WORDS = ["القاهرة", "والقاهرة", "أبو", "ظبي", "خليفة", "حفتر", "وحفتر", "محمد", "علي", "على", "حسن", "المشير",
         "مشير", "للمشير", "فريق", "الفريق", "أول", "الجيش", "الوطني", "الليبي", "حكومته", "حكومة", "في", ".", "،"]


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", " ", " ", "\n"])), max_size=25),
       st.sets(st.integers(1, 24), max_size=3))
def test_automaton_find_equals_the_per_token_walk(words, cuts):
    # newlines end sentences without a punctuation token: a longest path may then run over a
    # sentence start, which the automaton must not keep
    doc = default_analyzer().analyze("".join(w + sep for w, sep in words))
    assert GAZ.find(doc) == reference_find(GAZ, doc)
    n = len(doc.tokens)
    bounds = [0] + sorted(c for c in cuts if c < n) + [n]
    gappy = tuple((a, b - 1) for a, b in zip(bounds, bounds[1:]) if b - 1 > a)
    for sentences in (doc.sentences, tuple((a, b) for a, b in zip(bounds, bounds[1:]) if b > a), (), gappy):
        d = Document(doc.text, doc.tokens, tuple(sentences))      # not the analyzer's: coded per key
        assert GAZ.find(d) == reference_find(GAZ, d)


TOKEN_VALUES = st.fixed_dictionaries({"text": st.sampled_from(["المشير", "مشير", "حفتر", "محمد", "علي", "على",
                                                                  "القاهرة", "ظبي", "أبو", "x", "."])},
                                     optional={"pre": st.sampled_from(["", "و", "ل"]), "def": st.booleans(),
                                               "norm": st.sampled_from(["مشير", "المشير", "علي"]),
                                               "suf": st.sampled_from(["", "ه"]), "sent": st.just(0),
                                               "pos": st.sampled_from(["NOUN", "VERB"])})


@SETTINGS
@given(st.lists(TOKEN_VALUES, max_size=12), st.sets(st.integers(1, 11), max_size=3))
def test_documents_from_tokens_are_typed_and_match_as_untyped_ones(items, cuts):
    from dsl.doc.document import token_types
    from dsl.pack.index import PackMatcher, RuleSpec
    from dsl.pattern.compiler import CompileEnv, compile_pattern
    from dsl.pattern.vm import MatchContext
    if any("sent" in it for it in items):          # all or none
        sent, k = [], 0
        for i in range(len(items)):
            k += i in cuts
            sent.append(k)
        items = [{**it, "sent": sent[i]} for i, it in enumerate(items)]
    doc = Document.from_tokens(items)
    types = token_types(doc)
    untyped = Document(doc.text, doc.tokens, doc.sentences)
    assert token_types(untyped) is None
    if types is None:                              # a definite token whose norm is not ال + stem
        assert any(t.definite and t.norm != "ال" + t.stem for t in doc.tokens)
    else:
        fields = [f for f in Token._fields if f not in ("i", "start", "end", "word_start", "word_end", "sent",
                                                        "sent_start", "sent_end")]
        by_type = {}
        for t, tid in zip(doc.tokens, types):
            by_type.setdefault(tid, set()).add(tuple(getattr(t, f) if f != "extra" else tuple(t.extra.items())
                                                     for f in fields))
        assert all(len(v) == 1 for v in by_type.values())
    again = Document.from_tokens(items)            # the values cache gives equal tokens
    assert again.tokens == doc.tokens and token_types(again) == types
    assert GAZ.find(doc) == GAZ.find(untyped) == reference_find(GAZ, doc)
    env = CompileEnv(extra_attributes=frozenset({"pos"}))
    progs = [compile_pattern(p, env) for p in ('[stem="مشير"] []', "[pre] [!def]", '"حفتر"', "[pos=NOUN]")]
    for mode in ("first", "all"):
        pm = PackMatcher([RuleSpec(p, mode) for p in progs])
        assert pm.search(MatchContext(doc)) == pm.search(MatchContext(untyped))


def test_a_path_over_a_sentence_start_is_not_a_match():
    doc = default_analyzer().analyze("قال محمد\nعلي حسن في القاهرة")
    assert [t.sent for t in doc.tokens][:4] == [0, 0, 1, 1]
    found = [(m.tok_start, m.tok_end, GAZ.entry(m.entry_index).phrase) for m in GAZ.find(doc)]
    # the automaton's longest path from محمد is محمد علي حسن, over the line break
    assert found == reference_find_named(GAZ, doc) == [(2, 3, "علي"), (5, 6, "القاهرة")]


def reference_find_named(g, doc):
    return [(m.tok_start, m.tok_end, g.entry(m.entry_index).phrase) for m in reference_find(g, doc)]


def test_conditional_entries_are_checked_and_fall_back_to_the_walk():
    # `على` normalizes like the strict `علي`: a one-token path that fails is dropped, a
    # longer one (`علي حسن` would need its strict first word... here `محمد علي حسن`) is re-walked
    g = Gazetteer.build(parse_entries("علي\tspelling=exact\nمحمد علي\tspelling=exact\nمحمد\nعلي حسن\n"),
                        cache=False)
    for text in ("ذهب على الفور", "قال محمد على الأقل", "قال محمد علي", "مع علي حسن", "مع على حسن"):
        doc = default_analyzer().analyze(text)
        assert g.find(doc) == reference_find(g, doc), text
    doc = default_analyzer().analyze("قال محمد على الأقل")
    assert reference_find_named(g, doc) == [(1, 2, "محمد")]


def test_documents_the_automaton_cannot_take_are_walked(monkeypatch):
    # a definite token whose norm is not ال + stem (another analyzer's tokens), with an
    # article-optional entry: walked; and the whole gazetteer walks without ahocorasick_rs
    doc = Document.from_tokens([{"text": "المشير", "norm": "مشير", "stem": "مشير", "def": True},
                                {"text": "قال"}])
    g = Gazetteer.build(parse_entries("مشير\tarticle=optional\n"), cache=False)
    assert g._scanner() is not None and g._scan.encode(doc, None) is None
    assert g.find(doc) == reference_find(g, doc) == [GazMatch(0, 1, 0)]
    import dsl.gazetteer.scanner as gz
    monkeypatch.setattr(gz, "_acrs", None)
    walked = Gazetteer.build(parse_entries(ENTRIES), cache=False)
    assert walked._scanner() is None
    real = default_analyzer().analyze("والمشير خليفة حفتر وصل إلى أبو ظبي. محمد علي حسن قال")
    assert walked.find(real) == GAZ.find(real) == reference_find(GAZ, real)


@pytest.mark.parametrize("width", [2, 3])
def test_codes_have_a_fixed_width_and_a_first_byte_nothing_else_has(width):
    from dsl.gazetteer.scanner import _code_bytes, _code_width
    n = 1 << (7 * width)
    assert _code_width(n) == width and _code_width(n + 1) == width + 1
    ks = list(range(0, n, max(1, n // 3000))) + [n - 1]
    codes = [_code_bytes(k, width) for k in ks]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == width and c[0] >= 0x80 and all(b < 0x80 for b in c[1:]) for c in codes)


def test_find_on_the_shipped_gazetteers_and_sample_articles():
    root = Path(__file__).resolve().parent.parent
    an = default_analyzer()
    docs = [an.analyze(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    for path in sorted((root / "gazetteers").glob("*.txt")):
        g = Gazetteer.load(path, analyzer=an, cache=False)
        for d in docs:
            assert g.find(d) == reference_find(g, d), path.name
