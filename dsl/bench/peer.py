"""The peer comparison of `arabic-ie bench`: spaCy's Matcher and ours on spaCy's own tokens.

Both engines get the same tokens and the same patterns, and both report every start:

* **Tokens.** `spacy.blank("ar")` tokenizes each document; the tokens (text and offsets) are
  handed to `Document.from_tokens`, as a user who already runs spaCy would do. Our rules read
  only `text`, so no analysis of ours is involved.
* **Patterns.** Written from real n-grams of those tokens (deterministic from a seed): ORTH,
  LOWER, `TEXT REGEX` and `IN` constraints with the operators `?`, `+` and a `{0,3}` wildcard,
  as spaCy's Matcher takes them. Each is translated into a rule (`[text="..."]`,
  `[text=/.../i]`, `[text~/.../]`, `[text="a" | text="b"]`, `?`, `+`, `[]{0,3}`) with
  `mode: all` and `cross_sentence: true`, in a pack with `overlap: keep_all`. About half of
  the rules end with a word that does not follow their n-gram, so about half match somewhere.
* **Every start.** spaCy's Matcher returns every (pattern, start, end); ours, in mode `all`,
  the preferred match at every start token. Agreement compares (rule, document, start, end)
  with spaCy's longest match at each start; every disagreement counts.
* **The user path.** Ours is `Pack.match(document)` (mentions out, overlap and all), spaCy's
  `matcher(doc)`, with the garbage collector as the caller has it: no freezing, no
  collection between runs, the documents of both sides alive.
"""
from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PeerRule:
    """One pattern in both languages: our rule's pattern and spaCy's token patterns."""

    name: str
    pattern: str
    spacy: list[dict[str, Any]]


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


WEIGHTS = [2, 1, 3, 4]
LENGTHS = (2, 2, 2, 3)


def _slashed(rx: str) -> str:
    """A regex as our pattern language writes it: `/` escaped."""
    return rx.replace("/", "\\/")


def peer_rules(token_docs: Sequence[Sequence[str]], n_rules: int, seed: int = 1) -> list[PeerRule]:
    """`n_rules` patterns written from the token texts of `token_docs` (one list of strings per document).

    Each pattern is written from the n-gram (2 to 4 tokens, no line break) at a token position
    drawn uniformly, so frequent words start patterns as often as they occur in the text, as
    in rules written for common constructions; `IN` lists add words drawn the same way.
    """
    rnd = random.Random(seed * 6173 + n_rules)
    positions = [(di, ti) for di, d in enumerate(token_docs) for ti, w in enumerate(d) if not w.isspace()]
    if not positions:
        raise ValueError("the corpus has no tokens to write patterns from")

    def word() -> str:
        di, ti = rnd.choice(positions)
        return token_docs[di][ti]

    def element(w: str) -> tuple[str, dict[str, Any]]:
        kind = rnd.choices(["orth", "lower", "regex", "in"], WEIGHTS)[0]
        if kind == "lower":
            return f"[text=/{_slashed(re.escape(w.lower()))}/i]", {"LOWER": w.lower()}
        if kind == "regex" and len(w) >= 3:
            k = rnd.randint(2, min(3, len(w) - 1))
            at = rnd.choice(("start", "end", "in"))
            rx = "^" + re.escape(w[:k]) if at == "start" else re.escape(w[-k:]) + "$" if at == "end" \
                else re.escape(w[1:1 + k])
            return f"[text~/{_slashed(rx)}/]", {"TEXT": {"REGEX": rx}}
        if kind == "in":
            vals = sorted({w, *(word() for _ in range(3))})
            return "[" + " | ".join(f"text={_quote(v)}" for v in vals) + "]", {"ORTH": {"IN": vals}}
        return f"[text={_quote(w)}]", {"ORTH": w}

    rules: list[PeerRule] = []
    for k in range(n_rules):
        di, ti = rnd.choice(positions)
        words = list(token_docs[di][ti:ti + rnd.choice(LENGTHS)])
        words = words[:next((j for j, w in enumerate(words) if w.isspace()), len(words))]   # no line breaks
        while len(words) < 2:
            words.append(word())
        ours: list[str] = []
        theirs: list[dict[str, Any]] = []
        for j, w in enumerate(words):
            text, spec = element(w)
            op = ""
            r = rnd.random()
            if 0 < j < len(words) - 1 and r < 0.25:
                op = "?"
            elif r > 0.9:
                op = "+"
            if op:
                spec = {**spec, "OP": op}
            ours.append(text + op)
            theirs.append(spec)
            if j == 0 and rnd.random() < 0.2:
                ours.append("[]{0,3}")
                theirs.append({"OP": "{0,3}"})
        rules.append(PeerRule(f"p{k:04d}", " ".join(ours), theirs))
    return rules


