"""The measurements of `arabic-ie bench`, in order: floor, tokenizer, analyzer, packs, gazetteers, memory.

`run_bench(config)` returns the report as a JSON-ready dict (`report.format_report` prints it).
How each stage is measured is described in the package docstring (`dsl.bench`).
"""
from __future__ import annotations

import gc
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dsl.bench.config import BenchConfig
from dsl.bench.corpus import generate_corpus, read_corpus
from dsl.bench.memory import memory_report
from dsl.bench.packs import synthetic_gazetteer, synthetic_pack
from dsl.bench.report import targets
from dsl.bench.spacy_side import agreement_gazetteer, agreement_rules, load_spacy, spacy_docs
from dsl.bench.timing import Row, freeze_inputs, load_average, median, paired, side_by_side

#: The regex tokenization floor (compiled with the `regex` module): what no pipeline beats.
FLOOR = r"\w+|[^\w\s]"


def run_bench(cfg: BenchConfig, out: Any = None) -> dict[str, Any]:
    """Run every measurement of `cfg`; returns the report as a JSON-ready dict."""
    t_all = time.perf_counter()
    b = _Bench(cfg, out)
    tokenize = b.text_stages()
    b.spacy_tokenizer_stage(tokenize)
    # rule packs (each side by side with spaCy's Matcher, the two measured alternately)
    packs = {n: b.rule_stage(n) for n in cfg.rule_sizes}
    if len(packs) > 1:
        b.rule_count(packs)
    if packs:
        b.end_to_end(max(packs), packs[max(packs)])
    del packs
    # gazetteers (build and matching each alternately with spaCy's PhraseMatcher)
    for n in cfg.gazetteer_sizes:
        b.gazetteer_stage(n)
    # memory (child processes: peak RSS)
    if cfg.memory:
        b.report["memory"] = memory_report(cfg, b.say)
    gc.unfreeze()
    report = b.report
    report["rows"] = [{"stage": r.stage, "tokens": r.tokens, "seconds": r.seconds, "runs": r.runs,
                       "tokens_per_second": r.tok_s, "matches": r.matches, **r.extra} for r in b.rows]
    report["targets"] = targets(report)
    report["load_after"] = load_average()
    report["seconds"] = round(time.perf_counter() - t_all, 1)
    return report


