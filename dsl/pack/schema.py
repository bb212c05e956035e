"""The rule-pack schema, declared once: the validator in `pack.py` and the JSON Schema for
editors (`json_schema()`) are both generated from these tables, so they cannot drift.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Field:
    """One key of a pack object: its type, whether it is required, and a line of documentation."""

    name: str
    type: str            # str, int, bool, pattern, list[str], map[str], or the name of an object below
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()


def _fields(*fs: Field) -> dict[str, Field]:
    return {f.name: f for f in fs}


PACK = _fields(
    Field("name", "str", "The pack's name (shown in errors and `arabic-ie check`).", required=True),
    Field("version", "str", "The pack's version, e.g. \"1.2.0\"."),
    Field("description", "str", "What the pack extracts, in a sentence or two."),
    Field("imports", "list[str]", "Other packs to load first, by path relative to this file."),
    Field("attributes", "list[str]", "Token attributes from another analyzer that the rules read "
          "(`[pos=\"noun\"]`), e.g. `[pos, lemma]`: read from `Token.extra` (tokens from "
          "`Document.from_tokens` or the spaCy component)."),
    Field("overlap", "overlap", "Overlap policy: `longest` (default) or `keep_all`, or a mapping label -> policy "
          "with an optional `default`."),
    Field("gazetteers", "map[gazetteer]", "Gazetteers by name: usable as sets (`[stem in NAME]`) and, "
          "with a `label`, as mentions (`@Label`)."),
    Field("sets", "map[list[str]]", "Named sets of words: `[stem in NAME]`. Values are normalized."),
    Field("document_sets", "map[document_set]", "Sets filled per document from earlier mentions, "
          "e.g. the surnames of persons named in full."),
    Field("macros", "map[pattern]", "Named pattern fragments, used by bare name in patterns."),
    Field("rules", "list[rule]", "The rules."),
)

GAZETTEER = _fields(
    Field("file", "str", "Path of the gazetteer file, relative to this pack.", required=True),
    Field("label", "str", "Make every entry found in the text a mention with this label."),
    Field("output", "bool", "Whether the gazetteer's mentions are output (default: false, internal)."),
    Field("priority", "int", "Priority of its mentions in overlap resolution (default 0)."),
    Field("lexicon", "str", "Tell the word lexicon about its one-word entries: `names` (given and family "
          "names, places: `lex=unknown`, they may be names) or `common` (nationality adjectives, titles, "
          "role words: `lex=common`). Entries marked `spelling=exact` are left out.",
          choices=("names", "common")),
    Field("variants", "str", "`spelling`: also match each one-word entry in the spellings the press uses for "
          "names (final ة written ه; for entries marked origin=foreign, g as غ or ج, t as ت or ط, a final "
          "س or ز, a long vowel left out), unless the variant is an ordinary word or another entry.",
          choices=("spelling",)),
)

DOCUMENT_SET = _fields(
    Field("label", "str", "The label whose mentions fill the set.", required=True),
    Field("token", "str", "Which token of each mention: `last` (default), `first` or `all`.",
          choices=("last", "first", "all")),
    Field("attr", "str", "Which token attribute goes into the set (default `stem`).",
          choices=("stem", "norm", "word")),
    Field("min_tokens", "int", "Only mentions with at least this many tokens (default 2)."),
)

RULE = _fields(
    Field("name", "str", "Unique rule name (letters, digits, `_`, `-`, `.`).", required=True),
    Field("label", "str", "Label of the mentions it produces, e.g. `Person`.", required=True),
    Field("pattern", "pattern", "The pattern (see the language reference); a YAML block `|` is easiest.",
          required=True),
    Field("description", "str", "One line saying what the rule captures."),
    Field("span", "str", "Name of a capture that is the mention's span (the rest of the match is context, "
          "e.g. a title before a name); default: the whole match."),
    Field("priority", "int", "Higher wins overlaps (default 0)."),
    Field("phase", "int", "Run no earlier than this cascade phase (phases are otherwise inferred from @Label uses)."),
    Field("mode", "str", "`first`: leftmost, non-overlapping (like re.finditer; default). "
          "`all`: the preferred match at every start token.", choices=("first", "all")),
    Field("cross_sentence", "bool", "Allow matches across sentence boundaries (default false)."),
    Field("args", "map[str]", "Argument names (the pattern's captures) and their types: `span` or a label."),
    Field("output", "bool", "Whether its mentions are output (default true) or internal helpers."),
    Field("enabled", "bool", "Set to false to switch the rule off (default true)."),
    Field("examples", "list[example]", "Texts and the mentions they must (or must not) give; run by `arabic-ie test`."),
)

EXAMPLE = _fields(
    Field("text", "str", "An example sentence.", required=True),
    Field("expect", "list[expect]", "The mentions it must give (of the rule's label and every label listed); "
          "`[]` means it must give none.", required=True),
    Field("note", "str", "Why this example matters."),
)

EXPECT = _fields(
    Field("text", "str", "The mention's exact text.", required=True),
    Field("label", "str", "Its label (default: the rule's label)."),
    Field("args", "map[expect_arg]", "Arguments that must be present: name -> text (or a list of texts)."),
)

OBJECTS: dict[str, dict[str, Field]] = {
    "pack": PACK, "gazetteer": GAZETTEER, "document_set": DOCUMENT_SET, "rule": RULE,
    "example": EXAMPLE, "expect": EXPECT,
}


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for rule packs, for editors with YAML language support."""

    def type_schema(t: str, f: Field | None = None) -> dict[str, Any]:
        if t in ("str", "pattern"):
            s: dict[str, Any] = {"type": "string"}
            if f is not None and f.choices:
                s["enum"] = list(f.choices)
            return s
        if t == "int":
            return {"type": "integer"}
        if t == "bool":
            return {"type": "boolean"}
        if t == "overlap":
            pol = {"enum": ["longest", "keep_all"]}
            return {"oneOf": [pol, {"type": "object", "additionalProperties": pol}]}
        if t == "expect_arg":
            return {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        if t.startswith("list["):
            return {"type": "array", "items": type_schema(t[5:-1])}
        if t.startswith("map["):
            return {"type": "object", "additionalProperties": type_schema(t[4:-1])}
        return {"$ref": f"#/$defs/{t}"}

    def obj(fields: dict[str, Field]) -> dict[str, Any]:
        props = {}
        for f in fields.values():
            s = type_schema(f.type, f)
            s = dict(s)
            s["description"] = f.doc
            props[f.name] = s
        out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
        req = [f.name for f in fields.values() if f.required]
        if req:
            out["required"] = req
        return out

    schema = obj(PACK)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "arabic-ie rule pack"
    schema["$defs"] = {name: obj(fields) for name, fields in OBJECTS.items() if name != "pack"}
    return schema
