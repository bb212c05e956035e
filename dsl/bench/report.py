"""The report of `arabic-ie bench`: the targets it is held to (issue 14), and the text for people."""
from __future__ import annotations

from typing import Any

#: Peak RSS may grow this much when 10x more documents stream through `Pack.match`.
MEMORY_GROWTH_GOAL = 0.10


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal with its value in `report` and whether it is met (None: not measured)."""
    out: list[dict[str, Any]] = []

    def target(name: str, value: float | None, goal: float, higher: bool, fmt: str) -> None:
        met = None if value is None else (value >= goal if higher else value <= goal)
        out.append({"target": name, "value": value, "goal": goal, "higher_is_better": higher, "met": met,
                    "format": fmt})

    peer = report.get("peer") or {}
    sizes = sorted(peer.get("sizes", {}), key=int)
    big = sizes[-1] if sizes else "1000"
    target(f"{big} patterns vs spaCy's Matcher (median)", peer["sizes"][big]["ratio"] if sizes else None, 50, True, "x")
    lo, hi = peer.get("rule_count", (10, 1000))
    target(f"{hi} patterns vs {lo} patterns (throughput)", peer.get("rule_count_ratio"), 0.3, True, "x")
    target("agreement with spaCy on every start",
           min(peer["sizes"][n]["agreement"]["agreement"] for n in sizes) if sizes else None, 1.0, True, "%")
    ship = report.get("shipped") or {}
    cli = ship.get("cli") or {}
    generated = report.get("corpus", {}).get("source", "").startswith("generated")
    news = cli.get("corpus") if not generated else None
    gen = cli.get("corpus") if generated else cli.get("generated")
    target("shipped packs via the CLI, --corpus (real news), vs floor", news["vs_floor"] if news else None, 0.05, True,
           "%")
    target("shipped packs via the CLI, generated corpus, vs floor", gen["vs_floor"] if gen else None, 0.10, True, "%")
    target("arabic-ie match on one article, CPU seconds", ship["start"]["cpu_seconds"] if "start" in ship else None,
           0.4, False, "s")
    growth = (report.get("memory") or {}).get("stream", {}).get("growth")
    target("peak memory growth, the same documents 10x through Pack.match", growth, MEMORY_GROWTH_GOAL, False, "%")
    gaz = sorted((p for p in report.get("pairs", []) if p["stage"].startswith("gazetteer")),
                 key=lambda p: int(p["stage"].split()[1].replace(",", "")))
    if gaz:
        p = gaz[-1]
        target(f"{p['stage']} throughput vs PhraseMatcher (issue 6)", p["ratio"], 1.0, True, "x")
    return out


def _fmt(v: float | None, fmt: str) -> str:
    if v is None:
        return "n/a"
    return f"{v:.1%}" if fmt == "%" else f"{v:.2f} s" if fmt == "s" else f"{v:.2f}x"


def format_report(report: dict[str, Any]) -> str:
    """The report as text for people."""
    lines = []
    c = report["corpus"]
    lines.append(f"corpus: {c['documents']} documents, {c['characters']:,} characters, {c['tokens']:,} tokens "
                 f"({c['source']}); python {report['python']}; load average {report['load_before']} -> "
                 f"{report['load_after']}; {report['seconds']} s")
    lines.append("")
    lines.append("tokens/s: tokens per second of CPU time, median of the runs (one core); the two sides of each")
    lines.append("ratio measured alternately; the garbage collector as a caller has it")
    lines.append(f"{'stage':<40} {'tokens/s':>12} {'runs':>5} {'matches':>9}  notes")
    for r in report["rows"]:
        notes = [f"build {r['build_seconds']:.2f} s"] if "build_seconds" in r else []
        m = "" if r["matches"] is None else f"{r['matches']:,}"
        lines.append(f"{r['stage']:<40} {r['tokens_per_second']:>12,.0f} {r['runs']:>5} {m:>9}  {'; '.join(notes)}")
    peer = report.get("peer")
    if peer:
        lines.append("")
        lines.append(f"spaCy's Matcher and ours on spaCy's tokens (blank('ar'), spaCy {peer['spacy_version']}; "
                     f"{peer['documents']} documents, {peer['tokens']:,} tokens, every start):")
        lines.append(f"  {'patterns':>8} {'ours tok/s':>12} {'(first run)':>12} {'spaCy tok/s':>12} {'ratio':>8} "
                     f"{'matches':>8} {'per token':>9} {'GC':>6}  agreement")
        for n in sorted(peer["sizes"], key=int):
            e = peer["sizes"][n]
            a = e["agreement"]
            lines.append(f"  {n:>8} {e['ours']['tok_s']:>12,.0f} {e['ours']['first_tok_s']:>12,.0f} "
                         f"{e['spacy']['tok_s']:>12,.0f} {e['ratio']:>7.1f}x {e['ours']['matches']:>8,} "
                         f"{e['matches_per_token']:>9.3f} {e['ours'].get('gc_share', 0):>6.1%}  {a['agreement']:.1%} "
                         f"(ours {a['ours']:,}, spaCy {a['spacy']:,}, shared {a['shared']:,})")
        if "rule_count_ratio" in peer:
            lo, hi = peer["rule_count"]
            lines.append(f"  {hi} patterns run at {peer['rule_count_ratio']:.2f}x the throughput of {lo}")
    ship = report.get("shipped")
    if ship:
        lines.append("")
        lines.append(f"packs end to end ({', '.join(report.get('packs', []))}):")
        ip = ship["in_process"]
        lines.append(f"  Pack.match in process: {ip['tok_s']:,.0f} tok/s (first run {ip['first_tok_s']:,.0f}), "
                     f"{ip['vs_floor']:.1%} of the floor (first run {ip['first_vs_floor']:.1%}); {ip['mentions']:,} "
                     f"mentions; garbage collector {ip['gc_share']:.1%} of the time; pack loaded in "
                     f"{ip['load_seconds']:.2f} s")
        for cl in (ship.get("cli") or {}).values():
            lines.append(f"  arabic-ie match --workers 1 over {cl['documents']} files ({cl['label']}): "
                         f"{cl['cpu_seconds']:.2f} s CPU ({cl['wall_seconds']:.2f} s wall), {cl['tok_s']:,.0f} tok/s, "
                         f"{cl['vs_floor']:.1%} of the floor ({cl['floor_tok_s']:,.0f} tok/s over the same files)")
        if "start" in ship:
            st = ship["start"]
            lines.append(f"  arabic-ie match {st['article']} ({st['characters']:,} characters): "
                         f"{st['cpu_seconds']:.2f} s CPU, {st['wall_seconds']:.2f} s wall")
    if report["pairs"]:
        lines.append("")
        lines.append(f"{'side by side':<28} {'ours tok/s':>12} {'spaCy tok/s':>12} {'ratio':>8}")
        for p in report["pairs"]:
            extra = f"  build ratio {p['build_ratio']:.2f}" if p.get("build_ratio") is not None else ""
            lines.append(f"{p['stage']:<28} {p['ours_tok_s']:>12,.0f} {p['spacy_tok_s']:>12,.0f} "
                         f"{p['ratio']:>7.1f}x{extra}")
    if report["agreement"]:
        lines.append("")
        lines.append("gazetteers, agreement with spaCy's PhraseMatcher (same matches / all matches of either):")
        for k, a in report["agreement"].items():
            lines.append(f"  {k:<26} {a['agreement']:.1%}  (ours {a['ours']:,}, spaCy {a['spacy']:,}, "
                         f"shared {a['shared']:,})")
    mem = report.get("memory") or {}
    if mem:
        lines.append("")
        for key, what in (("stream", "the same documents again and again (leaks)"),
                          ("fresh", "new documents (caches of new words, bounded)")):
            s = mem.get(key, {})
            if "growth" in s:
                lines.append(f"memory, {what}: peak RSS {s['1x']['peak_rss_mb']:.1f} MB after {s['1x']['matched']} "
                             f"documents, {s['10x']['peak_rss_mb']:.1f} MB after {s['10x']['matched']} "
                             f"({s['growth']:+.1%})")
            elif s:
                err = s.get("1x", {}).get("error") or s.get("10x", {}).get("error")
                lines.append(f"memory, {what}: failed: {err}")
        g = mem.get("gazetteer", {})
        if g.get("ours") and "delta_mb" in g["ours"]:
            sp = g.get("spacy") or {}
            tail = f"; PhraseMatcher +{sp['delta_mb']:.1f} MB" if "delta_mb" in sp else ""
            lines.append(f"memory: gazetteer {g['size']:,} entries, build + match: "
                         f"+{g['ours']['delta_mb']:.1f} MB{tail}")
    if report["targets"]:
        lines.append("")
        judged = report.get("targets_judged", True)
        lines.append("targets (issue 14):" if judged else "targets (not judged: --quick is a smoke test, one cold pass "
                                                          "on a small corpus; run without --quick to compare):")
        for t in report["targets"]:
            op = ">=" if t["higher_is_better"] else "<="
            goal = f"{t['goal']:.0%}" if t["format"] == "%" else f"{t['goal']} s" if t["format"] == "s" \
                else f"{t['goal']}x"
            status = ("n/a" if judged else "-") if t["met"] is None else ("met" if t["met"] else "NOT met")
            lines.append(f"  {t['target']:<58} {_fmt(t['value'], t['format']):>10}  (goal {op} {goal:<5}) {status}")
    return "\n".join(lines)
