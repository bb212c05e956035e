"""dsl.morph.lexicon: is a stem a function word, a common word, or unknown (may be a name)?

Examples are general-knowledge Arabic words and names, and invented words; none comes from
a measuring corpus. wordfreq is a core dependency, so the frequency signals are exercised
for real (the table is built once per test session in a private cache directory).
"""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dsl.morph.lexicon as lexicon_mod
from dsl.cache import cache_dir
from dsl.morph.lexicon import COMMON, FUNCTION, SIGNALS, UNKNOWN, Lexicon
from dsl.text.normalize import normalize_word

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("lexicon-cache")


@pytest.fixture(scope="session")
def lex(cache):
    """The real lexicon, built into a private cache (and not left in Lexicon's process memo)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARABIC_IE_CACHE", str(cache))
        mp.setattr(Lexicon, "_loaded", {})
        yield Lexicon.load()


def kind(lex: Lexicon, word: str, **kw) -> str:
    return lex.classify(normalize_word(word), **kw)


# ---------------------------------------------------------------- examples that read like docs

def test_frequencies_come_from_wordfreq(lex):
    assert lex.available
    assert "wordfreq" in lex.source
    assert lex.zipf("الرئيس") > 5 and lex.zipf("زقفلونيكات") == 0.0


@pytest.mark.parametrize("word", ["محادثات", "حكومة", "وزير", "سيارة", "اقتصادية", "مستشفى", "اجتماع"])
def test_nouns_and_adjectives_are_common(lex, word):
    # frequent with the article (المحادثات): names rarely take it
    assert kind(lex, word) == COMMON


def test_the_analyzers_definite_stem_is_common(lex):
    # الرئيس reaches the lexicon as stem رئيس with definite=True
    assert kind(lex, "رئيس", definite=True) == COMMON


@pytest.mark.parametrize("word", ["هدفين", "لاعبان", "مسؤولون", "مدربين"])
def test_duals_and_sound_plurals_of_nouns_are_common(lex, word):
    # the noun is frequent with the article (الهدف) and so is the dual or plural itself (الهدفين)
    assert kind(lex, word) == COMMON


def test_a_name_in_ون_or_ين_is_no_plural_when_its_article_form_is_unseen(lex):
    # كلينتون is no plural of كلينت: الكلينتون is never written
    assert kind(lex, "كلينتون") == UNKNOWN and kind(lex, "جونسون") == UNKNOWN


@pytest.mark.parametrize("word", ["يبحثون", "تبحث", "كتبوا", "يكتبون", "قال", "أعلن"])
def test_verb_forms_are_common(lex, word):
    # paradigm siblings (تبحثون، سيبحث) or pronoun suffixes (قالها) are attested
    assert kind(lex, word) == COMMON


@pytest.mark.parametrize("word", ["لاريجاني", "سولانا", "ماكرون", "زيلينسكي", "بولسونارو", "ميركل"])
def test_names_are_unknown(lex, word):
    # in wordfreq's list, but never with the article, a pronoun or a verb paradigm
    assert lex.zipf(normalize_word(word)) > 0
    assert kind(lex, word) == UNKNOWN


def test_a_name_that_sometimes_takes_the_article_is_still_unknown(lex):
    # بوش is frequent, البوش exists but far below it: the drop test keeps it a possible name
    assert lex.zipf("البوش") > 0
    assert kind(lex, "بوش") == UNKNOWN


@pytest.mark.parametrize("word", ["في", "الذي", "كان", "ثلاثة", "هذه", "لكن", "إلى"])
def test_function_words(lex, word):
    assert kind(lex, word) == FUNCTION


def test_a_preposition_carrying_a_pronoun(lex):
    # the analyzer gives له as stem ل + suffix ه
    assert kind(lex, "ل") == FUNCTION and kind(lex, "ب") == FUNCTION


def test_function_words_the_segmenter_left_clitics_on(lex):
    assert kind(lex, "وبذلك") == FUNCTION      # و + ب + ذلك
    assert kind(lex, "إنني") == FUNCTION       # إن + ني, never split


@pytest.mark.parametrize("word, base", [("كتابا", "كتاب"), ("طويلا", "طويل"), ("سنتين", "سنة")])
def test_inflected_forms_are_judged_by_their_noun(lex, word, base):
    # accusative alef, dual of a noun in ة: the article form is that of the noun (الكتاب)
    assert kind(lex, word) == COMMON and kind(lex, base) == COMMON


def test_templates_catch_rare_derived_nouns(lex):
    # a rare plural of a derived noun, seen with no article in the list: the template decides
    assert lex.explain(normalize_word("استقبالات"))[0] == COMMON


def test_closed_common_words(lex):
    assert kind(lex, "يناير") == COMMON
    assert kind(lex, "دولارا") == COMMON       # accusative of a listed unit


def test_name_particles_are_possible_name_parts_but_words(lex):
    for w in ("بن", "أبو", "عبد"):
        assert kind(lex, w) == UNKNOWN
        assert lex.is_word(normalize_word(w))   # وأبو is و + أبو
    assert kind(lex, "أبو", suffixed=True) == COMMON  # أبوه: "his father"


def test_explain_names_the_signal(lex):
    assert lex.explain("محادثات") == (COMMON, "article")
    assert lex.explain("في") == (FUNCTION, "closed")
    assert lex.explain("لاريجاني") == (UNKNOWN, "")


# ---------------------------------------------------------------- is_word and keeps_whole

def test_is_word_for_the_clitic_splitter(lex):
    assert lex.is_word("قوات")                  # لقواته → ل + قوات + ه
    assert lex.is_word("القوات")                # a core with the article
    assert not lex.is_word("اريجاني")           # لاريجاني must not become ل + اريجاني
    assert not lex.is_word("لاريجاني")


def test_keeps_whole(lex):
    assert not lex.keeps_whole("وقال", "قال")            # a real split: rarer than its core
    assert not lex.keeps_whole("لقوات", "قوات")
    assert lex.keeps_whole("بولسونارو", "ولسونارو")      # a name that only looks like و + …
    assert not lex.keeps_whole("بالقوات", "القوات")      # a core with the article is a real split
    assert not lex.keeps_whole("زقفلون", "قفلون")         # unseen whole: no opinion


# ---------------------------------------------------------------- gazetteer words

def test_gazetteer_names_may_be_names_even_when_they_are_words(lex):
    assert kind(lex, "حسن") == COMMON          # "good"
    g = lex.with_words(names=["حسن", "القذافي"], common=["ليبي"])
    assert kind(g, "حسن") == UNKNOWN           # ... and a given name
    assert g.is_word("حسن")                    # still a word for the clitic splitter
    assert kind(g, "حسن", definite=True) == COMMON   # الحسن is not the given name حسن
    assert kind(g, "قذافي", definite=True) == UNKNOWN  # a family name written with the article
    assert kind(g, "ليبي", definite=True) == COMMON


def test_a_name_does_not_carry_a_pronoun(lex):
    g = lex.with_words(names=["حياة"])
    assert kind(g, "حياة") == UNKNOWN
    assert kind(g, "حياة", suffixed=True) == COMMON   # حياته: "his life"


def test_with_words_skips_phrases_and_rejects_non_strings(lex):
    g = lex.with_words(names=["عبد الله"])
    assert kind(g, "عبد") == kind(lex, "عبد")
    with pytest.raises(TypeError):
        lex.with_words(names=[3])


def test_signals_can_be_switched_off(lex):
    only_article = lex.with_signals(["article"])
    assert only_article.explain("محادثات") == (COMMON, "article")
    assert only_article.classify("في") == UNKNOWN     # particles never take ال: the closed list knows them
    with pytest.raises(ValueError, match="unknown lexicon signal"):
        lex.with_signals(["article", "rhyme"])
    assert set(SIGNALS) == lex.signals


# ---------------------------------------------------------------- properties

arabic_letters = st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي"))
invented = st.lists(arabic_letters, min_size=9, max_size=13).map("".join)


@SETTINGS
@given(invented)
def test_invented_long_words_are_unknown(lex, word):
    # nine or more random letters: never a listed word, never attested with an article,
    # a pronoun or a paradigm
    assert kind(lex, word) == UNKNOWN
    assert not lex.is_word(word)


known = st.sampled_from(["محادثات", "يبحثون", "لاريجاني", "سولانا", "حكومة", "الذي", "إلى", "مستشفى"])
marks = st.lists(st.sampled_from(["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b", "\u0640"]),
                 max_size=4)


@SETTINGS
@given(known, st.lists(st.tuples(st.integers(0, 12), marks), max_size=3), st.booleans())
def test_diacritics_and_tatweel_do_not_change_the_answer(lex, word, inserts, definite):
    s = word
    for pos, ms in inserts:
        p = 1 + pos % len(s)
        s = s[:p] + "".join(ms) + s[p:]
    assert lex.classify(s, definite=definite) == lex.classify(normalize_word(word), definite=definite)


@SETTINGS
@given(st.one_of(invented, known, st.text(alphabet="ابتسملنوي", max_size=6)), st.booleans(), st.booleans())
def test_answers_are_one_of_three_and_consistent_with_is_word(lex, word, definite, suffixed):
    k = lex.classify(word, definite=definite, suffixed=suffixed)
    assert k in (FUNCTION, COMMON, UNKNOWN)
    assert lex.classify(word, definite=definite, suffixed=suffixed) == k   # memoized, stable
    if lex.classify(word) != UNKNOWN:
        assert lex.is_word(word)


# ---------------------------------------------------------------- cache and fallback

def test_the_table_is_cached_and_reloads_fast(lex, cache, monkeypatch):
    files = list(cache.glob("lexicon-ar-*.bin"))
    assert len(files) == 1 and not list(cache.glob(".lexicon-*"))   # atomic: no temp file left
    monkeypatch.setenv("ARABIC_IE_CACHE", str(cache))
    monkeypatch.setattr(Lexicon, "_loaded", {})
    t = time.perf_counter()
    again = Lexicon.load()
    took = time.perf_counter() - t
    assert "cached" in again.source
    assert again.classify("محادثات") == COMMON and again.classify("لاريجاني") == UNKNOWN
    assert took < 1.0   # about 10-30 ms here; generous for slow CI machines


def test_a_corrupt_cache_file_is_rebuilt(lex, cache, monkeypatch, tmp_path):
    d = tmp_path / "c"
    d.mkdir(mode=0o700)
    src = next(cache.glob("lexicon-ar-*.bin"))
    bad = d / src.name
    bad.write_bytes(src.read_bytes()[:1000])           # truncated
    monkeypatch.setenv("ARABIC_IE_CACHE", str(d))
    monkeypatch.setattr(Lexicon, "_loaded", {})
    rebuilt = Lexicon.load()
    assert "built" in rebuilt.source
    assert bad.stat().st_size == src.stat().st_size
    assert rebuilt.classify("يبحثون") == COMMON


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ARABIC_IE_CACHE", str(tmp_path / "a"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("ARABIC_IE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "arabic-ie"


def test_without_wordfreq_the_lexicon_falls_back(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ARABIC_IE_CACHE", str(tmp_path))
    monkeypatch.setattr(Lexicon, "_loaded", {})
    monkeypatch.setattr(Lexicon, "_warned", False)
    monkeypatch.setattr(lexicon_mod, "_wordfreq_data", lambda: None)
    fb = Lexicon.load()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wordfreq is not installed" in err
    assert not fb.available and fb.zipf("الرئيس") == 0.0
    assert fb.classify("في") == FUNCTION
    assert fb.classify("يبحثون") == COMMON          # verb shape
    assert fb.classify("اجتماعات") == COMMON        # noun template
    assert fb.classify("لاريجاني") == UNKNOWN
    assert not fb.keeps_whole("بولسونارو", "ولسونارو")
    monkeypatch.setattr(Lexicon, "_loaded", {})
    Lexicon.load()
    assert capsys.readouterr().err == ""            # warned once per process
    assert not os.listdir(tmp_path)                 # nothing cached without data


def test_unreadable_wordfreq_data_falls_back(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ARABIC_IE_CACHE", str(tmp_path))
    monkeypatch.setattr(Lexicon, "_loaded", {})
    monkeypatch.setattr(Lexicon, "_warned", False)
    monkeypatch.setattr(lexicon_mod, "_wordfreq_data", lambda: (tmp_path / "missing.msgpack.gz", "9.9"))
    fb = Lexicon.load()
    assert not fb.available and "cannot be read" in fb.source
    assert "cannot be read" in capsys.readouterr().err
