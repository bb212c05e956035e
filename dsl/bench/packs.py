"""Synthetic rule packs and gazetteers for `arabic-ie bench`, written from the corpus, deterministically.

Each rule is written from a real n-gram of the corpus (literals, stems, regexes, sets,
optional and repeated elements, captures) together with the same pattern for spaCy's
Matcher; about half end with a word that does not follow, so about half match somewhere.
"""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dsl.bench.corpus import ARABIC_WORD, load_pools


@dataclass(frozen=True)
class SynthRule:
    """A rule of the synthetic pack: our pattern and the same pattern for spaCy's Matcher."""

    name: str
    pattern: str
    spacy: list[dict[str, Any]]


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def synthetic_pack(docs: Sequence[Any], n_rules: int, seed: int = 1, *,
                   matching: bool = True) -> tuple[str, list[SynthRule]]:
    """A deterministic pack of `n_rules` rules written from the analyzed documents `docs`.

    About half of them match somewhere; with `matching=False` none should (every rule ends
    with a word that does not follow its n-gram), which isolates the cost of the rule count
    from the cost of the matches it finds. Returns the YAML text and the rules (each with
    its spaCy translation).
    """
    rnd = random.Random(seed * 7919 + n_rules)
    freq: Counter[str] = Counter()
    occ: dict[str, list[tuple[int, int]]] = {}
    for di, doc in enumerate(docs):
        for t in doc.tokens:
            freq[t.stem] += 1
            if t.shape == "arabic" and len(t.stem) >= 3 and len(occ.get(t.stem, ())) < 4:
                occ.setdefault(t.stem, []).append((di, t.i))
    common = {s for s, _ in freq.most_common(150)}
    content = sorted(s for s in occ if s not in common and ARABIC_WORD.match(s))
    if not content:
        raise ValueError("the corpus has no content words to write rules from")
    sets: dict[str, list[str]] = {}
    rules: list[SynthRule] = []

    def el_for(tok: Any, first: bool) -> tuple[str, dict[str, Any]]:
        kind = rnd.choices(["stem", "literal", "set", "regex", "any"],
                           [4, 3, 2, 2, 0 if first else 2])[0]
        if kind == "literal" and not tok.definite and not tok.pre and not tok.suf:
            return f'"{_esc(tok.stem)}"', {"NORM": tok.stem}
        if kind == "set":
            name = f"s{len(sets)}"
            vals = sorted({tok.stem, *rnd.sample(content, 4)})
            sets[name] = vals
            return f"[stem in {name}]", {"NORM": {"IN": vals}}
        if kind == "regex" and len(tok.norm) >= 3:
            core = tok.norm[1:] if rnd.random() < 0.5 else tok.norm[:-1]
            rx = f"{re.escape(core)}.?" if core == tok.norm[:-1] else f".?{re.escape(core)}"
            if "/" not in rx:
                return f"[norm=/{rx}/]", {"LEMMA": {"REGEX": f"^(?:{rx})$"}}
        if kind == "any" and not first:
            return "[]", {}
        return f'[stem="{_esc(tok.stem)}"]', {"NORM": tok.stem}

    for k in range(n_rules):
        stem = rnd.choice(content)
        di, ti = rnd.choice(occ[stem])
        doc = docs[di]
        sent_end = next((b for a, b in doc.sentences if a <= ti < b), len(doc.tokens))
        length = min(rnd.randint(2, 4), sent_end - ti)
        toks = list(doc.tokens[ti:ti + length])
        if not matching and len(toks) == 1:
            toks *= 2                                 # room for a last word that does not follow
        pat_parts: list[str] = []
        sp: list[dict[str, Any]] = []
        capture_at = rnd.randrange(1, len(toks)) if len(toks) > 1 and rnd.random() < 0.6 else -1
        for j, tok in enumerate(toks):
            text, spec = el_for(tok, j == 0)
            # about half of the rules (all with matching=False): a last word that does not follow
            if j == len(toks) - 1 and j > 0 and (k % 2 == 1 or not matching):
                other = rnd.choice(content)
                text, spec = f'[stem="{_esc(other)}"]', {"NORM": other}
            q = ""
            if j > 0 and j < len(toks) - 1 and rnd.random() < 0.25:
                q = "?"
                spec = {**spec, "OP": "?"}
            if j == capture_at:
                text = f"(?<arg> {text})"
            pat_parts.append(text + q)
            sp.append(spec)
            if j == 0 and len(toks) > 1 and rnd.random() < 0.15:
                pat_parts.append("[]{0,2}")
                sp.append({"OP": "{0,2}"})
        rules.append(SynthRule(f"r{k:04d}", " ".join(pat_parts), sp))

    lines = [f"name: bench{n_rules}{'' if matching else '_none'}", "sets:"]
    for name, vals in sets.items():
        lines.append(f"  {name}: [" + ", ".join(json.dumps(v, ensure_ascii=False) for v in vals) + "]")
    if not sets:
        lines[-1] = "sets: {}"
    lines.append("rules:")
    for r in rules:
        lines.append(f"  - name: {r.name}")
        lines.append("    label: R")
        lines.append("    mode: all")
        lines.append(f"    pattern: {json.dumps(r.pattern, ensure_ascii=False)}")
    return "\n".join(lines) + "\n", rules


def synthetic_gazetteer(n: int, seed: int = 1) -> list[str]:
    """`n` distinct entries: person names (given + family, some with two given names), places, organizations."""
    pools = load_pools()
    rnd = random.Random(seed * 104729 + n)
    given = pools.given or ["محمد", "علي", "أحمد"]
    family = pools.family or ["حسن", "سالم", "عمر"]
    out: set[str] = set()
    fixed = [p for p in pools.places + pools.orgs if "=" not in p]
    rnd.shuffle(fixed)
    out.update(fixed[:n // 10])
    while len(out) < n:
        r = rnd.random()
        if r < 0.75:
            out.add(f"{rnd.choice(given)} {rnd.choice(family)}")
        else:
            out.add(f"{rnd.choice(given)} {rnd.choice(given)} {rnd.choice(family)}")
    return sorted(out)[:n]
