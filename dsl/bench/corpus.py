"""The corpus of `arabic-ie bench`: text files, or documents generated from the sample articles.

Generated documents recombine the samples' sentences and vary them (names, places and numbers
from the shipped gazetteers, words of the analyzer's lexicon, clitics), deterministically
from a seed, so that n-grams do not repeat as often as the few samples would make them.
"""
from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent.parent
_SENT_RE = re.compile(r"[^.!?؟\n]+[.!?؟]*")
#: A word of Arabic letters only (no diacritics, digits or punctuation).
ARABIC_WORD = re.compile(r"^[\u0621-\u064A]+$")


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("\t", 1)[0].strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _sample_dir() -> Path | None:
    for d in (Path.cwd() / "examples", _ROOT / "examples"):
        if d.is_dir() and any(d.glob("*.txt")):
            return d
    return None


def _gazetteer_dir() -> Path | None:
    for d in (Path.cwd() / "gazetteers", _ROOT / "gazetteers"):
        if (d / "given_names.txt").is_file():
            return d
    return None


@dataclass(frozen=True)
class Pools:
    """Words of the shipped gazetteers that the generated corpus and gazetteers draw from."""

    given: list[str]
    family: list[str]
    places: list[str]
    orgs: list[str]


def load_pools() -> Pools:
    """The shipped gazetteers' given names, family names, places and organizations (empty when absent)."""
    d = _gazetteer_dir()
    if d is None:
        return Pools([], [], [], [])
    return Pools(_lines(d / "given_names.txt"), _lines(d / "family_names.txt"),
                 _lines(d / "locations.txt"), _lines(d / "organizations.txt"))


def generate_corpus(chars: int = 1_000_000, seed: int = 1, samples: Sequence[str] | None = None) -> list[str]:
    """Deterministic documents (~`chars` characters) recombined and varied from the sample articles."""
    if samples is None:
        d = _sample_dir()
        if d is None:
            raise FileNotFoundError("no sample articles (examples/*.txt) found: pass --corpus FILE|DIR")
        samples = [p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))]
    sentences = [m.group().strip() for s in samples for m in _SENT_RE.finditer(s)]
    sentences = [s for s in sentences if len(s.split()) >= 4]
    if not sentences:
        raise ValueError("the sample texts have no sentences")
    pools = load_pools()
    given, family = set(pools.given), set(pools.family)
    places = set(w for w in pools.places if " " not in w)
    # Words to vary the sentences with, so that n-grams do not repeat as often as the few
    # sample sentences would make them: the analyzer's lexicon, the samples' own long words.
    data = Path(__file__).resolve().parent.parent / "morph" / "data" / "known_words.txt"
    lexicon = sorted({w for line in (data.read_text(encoding="utf-8").splitlines() if data.is_file() else [])
                      for w in line.split("#", 1)[0].split() if ARABIC_WORD.match(w) and len(w) >= 3}
                     | {w for s in sentences for w in s.split() if ARABIC_WORD.match(w) and len(w) >= 5})
    rnd = random.Random(seed)
    docs: list[str] = []
    total = 0
    while total < chars:
        parts = []
        for _ in range(rnd.randint(10, 30)):
            words = rnd.choice(sentences).split()
            out = []
            for w in words:
                core = w.strip("،,.:؛()«»\"")
                r = rnd.random()
                if core in given and pools.given and r < 0.7:
                    w = w.replace(core, rnd.choice(pools.given))
                elif core in family and pools.family and r < 0.7:
                    w = w.replace(core, rnd.choice(pools.family))
                elif core in places and r < 0.5:
                    w = w.replace(core, rnd.choice(pools.places))
                elif core.isdigit():
                    w = w.replace(core, str(rnd.randint(1, 2030)))
                elif ARABIC_WORD.match(w) and len(w) >= 4 and r < 0.35 and lexicon:
                    w = rnd.choice(("", "", "", "ال", "ال", "و", "ب", "وال")) + rnd.choice(lexicon)
                elif ARABIC_WORD.match(w) and len(w) > 3 and r < 0.39:
                    w = rnd.choice("وبل") + w
                out.append(w)
            parts.append(" ".join(out))
        doc = "\n".join(parts) + "\n"
        docs.append(doc)
        total += len(doc)
    return docs


def read_corpus(path: str, doc_sentences: int = 10) -> list[str]:
    """The documents of `--corpus`: a folder of *.txt files (one document each), a text file
    (one document), or a file of one token per line (CoNLL style: `token TAG`, a blank line
    between sentences), whose sentences become documents of `doc_sentences` sentences, one
    sentence per line, tokens joined by single spaces."""
    p = Path(path)
    if p.is_dir():
        docs = [f.read_text(encoding="utf-8", errors="replace") for f in sorted(p.rglob("*.txt"))]
        return [d for d in docs if d.strip()]
    text = p.read_text(encoding="utf-8", errors="replace")
    sentences = token_lines(text)
    if sentences is None:
        return [text] if text.strip() else []
    k = max(1, doc_sentences)
    return ["\n".join(" ".join(s) for s in sentences[i:i + k]) + "\n" for i in range(0, len(sentences), k)]


#: A line of a token-per-line file: a token, then a tag (`O`, `B-PERS`, `I-LOC`, ...).
_TOKEN_LINE = re.compile(r"^(\S+)\s+(?:O|[BIES]-\S+)\s*$")


def token_lines(text: str) -> list[list[str]] | None:
    """The sentences of a token-per-line text (see `read_corpus`), or None when it is not one."""
    sentences: list[list[str]] = []
    cur: list[str] = []
    seen = 0
    for line in text.splitlines():
        if not line.strip():
            if cur:
                sentences.append(cur)
                cur = []
            continue
        m = _TOKEN_LINE.match(line)
        if m is None:
            return None
        cur.append(m.group(1))
        seen += 1
    if cur:
        sentences.append(cur)
    return sentences if seen else None


def write_folder(texts: Sequence[str], folder: Path) -> list[Path]:
    """The documents as files `doc00000.txt` ... in `folder` (for the command-line measurements)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, t in enumerate(texts):
        f = folder / f"doc{i:05d}.txt"
        f.write_text(t, encoding="utf-8")
        paths.append(f)
    return paths