def peer_pack_yaml(rules: Sequence[PeerRule]) -> str:
    """The rules as a pack: every start (`mode: all`), across sentences, every mention kept."""
    lines = [f"name: peer{len(rules)}", "overlap: keep_all", "rules:"]
    for r in rules:
        lines += [f"  - name: {r.name}", "    label: R", "    mode: all", "    cross_sentence: true",
                  f"    pattern: {json.dumps(r.pattern, ensure_ascii=False)}"]
    return "\n".join(lines) + "\n"


def our_documents(sdocs: Sequence[Any]) -> list[Any]:
    """`Document.from_tokens` over spaCy Docs: every token's text and offsets (line breaks, which
    spaCy keeps as tokens, included: both engines see the same tokens), the Doc's text."""
    from dsl.doc.document import Document
    return [Document.from_tokens([{"text": t.text, "start": t.idx, "end": t.idx + len(t.text)} for t in sd],
                                 text=sd.text) for sd in sdocs]


def spacy_matcher(nlp: Any, rules: Sequence[PeerRule]) -> Any:
    from spacy.matcher import Matcher
    m = Matcher(nlp.vocab)
    for r in rules:
        m.add(r.name, [r.spacy])
    return m


def agreement(names: Sequence[str], ours: Sequence[Sequence[Any]], theirs: Sequence[Sequence[tuple[int, int, int]]],
              nlp: Any) -> dict[str, Any]:
    """(rule, document, start, end) found by both / by either: ours (`Pack.match`'s mentions:
    every start, the preferred match) against spaCy's longest match at each start (its Matcher
    returns every (pattern, start, end)); the documents have the same tokens."""
    mine: set[tuple[str, int, int, int]] = set()
    spacy_: set[tuple[str, int, int, int]] = set()
    for di, (ms, sms) in enumerate(zip(ours, theirs)):
        mine.update((m.rule, di, m.tok_start, m.tok_end) for m in ms)
        longest: dict[tuple[str, int], int] = {}
        for mid, s, e in sms:
            key = (nlp.vocab.strings[mid], s)
            if e > longest.get(key, 0):
                longest[key] = e
        spacy_.update((name, di, s, e) for (name, s), e in longest.items())
    both = len(mine & spacy_)
    union = len(mine | spacy_)
    return {"ours": len(mine), "spacy": len(spacy_), "shared": both, "agreement": both / union if union else 1.0,
            "only_ours": sorted(mine - spacy_)[:5], "only_spacy": sorted(spacy_ - mine)[:5]}


def peer_texts(texts: Sequence[str], chars: int) -> list[str]:
    """The first documents of the corpus, about `chars` characters (all of them when fewer)."""
    out: list[str] = []
    total = 0
    for t in texts:
        if total >= chars:
            break
        out.append(t)
        total += len(t)
    return out


