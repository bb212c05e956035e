"""Pack files are untrusted data: every problem is a positioned error, all reported at once."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from dsl.errors import PackError, SourcePos
from dsl.pack.schema import json_schema
from dsl.pack.source import read_sources
from dsl.pack.yamlsafe import read_yaml


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors_of(tmp_path: Path, text: str, name: str = "pack.yaml") -> list[str]:
    p = write(tmp_path, name, text)
    _, errs = read_sources([p])
    return [e.one_line().replace(str(tmp_path) + "/", "") for e in errs]


# --- YAML as data --------------------------------------------------------------------------------------
def test_values_keep_line_and_column():
    n = read_yaml("name: x\nrules:\n  - name: r\n    pattern: |\n      [stem=\"مع\"]\n", "p.yaml")
    rules = n.value["rules"][1]
    rule = rules.value[0]
    assert (rule.pos.line, rule.pos.column) == (3, 5)
    pat = rule.value["pattern"][1]
    assert pat.style == "|" and pat.value == '[stem="مع"]\n'


def test_object_constructing_tags_are_refused():
    with pytest.raises(PackError) as e:
        read_yaml("name: !!python/object/apply:os.system ['ls']\n", "evil.yaml")
    assert e.value.one_line().startswith("evil.yaml:1:7: YAML tag")
    assert "not allowed" in str(e.value)


def test_billion_laughs_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    t0 = time.perf_counter()
    with pytest.raises(PackError, match=r"more than \d+ YAML nodes .*MAX_NODES"):
        read_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert time.perf_counter() - t0 < 10  # generous: the point is "does not expand 10^9 nodes"


def test_yaml_syntax_error_names_line_and_column():
    with pytest.raises(PackError) as e:
        read_yaml("name: x\nrules: [\n  - a\n", "bad.yaml")
    assert e.value.one_line().startswith("bad.yaml:")
    assert "YAML syntax error" in str(e.value)


def test_duplicate_keys_are_errors():
    with pytest.raises(PackError, match=r"dup.yaml:2:1: duplicate key 'name' \(first at line 1\)"):
        read_yaml("name: a\nname: b\n", "dup.yaml")


# --- the schema ----------------------------------------------------------------------------------------
def test_unknown_key_gets_did_you_mean(tmp_path):
    errs = errors_of(tmp_path, "name: p\nrules:\n  - name: r\n    label: X\n    patern: '[]'\n")
    assert "pack.yaml:5:5: unknown key 'patern' in a rule (did you mean 'pattern'?)" in errs
    assert "pack.yaml:3:5: a rule is missing the required key 'pattern'" in errs


def test_wrong_types_are_reported_with_positions(tmp_path):
    errs = errors_of(tmp_path, "name: p\nrules:\n  - name: r\n    label: X\n    pattern: '[]'\n"
                               "    priority: high\n    enabled: maybe\n    mode: every\n")
    assert "pack.yaml:6:15: 'priority' must be a whole number, not text" in errs
    assert "pack.yaml:7:14: 'enabled' must be true or false, not text" in errs
    assert any(e.startswith("pack.yaml:8:11: 'mode' must be one of first, all; got 'every'") for e in errs)


def test_all_errors_are_collected(tmp_path):
    errs = errors_of(tmp_path, "name: p\nbogus: 1\nrules:\n  - name: r\n    label: 3x\n    pattern: '[]'\n"
                               "    examples:\n      - text: abc\n        expect: [{text: zzz}]\n")
    assert len(errs) == 3, errs
    assert any("unknown key 'bogus'" in e for e in errs)
    assert any("label '3x' must be a name" in e for e in errs)
    assert any("expected mention text 'zzz' does not occur in the example text" in e for e in errs)


def test_gazetteer_paths_must_stay_inside_the_allowed_folders(tmp_path):
    (tmp_path / "rules").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("x\n")
    errs = errors_of(tmp_path / "rules", "name: p\ngazetteers:\n  g: {file: ../secret.txt}\n")
    assert len(errs) == 1
    assert errs[0].startswith("pack.yaml:3:13: gazetteer '../secret.txt' resolves outside the allowed folders")
    assert "--allow-path" in errs[0]
    p = tmp_path / "rules" / "pack.yaml"
    _, errs2 = read_sources([p], allow_paths=[tmp_path])
    assert errs2 == []


def test_missing_gazetteer_file_is_reported(tmp_path):
    errs = errors_of(tmp_path, "name: p\ngazetteers:\n  g: {file: nope.txt}\n")
    assert errs and errs[0].startswith("pack.yaml:3:13: gazetteer 'nope.txt' does not exist")


def test_sibling_gazetteers_folder_is_allowed(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "gazetteers").mkdir()
    (tmp_path / "gazetteers" / "g.txt").write_text("مصر\n", encoding="utf-8")
    assert errors_of(tmp_path / "rules", "name: p\ngazetteers:\n  g: {file: ../gazetteers/g.txt}\n") == []


def test_import_cycle_is_an_error(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nimports: [b.yaml]\n")
    write(tmp_path, "b.yaml", "name: b\nimports: [a.yaml]\n")
    _, errs = read_sources([tmp_path / "a.yaml"])
    assert [e.message for e in errs] == ["import cycle: a.yaml → b.yaml → a.yaml"]


def test_diamond_imports_load_each_file_once(tmp_path):
    write(tmp_path, "base.yaml", "name: base\n")
    write(tmp_path, "l.yaml", "name: l\nimports: [base.yaml]\n")
    write(tmp_path, "r.yaml", "name: r\nimports: [base.yaml]\n")
    write(tmp_path, "top.yaml", "name: top\nimports: [l.yaml, r.yaml]\n")
    srcs, errs = read_sources([tmp_path / "top.yaml"])
    assert errs == []
    assert [s.name for s in srcs] == ["base", "l", "r", "top"]


def test_invalid_utf8_pack_names_the_byte(tmp_path):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"name: p\ndescription: \xff\xfe\n")
    _, errs = read_sources([p])
    assert [e.one_line().replace(str(tmp_path) + "/", "") for e in errs] == [
        "bin.yaml:2:14: invalid UTF-8 at byte 21"]


def test_block_pattern_origin_points_into_the_file(tmp_path):
    p = write(tmp_path, "p.yaml", "name: p\nrules:\n  - name: r\n    label: X\n    pattern: |\n"
                                   "      [stem=\"a\"]\n      [stem=\"b\"]\n")
    srcs, errs = read_sources([p])
    assert errs == []
    origin = srcs[0].rules[0].pattern.origin
    assert (origin.line, origin.column) == (6, 7)
    assert origin.locate(2, 3).line == 7 and origin.locate(2, 3).column == 9


def test_json_schema_is_generated_from_the_same_tables():
    s = json_schema()
    assert s["additionalProperties"] is False and "rules" in s["properties"]
    rule = s["$defs"]["rule"]
    assert set(rule["required"]) == {"name", "label", "pattern"}
    assert rule["properties"]["mode"]["enum"] == ["first", "all"]
    json.dumps(s)


def test_rendered_source_lines_never_carry_control_characters():
    err = PackError("bad", SourcePos("g.txt", 1, 3), source_line="ab\x1b[31mred\x07")
    assert "\x1b" not in err.render() and "\x07" not in err.render()
    assert "ab?[31mred?" in err.render()


# --- the compiled-pack cache (dsl.cache) ------------------------------------------------------------
CACHED_PACK = """\
name: cached
imports: [more.yaml]
gazetteers:
  towns: {file: gazetteers/towns.txt, label: Town, output: true}
