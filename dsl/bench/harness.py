"""`arabic-ie bench`: throughput, match counts and memory of every stage, side by side with spaCy.

What it runs (all in one process, medians of `--runs` passes over the corpus, one core):

* **corpus** — `--corpus FILE|DIR` (UTF-8 text files), or a deterministic one generated from
  the sample articles (`examples/*.txt`): their sentences recombined into documents of 10-30
  sentences and varied (names, places and numbers replaced from the shipped gazetteers, about
  a third of the longer words replaced by words of the analyzer's lexicon or of the samples,
  with or without a clitic, some conjunctions and prepositions glued on), about `--chars`
  characters (default 1,000,000). Without the word replacement every n-gram of the two
  samples would repeat about a hundred times per million characters.
* **floor** — a plain `regex` tokenization pass (`\\w+|[^\\w\\s]`): what no pipeline beats.
* **tokenize** (`dsl.text.tokenize.scan`), **analyze** (`Analyzer.analyze`: tokens, clitics,
  sentences).
* **match N rules** — the cascade (`Pack.run`) over the analyzed documents with a synthetic
  pack of N rules (10, 100, 1000): literals, stems, regex constraints, sets, optional and
  repeated elements, captures; each rule is written from a real n-gram of the corpus whose
  first word is drawn uniformly from the corpus's distinct content words (as rules are
  written for specific words), and about half have their last element swapped for a word that
  does not follow, so about half match somewhere. Rules use mode `all` (see agreement).
* **rule count** — the smallest and largest packs measured alternately (their throughput
  ratio is the rule-count target), with a third pack of the largest size whose rules all
  end with a word that does not follow (matching nothing): a bigger pack finds more, and
  this separates what the rule count costs from what building those mentions costs.
* **end to end** — `Pack.match(text)`: text in, mentions out, with the largest pack.
* **gazetteer N** — `Gazetteer.find` over the analyzed documents for 1k/10k/100k entries (person
  names given + family, places, organizations), with build time and peak memory.
* **spaCy** (when installed: `pip install 'arabic-ie[bench]'`) — `spacy.blank("ar")`'s
  tokenizer on the same texts; its `Matcher` with the same patterns translated (NORM = our
  stem, LEMMA = our norm, REGEX, IN, OP `?`/`{n,m}`) over `Doc`s built from our tokens (so
  both engines see the same tokens); its `PhraseMatcher` with the same entries over Docs whose
  words are our tokens' norms. The ratio of each pair is printed.
* **agreement** — on the patterns both express, each engine's matches as (rule, start, end):
  ours in mode `all` (the preferred match at every start), spaCy's longest match at each start
  (its Matcher returns every match, overlaps included), both within sentences and over tokens
  reduced to their first analysis (spaCy has one reading per token). Agreement = shared /
  union. For gazetteers, spaCy's matches are filtered leftmost-longest like ours; they differ
  where clitics matter (our entries require the enclitics and inner proclitics they have).
* **memory** — peak RSS growth (child processes) when streaming 10x more documents through
  `Pack.match`, and of building + matching the largest gazetteer (ours vs PhraseMatcher).

Timings are medians (wall clock); a stage stops repeating once it has used its time budget
(spaCy's Matcher with 1000 patterns runs once or twice). The inputs of the timed stages
(texts, analyzed documents, spaCy Docs) are frozen out of the garbage collector's generations,
as they would not be alive in a streaming run. Caches (word analyses, token types) are warm
after the first pass, as in a long run; the cold analysis is reported once. Numbers depend on
the machine and its load: the report prints the load average.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["register", "generate_corpus", "synthetic_pack", "synthetic_gazetteer", "run_bench", "BenchConfig"]

_ROOT = Path(__file__).resolve().parent.parent.parent
_FLOOR = r"\w+|[^\w\s]"   # the regex tokenization floor (compiled with the `regex` module when used)
_SENT_RE = re.compile(r"[^.!?؟\n]+[.!?؟]*")
_ARABIC_RE = re.compile(r"^[\u0621-\u064A]+$")


@dataclass
class BenchConfig:
    """What to measure (see `arabic-ie bench --help`)."""

    corpus: str | None = None
    chars: int = 1_000_000
    rule_sizes: tuple[int, ...] = (10, 100, 1000)
    gazetteer_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    runs: int = 5
    budget: float = 20.0           # seconds a stage may spend repeating itself
    seed: int = 1
    spacy: bool = True
    memory: bool = True
    memory_docs: int = 20          # documents of the 1x memory run (the 10x run streams 10 times more)


# ---------------------------------------------------------------- corpus

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


@dataclass
class _Pools:
    given: list[str]
    family: list[str]
    places: list[str]
    orgs: list[str]


def _pools() -> _Pools:
    d = _gazetteer_dir()
    if d is None:
        return _Pools([], [], [], [])
    return _Pools(_lines(d / "given_names.txt"), _lines(d / "family_names.txt"),
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
    pools = _pools()
    given, family = set(pools.given), set(pools.family)
    places = set(w for w in pools.places if " " not in w)
    # Words to vary the sentences with, so that n-grams do not repeat as often as the few
    # sample sentences would make them: the analyzer's lexicon, the samples' own long words.
    data = Path(__file__).resolve().parent.parent / "morph" / "data" / "known_words.txt"
    lexicon = sorted({w for line in (data.read_text(encoding="utf-8").splitlines() if data.is_file() else [])
                      for w in line.split("#", 1)[0].split() if _ARABIC_RE.match(w) and len(w) >= 3}
                     | {w for s in sentences for w in s.split() if _ARABIC_RE.match(w) and len(w) >= 5})
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
                elif _ARABIC_RE.match(w) and len(w) >= 4 and r < 0.35 and lexicon:
                    w = rnd.choice(("", "", "", "ال", "ال", "و", "ب", "وال")) + rnd.choice(lexicon)
                elif _ARABIC_RE.match(w) and len(w) > 3 and r < 0.39:
                    w = rnd.choice("وبل") + w
                out.append(w)
            parts.append(" ".join(out))
        doc = "\n".join(parts) + "\n"
        docs.append(doc)
        total += len(doc)
    return docs


def read_corpus(path: str) -> list[str]:
    """A file (one document) or a folder of *.txt files (one document each)."""
    p = Path(path)
    files = sorted(p.rglob("*.txt")) if p.is_dir() else [p]
    docs = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    return [d for d in docs if d.strip()]


# ---------------------------------------------------------------- synthetic rule packs

@dataclass
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
    content = sorted(s for s in occ if s not in common and _ARABIC_RE.match(s))
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
            if j == len(toks) - 1 and j > 0 and (k % 2 == 1 or not matching):   # about half: a last word that does not follow
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
    pools = _pools()
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


# ---------------------------------------------------------------- timing helpers

def _freeze() -> None:
    """Move the inputs built so far out of the collector's generations: in a streaming run they
    would not be alive, and rescanning them would charge every stage for the bench's own data."""
    gc.collect()
    gc.freeze()


