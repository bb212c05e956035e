"""The spaCy side of `arabic-ie bench` (`pip install 'arabic-ie[bench]'`): the same tokens, the agreement.

spaCy's Matcher and PhraseMatcher run over `Doc`s built from our tokens (ORTH = token text
or norm, NORM = stem, LEMMA = norm), so both engines see the same tokens. Agreement is the
share of (rule, start, end) matches found by both: ours in mode `all`, spaCy's longest at
each start, both within sentences and over tokens reduced to their first analysis.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dsl.bench.packs import SynthRule


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


def agreement_rules(pack: Any, synth: list[SynthRule], docs: Sequence[Any], nlp: Any, matcher: Any,
                    max_tokens: int = 60_000) -> dict[str, Any]:
    """Ours (mode all, first analysis only) vs spaCy (longest match per start, within sentences)."""
    from dsl.doc.document import Document
    from dsl.pack.index import PackMatcher, RuleSpec
    from dsl.pattern.vm import MatchContext
    names = [r.name for r in synth]
    by_name = {r.name: r for r in pack.rules}
    pm = PackMatcher([RuleSpec(by_name[nm].program, "all", False) for nm in names])
    ours: set[tuple[str, int, int, int]] = set()
    theirs: set[tuple[str, int, int, int]] = set()
    seen = 0
    for di, d in enumerate(docs):
        if seen > max_tokens:
            break
        seen += len(d.tokens)
        one = Document(d.text, tuple(t._replace(analyses=t.analyses[:1]) for t in d.tokens),
                       d.sentences, d.id)
        found = pm.search(MatchContext(one))
        for r, ms in found.items():
            for m in ms:
                ours.add((names[r], di, m.tok_start, m.tok_end))
        sd = spacy_docs(nlp, [one])
        if not sd:
            continue
        sent = sentence_of(one)
        longest: dict[tuple[str, int], int] = {}
        for mid, s, e in matcher(sd[0]):
            if e <= s or sent[s] != sent[e - 1] or sent[s] < 0:
                continue
            key = (nlp.vocab.strings[mid], s)
            longest[key] = max(longest.get(key, 0), e)
        theirs.update((nm, di, s, e) for (nm, s), e in longest.items())
    both = len(ours & theirs)
    union = len(ours | theirs)
    return {"tokens": seen, "ours": len(ours), "spacy": len(theirs), "shared": both,
            "agreement": both / union if union else 1.0}


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
