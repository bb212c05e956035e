"""Memory for `arabic-ie bench`: peak RSS growth measured in child processes, one per probe.

Each probe runs in a fresh `python -m dsl.bench.memory PROBE_JSON`, so that its peak resident
set is its own. Streaming through the shipped packs' `Pack.match`, as a caller does (the
garbage collector as it comes), N and then 10 N documents, two ways:

* `repeat`: the corpus's first N documents, once, then ten times over. Nothing new to learn,
  so whatever grows grows per document: the leak check (the target: flat).
* `fresh`: N and then 10 N documents never seen (the corpus, then more generated ones). New
  words fill the caches of word analyses, token types and gazetteer codes, which are bounded
  (about 200,000 word types each, then cleared): memory grows with the vocabulary up to that
  bound, not with the documents.

And building + matching the largest gazetteer, ours and spaCy's PhraseMatcher. A probe prints
one JSON line; a probe that fails is reported, not raised.
"""
from __future__ import annotations

import gc
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dsl.bench.config import BenchConfig
from dsl.bench.corpus import generate_corpus, read_corpus
from dsl.bench.packs import synthetic_gazetteer

_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Probe:
    """One child process's measurement: `stream` (documents through a pack), `gaz` or `phrasematcher`."""

    kind: str
    seed: int
    chars: int
    corpus: str | None = None
    docs: int = 10             # stream: documents matched after the baseline
    rules: tuple[str, ...] = ()   # stream: the packs (the shipped ones by default)
    size: int = 1000           # gaz, phrasematcher: entries
    doc_sentences: int = 10
    repeat: int = 1            # stream: passes over the same `docs` documents (1: fresh documents)


def memory_report(cfg: BenchConfig, say: Callable[[str], None]) -> dict[str, Any]:
    """The `memory` section of the report: streaming 1x and 10x documents, and the largest gazetteer."""
    from dsl.bench.spacy_side import load_spacy
    out: dict[str, Any] = {}
    rules = tuple(cfg.packs())
    n = cfg.memory_docs
    for way, one_p, ten_p in (("repeat", dict(docs=n, repeat=1), dict(docs=n, repeat=10)),
                              ("fresh", dict(docs=n), dict(docs=10 * n))):
        one = _child(Probe("stream", cfg.seed, cfg.chars, cfg.corpus, rules=rules, doc_sentences=cfg.doc_sentences,
                           **one_p))  # type: ignore[arg-type]
        ten = _child(Probe("stream", cfg.seed, cfg.chars, cfg.corpus, rules=rules, doc_sentences=cfg.doc_sentences,
                           **ten_p))  # type: ignore[arg-type]
        entry: dict[str, Any] = {"1x": one, "10x": ten}
        if "error" not in one and "error" not in ten:
            entry["growth"] = ten["peak_rss_mb"] / one["peak_rss_mb"] - 1
            say(f"  memory ({way}): {one['matched']} documents peak {one['peak_rss_mb']:.1f} MB, {ten['matched']} "
                f"documents {ten['peak_rss_mb']:.1f} MB ({entry['growth']:+.1%})")
        out["stream" if way == "repeat" else "fresh"] = entry
    if cfg.gazetteer_sizes:
        n = max(cfg.gazetteer_sizes)
        g_ours = _child(Probe("gaz", cfg.seed, cfg.chars, cfg.corpus, size=n))
        out["gazetteer"] = {"size": n, "ours": g_ours}
        if cfg.spacy and load_spacy() is not None:
            g_sp = _child(Probe("phrasematcher", cfg.seed, cfg.chars, cfg.corpus, size=n))
            out["gazetteer"]["spacy"] = g_sp
            if "error" not in g_ours and "error" not in g_sp and g_sp["delta_mb"] > 0:
                out["gazetteer"]["ratio"] = g_ours["delta_mb"] / g_sp["delta_mb"]
                say(f"  memory: gazetteer {n:,} build+match +{g_ours['delta_mb']:.1f} MB, PhraseMatcher "
                    f"+{g_sp['delta_mb']:.1f} MB")
    return out


def _child(probe: Probe) -> dict[str, Any]:
    """Run `probe` in a child process: its JSON line, or `{"error": its last line of stderr}`."""
    import subprocess
    cmd = [sys.executable, "-m", "dsl.bench.memory", json.dumps(asdict(probe))]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


# --- in the child process ----------------------------------------------------------------------------------
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


def run_probe(probe: Probe) -> dict[str, Any]:
    """Measure `probe` in this process (meant to be a fresh one: see `_child`)."""
    from dsl.morph.analyzer import default_analyzer
    texts = read_corpus(probe.corpus, probe.doc_sentences) if probe.corpus else generate_corpus(probe.chars, probe.seed)
    an = default_analyzer()
    if probe.kind == "stream":
        from dsl.pack.pack import Pack
        pack = Pack.load(list(probe.rules), cache=True)
        if probe.repeat > 1:
            first = (texts * (1 + probe.docs // max(len(texts), 1)))[:probe.docs]
            stream: Iterator[str] = iter(first * probe.repeat)
            for t in first[:3]:
                pack.match(t)          # warm the caches before the baseline
        else:
            stream = _endless(texts, probe.seed)
            for _ in range(3):
                pack.match(next(stream))
        _reset_peak()
        base = _rss_mb()
        n_m = matched = 0
        for t in itertools.islice(stream, probe.docs * probe.repeat):
            n_m += len(pack.match(t))
            matched += 1
        return {"docs": probe.docs, "repeat": probe.repeat, "matched": matched, "mentions": n_m,
                "baseline_mb": base, "peak_rss_mb": _peak_mb(), "delta_mb": max(0.0, _peak_mb() - base)}
    entries = synthetic_gazetteer(probe.size, probe.seed)
    docs = [an.analyze(t) for t in texts[:20]]
    if probe.kind == "gaz":
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

        from dsl.bench.spacy_side import spacy_docs
        nlp = spacy.blank("ar")
        norm_entries = [" ".join(t.norm for t in an.analyze(e).tokens) for e in entries]
        sdocs = spacy_docs(nlp, docs, words="norm")
        gc.collect()
        _reset_peak()
        base = _rss_mb()
        pm = PhraseMatcher(nlp.vocab)
        pm.add("G", list(nlp.tokenizer.pipe(norm_entries)))
        n_m = sum(len(pm(sd)) for sd in sdocs)
    return {"size": probe.size, "matches": n_m, "baseline_mb": base, "peak_rss_mb": _peak_mb(),
            "delta_mb": max(0.0, _peak_mb() - base)}


def _endless(texts: list[str], seed: int) -> Iterator[str]:
    """Documents for the streaming run: the corpus, then more generated with other seeds."""
    k = 0
    while True:
        yield from texts
        k += 1
        texts = generate_corpus(sum(map(len, texts)), seed + 1000 * k)


if __name__ == "__main__":  # pragma: no cover - the child process of `_child`
    args = json.loads(sys.argv[1])
    args["rules"] = tuple(args.get("rules", ()))
    print(json.dumps(run_probe(Probe(**args))))
