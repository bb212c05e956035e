"""The measurements of `arabic-ie bench`, in order: floor and text layer, the spaCy comparison,
the shipped packs in process and through the command line, the start, gazetteers, memory.

`run_bench(config)` returns the report as a JSON-ready dict (`report.format_report` prints it).
How each part is measured is described in the package docstring (`dsl.bench`).
"""
from __future__ import annotations

import sys
import time
from typing import Any

from dsl.bench.config import BenchConfig
from dsl.bench.corpus import generate_corpus, read_corpus
from dsl.bench.memory import memory_report
from dsl.bench.packs import synthetic_gazetteer
from dsl.bench.report import targets
from dsl.bench.spacy_side import agreement_gazetteer, load_spacy, spacy_docs
from dsl.bench.timing import Row, load_average, paired
from dsl.bench.userpath import FLOOR, command_line, floor_tokens, in_process, sample_article, start_time


def run_bench(cfg: BenchConfig, out: Any = None) -> dict[str, Any]:
    """Run every measurement of `cfg`; returns the report as a JSON-ready dict."""
    t_all = time.perf_counter()
    b = _Bench(cfg, out)
    b.text_stages()
    spacy = load_spacy() if cfg.spacy else None
    if spacy is not None and cfg.peer_sizes:
        from dsl.bench.peer import peer_comparison, peer_texts
        b.report["peer"] = peer_comparison(peer_texts(b.texts, cfg.peer_chars), cfg.peer_sizes, runs=cfg.runs,
                                           budget=cfg.budget, seed=cfg.seed, say=b.say)
    b.shipped()
    for n in cfg.gazetteer_sizes:
        b.gazetteer_stage(n)
    if cfg.memory:
        b.report["memory"] = memory_report(cfg, b.say)
    report = b.report
    report["rows"] = [{"stage": r.stage, "tokens": r.tokens, "seconds": r.seconds, "runs": r.runs,
                       "tokens_per_second": r.tok_s, "matches": r.matches, **r.extra} for r in b.rows]
    report["targets"] = targets(report)
    report["load_after"] = load_average()
    report["seconds"] = round(time.perf_counter() - t_all, 1)
    return report


