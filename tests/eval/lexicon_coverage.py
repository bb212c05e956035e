"""Measure the word lexicon (`dsl.morph.lexicon`) on real news tagged token by token. Run by hand.

    .venv/bin/python tests/eval/lexicon_coverage.py [--corpus PATH] [--show N] [--no-gazetteers]

Reads ANERcorp's dev part (`../shared/data/anercorp-dev/dev.txt` from the repository root,
one `token TAG` per line; for measuring only: nothing from it goes into the lexicon, its
lists or its tests). Each Arabic-letter token (punctuation, digits and Latin aside) is
analyzed alone by the project's analyzer (`dsl.morph.default_analyzer().analyze_word`; the
corpus tags whole whitespace tokens, clitics included), and its first analysis's stem and
article flag go to `Lexicon.classify`.

Reports, cumulatively per signal (article, + inflection, + verb, + noun, + closed,
+ gazetteer):

* O: the share of O tokens the lexicon calls common or function (target >= 95%);
* PERS: the share of B-PERS/I-PERS tokens it calls unknown, i.e. possible names (>= 80%);
* LOC, ORG, MISC: the share called unknown, for information;

then the same with every signal and a simulated veto on the analyzer's clitic splits: the
first of the token's analyses whose split the lexicon accepts is used (it knows the core,
`is_word`, and the whole word is not clearly more frequent than the core, `keeps_whole`),
else the whole word; then the fallback without wordfreq; then what the shipped packs'
analyzer gives each token as `Token.lex` (its gazetteers keep names marked ambiguous=yes,
صالح and الأسد, ordinary words: fewer person tokens are then possible names); and with `--show N` the
most frequent O tokens called unknown and person tokens called common, with the signal that
decided.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dsl.morph.analyzer import default_analyzer  # noqa: E402
from dsl.morph.lexicon import COMMON, FUNCTION, SIGNALS, UNKNOWN, Lexicon  # noqa: E402
from dsl.text.normalize import normalize_word  # noqa: E402

_REL = Path("shared") / "data" / "anercorp-dev" / "dev.txt"
CANDIDATES = (ROOT.parent / _REL, ROOT.parent.parent / _REL)  # main checkout, or a worktree in wt/
CLASSES = ("O", "PERS", "PERS*", "LOC", "ORG", "MISC")
#: Cumulative signal sets, in the order of the report.
STEPS = (("article",), ("article", "inflection"), ("article", "inflection", "verb"),
         ("article", "inflection", "verb", "noun"),
         ("article", "inflection", "verb", "noun", "closed"), SIGNALS)


def _arabic(tok: str) -> bool:
    return bool(tok) and all("\u0621" <= c <= "\u064a" or "\u064b" <= c <= "\u0652" or c in "\u0640\u0670"
                             for c in tok) and any("\u0621" <= c <= "\u064a" and c != "\u0640" for c in tok)


def read_tokens(path: Path) -> list[tuple[str, str]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and _arabic(parts[0]):
                tag = parts[-1]
                out.append((parts[0], "O" if tag == "O" else tag[2:]))
    return out


def gazetteer_words() -> tuple[set[str], set[str], set[str]]:
    """Single-word names (given and family names, places; ambiguous=yes ones too: they may
    be names; spelling=exact ones not) and common words (nationality adjectives, titles,
    role words) from the project's gazetteers, and every word of every gazetteer phrase
    (normalized), to tell the person tokens no gazetteer knows."""
    from dsl.gazetteer.format import read_entries

    names: set[str] = set()
    common: set[str] = set()
    every: set[str] = set()
    for fname, into in (("given_names.txt", names), ("family_names.txt", names), ("locations.txt", names),
                        ("nationalities.txt", common), ("titles.txt", common), ("roles.txt", common)):
        path = ROOT / "gazetteers" / fname
        if not path.exists():
            continue
        for e in read_entries(path).entries:
            words = e.phrase.split()
            every.update(normalize_word(w) for w in words)
            if len(words) != 1:
                continue
            if into is names and e.get("spelling") == "exact":
                continue    # matched letter for letter (آن, not أن): normalized stems cannot tell
            into.add(words[0])
    for fname in ("organizations.txt",):
        if (ROOT / "gazetteers" / fname).exists():
            for e in read_entries(ROOT / "gazetteers" / fname).entries:
                every.update(normalize_word(w) for w in e.phrase.split())
    return names, common, every


def shipped_pack_shares(corpus: Path) -> dict[str, float]:
    """The shares with the analyzer of the shipped packs (`rules/`), reading each token's `lex`:
    their gazetteers declared `lexicon: names|common` (names marked ambiguous=yes, such as صالح
    and الأسد, stay ordinary words there), spelling variants, and the analyzer's split vetoes."""
    from dsl import Pack

    analyzer = Pack.load([ROOT / "rules"]).analyzer
    good: Counter = Counter()
    total: Counter = Counter()
    for tok, cls in read_tokens(corpus):
        k = analyzer.analyze_word(tok)[0].lex
        total[cls] += 1
        good[cls] += (k != UNKNOWN) if cls == "O" else (k == UNKNOWN)
    shares = {c: good[c] / total[c] if total[c] else 0.0 for c in CLASSES}
    shares["PERS*"] = float("nan")      # the split by gazetteer is the section above's
    return shares


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=None, help=f"IOB2 file (default: {CANDIDATES[0]})")
    ap.add_argument("--show", type=int, default=0, help="list the N most frequent failures of each kind")
    ap.add_argument("--no-gazetteers", action="store_true", help="leave the gazetteer words out")
    args = ap.parse_args()
    corpus = args.corpus or next((p for p in CANDIDATES if p.exists()), CANDIDATES[0])
    if not corpus.exists():
        print(f"lexicon_coverage: no corpus at {corpus} (give --corpus PATH)", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    base = Lexicon.load()
    t_load = time.perf_counter() - t0
    print(f"lexicon: {base!r}; load {t_load * 1000:.0f} ms")
    names, common, every = gazetteer_words()
    if not args.no_gazetteers:
        base = base.with_words(names=names, common=common)

    analyzer = default_analyzer()
    rows = []  # (token, class, stem, definite, suffixed, whole, analyses)
    for tok, cls in read_tokens(corpus):
        analyses = analyzer.analyze_word(tok)
        a = analyses[0]
        if cls == "PERS" and a.stem not in every and a.norm not in every:
            cls = "PERS*"
        rows.append((tok, cls, a.stem, a.definite, bool(a.suf), normalize_word(tok), analyses))
    totals = Counter(r[1] for r in rows)
    totals["PERS"] += totals["PERS*"]
    print(f"corpus: {corpus} - {len(rows)} Arabic-letter tokens: "
          + ", ".join(f"{c} {totals[c]}" for c in CLASSES))

    def score(lex: Lexicon, veto: bool = False) -> tuple[dict[str, float], list]:
        called = Counter()
        details = []
        for tok, cls, stem, definite, suffixed, whole, analyses in rows:
            if veto:
                # the first analysis whose split (if any) the lexicon accepts, else the whole word
                stem, definite, suffixed = whole, False, False
                for a in analyses:
                    if not (a.pre or a.suf) or (lex.is_word(a.norm) and not lex.keeps_whole(whole, a.norm)):
                        stem, definite, suffixed = a.stem, a.definite, bool(a.suf)
                        break
            k, why = lex.explain(stem, definite=definite, suffixed=suffixed)
            good = (k != UNKNOWN) if cls == "O" else (k == UNKNOWN)
            called[cls] += good
            if cls == "PERS*":
                called["PERS"] += good
            details.append((tok, cls, stem, definite, k, why))
        return {c: called[c] / totals[c] if totals[c] else 0.0 for c in CLASSES}, details

    def line(label: str, sh: dict[str, float]) -> str:
        return (f"{label:44} {sh['O']:8.1%} {sh['PERS']:9.1%} {sh['PERS*']:10.1%} {sh['LOC']:8.1%} "
                f"{sh['ORG']:8.1%} {sh['MISC']:9.1%}")

    print(f"  (PERS*: the {totals['PERS*']} person tokens whose word is in no gazetteer)")
    head = (f"{'signals':44} {'O known':>8} {'PERS unk':>9} {'PERS* unk':>10} {'LOC unk':>8} {'ORG unk':>8} "
            f"{'MISC unk':>9}")
    print(head)
    print("-" * len(head))
    prev: tuple[str, ...] = ()
    for step in STEPS:
        if "gazetteer" in step and args.no_gazetteers:
            continue
        shares, _ = score(base.with_signals(step))
        label = step[0] if len(step) == 1 else "+ " + next(x for x in step if x not in prev)
        prev = step
        print(line(label, shares))
    print(line("all + is_word/keeps_whole split veto", score(base, veto=True)[0]))
    print(line("fallback: no wordfreq (closed, gaz, shapes)", score(base.without_frequencies())[0]))
    if not args.no_gazetteers:
        print(line("the shipped packs' analyzer (Token.lex)", shipped_pack_shares(corpus)))
    print("targets: O known >= 95%, PERS unknown >= 80%")

    shares, details = score(base)
    decided = Counter((cls, k, why or "-") for _, cls, _, _, k, why in details)
    decided.update(("PERS", k, why or "-") for _, cls, _, _, k, why in details if cls == "PERS*")
    print("\nwho decides (all signals): class -> verdict/signal share")
    for cls in CLASSES:
        parts = [f"{k}/{why} {n / totals[cls]:.1%}" for (c, k, why), n in decided.most_common() if c == cls]
        print(f"  {cls:5} " + ", ".join(parts[:8]))

    if args.show:
        o_unk = Counter((tok, stem, d) for tok, cls, stem, d, k, _ in details if cls == "O" and k == UNKNOWN)
        p_com = Counter((tok, stem, d, f"{k}/{why}", "*" if cls == "PERS*" else "")
                        for tok, cls, stem, d, k, why in details
                        if cls in ("PERS", "PERS*") and k != UNKNOWN)
        print(f"\nO tokens called unknown ({sum(o_unk.values())}), most frequent:")
        for (tok, stem, d), n in o_unk.most_common(args.show):
            z = base.zipf(stem), base.zipf("ال" + stem)
            print(f"  {n:5}  {tok}  stem={stem}{' +def' if d else ''}  zipf={z[0]:.2f} al={z[1]:.2f}")
        print(f"\nperson tokens called common or function ({sum(p_com.values())}; * = in no gazetteer), "
              "most frequent:")
        for (tok, stem, d, why, star), n in p_com.most_common(args.show):
            print(f"  {n:5}  {tok}{star}  stem={stem}{' +def' if d else ''}  {why}")
    assert FUNCTION and COMMON  # names used in the report's vocabulary
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
