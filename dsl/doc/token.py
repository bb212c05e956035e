"""Morphological tokens, their analyses and character spans: the units every later stage reads.

A morphological token is one orthographic word seen through its clitics: `والمشير` is one
Token whose core (`start:end`, `text`) is `المشير`, with `pre="و"`, `definite=True`,
`stem="مشير"`, and whose whole word is `word_start:word_end`. Rules test the attributes;
mentions report core offsets unless a rule asked for the clitics (see the language reference).
All offsets are Python `str` offsets into the original text, end exclusive.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple


class ReadOnlyDict(dict):  # type: ignore[type-arg]
    """An immutable, picklable dict for `Token.extra` (one shared empty instance by default)."""

    __slots__ = ()

    def _ro(self, *a: Any, **k: Any) -> None:
        raise TypeError("Token.extra is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _ro  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReadOnlyDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


#: The `extra` of a token without attributes from another analyzer.
NO_EXTRA: Mapping[str, str] = ReadOnlyDict()

#: Values of `Token.shape`.
SHAPES = ("arabic", "latin", "digit", "punct", "mixed", "url", "email", "symbol")
#: Values of `Analysis.lex` / `Token.lex` (see `dsl.morph.lexicon`): a closed-class word, a known
#: common word, a word not known as a common word (it may be a name); "" when not classified
#: (no Arabic letters, or tokens from another analyzer that gave none).
LEX_VALUES = ("function", "common", "unknown", "")


@dataclass(frozen=True, slots=True)
class Analysis:
    """One segmentation of a word: proclitics + optional article + stem + enclitic (all normalized)."""

    pre: str = ""          # proclitics in order, article excluded: "و", "وب", "فس", "ل", ""
    definite: bool = False  # carries the article ال (also the fused لل of ل+ال)
    stem: str = ""         # the word without clitics and without ال
    suf: str = ""          # pronoun enclitic: "ه", "ها", "هم", ... or ""
    lex: str = ""          # the word lexicon's class of this reading: LEX_VALUES

    @property
    def norm(self) -> str:
        """The core as normalized text: article (when definite) + stem."""
        return ("ال" + self.stem) if self.definite else self.stem

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt by a plain constructor call: the default state protocol of a frozen slots
        # dataclass calls `fields()` per object, and a compiled pack holds tens of thousands.
        return (Analysis, (self.pre, self.definite, self.stem, self.suf, self.lex))


class Token(NamedTuple):
    """A morphological token. `analyses[0]` is the analysis the fields below describe.

    `start`/`end`/`text` are the core (no proclitic, no enclitic; the article stays),
    `word_start`/`word_end` the whole orthographic word, in the original text.

    Immutable, typed, built like a dataclass (`Token(i, start, ..., pre="و")`). A named
    tuple rather than a frozen dataclass because a document has one per word and building
    one is most of the analysis: a tuple is made in one C call (`tuple.__new__`), a frozen
    dataclass sets its 18 fields one by one. Equal when every field is; `extra` is left out
    of the hash (it may be a dict).
    """

    i: int
    start: int
    end: int
    word_start: int
    word_end: int
    text: str                  # original[start:end], exact characters (diacritics and all)
    word: str                  # the whole word, normalized
    norm: str                  # the core, normalized (article + stem)
    stem: str                  # normalized, without clitics and without ال
    pre: str = ""
    suf: str = ""
    definite: bool = False
    shape: str = "arabic"
    sent: int = 0              # sentence index in the document
    sent_start: bool = False   # first token of its sentence
    sent_end: bool = False     # last token of its sentence
    analyses: tuple[Analysis, ...] = ()
    extra: Mapping[str, str] = NO_EXTRA  # attributes from another analyzer

    def __hash__(self) -> int:
        return hash(self[:17])

    @property
    def lex(self) -> str:
        """The word lexicon's class of the first analysis: "function", "common", "unknown" (may
        be a name) or "" (see `LEX_VALUES`)."""
        ans = self.analyses
        return ans[0].lex if ans else ""

    @property
    def conj(self) -> str:
        """The conjunction proclitic (و or ف) or ''."""
        return self.pre[:1] if self.pre[:1] in ("و", "ف") else ""

    @property
    def prep(self) -> str:
        """The preposition proclitic (ب, ل or ك) or ''."""
        rest = self.pre[1:] if self.conj else self.pre
        return rest[:1] if rest[:1] in ("ب", "ل", "ك") else ""

    @property
    def fut(self) -> str:
        """The future proclitic س or ''."""
        return "س" if self.pre.endswith("س") else ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (used by `arabic-ie tokens --format jsonl`)."""
        d: dict[str, Any] = {
            "i": self.i, "start": self.start, "end": self.end,
            "word_start": self.word_start, "word_end": self.word_end,
            "text": self.text, "word": self.word, "norm": self.norm, "stem": self.stem,
            "pre": self.pre, "def": self.definite, "suf": self.suf, "lex": self.lex, "shape": self.shape,
            "sent": self.sent, "sent_start": self.sent_start, "sent_end": self.sent_end,
        }
        if len(self.analyses) > 1:
            d["alternatives"] = [
                {"pre": a.pre, "def": a.definite, "stem": a.stem, "suf": a.suf, "lex": a.lex}
                for a in self.analyses[1:]
            ]
        if self.extra:
            d.update({k: v for k, v in self.extra.items() if k not in d})
        return d


@dataclass(frozen=True, slots=True)
class Span:
    """A character span of the original text, with the token range it covers (when known)."""

    start: int
    end: int
    text: str
    tok_start: int = -1
    tok_end: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}