rules:
  - name: visit
    label: Visit
    pattern: '"زار" (?<where> @Town)'
"""


def cached_pack_files(tmp_path: Path) -> Path:
    (tmp_path / "gazetteers").mkdir()
    write(tmp_path, "gazetteers/towns.txt", "القاهرة\n")
    write(tmp_path, "more.yaml", "name: more\nsets:\n  s: [قال]\n")
    return write(tmp_path, "pack.yaml", CACHED_PACK)


def test_a_cached_pack_is_reused_until_a_file_it_read_changes(tmp_path, monkeypatch):
    from dsl.pack.pack import Pack
    monkeypatch.setenv("ARABIC_IE_CACHE", str(tmp_path / "cache"))
    p = cached_pack_files(tmp_path)
    built: list[int] = []
    real_build = Pack._build.__func__

    def counting(cls, *a):
        built.append(1)
        return real_build(cls, *a)

    monkeypatch.setattr(Pack, "_build", classmethod(counting))

    def texts(pack: Pack) -> list[str]:
        return [m.text for m in pack.match("زار القاهرة ثم زار دمشق") if m.label == "Town"]

    assert texts(Pack.load([p], cache=True)) == ["القاهرة"] and len(built) == 1
    assert texts(Pack.load([p], cache=True)) == ["القاهرة"] and len(built) == 1     # from the cache
    assert len(list((tmp_path / "cache").glob("pack-*.pickle"))) == 1
    write(tmp_path, "gazetteers/towns.txt", "القاهرة\nدمشق\n")                    # a gazetteer it read
    assert texts(Pack.load([p], cache=True)) == ["القاهرة", "دمشق"] and len(built) == 2
    write(tmp_path, "more.yaml", "name: more\nsets:\n  s: [قال, زار]\n")          # an import
    Pack.load([p], cache=True)
    assert len(built) == 3
    Pack.load([p], cache=True)
    assert len(built) == 3
    Pack.load([p])                                                                  # cache=False
    assert len(built) == 4
    for f in (tmp_path / "cache").glob("pack-*.pickle"):                            # corrupt: rebuilt
        f.write_bytes(b"\x80\x05garbage")
    assert texts(Pack.load([p], cache=True)) == ["القاهرة", "دمشق"] and len(built) == 5
    Pack.load([p], cache=True)
    assert len(built) == 5                                                          # ... and stored again
    if hasattr(os, "getuid"):
        for f in (tmp_path / "cache").glob("pack-*.pickle"):                        # others could write it
            os.chmod(f, 0o646)
        Pack.load([p], cache=True)
        assert len(built) == 6


def test_a_pack_is_immutable_and_pickles_with_its_index(tmp_path):
    import dataclasses
    import pickle

    from dsl.pack.pack import Pack
    pack = Pack.load([cached_pack_files(tmp_path)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        pack.rules = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        pack.sets["s"] = frozenset()  # type: ignore[index]
    assert all(isinstance(x, tuple) for x in (pack.rules, pack.phases, pack.files, pack.sources, pack.warnings))
    assert all(isinstance(p.rules, tuple) for p in pack.phases)
    before = dict(vars(pack))
    found = [(m.label, m.text) for m in pack.match("زار القاهرة")]
    assert sorted(found) == [("Town", "القاهرة"), ("Visit", "زار القاهرة")]
    assert vars(pack) == before and all(vars(pack)[k] is v for k, v in before.items())   # running wrote nothing
    again = pickle.loads(pickle.dumps(pack))
    assert isinstance(again.compiled.matcher, type(pack.compiled.matcher)) and again.sets == pack.sets
    with pytest.raises(TypeError):
        again.overlap["x"] = "keep_all"  # type: ignore[index]
    assert [(m.label, m.text) for m in again.match("زار القاهرة")] == found


# --- gazetteer words inform the word lexicon -----------------------------------------------------------
LEXICON_PACK = """\
name: lex
gazetteers:
  names: {file: names.txt, lexicon: names}
  words: {file: words.txt, lexicon: common}
