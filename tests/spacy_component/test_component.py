"""The `arabic_ie` spaCy component: `spacy.blank("ar").add_pipe("arabic_ie")` (the `spacy` extra).

Tests of `dsl/spacy/`; the folder is not called `tests/spacy/`, because `tests/` is on the
import path and, without spaCy installed, `import spacy` would find that folder instead.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("spacy", reason="the spaCy component needs the 'spacy' extra: pip install -e '.[spacy]'")
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from dsl import PatternError
from dsl.spacy import ArabicIE

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "examples" / "000_457475bf7bf8e888.txt"
EXAMPLES = sorted((ROOT / "examples").glob("*.txt"))
# Invented names: no gazetteer, lexicon or rule of the shipped packs knows them.
TEXT = "والتقى قحطوم برزيلان مع فلدوز شمرخان في القاهرة."
AGENT, PARTNER = "قحطوم برزيلان", "فلدوز شمرخان"


def found(doc, key: str = "arabic_ie") -> list[dict]:
    """The mentions behind the component's spans (their JSON Lines objects, without `doc`)."""
    return [span._.mention for span in doc.spans[key]]


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("ar")
    nlp.add_pipe("arabic_ie")
    return nlp


def cli_mentions(path: Path) -> list[dict]:
    r = subprocess.run([sys.executable, "-m", "dsl", "match", str(path)], capture_output=True, cwd=ROOT,
                       timeout=300, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    return [{k: v for k, v in json.loads(line).items() if k != "doc"} for line in r.stdout.decode().splitlines()]


def test_the_entry_point_registers_the_factory_without_importing_anything():
    code = ("import sys, spacy; nlp = spacy.blank('ar'); nlp.add_pipe('arabic_ie'); "
            "print('dsl.spacy.component' in sys.modules, nlp.pipe_names)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "True ['arabic_ie']"


def test_a_sample_article_gives_the_same_mentions_as_arabic_ie_match(nlp):
    doc = nlp(ARTICLE.read_text(encoding="utf-8"))
    want = cli_mentions(ARTICLE)
    assert len(want) > 40 and found(doc) == want
    assert [s.label_ for s in doc.spans["arabic_ie"]] == [m["label"] for m in want]
    assert {"Person", "Meeting", "Visit"} <= set(nlp.pipe_labels["arabic_ie"])


def test_arguments_are_reachable_from_the_span(nlp):
    doc = nlp("وأجرى الوزير محادثات مع الفريق خليفة حفتر في بنغازي.")
    (meeting,) = [s for s in doc.spans["arabic_ie"] if s.label_ == "Meeting"]
    assert meeting._.args["partner"] == {"start": 31, "end": 41, "text": "خليفة حفتر", "label": "Person"}
    assert meeting._.mention["rule"] == "meeting_held_talks"


def test_a_span_covers_the_spacy_tokens_its_mention_overlaps_and_keeps_the_exact_offsets(nlp):
    doc = nlp("وأجرى الوزير محادثات مع الفريق خليفة حفتر في بنغازي.")
    (meeting,) = [s for s in doc.spans["arabic_ie"] if s.label_ == "Meeting"]
    m = meeting._.mention
    assert m["text"].startswith("أجرى") and (m["start"], meeting.start_char) == (1, 0)   # و is a clitic
    assert meeting.text.startswith("وأجرى") and meeting[0].text == "وأجرى"
    for span in doc.spans["arabic_ie"]:    # the smallest run of whole tokens holding the mention
        m = span._.mention
        assert span.start_char <= m["start"] < span[0].idx + len(span[0]) and span[-1].idx < m["end"] <= span.end_char


def test_saved_docs_keep_their_spans_and_mentions(nlp):
    doc = nlp("وأجرى الوزير محادثات مع الفريق خليفة حفتر في بنغازي.")
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert found(again) == found(doc) and [s.label_ for s in again.spans["arabic_ie"]] == ["Meeting", "Person",
                                                                                            "Location"]
    bin_ = DocBin(store_user_data=True)
    bin_.add(doc)
    (back,) = DocBin().from_bytes(bin_.to_bytes()).get_docs(spacy.blank("ar").vocab)
    assert found(back) == found(doc)


def test_the_docs_own_tokens_give_the_same_mentions_on_the_samples(nlp):
    """On spaCy's own tokens the word-level mentions are the same. Sentences are the tokens':
    spaCy's blank Arabic tokenizer leaves `".` glued to a word, so two sentences become one and
    an event rule that looks back across its sentence may stay silent; it never adds an event."""
    own = spacy.blank("ar")
    own.add_pipe("arabic_ie", config={"tokens": "spacy"})
    events = {"Meeting", "Visit", "Appointment"}
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        mine, theirs = found(own(text)), found(nlp(text))
        assert [m for m in mine if m["label"] not in events] == [m for m in theirs if m["label"] not in events], \
            path.name
        assert all(m in theirs for m in mine if m["label"] in events), path.name


def test_entities_of_an_earlier_pipe_are_input_to_the_rules():
    nlp = spacy.blank("ar")
    ruler = nlp.add_pipe("entity_ruler")        # stands for a statistical `ner` pipe here
    ruler.add_patterns([{"label": "PER", "pattern": AGENT}, {"label": "PER", "pattern": PARTNER}])
    nlp.add_pipe("arabic_ie")
    doc = nlp(TEXT)
    (meeting,) = [s for s in doc.spans["arabic_ie"] if s.label_ == "Meeting"]
    assert (meeting._.args["agent"]["text"], meeting._.args["partner"]["text"]) == (AGENT, PARTNER)
    assert "Person" not in {s.label_ for s in doc.spans["arabic_ie"]}      # input, not output
    assert [(e.label_, e.text) for e in doc.ents] == [("PER", AGENT), ("PER", PARTNER)]   # left as they were


def test_label_map_echo_ents_and_ents_labels():
    nlp = spacy.blank("ar")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSONNE", "pattern": AGENT}, {"label": "PERSONNE", "pattern": PARTNER}])
    nlp.add_pipe("arabic_ie", config={"label_map": {"PERSONNE": "Person"}, "echo_ents": True,
                                      "ents_labels": ["Person", "Location", "Meeting"]})
    doc = nlp(TEXT)
    assert [(s.label_, s._.mention["rule"]) for s in doc.spans["arabic_ie"] if s.label_ == "Person"] == [
        ("Person", "input"), ("Person", "input")]
    # doc.ents keeps the earlier pipe's entities and gains the component's where they overlap none
    assert [(e.label_, e.text) for e in doc.ents] == [("PERSONNE", AGENT), ("PERSONNE", PARTNER),
                                                      ("Location", "القاهرة")]
    assert doc.ents[-1]._.mention["rule"] == "gazetteer:locations" and doc.ents[0]._.mention is None
    off = spacy.blank("ar")
    off.add_pipe("entity_ruler").add_patterns([{"label": "PER", "pattern": AGENT}])
    off.add_pipe("arabic_ie", config={"input_ents": False})
    assert "Meeting" not in {m["label"] for m in found(off(TEXT))}


PROPN_PACK = """\
name: propn
attributes: [pos]
rules:
  - name: met_propn
    label: Met
    pattern: '(?<trigger> "التقى") (?<agent> [pos=PROPN]+) "مع" (?<partner> [pos=PROPN]+)'
"""


def test_a_pack_reads_spacy_attributes_it_declares_on_the_docs_own_tokens(tmp_path):
    pack = tmp_path / "propn.yaml"
    pack.write_text(PROPN_PACK, encoding="utf-8")
    nlp = spacy.blank("ar")
    nlp.add_pipe("attribute_ruler").add_patterns(   # stands for a tagger
        [{"patterns": [[{"TEXT": w}] for w in (AGENT + " " + PARTNER).split()], "attrs": {"POS": "PROPN"}}])
    nlp.add_pipe("arabic_ie", config={"rules": [str(pack)], "tokens": "spacy"})
    (met,) = found(nlp(TEXT))
    assert (met["args"]["agent"]["text"], met["args"]["partner"]["text"]) == (AGENT, PARTNER)
    assert (met["text"], met["start"]) == ("التقى قحطوم برزيلان مع فلدوز شمرخان", 1)


def test_the_labels_setting_keeps_only_those_labels(nlp):
    only = spacy.blank("ar")
    only.add_pipe("arabic_ie", config={"labels": ["Person"], "spans_key": "people"})
    text = ARTICLE.read_text(encoding="utf-8")
    assert found(only(text), "people") == [m for m in found(nlp(text)) if m["label"] == "Person"]
    assert only.pipe_labels["arabic_ie"] == ["Person"]


def test_bad_settings_and_bad_packs_fail_when_the_pipe_is_added(tmp_path):
    with pytest.raises(ValueError, match="'tokens' must be one of analyze, spacy, not 'words'"):
        spacy.blank("ar").add_pipe("arabic_ie", config={"tokens": "words"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nrules:\n  - {name: r, label: X, pattern: '[stm=\"x\"]'}\n", encoding="utf-8")
    with pytest.raises(PatternError, match=r"bad.yaml:3:36: unknown attribute 'stm' \(did you mean 'stem'\?\)"):
        spacy.blank("ar").add_pipe("arabic_ie", config={"rules": [str(bad)]})


def write_pack_tree(base: Path) -> Path:
    """A pack importing another, which reads a gazetteer in a sibling folder: three files to carry."""
    (base / "packs").mkdir(parents=True)
    (base / "gazetteers").mkdir()
    (base / "gazetteers" / "names.txt").write_text(f"{AGENT}\n{PARTNER}\n", encoding="utf-8")
    (base / "packs" / "base.yaml").write_text(
        "name: base\ngazetteers:\n  names: {file: ../gazetteers/names.txt, label: Person, output: true}\n",
        encoding="utf-8")
    (base / "packs" / "mine.yaml").write_text(
        "name: mine\nimports: [base.yaml]\nrules:\n"
        "  - {name: met, label: Met, pattern: '(?<trigger> \"التقى\") (?<who> @Person)'}\n", encoding="utf-8")
    return base / "packs" / "mine.yaml"


def test_to_disk_carries_the_pack_files_so_spacy_load_works_anywhere(tmp_path, monkeypatch):
    src = write_pack_tree(tmp_path / "src")
    nlp = spacy.blank("ar")
    nlp.add_pipe("arabic_ie", config={"rules": [str(src)]})
    want = found(nlp(TEXT))
    assert [m["label"] for m in want] == ["Met", "Person", "Person"]
    nlp.to_disk(tmp_path / "model")
    shutil.rmtree(tmp_path / "src")                      # the originals are gone
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = spacy.load(tmp_path / "model")
    assert found(loaded(TEXT)) == want
    copied = sorted(p.relative_to(tmp_path / "model" / "arabic_ie").as_posix()
                    for p in (tmp_path / "model" / "arabic_ie").rglob("*") if p.is_file())
    assert copied == ["arabic_ie.json", "packs/gazetteers/names.txt", "packs/packs/base.yaml", "packs/packs/mine.yaml"]
    loaded.to_disk(tmp_path / "again")                   # a loaded pipeline saves its copies again
    assert found(spacy.load(tmp_path / "again")(TEXT)) == want
    # the copies win over the config's paths, even when the config is told not to read them
    monkeypatch.chdir(tmp_path)
    src = write_pack_tree(tmp_path / "src")
    src.write_text("name: mine\nrules: [{name: broken, label: X, pattern: '[stm=x]'}]\n", encoding="utf-8")
    skip = {"components": {"arabic_ie": {"rules": None}}}
    assert found(spacy.load(tmp_path / "model", config=skip)(TEXT)) == want


def test_the_shipped_packs_are_not_copied_and_reload_from_the_installed_package(nlp, tmp_path):
    nlp.to_disk(tmp_path / "model")
    assert not (tmp_path / "model" / "arabic_ie" / "packs").exists()
    text = ARTICLE.read_text(encoding="utf-8")
    assert found(spacy.load(tmp_path / "model")(text)) == found(nlp(text))


def test_the_component_pickles_for_spawned_worker_processes(nlp):
    comp = nlp.get_pipe("arabic_ie")
    again = pickle.loads(pickle.dumps(comp))
    assert isinstance(again, ArabicIE) and again._pack is None    # reloaded from its files on first use
    doc = spacy.blank("ar")(TEXT)
    assert found(again(doc)) == found(nlp(TEXT))


@Language.component("record_pid")
def record_pid(doc):
    doc.user_data["pid"] = os.getpid()
    return doc


@pytest.mark.slow
def test_nlp_pipe_with_two_processes_gives_the_same_spans(nlp):
    texts = [p.read_text(encoding="utf-8") for p in EXAMPLES] * 4
    two = spacy.blank("ar")
    two.add_pipe("arabic_ie")
    two.add_pipe("record_pid")
    docs = list(two.pipe(texts, n_process=2, batch_size=2))
    assert {d.user_data["pid"] for d in docs} - {os.getpid()}, "the documents were not matched in worker processes"
    assert [found(d) for d in docs] == [found(nlp(t)) for t in texts]
    assert docs[0].spans["arabic_ie"][0]._.args is not None
