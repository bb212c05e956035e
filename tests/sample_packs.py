"""Small packs and texts that several test files share (imported by name: tests/ is on the path).

* `TINY` — one rule, a rank then one or two bare names: the pack of the CLI and robustness
  tests, with `SENTENCE` as the text it finds a person in.
* `demo_pack(name, *extra_rules)` — four rules over ranks, names, a meeting verb and a visit
  (the old side of a diff, and the stats demo), with `DEMO_DOCS` as their corpus.
"""
from __future__ import annotations

TINY = """\
name: tiny
sets:
  ranks: [مشير, فريق]
rules:
  - name: ranked
    label: Person
    span: name
    pattern: '[stem in ranks] (?<name> [shape=arabic & !def]{1,2})'
"""
SENTENCE = "المشير خليفة حفتر"

_DEMO_HEAD = """\
name: {name}
sets:
  ranks: [مشير, لواء]
rules:
"""
TITLED = """\
  - name: titled
    label: Person
    priority: 2
    pattern: '[stem in ranks] [shape=arabic & !def] [shape=arabic]?'
"""
DEMO_RULES = TITLED + """\
  - name: bare_pair
    label: Person
    priority: 1
    pattern: '[stem="خليفة"] [shape=arabic]'
  - name: greet
    label: Event
    pattern: '"التقى"'
  - name: visit
    label: Visit
    span: trigger
    args: {trigger: span, place: span}
    pattern: '(?<trigger> "زار") (?<place> [shape=arabic])'
"""
DEMO_DOCS = {"a.txt": "التقى المشير خليفة حفتر في بنغازي.", "b.txt": "زار اللواء خالد القاهرة."}


def demo_pack(name: str, rules: str = DEMO_RULES, *extra_rules: str) -> str:
    """A pack named `name` with the demo's `ranks` set and `rules` (plus `extra_rules`)."""
    return _DEMO_HEAD.format(name=name) + rules + "".join(extra_rules)