def peer_comparison(texts: Sequence[str], sizes: Sequence[int], *, runs: int, budget: float, seed: int,
                    say: Any) -> dict[str, Any]:
    """Ours and spaCy's Matcher on spaCy's tokens of `texts`, with packs of `sizes` patterns,
    all sides measured alternately (see the module docstring). The report's `peer` section."""
    import pickle

    import spacy

    from dsl.bench.timing import GcClock, paired
    from dsl.pack.pack import Pack
    nlp = spacy.blank("ar")
    sdocs = [nlp.make_doc(t) for t in texts]
    docs = our_documents(sdocs)
    n_tok = sum(len(sd) for sd in sdocs)
    token_docs = [[t.text for t in sd] for sd in sdocs]
    say(f"peer: spaCy {spacy.__version__} blank('ar') tokens of {len(texts)} documents "
        f"({sum(map(len, texts)):,} characters, {n_tok:,} tokens) -> Document.from_tokens")
    sides: list[tuple[int, str, Any]] = []
    fns = []
    packs: dict[int, Any] = {}
    for n in sizes:
        rules = peer_rules(token_docs, n, seed)
        t0 = time.process_time()
        pack = Pack.from_yaml(peer_pack_yaml(rules))
        compile_s = time.process_time() - t0
        fresh = pickle.dumps(pack)     # the first timed run starts from empty caches, as a new process would
        packs[n] = {"rules": rules, "compile_seconds": compile_s, "pack": pack}
        matcher = spacy_matcher(nlp, rules)
        state = {"pack": pickle.loads(fresh)}
        clock = GcClock()

        def ours(state: dict[str, Any] = state, clock: GcClock = clock) -> list[list[Any]]:
            with clock:
                return [state["pack"].match(d) for d in docs]

        def theirs(matcher: Any = matcher) -> list[list[tuple[int, int, int]]]:
            return [matcher(sd) for sd in sdocs]
        sides += [(n, "ours", clock), (n, "spacy", None)]
        fns += [ours, theirs]
    timed = paired(fns, runs, budget)
    out: dict[str, Any] = {"documents": len(texts), "characters": sum(map(len, texts)), "tokens": n_tok,
                           "spacy_version": spacy.__version__, "sizes": {}}
    for (n, side, clock), t in zip(sides, timed):
        entry = out["sizes"].setdefault(n, {"patterns": n, "compile_seconds": round(packs[n]["compile_seconds"], 3)})
        entry[side] = {"tok_s": n_tok / t.seconds, "seconds": t.seconds, "runs": list(t.runs),
                       "first_tok_s": n_tok / t.first, "matches": sum(map(len, t.result))}
        if clock is not None:
            entry[side]["gc_share"] = clock.seconds / sum(t.runs) if sum(t.runs) else 0.0
            entry[side]["gc_collections"] = list(clock.collections)
        entry.setdefault("_results", {})[side] = t.result
    for n, entry in out["sizes"].items():
        res = entry.pop("_results")
        entry["agreement"] = agreement([r.name for r in packs[n]["rules"]], res["ours"], res["spacy"], nlp)
        entry["ratio"] = entry["ours"]["tok_s"] / entry["spacy"]["tok_s"]
        entry["ratio_first"] = entry["ours"]["first_tok_s"] / entry["spacy"]["tok_s"]
        entry["matches_per_token"] = entry["ours"]["matches"] / max(n_tok, 1)
        a = entry["agreement"]
        ours = entry["ours"]
        say(f"  {n} patterns: ours {ours['tok_s']:,.0f} tok/s (first run {ours['first_tok_s']:,.0f}), "
            f"spaCy {entry['spacy']['tok_s']:,.0f} -> {entry['ratio']:.1f}x; {entry['ours']['matches']:,} matches; "
            f"agreement {a['agreement']:.1%}")
    if len(out["sizes"]) > 1:
        lo, hi = min(out["sizes"]), max(out["sizes"])
        out["rule_count_ratio"] = out["sizes"][hi]["ours"]["tok_s"] / out["sizes"][lo]["ours"]["tok_s"]
        out["rule_count"] = [lo, hi]
        say(f"  {hi} vs {lo} patterns (ours, measured alternately): {out['rule_count_ratio']:.2f}x")
    out["sizes"] = {str(k): v for k, v in out["sizes"].items()}
    return out
