"""Gazetteer words the analyzer takes whole: a word with the conjunction و later in an office or
organization entry (العراق وسوريا) stays و + the entry it names, so that entry is found in text."""
from __future__ import annotations

from pathlib import Path

from dsl.pack.pack import Pack

PACK = """\
name: g
gazetteers:
  places: {file: places.txt, label: Place, output: true, lexicon: names}
  orgs: {file: orgs.txt, label: Org, output: true}
  given: {file: given.txt, label: Given, output: true, lexicon: names}
"""


def _pack(tmp_path: Path) -> Pack:
    (tmp_path / "places.txt").write_text("العراق\nسوريا\nلبنان\n", encoding="utf-8")
    (tmp_path / "orgs.txt").write_text("هيئة التعاون بين العراق وسوريا\n", encoding="utf-8")
    (tmp_path / "given.txt").write_text("وسوريا\n", encoding="utf-8")
    p = tmp_path / "g.yaml"
    p.write_text(PACK.replace("\n  given: {file: given.txt, label: Given, output: true, lexicon: names}", ""),
                 encoding="utf-8")
    return Pack.from_yaml(p)


def test_a_conjunction_with_a_known_entry_in_an_organization_is_split_in_text(tmp_path):
    pack = _pack(tmp_path)
    found = [(m.label, m.text) for m in pack.match("وزار الوزير لبنان وسوريا أمس")]
    assert ("Place", "سوريا") in found
    found = [(m.label, m.text) for m in pack.match("واجتمعت هيئة التعاون بين العراق وسوريا أمس")]
    assert ("Org", "هيئة التعاون بين العراق وسوريا") in found


def test_a_names_gazetteer_keeps_such_a_word_whole(tmp_path):
    _pack(tmp_path)
    (tmp_path / "g.yaml").write_text(PACK, encoding="utf-8")
    pack = Pack.from_yaml(tmp_path / "g.yaml")
    found = [(m.label, m.text) for m in pack.match("وزار الوزير لبنان وسوريا أمس")]
    assert ("Given", "وسوريا") in found
