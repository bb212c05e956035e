"""Test-only helpers for the pattern language.

* `reference_finditer`: a naive backtracking interpreter of the resolved AST (generators in
  preference order, no memoization, no compiled predicates), written straight from the
  language reference. The property tests check the compiled VM (`dsl.pattern.vm`) against it.
* `letters_document`: one token per character ("abc" -> tokens a, b, c), for the differential
  test against `regex.finditer`.
* `ToyAnalyzer`: a tiny lexicon-driven Arabic segmenter (conjunction, preposition, article,
  enclitic), so the example tests do not depend on the real text layer's decisions.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import regex

from dsl.doc.document import Document
from dsl.doc.token import Analysis, Token
from dsl.pattern import syntax as S

# ---------------------------------------------------------------- documents


def letters_document(s: str, sentences: tuple[tuple[int, int], ...] | None = None) -> Document:
    """A document whose tokens are the characters of `s` (no clitics; all attributes = the letter)."""
    if sentences is None:
        sentences = ((0, len(s)),) if s else ()
    starts = {a for a, _ in sentences}
    ends = {b for _, b in sentences}
    toks = tuple(Token(i, i, i + 1, i, i + 1, c, c, c, c, shape="latin", sent=_sent_of(i, sentences),
                       sent_start=i in starts, sent_end=i + 1 in ends) for i, c in enumerate(s))
    return Document(s, toks, tuple(sentences))


def _sent_of(i: int, sentences: tuple[tuple[int, int], ...]) -> int:
    for k, (a, b) in enumerate(sentences):
        if a <= i < b:
            return k
    return 0


CONJ = ("و", "ف")
PREP = ("ب", "ل", "ك")
SUFFIXES = ("هما", "هم", "ها", "ه", "ي")


def _normalize(s: str) -> str:
    from dsl.text.normalize import normalize_word  # what the compiler normalizes pattern values with
    return normalize_word(s)


class ToyAnalyzer:
    """Segment words against a lexicon of stems; every segmentation whose stem is known is an analysis.

    A word that has no known segmentation is its own stem. Sentences end after '.', '!' or '?'.
    """

    def __init__(self, stems: set[str] | frozenset[str]) -> None:
        self.stems = {_normalize(s) for s in stems}

    def segment(self, word: str) -> list[Analysis]:
        w = _normalize(word)
        found: list[tuple[int, Analysis]] = []
        for conj in ("",) + CONJ:
            if not w.startswith(conj):
                continue
            r1 = w[len(conj):]
            for prep in ("",) + PREP:
                if not r1.startswith(prep):
                    continue
                r2 = r1[len(prep):]
                arts = [("", False)]
                if r2.startswith("ال"):
                    arts.append(("ال", True))
                if prep == "ل" and r2.startswith("ل"):
                    arts.append(("ل", True))          # لل = ل + ال
                for art, definite in arts:
                    r3 = r2[len(art):]
                    for suf in ("",) + SUFFIXES:
                        if suf and not r3.endswith(suf):
                            continue
                        stem = r3[:len(r3) - len(suf)] if suf else r3
                        if stem in self.stems:
                            cost = len(conj) + len(prep) + len(art) + len(suf)
                            found.append((cost, Analysis(conj + prep, definite, stem, suf)))
        if not found:
            return [Analysis("", False, w, "")]
        found.sort(key=lambda x: x[0])
        out: list[Analysis] = []
        for _, a in found:
            if a not in out:
                out.append(a)
        return out

    def analyze(self, text: str, *, id: str | None = None) -> Document:
        toks: list[Token] = []
        sentences: list[tuple[int, int]] = []
        sent_first = 0
        for m in regex.finditer(r"[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]", text):
            word = m.group()
            i = len(toks)
            if not regex.match(r"[\p{L}\p{M}\p{N}_]", word):
                an = [Analysis("", False, word, "")]
                shape = "punct"
            else:
                an = self.segment(word)
                shape = "digit" if word.isdigit() else "arabic" if regex.match(r"\p{Arabic}", word) else "latin"
            a = an[0]
            core_s, core_e = _core_offsets(word, a, m.start())
            toks.append(Token(i, core_s, core_e, m.start(), m.end(), text[core_s:core_e], _normalize(word),
                              a.norm, a.stem, a.pre, a.suf, a.definite, shape, len(sentences),
                              i == sent_first, False, tuple(an)))
            if word in (".", "!", "?"):
                sentences.append((sent_first, i + 1))
                sent_first = i + 1
        if sent_first < len(toks):
            sentences.append((sent_first, len(toks)))
        ends = {e - 1 for _, e in sentences}
        toks = [_replace(t, sent_end=t.i in ends) for t in toks]
        return Document(text, tuple(toks), tuple(sentences), id)

    def literal(self, text: str) -> list[Analysis]:
        """`CompileEnv.analyze_literal` for this analyzer."""
        return [t.analyses[0] for t in self.analyze(text).tokens]


def _replace(t: Token, **kw: Any) -> Token:
    return t._replace(**kw)


def _core_offsets(word: str, a: Analysis, base: int) -> tuple[int, int]:
    """Offsets of the core (article + stem) of `word` when the clitics are written plainly."""
    s = base + len(a.pre)
    e = base + len(word) - len(a.suf)
    return (s, e) if s < e else (base, base + len(word))


# ---------------------------------------------------------------- the reference interpreter

ANALYSIS = {"pre", "suf", "stem", "norm", "def", "conj", "prep", "fut"}
KEEPS_PRE = {"pre", "conj", "prep", "fut", "word", "text"}
KEEPS_SUF = {"suf", "word", "text"}


def _attr(tok: Token, an: Any, name: str) -> Any:
    if name in ANALYSIS:
        pre = an.pre
        conj = pre[:1] if pre[:1] in CONJ else ""
        rest = pre[1:] if conj else pre
        return {"pre": pre, "suf": an.suf, "stem": an.stem, "def": an.definite,
                "norm": ("ال" + an.stem) if an.definite else an.stem, "conj": conj,
                "prep": rest[:1] if rest[:1] in PREP else "", "fut": "س" if pre.endswith("س") else ""}[name]
    if name in ("text", "word", "shape", "sent_start", "sent_end"):
        return getattr(tok, name)
    v = tok.extra.get(name, "")
    return _normalize(v)


def _truthy(v: Any) -> bool:
    return v not in ("", "false", "0", "no") if isinstance(v, str) else bool(v)


class Reference:
    """Interpret a resolved AST (`dsl.pattern.compiler.resolve`) over a document, naively."""

    def __init__(self, ast: S.Node, env: Any, doc: Document, mentions: Mapping[str, Mapping[int, Any]],
                 sets: Mapping[str, frozenset[str]], cross: bool) -> None:
        self.ast, self.env, self.doc = ast, env, doc
        self.mentions, self.dsets, self.cross = mentions, sets, cross
        self.toks = doc.tokens
        self.sent_starts = {a for a, _ in doc.sentences} | {0}
        self.sent_ends = {b for _, b in doc.sentences} | {len(doc.tokens)}

    # -- constraints
    def value_ok(self, v: Any, op: str, val: Any) -> bool:
        if isinstance(val, S.Regex):
            if not isinstance(v, str) or len(v) > 256:
                r = False
            else:
                rx = regex.compile(val.source, regex.IGNORECASE if "i" in val.flags else 0)
                r = (rx.search(v) if op in ("~", "!~") else rx.fullmatch(v)) is not None
        else:
            r = v == val.value
        return r != (op in ("!=", "!~"))

    def holds(self, e: S.Expr, get) -> bool:
        if isinstance(e, S.Not):
            return not self.holds(e.item, get)
        if isinstance(e, S.And):
            return all(self.holds(x, get) for x in e.items)
        if isinstance(e, S.Or):
            return any(self.holds(x, get) for x in e.items)
        if isinstance(e, S.Flag):
            return _truthy(get(e.attr))
        if isinstance(e, S.InSet):
            vals = self.env.sets.get(e.set)
            if vals is None:
                vals = self.dsets.get(e.set, frozenset())
            return get(e.attr) in vals
        val = e.value
        if isinstance(val, S.Text) and get is not None and getattr(get, "mention", False):
            val = S.Text(_normalize(val.value))
        return self.value_ok(get(e.attr), e.op, val)

    def token_ok(self, e: S.Expr, tok: Token) -> bool:
        uses_analysis = any(isinstance(x, (S.Compare, S.InSet, S.Flag)) and x.attr in ANALYSIS
                            for x in S.expr_nodes(e))
        ans = tok.analyses if uses_analysis and len(tok.analyses) > 1 else (tok,)
        return any(self.holds(e, lambda name, an=an: _attr(tok, an, name)) for an in ans)

    def mention_ok(self, e: S.Expr, attrs: Mapping[str, str]) -> bool:
        def get(name: str) -> Any:
            v = attrs.get(name, "")
            return _normalize(v) if isinstance(v, str) else v
        get.mention = True  # type: ignore[attr-defined]
        return self.holds(e, get)

    # -- patterns: generators of (end, captures, keep-flags) in preference order
    def m(self, n: S.Node, pos: int, st: tuple) -> Iterator[tuple[int, tuple]]:
        lo, hi = self.lo, self.hi
        if isinstance(n, S.TokenAtom):
            if pos < hi and (n.expr is None or self.token_ok(n.expr, self.toks[pos])):
                caps, trail, last = st
                if n.expr is not None and not self.in_look:
                    used = {x.attr for x in S.expr_nodes(n.expr) if isinstance(x, (S.Compare, S.InSet, S.Flag))}
                    flags = (1 if used & KEEPS_PRE else 0) | (2 if used & KEEPS_SUF else 0)
                    if flags:
                        trail = trail + ((pos, flags),)
                yield pos + 1, (caps, trail, None)
        elif isinstance(n, S.Mention):
            ms = [m for m in (self.mentions.get(n.label) or {}).get(pos, ()) if pos < m.tok_end <= hi]
            ms = sorted(ms, key=lambda m: -m.tok_end)
            for mm in ms:
                if n.expr is None or self.mention_ok(n.expr, getattr(mm, "attrs", {}) or {}):
                    caps, trail, _ = st
                    yield mm.tok_end, (caps, trail, mm)
        elif isinstance(n, S.Anchor):
            if n.kind == "start":
                ok = pos in self.sent_starts if self.cross else pos == lo
            else:
                ok = pos in self.sent_ends if self.cross else pos == hi
            if ok:
                yield pos, st
        elif isinstance(n, S.Seq):
            yield from self.seq(n.items, 0, pos, st)
        elif isinstance(n, S.Alt):
            for o in n.options:
                yield from self.m(o, pos, st)
        elif isinstance(n, S.Repeat):
            yield from self.rep(n, 0, pos, st)
        elif isinstance(n, S.Capture):
            for p2, st2 in self.m(n.body, pos, st):
                caps, trail, last = st2
                ref = last if isinstance(n.body, S.Mention) else None
                yield p2, (caps + ((n.name, pos, p2, ref),), trail, None)
        elif isinstance(n, S.Look):
            saved = self.in_look
            self.in_look = True
            empty = ((), (), None)
            if n.ahead:
                found = any(True for _ in self.m(n.body, pos, empty))
            else:
                found = any(p2 == pos for k in range(lo, pos + 1) for p2, _ in self.m(n.body, k, empty))
            self.in_look = saved
            if found != n.negate:
                yield pos, st
        else:
            raise TypeError(n)

    def seq(self, items: tuple, i: int, pos: int, st: tuple) -> Iterator[tuple[int, tuple]]:
        if i == len(items):
            yield pos, st
            return
        for p2, st2 in self.m(items[i], pos, st):
            yield from self.seq(items, i + 1, p2, st2)

    def rep(self, n: S.Repeat, count: int, pos: int, st: tuple) -> Iterator[tuple[int, tuple]]:
        can_more = n.max is None or count < n.max
        if n.lazy and count >= n.min:
            yield pos, st
        if can_more:
            for p2, st2 in self.m(n.body, pos, st):
                yield from self.rep(n, count + 1, p2, st2)
        if not n.lazy and count >= n.min:
            yield pos, st

    # -- driver
    def finditer(self, mode: str = "first") -> Iterator[tuple]:
        n = len(self.toks)
        windows = [(0, n)] if (self.cross or not self.doc.sentences) else list(self.doc.sentences)
        names, repeated = _capture_info(self.ast)
        for lo, hi in windows:
            if hi <= lo:
                continue
            self.lo, self.hi, self.in_look = lo, hi, False
            pos = lo
            while pos < hi:
                res = next(iter(self.m(self.ast, pos, ((), (), None))), None)
                if res is None or res[0] == pos:
                    pos += 1
                    continue
                end, (caps, trail, _) = res
                yield self.build(pos, end, caps, dict(trail), names, repeated)
                pos = end if mode == "first" else pos + 1

    def build(self, a: int, b: int, caps: tuple, flags: dict, names: list[str], repeated: set[str]) -> tuple:
        def span(x: int, y: int) -> tuple[int, int]:
            sp = self.doc.span(x, y, keep_pre=bool(flags.get(x, 0) & 1), keep_suf=bool(flags.get(y - 1, 0) & 2))
            return sp.start, sp.end
        out: dict[str, list] = {nm: [] for nm in names}
        for name, x, y, ref in caps:
            out[name].append((x, y) + span(x, y) + (ref, name in repeated))
        return (a, b) + span(a, b) + ({k: tuple(v) for k, v in out.items()},)


def _capture_info(ast: S.Node) -> tuple[list[str], set[str]]:
    names: list[str] = []
    for n in S.walk(ast):
        if isinstance(n, S.Capture) and n.name not in names:
            names.append(n.name)

    def count(n: S.Node) -> dict[str, float]:
        if isinstance(n, S.Capture):
            d = count(n.body)
            d[n.name] = d.get(n.name, 0) + 1
            return d
        if isinstance(n, S.Seq):
            d: dict[str, float] = {}
            for it in n.items:
                for k, v in count(it).items():
                    d[k] = d.get(k, 0) + v
            return d
        if isinstance(n, S.Alt):
            d = {}
            for o in n.options:
                for k, v in count(o).items():
                    d[k] = max(d.get(k, 0), v)
            return d
        if isinstance(n, S.Repeat):
            mult = float("inf") if n.max is None else n.max
            return {k: v * mult if mult else 0 for k, v in count(n.body).items()}
        return {}
    return names, {k for k, v in count(ast).items() if v > 1}


def reference_finditer(ast: S.Node, env: Any, doc: Document, *, mentions: Mapping | None = None,
                       sets: Mapping | None = None, mode: str = "first", cross_sentence: bool = False) -> list[tuple]:
    """Matches as tuples (tok_start, tok_end, start, end, {name: ((ts, te, s, e, ref, repeated), ...)})."""
    return list(Reference(ast, env, doc, mentions or {}, sets or {}, cross_sentence).finditer(mode))


def as_tuples(matches) -> list[tuple]:
    """Compiled matcher results in the reference's tuple form."""
    return [(m.tok_start, m.tok_end, m.start, m.end,
             {k: tuple((c.tok_start, c.tok_end, c.start, c.end, c.mention_ref, c.repeated) for c in v)
              for k, v in m.captures.items()}) for m in matches]
