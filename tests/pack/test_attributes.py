"""Packs declare the attributes they read from another analyzer (`attributes: [pos, lemma]`)."""
from __future__ import annotations

from pathlib import Path

import pytest

from dsl import Document, DslError, ErrorList, Pack, PatternError

NOUN_PACK = """\
name: pos-pack
attributes: [pos, lemma]
rules:
  - name: noun_after_title
    label: Named
    span: name
    pattern: '[stem="مشير"] (?<name> [pos="noun" & lemma!=""]{1,2})'
"""
# tokens from another analyzer (CAMeL Tools, Farasa, Stanza ...), with attributes of their own
TOKENS = [{"text": "والتقى", "pre": "و", "stem": "التقى", "pos": "verb"},
          {"text": "بالمشير", "pre": "ب", "def": True, "stem": "مشير", "pos": "noun", "lemma": "مُشِير"},
          {"text": "خليفة", "pos": "noun", "lemma": "خليفة"},
          {"text": "حفتر", "pos": "noun", "lemma": "حفتر"},
          {"text": "أمس", "pos": "adv", "lemma": "أمس"}]


def test_a_declared_attribute_is_read_from_the_tokens_extra():
    pack = Pack.from_yaml(NOUN_PACK)
    assert pack.attributes == ("lemma", "pos")
    (m,) = pack.match(Document.from_tokens(TOKENS))
    assert (m.label, m.text) == ("Named", "خليفة حفتر")
    # values are normalized on both sides, as for every string attribute
    assert [m.text for m in Pack.from_yaml(NOUN_PACK.replace('"noun"', '"NOUN"')).match(
        Document.from_tokens([dict(t, pos=t["pos"].upper()) for t in TOKENS]))] == ["خليفة حفتر"]


def test_the_analyzers_own_tokens_have_no_such_attribute_so_the_rule_finds_nothing():
    assert Pack.from_yaml(NOUN_PACK).match("والتقى بالمشير خليفة حفتر أمس") == []


def test_an_undeclared_attribute_is_an_error_at_its_place_with_a_hint():
    with pytest.raises(DslError) as ei:   # both mistakes of the pattern at once
        Pack.from_yaml(NOUN_PACK.replace("attributes: [pos, lemma]\n", ""))
    assert str(ei.value).splitlines() == [
        "<pack>:6:39: unknown attribute 'pos' (an attribute from another analyzer must be declared: "
        "'attributes: [pos]' in the pack)",
        "<pack>:6:52: unknown attribute 'lemma' (an attribute from another analyzer must be declared: "
        "'attributes: [lemma]' in the pack)"]
    with pytest.raises(PatternError, match=r"unknown attribute 'lema' \(did you mean 'lemma'\?\)"):
        Pack.from_yaml(NOUN_PACK.replace("lemma!=", "lema!="))


@pytest.mark.parametrize("decl,message", [
    ("attributes: [pos, stem]", "<pack>:2:19: attribute 'stem' is built in: declare only attributes from another "
                                "analyzer (pos, lemma, ...)"),
    ("attributes: [pos, start]", "<pack>:2:19: attribute 'start' cannot be declared: Document.from_tokens reads"),
    ("attributes: [pos, pos]", "<pack>:2:19: attribute 'pos' is declared twice"),
    ("attributes: [pos, 2x]", "<pack>:2:19: attribute name '2x' must be an identifier"),
    ("attributes: pos", "<pack>:2:13: 'attributes' must be a list, not text"),
    ("atributes: [pos]", "<pack>:2:1: unknown key 'atributes' in the pack (did you mean 'attributes'?)"),
])
def test_bad_declarations_are_errors_with_positions(decl, message):
    with pytest.raises(DslError) as ei:
        Pack.from_yaml(NOUN_PACK.replace("attributes: [pos, lemma]", decl))
    errors = ei.value.errors if isinstance(ei.value, ErrorList) else [ei.value]
    assert any(e.one_line().startswith(message) for e in errors), [e.one_line() for e in errors]


def test_attributes_declared_by_an_imported_pack_are_readable_by_the_importer(tmp_path: Path):
    (tmp_path / "base.yaml").write_text("name: base\nattributes: [pos]\n", encoding="utf-8")
    (tmp_path / "top.yaml").write_text("name: top\nimports: [base.yaml]\nrules:\n"
                                       "  - {name: n, label: N, pattern: '[pos=noun]'}\n", encoding="utf-8")
    pack = Pack.load([tmp_path / "top.yaml"])
    assert [m.text for m in pack.match(Document.from_tokens(TOKENS))] == ["المشير", "خليفة", "حفتر"]


def test_byo_tokens_with_a_prefix_but_no_offsets_keep_the_clitic_out_of_spans():
    pack = Pack.from_yaml("name: p\nattributes: [pos]\nrules:\n"
                          "  - {name: t, label: T, pattern: '[stem=\"مشير\"] [pos=noun]'}\n")
    doc = Document.from_tokens(TOKENS)
    assert doc.text == "والتقى بالمشير خليفة حفتر أمس"
    (m,) = pack.match(doc)
    assert m.text == "المشير خليفة"                      # not بالمشير: as for the analyzer's own tokens
    assert (doc.tokens[1].text, doc.tokens[1].word, doc.tokens[1].norm) == ("المشير", "بالمشير", "المشير")
    own = Pack.from_yaml("name: q\nrules:\n  - {name: t, label: T, pattern: '[stem=\"مشير\"] \"خليفة\"'}\n")
    assert [x.text for x in own.match("والتقى بالمشير خليفة حفتر أمس")] == [m.text]


def test_the_article_fused_with_li_keeps_its_lam_in_the_core_and_its_alef_in_the_norm():
    doc = Document.from_tokens([{"text": "للفريق", "pre": "ل", "def": True}, {"text": "حكومتهُ", "suf": "ه"}])
    a, b = doc.tokens
    assert (a.text, a.norm, a.stem) == ("لفريق", "الفريق", "فريق")      # like the analyzer's own token
    assert (b.text, b.word_end - b.end) == ("حكومت", 2)                    # the enclitic and its vowel are out