def _paired(fns: Sequence[Callable[[], Any]], runs: int, budget: float) -> list[tuple[float, int, Any]]:
    """`_median` of several functions run alternately (a, b, a, b, ...), so that a change in the
    machine's load weighs on both sides of a ratio alike."""
    import statistics
    times: list[list[float]] = [[] for _ in fns]
    results: list[Any] = [None] * len(fns)
    spent = 0.0
    for _ in range(max(1, runs)):
        for j, fn in enumerate(fns):
            gc.collect()
            w = time.perf_counter()
            t = time.process_time()
            results[j] = fn()
            times[j].append(time.process_time() - t)
            spent += time.perf_counter() - w
        if spent > budget:
            break
    return [(statistics.median(ts), len(ts), r) for ts, r in zip(times, results)]


def _median(fn: Callable[[], Any], runs: int, budget: float) -> tuple[float, int, Any]:
    """(median CPU seconds, runs done, last result): repeat `fn` up to `runs` times within `budget`.

    CPU time of this process (`time.process_time`): every stage is single-threaded, and on a
    shared machine CPU time does not count the time other jobs hold the core.
    """
    import statistics
    times: list[float] = []
    result = None
    spent = 0.0
    for _ in range(max(1, runs)):
        gc.collect()
        w = time.perf_counter()
        t = time.process_time()
        result = fn()
        times.append(time.process_time() - t)
        spent += time.perf_counter() - w
        if spent > budget:
            break
    return statistics.median(times), len(times), result


@dataclass
class Row:
    """One line of the report."""

    stage: str
    tokens: int
    seconds: float
    runs: int
    matches: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tok_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else float("inf")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


# ---------------------------------------------------------------- spaCy side

def _spacy() -> Any:
    try:
        import spacy  # noqa: F401
        from spacy.matcher import Matcher, PhraseMatcher  # noqa: F401
        from spacy.tokens import Doc  # noqa: F401
    except Exception:  # noqa: BLE001 - spaCy missing or broken: its rows are skipped
        return None
    import spacy
    return spacy


def _spacy_docs(nlp: Any, docs: Sequence[Any], words: str = "text") -> list[Any]:
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


