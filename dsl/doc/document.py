"""The Document: an original text with its morphological tokens and sentences.

Every stage after the text layer reads Documents. They come from our analyzer
(`dsl.morph.analyzer.Analyzer.analyze`, or `dsl.analyze`) or from another analyzer's tokens
(`Document.from_tokens`, see `dsl.doc.adapters`). A Document never imports the analyzer:
data flows from text to documents, not back.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dsl.doc.adapters import tokens_from_dicts
from dsl.doc.token import Span, Token


@dataclass(frozen=True)
class Document:
    """An analyzed text: the original string, its morphological tokens and its sentences.

    `sentences[k]` is the token index range `(first, last+1)` of sentence k.
    Build one with `Document.from_text` (our analyzer) or `Document.from_tokens` (yours).
    """

    text: str
    tokens: tuple[Token, ...]
    sentences: tuple[tuple[int, int], ...]
    id: str | None = None

    def __len__(self) -> int:
        return len(self.tokens)

    def __getstate__(self) -> dict[str, Any]:
        # Private attributes (underscored) are per-process data a stage attached (the analyzer's
        # entry ids): not fields, not compared, and meaningless in another process.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def span(self, tok_start: int, tok_end: int, *, keep_pre: bool = False,
             keep_suf: bool = False) -> Span:
        """The span of tokens [tok_start, tok_end): core offsets, or word offsets when asked."""
        first, last = self.tokens[tok_start], self.tokens[tok_end - 1]
        s = first.word_start if keep_pre else first.start
        e = last.word_end if keep_suf else last.end
        return Span(s, e, self.text[s:e], tok_start, tok_end)

    @classmethod
    def from_tokens(cls, items: Iterable[Mapping[str, Any]], *, text: str | None = None,
                    id: str | None = None) -> Document:
        """Build a document from another analyzer's tokens (CAMeL Tools, Farasa, Stanza, ...).

        Each item maps attribute names to values (`text` is required; `norm`, `stem`, `pre`,
        `suf`, `def`, `shape`, `sent`, `start`, `end` and any other attribute are optional).
        Without offsets, the text is the tokens joined by single spaces.
        """
        text, tokens, sentences, types = tokens_from_dicts(items, text=text, id=id)
        doc = cls(text, tokens, sentences, id)
        if types is not None:
            object.__setattr__(doc, "_token_types", types)
        return doc


def with_types_of(doc: Document, like: Document) -> Document:
    """`doc`, given the token type ids of `like`: for a stage that rebuilds a document's tokens
    with values that depend only on each token's type (the word lexicon's `lex`), so the ids
    still name types. `doc` must have `like`'s tokens in the same order."""
    types = token_types(like)
    if types is not None:
        object.__setattr__(doc, "_token_types", types)
    return doc


def token_types(doc: Document) -> list[int] | None:
    """A type id per token of `doc`, or None: tokens with the same id agree on every attribute
    but their position and sentence flags (and a definite token's norm is the article + its
    stem), so later stages may take the id as the token's type (`dsl.pack.index`,
    `dsl.gazetteer.scanner`) instead of reading and hashing its fields.

    The builder of the tokens attaches them: our analyzer (its cached word entries, see
    `dsl.morph.analyzer.entry_ids`) or `Document.from_tokens` (its cache of token values, with
    negative ids, so the two never meet). They come from process-wide counters and mean
    nothing elsewhere: `__getstate__` drops them, and a document copied, unpickled or built
    with `dataclasses.replace` has none.
    """
    d = doc.__dict__
    ids = d.get("_entry_ids")
    return ids if ids is not None else d.get("_token_types")