rules:
  - name: maybe_name
    label: Name
    pattern: '[lex=unknown]'
"""


def test_a_gazetteer_declared_lexicon_names_makes_its_words_possible_names(tmp_path):
    from dsl import Pack
    write(tmp_path, "names.txt", "نافعة\nعلي\tspelling=exact\nحسن نافعة\n")   # نافعة: also "useful"
    write(tmp_path, "words.txt", "كوماتسو\n")
    pack = Pack.load([write(tmp_path, "lex.yaml", LEXICON_PACK)])
    assert [m.text for m in pack.match("نافعة كوماتسو")] == ["نافعة"]
    # a spelling=exact entry stays what the lexicon says (علي is read like the preposition على)
    assert [t.lex for t in pack.analyzer.analyze("علي نافعة كوماتسو").tokens] == ["function", "unknown", "common"]


def test_lexicon_takes_names_or_common(tmp_path):
    write(tmp_path, "names.txt", "نافعة\n")
    errs = errors_of(tmp_path, "name: x\ngazetteers:\n  names: {file: names.txt, lexicon: name}\n")
    assert errs == ["pack.yaml:3:37: 'lexicon' must be one of names, common; got 'name' (did you mean 'names'?)"]


VARIANTS_PACK = """\
name: variants
gazetteers:
  families: {file: families.txt, label: Family, variants: spelling}
