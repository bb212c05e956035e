"""The report of `arabic-ie bench`: the targets it is held to, and the table for people."""
from __future__ import annotations

from typing import Any


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The goals of issue 6, each with its value in `report` (its rows, pairs and memory) and met or not."""
    stages = [r["stage"] for r in report["rows"]]
    pairs = {p["stage"]: p for p in report["pairs"]}
    out: list[dict[str, Any]] = []

    def target(name: str, value: float | None, goal: float, higher: bool, fmt: str) -> None:
        met = None if value is None else (value >= goal if higher else value <= goal)
        out.append({"target": name, "value": value, "goal": goal, "higher_is_better": higher, "met": met,
                    "format": fmt})

    rule_sizes = sorted(int(s.split()[1]) for s in stages if s.startswith("match ") and s.endswith(" rules"))
    if rule_sizes:
        big_n = rule_sizes[-1]
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
            lines.append(f"{p['stage']:<28} {p['ours_tok_s']:>12,.0f} {p['spacy_tok_s']:>12,.0f} "
                         f"{p['ratio']:>7.1f}x{extra}")
    if report["agreement"]:
        lines.append("")
        lines.append("agreement with spaCy (same matches / all matches of either):")
        for k, a in report["agreement"].items():
            lines.append(f"  {k:<26} {a['agreement']:.1%}  (ours {a['ours']:,}, spaCy {a['spacy']:,}, "
                         f"shared {a['shared']:,})")
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
            lines.append(f"memory: gazetteer {g['size']:,} entries, build + match: "
                         f"+{g['ours']['delta_mb']:.1f} MB{tail}")
    rc = report.get("rule_count")
    if rc:
        lines.append("")
        lines.append(f"rule count, measured alternately: {rc['large']} rules ({rc['large_matches']:,} mentions) "
                     f"{rc['ratio']:.2f}x the throughput of {rc['small']} ({rc['small_matches']:,}); "
                     f"{rc['large']} rules that match nothing ({rc['large_none_matches']:,}) {rc['ratio_none']:.2f}x")
    if report["targets"]:
        lines.append("")
        judged = report.get("targets_judged", True)
        lines.append("targets:" if judged else "targets (not judged: --quick is a smoke test, one cold pass on a "
                                               "small corpus; run without --quick to compare):")
        for t in report["targets"]:
            v = t["value"]
            op = ">=" if t["higher_is_better"] else "<="
            if v is None:
                shown = "n/a"
            elif t["format"] == "%":
                shown = f"{v:.1%} (goal {op} {t['goal']:.0%})"
            else:
                shown = f"{v:.2f}x (goal {op} {t['goal']}x)"
            status = ("n/a" if judged else "-") if t["met"] is None else ("met" if t["met"] else "NOT met")
            lines.append(f"  {t['target']:<48} {shown:<36} {status}")
    return "\n".join(lines)