def _sentence_of(doc: Any) -> list[int]:
    sent = [-1] * len(doc.tokens)
    for k, (a, b) in enumerate(doc.sentences):
        sent[a:b] = [k] * (b - a)
    return sent


# ---------------------------------------------------------------- the benchmark

def run_bench(cfg: BenchConfig, out: Any = None) -> dict[str, Any]:
    """Run every measurement of `cfg`; returns the report as a JSON-ready dict."""
    from dsl.gazetteer.format import parse_entries
    from dsl.gazetteer.index import Gazetteer
    from dsl.pattern.vm import MatchContext
    from dsl.morph.analyzer import Analyzer, default_analyzer
    from dsl.pack.index import PackMatcher, RuleSpec
    from dsl.pack.pack import Pack
    from dsl.text.tokenize import scan

    def say(msg: str) -> None:
        if out is not None:
            out.write(msg + "\n")
            out.flush()

    report: dict[str, Any] = {"load_before": _load(), "python": sys.version.split()[0], "rows": [], "pairs": [],
                              "agreement": {}, "memory": {}, "targets": []}
    t_all = time.perf_counter()
    texts = read_corpus(cfg.corpus) if cfg.corpus else generate_corpus(cfg.chars, cfg.seed)
    chars = sum(map(len, texts))
    analyzer = default_analyzer()
    docs = [analyzer.analyze(t) for t in texts]
    n_tok = sum(len(d.tokens) for d in docs)
    _freeze()
    report["corpus"] = {"documents": len(texts), "characters": chars, "tokens": n_tok,
                        "source": cfg.corpus or f"generated (seed {cfg.seed})"}
    say(f"corpus: {len(texts)} documents, {chars:,} characters, {n_tok:,} tokens ({report['corpus']['source']})")
    rows: list[Row] = []

    def add(row: Row) -> Row:
        rows.append(row)
        say(f"  {row.stage:<34} {row.tok_s:>12,.0f} tok/s" + (f"  {row.matches:,} matches" if row.matches is not None else ""))
        return row

    # floor, tokenizer, analyzer
    import regex
    floor_re = regex.compile(_FLOOR)
    floor_tokens = sum(1 for t in texts for _ in floor_re.finditer(t))
    sec, k, _ = _median(lambda: sum(sum(1 for _ in floor_re.finditer(t)) for t in texts), cfg.runs, cfg.budget)
    floor = add(Row("floor: regex tokenization", floor_tokens, sec, k))
    sec, k, _ = _median(lambda: sum(len(scan(t)) for t in texts), cfg.runs, cfg.budget)
    add(Row("tokenize (dsl.text.tokenize.scan)", n_tok, sec, k))
    sec, k, _ = _median(lambda: sum(len(analyzer.analyze(t).tokens) for t in texts), cfg.runs, cfg.budget)
    add(Row("analyze (warm caches)", n_tok, sec, k))
    cold = Analyzer()
    t0 = time.perf_counter()
    for t in texts:
        cold.analyze(t)
    add(Row("analyze (cold caches, 1 run)", n_tok, time.perf_counter() - t0, 1))

    spacy = _spacy() if cfg.spacy else None
    nlp = spacy.blank("ar") if spacy is not None else None
    if nlp is not None:
        sec, k, sp_n = _median(lambda: sum(len(nlp.make_doc(t)) for t in texts), cfg.runs, cfg.budget)
        sp_tok = add(Row("spaCy tokenizer (blank ar)", sp_n, sec, k))
        report["pairs"].append(_pair("tokenize", rows[1], sp_tok))

    # rule packs (each side by side with spaCy's Matcher, the two measured alternately)
    packs: dict[int, Any] = {}
    for n in cfg.rule_sizes:
        yaml_text, synth = synthetic_pack(docs, n, cfg.seed)
        t0 = time.perf_counter()
        pack = Pack.from_yaml(yaml_text)
        compile_s = time.perf_counter() - t0
        packs[n] = pack
        run_ours = (lambda p: lambda: sum(len(p.run(d).mentions) for d in docs))(pack)
        starts, matched_rules = _vm_starts(pack, docs)
        extra = {"compile_seconds": round(compile_s, 3), "rules_matching": matched_rules,
                 "vm_starts_per_token": round(starts / max(n_tok, 1), 4)}
        if nlp is None:
            sec, k, n_matches = _median(run_ours, cfg.runs, cfg.budget)
            add(Row(f"match {n} rules", n_tok, sec, k, n_matches, extra))
            continue
        from spacy.matcher import Matcher
        matcher = Matcher(nlp.vocab)
        for r in synth:
            matcher.add(r.name, [r.spacy])
        sdocs = _spacy_docs(nlp, docs)
        _freeze()
        (sec, k, n_matches), (s_sec, s_k, sp_m) = _paired(
            [run_ours, lambda: sum(len(matcher(sd)) for sd in sdocs)], cfg.runs, cfg.budget)
        ours = add(Row(f"match {n} rules", n_tok, sec, k, n_matches, extra))
        sp = add(Row(f"spaCy Matcher {n} patterns", n_tok, s_sec, s_k, sp_m))
        report["pairs"].append(_pair(f"match {n} rules", ours, sp))
        report["agreement"][f"match {n} rules"] = _agreement_rules(pack, synth, docs, nlp, matcher,
                                                                  MatchContext, PackMatcher, RuleSpec)
        del sdocs

    # the rule-count ratio: smallest and largest pack, measured alternately; and the largest
    # size again with rules that match nothing, which separates the cost of the rule count
    # from the cost of the mentions a bigger pack finds
    if len(packs) > 1:
        lo_n, hi_n = min(packs), max(packs)
        none = Pack.from_yaml(synthetic_pack(docs, hi_n, cfg.seed, matching=False)[0])
        (lo_s, lo_k, lo_m), (hi_s, hi_k, hi_m), (no_s, no_k, no_m) = _paired(
            [lambda: sum(len(packs[lo_n].run(d).mentions) for d in docs),
             lambda: sum(len(packs[hi_n].run(d).mentions) for d in docs),
             lambda: sum(len(none.run(d).mentions) for d in docs)], cfg.runs, cfg.budget)
        report["rule_count"] = {"small": lo_n, "large": hi_n, "small_tok_s": n_tok / lo_s,
                                "large_tok_s": n_tok / hi_s, "ratio": lo_s / hi_s, "runs": min(lo_k, hi_k, no_k),
                                "small_matches": lo_m, "large_matches": hi_m,
                                "large_none_tok_s": n_tok / no_s, "ratio_none": lo_s / no_s,
                                "large_none_matches": no_m}
        say(f"  {hi_n} vs {lo_n} rules, measured alternately: {lo_s / hi_s:.2f}x "
            f"({hi_m:,} vs {lo_m:,} mentions); {hi_n} rules matching nothing ({no_m:,} mentions) "
            f"vs {lo_n}: {lo_s / no_s:.2f}x")
        del none

    # end to end with the largest pack, alternately with the regex floor
    if packs:
        n = max(packs)
        pack = packs[n]
        (sec, k, n_m), (f_sec, f_k, f_n) = _paired(
            [lambda: sum(len(pack.match(t)) for t in texts),
             lambda: sum(sum(1 for _ in floor_re.finditer(t)) for t in texts)], cfg.runs, cfg.budget)
        e2e = add(Row(f"end to end, {n} rules (text -> mentions)", n_tok, sec, k, n_m))
        report["e2e_vs_floor"] = e2e.tok_s / (f_n / f_sec)
        say(f"  end to end vs the floor measured alternately: {report['e2e_vs_floor']:.1%}")
    del packs

    # gazetteers (build and matching each alternately with spaCy's PhraseMatcher)
    for n in cfg.gazetteer_sizes:
        entries = synthetic_gazetteer(n, cfg.seed)
        src = parse_entries("\n".join(entries))
        an = default_analyzer()

        def build_ours() -> Any:
            return Gazetteer.build(src, analyzer=an, cache=False)
        if nlp is None:
            b_sec, b_k, gaz = _median(build_ours, min(cfg.runs, 3), cfg.budget)
            sec, k, n_found = _median(lambda: sum(len(gaz.find(d)) for d in docs), cfg.runs, cfg.budget)
            add(Row(f"gazetteer {n:,} entries", n_tok, sec, k, n_found, {"build_seconds": round(b_sec, 3)}))
            del gaz
            continue
        from spacy.matcher import PhraseMatcher
        norm_entries = [" ".join(t.norm for t in an.analyze(e).tokens) for e in entries]

        def build_pm() -> Any:
            pm = PhraseMatcher(nlp.vocab)
            pm.add("G", list(nlp.tokenizer.pipe(norm_entries)))
            return pm
        (b_sec, b_k, gaz), (sb_sec, sb_k, pm) = _paired([build_ours, build_pm], min(cfg.runs, 3), cfg.budget)
        sdocs = _spacy_docs(nlp, docs, words="norm")
        _freeze()
        (sec, k, n_found), (s_sec, s_k, sp_m) = _paired(
            [lambda: sum(len(gaz.find(d)) for d in docs), lambda: sum(len(pm(sd)) for sd in sdocs)],
            cfg.runs, cfg.budget)
        ours = add(Row(f"gazetteer {n:,} entries", n_tok, sec, k, n_found, {"build_seconds": round(b_sec, 3)}))
        say(f"    build {b_sec:.3f} s")
        sp = add(Row(f"spaCy PhraseMatcher {n:,}", n_tok, s_sec, s_k, sp_m, {"build_seconds": round(sb_sec, 3)}))
        say(f"    build {sb_sec:.3f} s")
        pair = _pair(f"gazetteer {n:,}", ours, sp)
        pair["build_ratio"] = b_sec / sb_sec if sb_sec else None
        report["pairs"].append(pair)
        report["agreement"][f"gazetteer {n:,}"] = _agreement_gaz([gaz.find(d) for d in docs],
                                                                [pm(sd) for sd in sdocs], docs)
        del sdocs, pm, gaz

    # memory (child processes: peak RSS)
    if cfg.memory:
        report["memory"] = _memory_report(cfg, say)

    gc.unfreeze()
    report["rows"] = [{"stage": r.stage, "tokens": r.tokens, "seconds": r.seconds, "runs": r.runs,
                       "tokens_per_second": r.tok_s, "matches": r.matches, **r.extra} for r in rows]
    report["targets"] = _targets(report, rows)
    report["load_after"] = _load()
    report["seconds"] = round(time.perf_counter() - t_all, 1)
    return report