class _Bench:
    """The corpus, analyzed once (and frozen out of the collector), and the rows measured so far."""

    def __init__(self, cfg: BenchConfig, out: Any) -> None:
        import regex

        from dsl.morph.analyzer import default_analyzer
        self.cfg, self.out = cfg, out
        self.report: dict[str, Any] = {"load_before": load_average(), "python": sys.version.split()[0], "rows": [],
                                       "pairs": [], "agreement": {}, "memory": {}, "targets": []}
        self.texts = texts = read_corpus(cfg.corpus) if cfg.corpus else generate_corpus(cfg.chars, cfg.seed)
        chars = sum(map(len, texts))
        self.analyzer = default_analyzer()
        self.docs = [self.analyzer.analyze(t) for t in texts]
        self.n_tok = sum(len(d.tokens) for d in self.docs)
        freeze_inputs()
        self.report["corpus"] = {"documents": len(texts), "characters": chars, "tokens": self.n_tok,
                                 "source": cfg.corpus or f"generated (seed {cfg.seed})"}
        self.say(f"corpus: {len(texts)} documents, {chars:,} characters, {self.n_tok:,} tokens "
                 f"({self.report['corpus']['source']})")
        self.rows: list[Row] = []
        self.floor_re = regex.compile(FLOOR)
        self.nlp: Any = None          # spaCy's blank Arabic pipeline, once loaded

    def say(self, msg: str) -> None:
        if self.out is not None:
            self.out.write(msg + "\n")
            self.out.flush()

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        self.say(f"  {row.stage:<34} {row.tok_s:>12,.0f} tok/s"
                 + (f"  {row.matches:,} matches" if row.matches is not None else ""))
        return row

    def floor_count(self) -> int:
        return sum(sum(1 for _ in self.floor_re.finditer(t)) for t in self.texts)

    def text_stages(self) -> Row:
        """The regex floor, the tokenizer, the analyzer (warm and cold caches); returns the tokenizer's row."""
        from dsl.morph.analyzer import Analyzer
        from dsl.text.tokenize import scan
        cfg, texts, n_tok, analyzer = self.cfg, self.texts, self.n_tok, self.analyzer
        floor_tokens = sum(1 for t in texts for _ in self.floor_re.finditer(t))
        sec, k, _ = median(self.floor_count, cfg.runs, cfg.budget)
        self.add(Row("floor: regex tokenization", floor_tokens, sec, k))
        sec, k, _ = median(lambda: sum(len(scan(t)) for t in texts), cfg.runs, cfg.budget)
        tokenize = self.add(Row("tokenize (dsl.text.tokenize.scan)", n_tok, sec, k))
        sec, k, _ = median(lambda: sum(len(analyzer.analyze(t).tokens) for t in texts), cfg.runs, cfg.budget)
        self.add(Row("analyze (warm caches)", n_tok, sec, k))
        cold = Analyzer()
        t0 = time.perf_counter()
        for t in texts:
            cold.analyze(t)
        self.add(Row("analyze (cold caches, 1 run)", n_tok, time.perf_counter() - t0, 1))
        return tokenize

    def spacy_tokenizer_stage(self, tokenize: Row) -> None:
        """Load spaCy (when asked for and installed) and measure its tokenizer beside ours (`tokenize`)."""
        spacy = load_spacy() if self.cfg.spacy else None
        if spacy is None:
            return
        self.nlp = nlp = spacy.blank("ar")
        texts = self.texts
        sec, k, sp_n = median(lambda: sum(len(nlp.make_doc(t)) for t in texts), self.cfg.runs, self.cfg.budget)
        sp_tok = self.add(Row("spaCy tokenizer (blank ar)", sp_n, sec, k))
        self.report["pairs"].append(side_by_side("tokenize", tokenize, sp_tok))

    def rule_stage(self, n: int) -> Any:
        """A synthetic pack of `n` rules over the analyzed documents (and spaCy's Matcher); returns the pack."""
        from dsl.pack.pack import Pack
        cfg, docs, n_tok, nlp = self.cfg, self.docs, self.n_tok, self.nlp
        yaml_text, synth = synthetic_pack(docs, n, cfg.seed)
        t0 = time.perf_counter()
        pack = Pack.from_yaml(yaml_text)
        compile_s = time.perf_counter() - t0

        def run_ours() -> int:
            return sum(len(pack.run(d).mentions) for d in docs)
        starts, matched_rules = vm_starts(pack, docs)
        extra = {"compile_seconds": round(compile_s, 3), "rules_matching": matched_rules,
                 "vm_starts_per_token": round(starts / max(n_tok, 1), 4)}
        if nlp is None:
            sec, k, n_matches = median(run_ours, cfg.runs, cfg.budget)
            self.add(Row(f"match {n} rules", n_tok, sec, k, n_matches, extra))
            return pack
        from spacy.matcher import Matcher
        matcher = Matcher(nlp.vocab)
        for r in synth:
            matcher.add(r.name, [r.spacy])
        sdocs = spacy_docs(nlp, docs)
        freeze_inputs()
        (sec, k, n_matches), (s_sec, s_k, sp_m) = paired(
            [run_ours, lambda: sum(len(matcher(sd)) for sd in sdocs)], cfg.runs, cfg.budget)
        ours = self.add(Row(f"match {n} rules", n_tok, sec, k, n_matches, extra))
        sp = self.add(Row(f"spaCy Matcher {n} patterns", n_tok, s_sec, s_k, sp_m))
        self.report["pairs"].append(side_by_side(f"match {n} rules", ours, sp))
        self.report["agreement"][f"match {n} rules"] = agreement_rules(pack, synth, docs, nlp, matcher)
        return pack

    def rule_count(self, packs: dict[int, Any]) -> None:
        """The rule-count ratio: the smallest and largest pack, measured alternately; and the largest
        size again with rules that match nothing, which separates the cost of the rule count from
        the cost of the mentions a bigger pack finds."""
        from dsl.pack.pack import Pack
        cfg, docs, n_tok = self.cfg, self.docs, self.n_tok
        lo_n, hi_n = min(packs), max(packs)
        lo, hi = packs[lo_n], packs[hi_n]
        none = Pack.from_yaml(synthetic_pack(docs, hi_n, cfg.seed, matching=False)[0])
        (lo_s, lo_k, lo_m), (hi_s, hi_k, hi_m), (no_s, no_k, no_m) = paired(
            [lambda: sum(len(lo.run(d).mentions) for d in docs),
             lambda: sum(len(hi.run(d).mentions) for d in docs),
             lambda: sum(len(none.run(d).mentions) for d in docs)], cfg.runs, cfg.budget)
        self.report["rule_count"] = {"small": lo_n, "large": hi_n, "small_tok_s": n_tok / lo_s,
                                     "large_tok_s": n_tok / hi_s, "ratio": lo_s / hi_s,
                                     "runs": min(lo_k, hi_k, no_k), "small_matches": lo_m, "large_matches": hi_m,
                                     "large_none_tok_s": n_tok / no_s, "ratio_none": lo_s / no_s,
                                     "large_none_matches": no_m}
        self.say(f"  {hi_n} vs {lo_n} rules, measured alternately: {lo_s / hi_s:.2f}x "
                 f"({hi_m:,} vs {lo_m:,} mentions); {hi_n} rules matching nothing ({no_m:,} mentions) "
                 f"vs {lo_n}: {lo_s / no_s:.2f}x")

    def end_to_end(self, n: int, pack: Any) -> None:
        """Text in, mentions out with the pack of `n` rules, alternately with the regex floor."""
        cfg, texts = self.cfg, self.texts
        (sec, k, n_m), (f_sec, f_k, f_n) = paired(
            [lambda: sum(len(pack.match(t)) for t in texts), self.floor_count], cfg.runs, cfg.budget)
        e2e = self.add(Row(f"end to end, {n} rules (text -> mentions)", self.n_tok, sec, k, n_m))
        self.report["e2e_vs_floor"] = e2e.tok_s / (f_n / f_sec)
        self.say(f"  end to end vs the floor measured alternately: {self.report['e2e_vs_floor']:.1%}")

    def gazetteer_stage(self, n: int) -> None:
        """A gazetteer of `n` entries: build and matching, each alternately with spaCy's PhraseMatcher."""
        from dsl.gazetteer.format import parse_entries
        from dsl.gazetteer.index import Gazetteer
        from dsl.morph.analyzer import default_analyzer
        cfg, docs, n_tok, nlp = self.cfg, self.docs, self.n_tok, self.nlp
        entries = synthetic_gazetteer(n, cfg.seed)
        src = parse_entries("\n".join(entries))
        an = default_analyzer()

        def build_ours() -> Any:
            return Gazetteer.build(src, analyzer=an, cache=False)
        if nlp is None:
            b_sec, b_k, gaz = median(build_ours, min(cfg.runs, 3), cfg.budget)
            sec, k, n_found = median(lambda: sum(len(gaz.find(d)) for d in docs), cfg.runs, cfg.budget)
            self.add(Row(f"gazetteer {n:,} entries", n_tok, sec, k, n_found, {"build_seconds": round(b_sec, 3)}))
            return
        from spacy.matcher import PhraseMatcher
        norm_entries = [" ".join(t.norm for t in an.analyze(e).tokens) for e in entries]

        def build_pm() -> Any:
            pm = PhraseMatcher(nlp.vocab)
            pm.add("G", list(nlp.tokenizer.pipe(norm_entries)))
            return pm
        (b_sec, b_k, gaz), (sb_sec, sb_k, pm) = paired([build_ours, build_pm], min(cfg.runs, 3), cfg.budget)
        sdocs = spacy_docs(nlp, docs, words="norm")
        freeze_inputs()
        (sec, k, n_found), (s_sec, s_k, sp_m) = paired(
            [lambda: sum(len(gaz.find(d)) for d in docs), lambda: sum(len(pm(sd)) for sd in sdocs)],
            cfg.runs, cfg.budget)
        ours = self.add(Row(f"gazetteer {n:,} entries", n_tok, sec, k, n_found, {"build_seconds": round(b_sec, 3)}))
        self.say(f"    build {b_sec:.3f} s")
        sp = self.add(Row(f"spaCy PhraseMatcher {n:,}", n_tok, s_sec, s_k, sp_m,
                          {"build_seconds": round(sb_sec, 3)}))
        self.say(f"    build {sb_sec:.3f} s")
        pair = side_by_side(f"gazetteer {n:,}", ours, sp)
        pair["build_ratio"] = b_sec / sb_sec if sb_sec else None
        self.report["pairs"].append(pair)
        self.report["agreement"][f"gazetteer {n:,}"] = agreement_gazetteer([gaz.find(d) for d in docs],
                                                                           [pm(sd) for sd in sdocs], docs)


@dataclass
class _StartCounter:
    """A cascade observer (`RuleObserver`) that counts the token positions the rules' VMs started at."""

    starts: int = 0

    def rule_started(self, rule: Any, round: int, starts: int) -> None:
        self.starts += starts

    def rule_ran(self, rule: Any, ctx: Any, round: int, seconds: float, new: int) -> None:
        pass


def vm_starts(pack: Any, docs: Sequence[Any]) -> tuple[int, int]:
    """(VM runs, rules with a match) of one untimed pass: what the start index leaves to do."""
    from dsl.pack.cascade import run
    counter = _StartCounter()
    matched: set[str] = set()
    for d in docs:
        matched.update(m.rule for m in run(pack, d, observer=counter).mentions)
    return counter.starts, len(matched)
