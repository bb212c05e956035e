"""arabic-ie: rule-based information extraction for Arabic text.

The public API (everything else in the package is private and may change):

    from dsl import Pack, Document

    pack = Pack.load(["rules/"])                 # YAML rule packs -> one compiled pack
    for m in pack.match("وأجرى محادثات مع المشير خليفة حفتر"):
        print(m.label, m.start, m.end, m.text, m.args)   # offsets slice the original text
        print(m.to_dict())                                # the JSON Lines object

    doc = Document.from_text("والمشير حفتر")     # the text layer alone: morphological tokens
    doc = Document.from_tokens([{"text": "المشير", "stem": "مشير", "def": True}, {"text": "حفتر"}])

    from dsl import explain                      # why a rule did or did not match
    print(explain(pack, "person_title", "والتقى المشير وحفتر").to_dict())

Stages, one module each: normalize -> tokenize -> morph (Document/Token) -> gazetteer ->
parser/compiler/matcher (patterns) -> cascade (mentions) -> output.
"""
from __future__ import annotations

__version__ = "0.1.0"

from .document import Analysis, Document, Span, Token  # noqa: E402
from .errors import (DslError, ErrorList, GazetteerError, InputError, Origin, PackError,  # noqa: E402
                     PatternError, SourcePos)
from .mentions import Arg, Mention  # noqa: E402


def __getattr__(name: str):  # lazy: importing dsl stays cheap for tools that only need the text layer
    if name == "Pack":
        from .pack import Pack
        return Pack
    if name == "RunResult":
        from .cascade import RunResult
        return RunResult
    if name == "Analyzer":
        from .morph import Analyzer
        return Analyzer
    if name == "Gazetteer":
        from .gazetteer import Gazetteer
        return Gazetteer
    if name in ("normalize", "NormalizeOptions"):
        from . import normalize as _n
        return getattr(_n, name)
    if name == "match_parallel":
        from .parallel import match_parallel
        return match_parallel
    if name in ("SqliteSink", "read_mentions"):
        from . import store
        return getattr(store, name)
    if name == "explain":
        from .explain import explain
        return explain
    if name == "compile_pattern":
        from .compiler import compile_pattern
        return compile_pattern
    raise AttributeError(f"module 'dsl' has no attribute {name!r}")


__all__ = [
    "Analysis", "Analyzer", "Arg", "Document", "DslError", "ErrorList", "Gazetteer", "GazetteerError",
    "InputError", "Mention", "NormalizeOptions", "Origin", "Pack", "PackError", "PatternError", "RunResult",
    "SourcePos", "Span", "Token", "compile_pattern", "explain", "match_parallel", "SqliteSink", "read_mentions", "normalize", "__version__",
]
