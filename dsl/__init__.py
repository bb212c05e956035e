"""arabic-ie: rule-based information extraction for Arabic text.

The public API (everything else in the package is private and may change):

    from dsl import Pack, Document, analyze

    pack = Pack.load()                           # the shipped rule packs -> one compiled pack
    for m in pack.match("وأجرى محادثات مع المشير خليفة حفتر"):
        print(m.label, m.start, m.end, m.text, m.args)   # offsets slice the original text
        print(m.to_dict())                                # the JSON Lines object

    doc = analyze("والمشير حفتر")               # the text layer alone: morphological tokens
    doc = Document.from_tokens([{"text": "المشير", "stem": "مشير", "def": True}, {"text": "حفتر"}])

    from dsl import evaluate                     # precision, recall, F1 on annotated data
    print(evaluate(pack, "ner.conll").to_dict()["labels"])

    from dsl import explain                      # why a rule did or did not match
    print(explain(pack, "person_title", "والتقى المشير وحفتر").to_dict())

Stages, one subpackage each, data flowing one way: `text` (normalize, tokenize) -> `doc`
(tokens, documents, mentions) -> `morph` (the analyzer) -> `gazetteer` -> `pattern`
(parser, compiler, vm) -> `pack` (packs, cascade) -> `io` -> `engines` -> `tools` -> `cli`.
Heavier names are imported on first use, so `import dsl` stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsl.doc.document import Document
from dsl.doc.mention import Arg, Mention
from dsl.doc.token import Analysis, Span, Token
from dsl.errors import (
    DslError,
    ErrorList,
    GazetteerError,
    InputError,
    Origin,
    PackError,
    PatternError,
    PatternErrors,
    SourcePos,
)
from dsl.version import __version__

if TYPE_CHECKING:
    from dsl.engines.pool import match_parallel
    from dsl.gazetteer.index import Gazetteer
    from dsl.io.sqlite import SqliteSink, read_mentions
    from dsl.morph.analyzer import Analyzer
    from dsl.pack.cascade import RunResult
    from dsl.pack.pack import Pack
    from dsl.pattern.compiler import compile_pattern
    from dsl.text.normalize import NormalizeOptions, normalize
    from dsl.tools.evaluate import Evaluation, evaluate
    from dsl.tools.explain import explain

# Public name -> the module that defines it, imported on first use.
_LAZY = {
    "Analyzer": "dsl.morph.analyzer",
    "Gazetteer": "dsl.gazetteer.index",
    "NormalizeOptions": "dsl.text.normalize",
    "Pack": "dsl.pack.pack",
    "RunResult": "dsl.pack.cascade",
    "SqliteSink": "dsl.io.sqlite",
    "compile_pattern": "dsl.pattern.compiler",
    "evaluate": "dsl.tools.evaluate",
    "Evaluation": "dsl.tools.evaluate",
    "explain": "dsl.tools.explain",
    "match_parallel": "dsl.engines.pool",
    "normalize": "dsl.text.normalize",
    "read_mentions": "dsl.io.sqlite",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dsl' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(module), name)


def analyze(text: str, *, id: str | None = None) -> Document:
    """Analyze `text` with the built-in analyzer: the Document of its morphological tokens."""
    from dsl.morph.analyzer import default_analyzer
    return default_analyzer().analyze(text, id=id)


__all__ = [
    "Analysis",
    "Analyzer",
    "Arg",
    "Document",
    "DslError",
    "ErrorList",
    "Evaluation",
    "Gazetteer",
    "GazetteerError",
    "InputError",
    "Mention",
    "NormalizeOptions",
    "Origin",
    "Pack",
    "PackError",
    "PatternError",
    "PatternErrors",
    "RunResult",
    "SourcePos",
    "Span",
    "SqliteSink",
    "Token",
    "__version__",
    "analyze",
    "compile_pattern",
    "evaluate",
    "explain",
    "match_parallel",
    "normalize",
    "read_mentions",
]
