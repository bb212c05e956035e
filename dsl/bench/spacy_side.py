"""The spaCy side of the gazetteer comparison of `arabic-ie bench` (`pip install 'arabic-ie[bench]'`).

spaCy's PhraseMatcher runs over `Doc`s built from our tokens (ORTH = the token's norm), so
both sides see the same tokens; agreement is the share of matches found by both. (The
Matcher comparison, on spaCy's own tokens, is `dsl.bench.peer`.)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def load_spacy() -> Any:
    """The `spacy` module, or None when it is missing or broken (then its rows are skipped)."""
    try:
        import spacy
        import spacy.matcher
        import spacy.tokens
    except Exception:   # spaCy missing, or an installation that does not import
        return None
    return spacy


def spacy_docs(nlp: Any, docs: Sequence[Any], words: str = "text") -> list[Any]:
    """spaCy Docs made of our tokens: ORTH = token text (or norm), NORM = stem, LEMMA = norm."""
    from spacy.tokens import Doc
    out = []
    for d in docs:
        if not d.tokens:
            continue
        sd = Doc(nlp.vocab, words=[getattr(t, words) for t in d.tokens])
        for st, t in zip(sd, d.tokens):
            st.norm_ = t.stem
            st.lemma_ = t.norm
        out.append(sd)
    return out


def sentence_of(doc: Any) -> list[int]:
    """The sentence number of each token of `doc` (-1 outside every sentence)."""
    sent = [-1] * len(doc.tokens)
    for k, (a, b) in enumerate(doc.sentences):
        sent[a:b] = [k] * (b - a)
    return sent


def agreement_gazetteer(found: Sequence[Any], sres: Sequence[Any], docs: Sequence[Any]) -> dict[str, Any]:
    """Ours vs spaCy filtered leftmost-longest within sentences, as token spans."""
    ours = {(di, m.tok_start, m.tok_end) for di, f in enumerate(found) for m in f}
    theirs: set[tuple[int, int, int]] = set()
    non_empty = [di for di, d in enumerate(docs) if d.tokens]
    for di, matches in zip(non_empty, sres):
        sent = sentence_of(docs[di])
        spans = sorted(((s, e) for _, s, e in matches if sent[s] == sent[e - 1] >= 0), key=lambda x: (x[0], -x[1]))
        end = -1
        for s, e in spans:
            if s >= end:
                theirs.add((di, s, e))
                end = e
    both = len(ours & theirs)
    union = len(ours | theirs)
    return {"ours": len(ours), "spacy": len(theirs), "shared": both, "agreement": both / union if union else 1.0}