def _vm_starts(pack: Any, docs: Sequence[Any]) -> tuple[int, int]:
    """(VM runs, rules with a match) of one untimed pass: what the start index leaves to do."""
    pm = pack.compiled.matcher
    starts = 0
    matched: set[str] = set()
    orig = pm._run_rule

    def counting(spec: Any, ctx: Any, dt: Any, pos_list: Any, *rest: Any) -> Any:
        nonlocal starts
        found = orig(spec, ctx, dt, pos_list, *rest)
        starts += len(pos_list)
        return found
    pm._run_rule = counting      # type: ignore[method-assign]
    try:
        for d in docs:
            matched.update(m.rule for m in pack.run(d).mentions)
    finally:
        del pm._run_rule
    return starts, len(matched)


def _pair(name: str, ours: Row, theirs: Row) -> dict[str, Any]:
    return {"stage": name, "ours_tok_s": ours.tok_s, "spacy_tok_s": theirs.tok_s,
            "ratio": ours.tok_s / theirs.tok_s if theirs.tok_s else None}


def _agreement_rules(pack: Any, synth: list[SynthRule], docs: Sequence[Any], nlp: Any, matcher: Any,
                     MatchContext: Any, PackMatcher: Any, RuleSpec: Any, max_tokens: int = 60_000) -> dict[str, Any]:
    """Ours (mode all, first analysis only) vs spaCy (longest match per start, within sentences)."""
    from dsl.doc.document import Document
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
        sd = _spacy_docs(nlp, [one])
        if not sd:
            continue
        sent = _sentence_of(one)
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


