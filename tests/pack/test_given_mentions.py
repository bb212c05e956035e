"""Entities from a model as rule input: `Pack.match(text, mentions=[...])`.

They enter the cascade as mentions of their label before the first phase: `@Person` sees
them, the overlap policy weighs them like gazetteer mentions, and they are input, not output,
unless echoed.
"""
from __future__ import annotations

import pytest

from dsl import InputError, Pack
from dsl.pack.pack import load_default_pack

# Invented names: no gazetteer, lexicon or rule of the shipped packs knows them.
TEXT = "والتقى قحطوم برزيلان مع فلدوز شمرخان في القاهرة."
AGENT, PARTNER = "قحطوم برزيلان", "فلدوز شمرخان"


def ent(label: str, sub: str, text: str = TEXT, **kw) -> dict:
    i = text.index(sub)
    return {"label": label, "start": i, "end": i + len(sub), **kw}


@pytest.fixture(scope="module")
def shipped() -> Pack:
    return load_default_pack()


def test_an_event_rule_fires_on_persons_given_only_by_a_model(shipped):
    assert [m.label for m in shipped.match(TEXT)] == ["Location"]          # the rules alone find no person
    ms = shipped.match(TEXT, mentions=[ent("Person", AGENT), ent("Person", PARTNER)])
    (meeting,) = [m for m in ms if m.label == "Meeting"]
    assert meeting.args["agent"].text == AGENT and meeting.args["partner"].text == PARTNER
    assert meeting.args["agent"].label == "Person" and meeting.args["place"].text == "القاهرة"


def test_given_mentions_are_input_not_output_unless_echoed(shipped):
    given = [ent("Person", AGENT), ent("Person", PARTNER)]
    assert "Person" not in {m.label for m in shipped.match(TEXT, mentions=given)}
    echoed = [m for m in shipped.match(TEXT, mentions=given, echo_mentions=True) if m.label == "Person"]
    assert [(m.text, m.rule) for m in echoed] == [(AGENT, "input"), (PARTNER, "input")]
    assert echoed[0].to_dict()["rule"] == "input"
    result = shipped.run(TEXT, mentions=given)          # run() holds every mention, internal ones too
    assert [m.text for m in result.mentions if m.rule == "input"] == [AGENT, PARTNER]


def test_a_bad_entry_is_an_input_error_naming_it(shipped):
    with pytest.raises(InputError) as ei:
        shipped.match(TEXT, id="article-3", mentions=[ent("Person", AGENT), {"label": "Person", "start": 7}])
    assert str(ei.value) == "article-3: mentions[1]: missing 'end' (an entry is {\"label\", \"start\", \"end\"})"


PACK = """
name: given-test
rules:
  - name: person_after_minister
    label: Person
    priority: 1
    span: name
    pattern: '"الوزير" (?<name> [shape=arabic])'
  - name: meeting
    label: Meeting
    pattern: '(?<trigger> "التقى") NOISE{0,3}? (?<agent> @Person) NOISE{0,2}? "مع" (?<partner> @Person)'
  - name: camel_person
    label: Sourced
    pattern: '@Person[source="camel"]'
macros:
  NOISE: '[shape=arabic]'
"""
SENT = "التقى الوزير زيد عمرو مع هند"


@pytest.fixture(scope="module")
def small() -> Pack:
    return Pack.from_yaml(PACK)


def test_the_overlap_policy_weighs_them_like_any_mention_priority_first(small):
    model = [ent("Person", "زيد عمرو", SENT), ent("Person", "هند", SENT)]
    # the rule's Person (priority 1) beats the model's longer one (priority 0) ...
    result = small.run(SENT, mentions=model)
    (lost,) = [r for r in result.removals if r.removed.rule == "input"]
    assert (lost.removed.text, lost.winner.text, lost.winner.rule) == ("زيد عمرو", "زيد", "person_after_minister")
    (meeting,) = [m for m in result.output() if m.label == "Meeting"]
    assert meeting.args["agent"].text == "زيد"
    # ... and a higher priority given with the entry (or `--mentions-priority`) reverses it
    model[0]["priority"] = 2
    (meeting,) = [m for m in small.match(SENT, mentions=model) if m.label == "Meeting"]
    assert meeting.args["agent"].text == "زيد عمرو"


def test_attributes_of_an_entry_are_testable_in_patterns(small):
    ms = small.match(SENT, mentions=[ent("Person", "هند", SENT, attrs={"source": "camel"})])
    assert [m.text for m in ms if m.label == "Sourced"] == ["هند"]
    assert [m.text for m in small.match(SENT, mentions=[ent("Person", "هند", SENT)]) if m.label == "Sourced"] == []


def test_another_packs_mentions_can_be_the_input(small, shipped):
    persons = [m for m in shipped.match("التقى اللواء خليفة حفتر مع هند")]
    ms = small.match("التقى اللواء خليفة حفتر مع هند", mentions=persons + [
        ent("Person", "هند", "التقى اللواء خليفة حفتر مع هند")])
    (meeting,) = [m for m in ms if m.label == "Meeting"]
    assert (meeting.args["agent"].text, meeting.args["partner"].text) == ("خليفة حفتر", "هند")


def test_mentions_work_on_documents_made_of_another_analyzers_tokens(small):
    from dsl import Document
    doc = Document.from_tokens([{"text": w} for w in ["التقى", "زيد", "مع", "هند"]])
    ms = small.match(doc, mentions=[{"label": "Person", "start": 6, "end": 9},
                                    {"label": "Person", "start": 13, "end": 16}])
    assert [(m.label, m.args["agent"].text) for m in ms] == [("Meeting", "زيد")]


def test_document_sets_read_them_so_a_surname_the_model_named_in_full_is_found_again(shipped):
    text = "والتقى قحطوم زريلان مع فلدوز شمرخان في القاهرة. وغادر زريلان القاعة بعد اللقاء."
    assert [m.label for m in shipped.match(text)] == ["Location"]
    ms = shipped.match(text, mentions=[ent("Person", "قحطوم زريلان", text)])
    assert [(m.text, m.rule, m.start) for m in ms if m.label == "Person"] == [
        ("زريلان", "person_surname_again", text.rindex("زريلان"))]