class _Bench:
    """The corpus, analyzed once, and the rows measured so far."""

    def __init__(self, cfg: BenchConfig, out: Any) -> None:
        from dsl.morph.analyzer import default_analyzer
        self.cfg, self.out = cfg, out
        self.report: dict[str, Any] = {"load_before": load_average(), "python": sys.version.split()[0], "rows": [],
                                       "pairs": [], "agreement": {}, "memory": {}, "targets": [],
                                       "packs": cfg.packs()}
        self.texts = texts = read_corpus(cfg.corpus, cfg.doc_sentences) if cfg.corpus \
            else generate_corpus(cfg.chars, cfg.seed)
        if not texts:
            raise ValueError(f"no documents in {cfg.corpus}")
        chars = sum(map(len, texts))
        self.analyzer = default_analyzer()
        self.docs = [self.analyzer.analyze(t) for t in texts]
        self.n_tok = sum(len(d.tokens) for d in self.docs)
        self.report["corpus"] = {"documents": len(texts), "characters": chars, "tokens": self.n_tok,
                                 "source": cfg.corpus or f"generated (seed {cfg.seed})",
                                 "floor_tokens": floor_tokens(texts)}
        self.say(f"corpus: {len(texts)} documents, {chars:,} characters, {self.n_tok:,} tokens "
                 f"({self.report['corpus']['source']}); load average {self.report['load_before']}")
        self.rows: list[Row] = []
        self.nlp: Any = None          # spaCy's blank Arabic pipeline, once loaded

    def say(self, msg: str) -> None:
        if self.out is not None:
            self.out.write(msg + "\n")
            self.out.flush()

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        self.say(f"  {row.stage:<40} {row.tok_s:>12,.0f} tok/s"
                 + (f"  {row.matches:,} matches" if row.matches is not None else ""))
        return row

    def text_stages(self) -> None:
        """The regex floor, our tokenizer and analyzer (warm and cold caches), spaCy's tokenizer."""
        from dsl.morph.analyzer import Analyzer
        from dsl.text.tokenize import scan
        cfg, texts, n_tok, analyzer = self.cfg, self.texts, self.n_tok, self.analyzer
        fns = [lambda: floor_tokens(texts), lambda: sum(len(scan(t)) for t in texts),
               lambda: sum(len(analyzer.analyze(t).tokens) for t in texts)]
        spacy = load_spacy() if cfg.spacy else None
        if spacy is not None:
            self.nlp = nlp = spacy.blank("ar")
            fns.append(lambda: sum(len(nlp.make_doc(t)) for t in texts))
        timed = paired(fns, cfg.runs, cfg.budget)
        self.add(Row("floor: regex tokenization", self.report["corpus"]["floor_tokens"], timed[0].seconds,
                     len(timed[0].runs)))
        tok = self.add(Row("tokenize (dsl.text.tokenize.scan)", n_tok, timed[1].seconds, len(timed[1].runs)))
        self.add(Row("analyze (warm caches)", n_tok, timed[2].seconds, len(timed[2].runs)))
        cold = Analyzer()
        t0 = time.process_time()
        for t in texts:
            cold.analyze(t)
        self.add(Row("analyze (cold caches, 1 run)", n_tok, time.process_time() - t0, 1))
        if spacy is not None:
            sp = self.add(Row("spaCy tokenizer (blank ar)", timed[3].result, timed[3].seconds, len(timed[3].runs)))
            self.report["pairs"].append({"stage": "tokenize", "ours_tok_s": tok.tok_s, "spacy_tok_s": sp.tok_s,
                                         "ratio": tok.tok_s / sp.tok_s})

    def shipped(self) -> None:
        """The packs (the shipped ones by default) end to end: `Pack.match` in process, the command
        line over the corpus and over the generated corpus (when the corpus is another), the start."""
        cfg, texts, rules = self.cfg, self.texts, self.cfg.packs()
        self.say(f"packs end to end: {', '.join(rules)}")
        ship: dict[str, Any] = {"in_process": in_process(texts, rules, runs=cfg.runs, budget=cfg.budget, say=self.say)}
        if cfg.cli:
            source = self.report["corpus"]["source"]
            ship["cli"] = {"corpus": command_line(texts, rules, runs=cfg.runs, budget=cfg.budget, say=self.say,
                                                  label=source)}
            if cfg.corpus:
                generated = generate_corpus(cfg.chars, cfg.seed)
                ship["cli"]["generated"] = command_line(generated, rules, runs=cfg.runs, budget=cfg.budget,
                                                        say=self.say, label=f"generated (seed {cfg.seed})")
            ship["start"] = start_time(sample_article(), texts, rules, say=self.say)
        self.report["shipped"] = ship

    def gazetteer_stage(self, n: int) -> None:
        """A gazetteer of `n` entries: build and matching, each alternately with spaCy's PhraseMatcher."""
        from dsl.gazetteer.format import parse_entries
        from dsl.gazetteer.index import Gazetteer
        cfg, docs, n_tok, nlp = self.cfg, self.docs, self.n_tok, self.nlp
        entries = synthetic_gazetteer(n, cfg.seed)
        src = parse_entries("\n".join(entries))
        an = self.analyzer

        def build_ours() -> Any:
            return Gazetteer.build(src, analyzer=an, cache=False)
        if nlp is None:
            built, = paired([build_ours], min(cfg.runs, 3), cfg.budget)
            gaz = built.result
            found, = paired([lambda: sum(len(gaz.find(d)) for d in docs)], cfg.runs, cfg.budget)
            self.add(Row(f"gazetteer {n:,} entries", n_tok, found.seconds, len(found.runs), found.result,
                         {"build_seconds": round(built.seconds, 3)}))
            return
        from spacy.matcher import PhraseMatcher
        norm_entries = [" ".join(t.norm for t in an.analyze(e).tokens) for e in entries]

        def build_pm() -> Any:
            pm = PhraseMatcher(nlp.vocab)
            pm.add("G", list(nlp.tokenizer.pipe(norm_entries)))
            return pm
        b_ours, b_sp = paired([build_ours, build_pm], min(cfg.runs, 3), cfg.budget)
        gaz, pm = b_ours.result, b_sp.result
        sdocs = spacy_docs(nlp, docs, words="norm")
        f_ours, f_sp = paired([lambda: [gaz.find(d) for d in docs], lambda: [pm(sd) for sd in sdocs]],
                              cfg.runs, cfg.budget)
        ours = self.add(Row(f"gazetteer {n:,} entries", n_tok, f_ours.seconds, len(f_ours.runs),
                            sum(map(len, f_ours.result)), {"build_seconds": round(b_ours.seconds, 3)}))
        sp = self.add(Row(f"spaCy PhraseMatcher {n:,}", n_tok, f_sp.seconds, len(f_sp.runs),
                          sum(map(len, f_sp.result)), {"build_seconds": round(b_sp.seconds, 3)}))
        self.say(f"    build: ours {b_ours.seconds:.3f} s, PhraseMatcher {b_sp.seconds:.3f} s")
        self.report["pairs"].append({"stage": f"gazetteer {n:,}", "ours_tok_s": ours.tok_s, "spacy_tok_s": sp.tok_s,
                                     "ratio": ours.tok_s / sp.tok_s,
                                     "build_ratio": b_ours.seconds / b_sp.seconds if b_sp.seconds else None})
        self.report["agreement"][f"gazetteer {n:,}"] = agreement_gazetteer(f_ours.result, f_sp.result, docs)


__all__ = ["run_bench", "FLOOR"]