def _agreement_gaz(found: Sequence[Any], sres: Sequence[Any], docs: Sequence[Any]) -> dict[str, Any]:
    """Ours vs spaCy filtered leftmost-longest within sentences, as token spans."""
    ours = {(di, m.tok_start, m.tok_end) for di, f in enumerate(found) for m in f}
    theirs: set[tuple[int, int, int]] = set()
    non_empty = [di for di, d in enumerate(docs) if d.tokens]
    for di, matches in zip(non_empty, sres):
        sent = _sentence_of(docs[di])
        spans = sorted(((s, e) for _, s, e in matches if sent[s] == sent[e - 1] >= 0), key=lambda x: (x[0], -x[1]))
        end = -1
        for s, e in spans:
            if s >= end:
                theirs.add((di, s, e))
                end = e
    both = len(ours & theirs)
    union = len(ours | theirs)
    return {"ours": len(ours), "spacy": len(theirs), "shared": both, "agreement": both / union if union else 1.0}


# ---------------------------------------------------------------- memory (child processes)

def _child(argv: list[str]) -> dict[str, Any]:
    import subprocess
    cmd = [sys.executable, "-m", "dsl.bench.harness", *argv]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def _memory_report(cfg: BenchConfig, say: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    base = ["--seed", str(cfg.seed), "--chars", str(cfg.chars)] + (["--corpus", cfg.corpus] if cfg.corpus else [])
    n_rules = max(cfg.rule_sizes) if cfg.rule_sizes else 10
    one = _child(["--_child", "stream", "--docs", str(cfg.memory_docs), "--rules", str(n_rules), *base])
    ten = _child(["--_child", "stream", "--docs", str(cfg.memory_docs * 10), "--rules", str(n_rules), *base])
    out["stream"] = {"1x": one, "10x": ten}
    if "error" not in one and "error" not in ten:
        out["stream"]["growth"] = ten["peak_rss_mb"] / one["peak_rss_mb"] - 1
        out["stream"]["growth_over_baseline"] = (ten["delta_mb"] / one["delta_mb"] - 1) if one["delta_mb"] > 0 else None
        say(f"  memory: {one['docs']} documents peak {one['peak_rss_mb']:.1f} MB, {ten['docs']} documents "
            f"{ten['peak_rss_mb']:.1f} MB ({out['stream']['growth']:+.1%})")
    if cfg.gazetteer_sizes:
        n = max(cfg.gazetteer_sizes)
        g_ours = _child(["--_child", "gaz", "--size", str(n), *base])
        out["gazetteer"] = {"size": n, "ours": g_ours}
        if cfg.spacy and _spacy() is not None:
            g_sp = _child(["--_child", "phrasematcher", "--size", str(n), *base])
            out["gazetteer"]["spacy"] = g_sp
            if "error" not in g_ours and "error" not in g_sp and g_sp["delta_mb"] > 0:
                out["gazetteer"]["ratio"] = g_ours["delta_mb"] / g_sp["delta_mb"]
                say(f"  memory: gazetteer {n:,} build+match +{g_ours['delta_mb']:.1f} MB, PhraseMatcher "
                    f"+{g_sp['delta_mb']:.1f} MB")
    return out


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:  # pragma: no cover
        return 0.0


def _reset_peak() -> None:
    """Reset the kernel's peak RSS of this process (Linux >= 4.0), so the peak measures what follows."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:  # pragma: no cover - then the peak includes the setup
        pass


def _peak_mb() -> float:
    """Peak resident set size since the last `_reset_peak` (VmHWM), in MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1e3
    except OSError:  # pragma: no cover
        pass
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1e6 if sys.platform == "darwin" else r / 1e3


def _child_main(args: argparse.Namespace) -> int:
    from dsl.morph.analyzer import default_analyzer
    if args.corpus:
        texts = read_corpus(args.corpus)
    else:
        texts = generate_corpus(args.chars, args.seed)
    an = default_analyzer()
    if args._child == "stream":
        from dsl.pack.pack import Pack
        sample = [an.analyze(t) for t in texts[:50]]
        yaml_text, _ = synthetic_pack(sample, args.rules, args.seed)
        pack = Pack.from_yaml(yaml_text)
        del sample
        gen = _endless(texts, args.seed)
        for _ in range(3):
            pack.match(next(gen))      # warm the caches before the baseline
        gc.collect()
        _reset_peak()
        base = _rss_mb()
        n_m = 0
        for _ in range(args.docs):
            n_m += len(pack.match(next(gen)))
        print(json.dumps({"docs": args.docs, "mentions": n_m, "baseline_mb": base, "peak_rss_mb": _peak_mb(),
                          "delta_mb": max(0.0, _peak_mb() - base)}))
        return 0
    entries = synthetic_gazetteer(args.size, args.seed)
    docs = [an.analyze(t) for t in texts[:20]]
    if args._child == "gaz":
        from dsl.gazetteer.format import parse_entries
        from dsl.gazetteer.index import Gazetteer
        gc.collect()
        _reset_peak()
        base = _rss_mb()
        g = Gazetteer.build(parse_entries("\n".join(entries)), analyzer=an, cache=False)
        n_m = sum(len(g.find(d)) for d in docs)
    else:
        import spacy
        from spacy.matcher import PhraseMatcher
        nlp = spacy.blank("ar")
        norm_entries = [" ".join(t.norm for t in an.analyze(e).tokens) for e in entries]
        sdocs = _spacy_docs(nlp, docs, words="norm")
        gc.collect()
        _reset_peak()
        base = _rss_mb()
        pm = PhraseMatcher(nlp.vocab)
        pm.add("G", list(nlp.tokenizer.pipe(norm_entries)))
        n_m = sum(len(pm(sd)) for sd in sdocs)
    print(json.dumps({"size": args.size, "matches": n_m, "baseline_mb": base, "peak_rss_mb": _peak_mb(),
                      "delta_mb": max(0.0, _peak_mb() - base)}))
    return 0


def _endless(texts: list[str], seed: int) -> Any:
    """Documents for the streaming run: the corpus, then more generated with other seeds."""
    k = 0
    while True:
        for t in texts:
            yield t
        k += 1
        texts = generate_corpus(sum(map(len, texts)), seed + 1000 * k)


# ---------------------------------------------------------------- targets and output

def _targets(report: dict[str, Any], rows: list[Row]) -> list[dict[str, Any]]:
    by = {r.stage: r for r in rows}
    pairs = {p["stage"]: p for p in report["pairs"]}
    out: list[dict[str, Any]] = []

    def target(name: str, value: float | None, goal: float, higher: bool, fmt: str) -> None:
        met = None if value is None else (value >= goal if higher else value <= goal)
        out.append({"target": name, "value": value, "goal": goal, "higher_is_better": higher, "met": met,
                    "format": fmt})

    rule_rows = sorted((int(s.split()[1]), r) for s, r in by.items() if s.startswith("match ") and s.endswith(" rules"))
    if rule_rows:
        big_n, big = rule_rows[-1]
        p = pairs.get(f"match {big_n} rules")
        target(f"match {big_n} rules vs spaCy Matcher", p["ratio"] if p else None, 50, True, "x")
        rc = report.get("rule_count")
        if rc is not None:
            target(f"{rc['large']} rules vs {rc['small']} rules", rc["ratio"], 0.5, True, "x")
    if "e2e_vs_floor" in report:
        target("end to end vs regex floor", report["e2e_vs_floor"], 0.10, True, "%")
    gaz = sorted((p for p in report["pairs"] if p["stage"].startswith("gazetteer")),
                 key=lambda p: int(p["stage"].split()[1].replace(",", "")))
    if gaz:
        p = gaz[-1]
        target(f"{p['stage']} throughput vs PhraseMatcher", p["ratio"], 1.0, True, "x")
        target(f"{p['stage']} build time vs PhraseMatcher", p.get("build_ratio"), 0.5, False, "x")
    mem = report.get("memory", {})
    if mem.get("gazetteer", {}).get("ratio") is not None:
        target("gazetteer peak memory vs PhraseMatcher", mem["gazetteer"]["ratio"], 0.5, False, "x")
    if mem.get("stream", {}).get("growth") is not None:
        target("peak memory growth, 10x documents", mem["stream"]["growth"], 0.20, False, "%")
    return out


def format_report(report: dict[str, Any]) -> str:
    """The report as a table for people."""
    lines = []
    c = report["corpus"]
    lines.append(f"corpus: {c['documents']} documents, {c['characters']:,} characters, {c['tokens']:,} tokens "
                 f"({c['source']}); python {report['python']}; load average {report['load_before']} -> "
                 f"{report['load_after']}; {report['seconds']} s")
    lines.append("")
    lines.append("tokens/s: tokens per second of CPU time, median of the runs (one core)")
    lines.append(f"{'stage':<40} {'tokens/s':>12} {'runs':>5} {'matches':>9}  notes")
    for r in report["rows"]:
        notes = []
        if "build_seconds" in r:
            notes.append(f"build {r['build_seconds']:.2f} s")
        if "compile_seconds" in r:
            notes.append(f"compile {r['compile_seconds']:.2f} s, {r['rules_matching']} rules match, "
                         f"{r['vm_starts_per_token']:.3f} VM starts/token")
        m = "" if r["matches"] is None else f"{r['matches']:,}"
        lines.append(f"{r['stage']:<40} {r['tokens_per_second']:>12,.0f} {r['runs']:>5} {m:>9}  {'; '.join(notes)}")
    if report["pairs"]:
        lines.append("")
        lines.append(f"{'side by side':<28} {'ours tok/s':>12} {'spaCy tok/s':>12} {'ratio':>8}")
        for p in report["pairs"]:
            extra = f"  build ratio {p['build_ratio']:.2f}" if p.get("build_ratio") is not None else ""
            lines.append(f"{p['stage']:<28} {p['ours_tok_s']:>12,.0f} {p['spacy_tok_s']:>12,.0f} {p['ratio']:>7.1f}x{extra}")
    if report["agreement"]:
        lines.append("")
        lines.append("agreement with spaCy (same matches / all matches of either):")
        for k, a in report["agreement"].items():
            lines.append(f"  {k:<26} {a['agreement']:.1%}  (ours {a['ours']:,}, spaCy {a['spacy']:,}, shared {a['shared']:,})")
    mem = report.get("memory") or {}
    if mem:
        lines.append("")
        s = mem.get("stream", {})
        if "growth" in s:
            lines.append(f"memory: streaming {s['1x']['docs']} documents: peak RSS {s['1x']['peak_rss_mb']:.1f} MB; "
                         f"{s['10x']['docs']} documents: {s['10x']['peak_rss_mb']:.1f} MB ({s['growth']:+.1%})")
        g = mem.get("gazetteer", {})
        if g.get("ours") and "delta_mb" in g["ours"]:
            sp = g.get("spacy") or {}
            tail = f"; PhraseMatcher +{sp['delta_mb']:.1f} MB" if "delta_mb" in sp else ""
            lines.append(f"memory: gazetteer {g['size']:,} entries, build + match: +{g['ours']['delta_mb']:.1f} MB{tail}")
    rc = report.get("rule_count")
    if rc:
        lines.append("")
        lines.append(f"rule count, measured alternately: {rc['large']} rules ({rc['large_matches']:,} mentions) "
                     f"{rc['ratio']:.2f}x the throughput of {rc['small']} ({rc['small_matches']:,}); "
                     f"{rc['large']} rules that match nothing ({rc['large_none_matches']:,}) {rc['ratio_none']:.2f}x")
    if report["targets"]:
        lines.append("")
        lines.append("targets:")
        for t in report["targets"]:
            v = t["value"]
            op = ">=" if t["higher_is_better"] else "<="
            if v is None:
                shown = "n/a"
            elif t["format"] == "%":
                shown = f"{v:.1%} (goal {op} {t['goal']:.0%})"
            else:
                shown = f"{v:.2f}x (goal {op} {t['goal']}x)"
            status = "n/a" if t["met"] is None else ("met" if t["met"] else "NOT met")
            lines.append(f"  {t['target']:<48} {shown:<36} {status}")
    return "\n".join(lines)


# ---------------------------------------------------------------- command line

def _sizes(s: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in s.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {s!r}") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", metavar="PATH", help="a text file or a folder of *.txt files (default: generated "
                   "from the sample articles)")
    p.add_argument("--chars", type=int, help="size of the generated corpus (default 1000000)")
    p.add_argument("--rules", type=_sizes, metavar="N,N", help="pack sizes (default 10,100,1000)")
    p.add_argument("--gazetteers", type=_sizes, metavar="N,N", help="gazetteer sizes (default 1000,10000,100000)")
    p.add_argument("--runs", type=int, help="passes per measurement; the median is reported (default 5)")
    p.add_argument("--seed", type=int, default=1, help="seed of the generated corpus, packs and gazetteers")
    p.add_argument("--no-spacy", action="store_true", help="skip the spaCy side even when spaCy is installed")
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurements (child processes)")
    p.add_argument("--quick", action="store_true", help="a smoke test: 30k characters, 10/100 rules, 1k entries, "
                   "1 pass (cold caches: the figures are not comparable to a full run)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (for tools)")


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    cfg = BenchConfig(corpus=args.corpus, seed=args.seed, spacy=not args.no_spacy, memory=not args.no_memory)
    if args.quick:   # small defaults; explicit options still win
        cfg.chars, cfg.rule_sizes, cfg.gazetteer_sizes, cfg.runs = 30_000, (10, 100), (1_000,), 1
        cfg.memory_docs, cfg.budget = 2, 5.0
    if args.chars is not None:
        cfg.chars = args.chars
    if args.rules is not None:
        cfg.rule_sizes = args.rules
    if args.gazetteers is not None:
        cfg.gazetteer_sizes = args.gazetteers
    if args.runs is not None:
        cfg.runs = args.runs
    return cfg


def cmd_bench(args: argparse.Namespace) -> int:
    """`arabic-ie bench`: print the table (or JSON); exit 0, or 2 when the corpus cannot be read."""
    cfg = config_from_args(args)
    try:
        report = run_bench(cfg, out=sys.stderr)
    except (FileNotFoundError, ValueError) as e:
        sys.stderr.write(f"arabic-ie: bench: {e}\n")
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_report(report))
    return 0


def register(sub: Any) -> None:
    """Add the `bench` command to the CLI's subparsers."""
    p = sub.add_parser("bench", help="measure throughput, matches and memory, side by side with spaCy",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=__doc__.split("\n\n", 1)[0],
                       epilog="examples:\n  arabic-ie bench\n  arabic-ie bench --quick --json\n"
                              "  arabic-ie bench --corpus my-articles/ --rules 1000 --no-spacy")
    add_arguments(p)
    p.set_defaults(func=cmd_bench)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m dsl.bench.harness` (also the memory-probe child processes)."""
    ap = argparse.ArgumentParser(prog="python -m dsl.bench.harness")
    add_arguments(ap)
    ap.add_argument("--_child", choices=("stream", "gaz", "phrasematcher"), help=argparse.SUPPRESS)
    ap.add_argument("--docs", type=int, default=10, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, default=1000, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._child:
        args.rules = max(args.rules) if args.rules else 1000
        args.chars = args.chars or 1_000_000
        return _child_main(args)
    return cmd_bench(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