"""


def test_a_gazetteer_declared_variants_spelling_matches_the_spellings_of_the_press(tmp_path):
    from dsl import Pack
    write(tmp_path, "families.txt", "شولتس\torigin=foreign\nالدبيبة\nجمعة\nبوش\torigin=foreign\n")
    pack = Pack.load([write(tmp_path, "variants.yaml", VARIANTS_PACK)])
    found = pack.run("قال شولتز ثم شولتس ومعهما الدبيبه").mentions
    assert [(m.text, m.attrs["canonical"]) for m in found] == [("شولتز", "شولتس"), ("شولتس", "شولتس"),
                                                              ("الدبيبه", "الدبيبة")]
    assert found[0].attrs["variant"] == "spelling"
    # a variant that is an ordinary word, or one with a pronoun, is left out: بوس (kiss) is no
    # spelling of بوش, جمعه (he gathered it) none of جمعة
    assert pack.run("بوس جمعه").mentions == []


def test_another_analyzers_tokens_get_lex_from_the_packs_lexicon(tmp_path):
    from dsl import Document, Pack
    write(tmp_path, "names.txt", "نافعة\n")
    write(tmp_path, "words.txt", "كوماتسو\n")
    pack = Pack.load([write(tmp_path, "lex.yaml", LEXICON_PACK)])
    doc = Document.from_tokens([{"text": "وقال", "pre": "و", "stem": "قال"}, {"text": "لاريجاني"},
                                {"text": "نافعة"}, {"text": "كوماتسو", "lex": "unknown"}])
    assert [t.lex for t in doc.tokens] == ["", "", "", "unknown"]      # as given
    # the pack fills the missing classes (its gazetteers included); a given class is kept
    assert [m.text for m in pack.match(doc)] == ["لاريجاني", "نافعة", "كوماتسو"]
    assert [t.lex for t in pack.analyzer.with_lex(doc).tokens] == ["common", "unknown", "unknown", "unknown"]


def test_lex_keeps_the_token_type_ids_so_their_fast_paths_hold(tmp_path):
    from dsl import Document, Pack
    from dsl.doc.document import token_types
    write(tmp_path, "names.txt", "نافعة\n")
    write(tmp_path, "words.txt", "كوماتسو\n")
    pack = Pack.load([write(tmp_path, "lex.yaml", LEXICON_PACK)])
    doc = Document.from_tokens([{"text": w} for w in ["لاريجاني", "قال", "لاريجاني", "قال"]])
    done = pack.analyzer.with_lex(doc)
    assert token_types(done) == token_types(doc) is not None
    assert [t.lex for t in done.tokens] == ["unknown", "common", "unknown", "common"]
    assert done.tokens[0].analyses is done.tokens[2].analyses          # cached per distinct readings
    assert pack.analyzer.with_lex(done) is done                        # nothing missing: the same document
