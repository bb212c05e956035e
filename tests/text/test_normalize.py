"""Normalization and its offset map (dsl/normalize.py)."""
from __future__ import annotations

import pytest

from dsl.text.normalize import DEFAULT, NormalizeOptions, normalize, normalize_word


def test_default_steps():
    assert normalize_word("مُحَمَّدٌ") == "محمد"
    assert normalize_word("حفتـــر") == "حفتر"
    assert normalize_word("أحمد إبراهيم آخر ٱلله") == "احمد ابراهيم اخر الله"
    assert normalize_word("مستشفى على") == "مستشفي علي"
    assert normalize_word("حكومة") == "حكومة"          # ta marbuta kept by default
    assert normalize_word("٢٠١١ ۱۲ ٣٫٥ ١٬٠٠٠ ٥٪") == "2011 12 3.5 1,000 5%"


def test_other_marks_and_quranic_signs_are_stripped():
    assert normalize_word("بِسْمِ") == "بسم"
    assert normalize_word("ا\u0653") == "ا"               # maddah above (composes to آ → ا)
    assert normalize_word("علىٰ") == "علي"               # superscript alef
    assert normalize_word("الرَّحِيمِ\u06d6") == "الرحيم"  # Quranic small high ligature
    assert normalize_word("ك\u065fتاب") == "كتاب"


def test_decomposed_hamza_composes_like_precomposed():
    assert normalize_word("و\u0654") == normalize_word("ؤ") == "ؤ"
    assert normalize_word("ي\u0654") == "ئ"
    assert normalize_word("ا\u0654") == "ا"


def test_ta_marbuta_option():
    opts = DEFAULT.replace(ta_marbuta=True)
    assert normalize_word("حكومة", opts) == "حكومه"
    assert not DEFAULT.ta_marbuta


def test_options_toggle_each_step():
    off = NormalizeOptions(**{f: False for f in NormalizeOptions.__dataclass_fields__})
    s = "أَحمدـ ى ٣ \u200fﻻ"
    assert normalize_word(s, off) == s
    assert normalize_word("أحمد", DEFAULT.replace(alef=False)) == "أحمد"
    assert normalize_word("مُحمد", DEFAULT.replace(diacritics=False)) == "مُحمد"
    assert normalize_word("٣", DEFAULT.replace(digits=False)) == "٣"
    with pytest.raises(TypeError):
        DEFAULT.replace(nope=True)


def test_presentation_forms_nfkc():
    assert normalize_word("ﻻ") == "لا"
    assert normalize_word("ﻷ") == "لا"                  # lam-alef with hamza → لأ → لا
    assert normalize_word("ﷲ") == "الله"
    assert normalize_word("ﺃﺣﻤﺪ") == "احمد"
    assert normalize_word("ﷺ") == "ﷺ"                   # NFKC has spaces: kept as it is
    assert normalize_word("ﷻ") == "ﷻ"
    assert normalize_word("\ufe70") == "\ufe70"          # isolated fathatan (NFKC: space + mark)
    assert normalize_word("ب\ufe71") == "ب"              # tatweel with fathatan: removed


def test_invisible_characters_removed():
    assert normalize_word("كل\u200fمة\u200d\u200c\u202b\u2066\u061c\ufeff\u00ad") == "كلمة"


def test_offset_map_keeps_diacritics_with_their_letter():
    s = "زار رئيساً جزءًا"
    n = normalize(s)
    assert n.text == "زار رئيسا جزءا"
    i = n.text.index("رئيسا")
    os_, oe = n.original_span(i, i + len("رئيسا"))
    assert s[os_:oe] == "رئيساً"
    j = n.text.index("جزءا")
    os_, oe = n.original_span(j, j + 4)
    assert s[os_:oe] == "جزءًا"
    assert n.to_original(0) == 0 and n.to_original(len(n.text)) == len(s)


def test_offset_map_expansion_and_removal():
    s = "\u200fﻻ بـــد"
    n = normalize(s)
    assert n.text == "لا بد"
    assert n.original_span(0, 1) == (1, 2) and n.original_span(1, 2) == (1, 2)
    assert n.original_span(0, 2) == (1, 2)
    k = n.text.index("بد")
    assert s[slice(*n.original_span(k, k + 2))] == "بـــد"
    assert n.original_span(k, k + 1) == (s.index("ب"), s.index("د"))  # tatweel joins ب
    assert n.to_normalized(0) == 0 and n.to_normalized(1) == 0
    assert n.normalized_span(s.index("ب"), len(s)) == (k, k + 2)
    assert n.covering(s.index("ـ")) == k
    assert n.covering(0) == -1                                      # the RLM belongs to nobody
    with pytest.raises(IndexError):
        n.original_span(0, 99)


def test_idempotent_and_word_equals_full():
    for s in ["أَحْمَدُ ﻹ", "و\u0654\u0654", "ا\u0654\u0653", "ىٔ", "", "abc ١٢٣"]:
        once = normalize(s).text
        assert normalize(once).text == once
        assert normalize_word(s) == once
