"""Document-level propagation in the shipped persons pack, through the Python API: a person
named in full is found again by its surname (with its particle) or in full, and never as an
ordinary word, a function word or a place. Sentences written for these tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from dsl import Pack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack() -> Pack:
    return Pack.load([ROOT / "rules"])


def persons(pack: Pack, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.rule) for m in pack.match(text) if m.label == "Person"]


def test_a_surname_named_in_full_is_found_again(pack):
    text = "وصل الدكتور هشام الزبيدي إلى تونس. وسيلتقي الزبيدي وزير الصحة غدا."
    assert persons(pack, text) == [("هشام الزبيدي", "person_title"), ("الزبيدي", "person_surname_again")]


def test_the_particle_stays_with_the_surname(pack):
    text = "وأشاد الوزير بجهود الشيخ أسامة بن لادن قديما. وكان بن لادن قد غادر السودان."
    assert ("بن لادن", "person_surname_again") in persons(pack, text)


def test_a_function_word_spelled_like_the_surname_is_never_a_person(pack):
    # علي ends the name, and the preposition على is normalized to the same letters
    text = "وقال الوزير محمد علي إن الاتفاق على ترسيم الحدود تم بعد مفاوضات على مدى عامين."
    assert persons(pack, text) == [("محمد علي", "person_title")]


def test_a_place_after_a_kunya_is_not_propagated(pack):
    text = "استقبل الرئيس أحمد أبو غزة الوفد. وفي غزة تظاهر المئات."
    assert persons(pack, text) == [("أحمد أبو غزة", "person_title")]


def test_a_surname_that_is_also_a_word_is_not_propagated_in_a_noun_phrase(pack):
    # الأسد is a family name and "the lion": in الأسد الأفريقي it is the animal
    text = "وقال الرئيس بشار الأسد إن الحوار ممكن. ويعيش الأسد الأفريقي في السافانا. وأضاف الأسد أن الحل سياسي."
    assert persons(pack, text) == [("بشار الأسد", "person_title"), ("الأسد", "person_surname_again")]
    assert [m.start for m in pack.match(text) if m.text == "الأسد" and m.label == "Person"] == [text.rindex("الأسد")]


def test_a_name_found_again_in_full(pack):
    # the second time there is no cue: the name is found because its surname is known
    text = "وعين النادي المدرب زورانكو باريرا. ووصل زورانكو باريرا إلى المطار مساء أمس."
    assert persons(pack, text) == [("زورانكو باريرا", "person_descriptor"), ("زورانكو باريرا", "person_name_again")]
    assert persons(pack, "ووصل زورانكو باريرا إلى المطار مساء أمس.") == []
