"""Hypothesis strategies and helpers for the pattern tests: random ASTs, letter and token documents,
and their translation to Python regexes. Shared by the differential, syntax and pack-index tests."""
from __future__ import annotations

import dataclasses
import os

from hypothesis import HealthCheck, reject, settings
from hypothesis import strategies as st

from dsl.doc.document import Document
from dsl.doc.token import Analysis, Token
from dsl.errors import PatternError
from dsl.pattern import syntax as S
from dsl.pattern.compiler import CompileEnv, compile_pattern
from dsl.pattern.vm import MentionRef

# PATTERN_EXAMPLES=5000 for a long soak; the default keeps the suite fast.
SETTINGS = settings(max_examples=int(os.environ.get("PATTERN_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _strip_captures(n: S.Node) -> S.Node:
    if isinstance(n, S.Capture):
        return _strip_captures(n.body)
    if isinstance(n, S.Seq):
        return S.Seq(tuple(_strip_captures(x) for x in n.items))
    if isinstance(n, S.Alt):
        return S.Alt(tuple(_strip_captures(x) for x in n.options))
    if isinstance(n, S.Repeat):
        return dataclasses.replace(n, body=_strip_captures(n.body))
    if isinstance(n, S.Look):
        return dataclasses.replace(n, body=_strip_captures(n.body))
    return n


def ast_strategies(consumer: st.SearchStrategy, names: st.SearchStrategy):
    """(non-empty pattern strategy, any pattern strategy) built from `consumer` leaves."""
    anchor = st.sampled_from([S.Anchor("start"), S.Anchor("end")])

    def repeat(body: st.SearchStrategy, min_lo: int) -> st.SearchStrategy:
        @st.composite
        def build(draw):
            b = draw(body)
            lo = draw(st.integers(min_lo, 2))
            hi = draw(st.one_of(st.none(), st.integers(max(lo, 1), lo + 2)))
            return S.Repeat(b, lo, hi, draw(st.booleans()))
        return build()

    ne = st.deferred(lambda: st.one_of(
        consumer, consumer, consumer,
        st.tuples(st.lists(anyn, max_size=2), ne, st.lists(anyn, max_size=1))
          .map(lambda t: S.Seq(tuple(t[0]) + (t[1],) + tuple(t[2]))),
        st.lists(ne, min_size=2, max_size=3).map(lambda xs: S.Alt(tuple(xs))),
        repeat(ne, 1),
        st.builds(S.Capture, names, ne),
    ))
    look = st.builds(lambda b, ahead, neg: S.Look(_strip_captures(b), ahead, neg), ne, st.booleans(), st.booleans())
    anyn = st.deferred(lambda: st.one_of(ne, ne, anchor, look, repeat(ne, 0),
                                         st.lists(anyn, min_size=2, max_size=3).map(lambda xs: S.Alt(tuple(xs)))))
    return ne, anyn


def _uniquify(n: S.Node, counter: list[int]) -> S.Node:
    """Give every capture its own name (g1, g2, ...), as regex groups are numbered apart."""
    if isinstance(n, S.Capture):
        counter[0] += 1
        name = f"g{counter[0]}"
        return S.Capture(name, _uniquify(n.body, counter))
    if isinstance(n, S.Seq):
        return S.Seq(tuple(_uniquify(x, counter) for x in n.items))
    if isinstance(n, S.Alt):
        return S.Alt(tuple(_uniquify(x, counter) for x in n.options))
    if isinstance(n, (S.Repeat, S.Look)):
        return dataclasses.replace(n, body=_uniquify(n.body, counter))
    return n


def _dedupe_nested(n: S.Node, open_: frozenset[str] = frozenset()) -> S.Node:
    """Rename a capture nested inside a capture of the same name (that is a compile error)."""
    if isinstance(n, S.Capture):
        name = n.name if n.name not in open_ else n.name + str(len(open_))
        return S.Capture(name, _dedupe_nested(n.body, open_ | {name}))
    if isinstance(n, S.Seq):
        return S.Seq(tuple(_dedupe_nested(x, open_) for x in n.items))
    if isinstance(n, S.Alt):
        return S.Alt(tuple(_dedupe_nested(x, open_) for x in n.options))
    if isinstance(n, (S.Repeat, S.Look)):
        return dataclasses.replace(n, body=_dedupe_nested(n.body, open_))
    return n


def _compile(ast: S.Node, env: CompileEnv, pad: S.Node):
    """Compile via the text form (exercises the parser); pad patterns that could match nothing."""
    text = S.format_pattern(ast)
    try:
        return ast, compile_pattern(text, env)
    except PatternError as e:
        # nested counted repetitions may exceed the program size limit: not a pattern to test with
        if "too large" in e.message:
            reject()
        assert "zero tokens" in e.message, e.render()
        ast = S.Seq((ast, pad))
        return ast, compile_pattern(S.format_pattern(ast), env)


LETTERS = "abc"


@st.composite
def letter_atom(draw):
    kind = draw(st.sampled_from(["letter", "letter", "any", "class", "negclass", "regex"]))
    if kind == "any":
        return S.TokenAtom(None)
    if kind == "letter":
        return S.TokenAtom(S.Compare("text", "=", S.Text(draw(st.sampled_from(LETTERS)))))
    letters = draw(st.lists(st.sampled_from(LETTERS), min_size=1, max_size=2, unique=True))
    if kind == "regex":
        return S.RegexAtom(S.Regex("[" + "".join(letters) + "]"))
    items = tuple(S.Compare("text", "=", S.Text(c)) for c in letters)
    e: S.Expr = items[0] if len(items) == 1 else S.Or(items)
    return S.TokenAtom(S.Not(e) if kind == "negclass" else e)


def to_regex(n: S.Node) -> str:
    if isinstance(n, S.TokenAtom):
        e = n.expr
        if e is None:
            return "."
        neg = isinstance(e, S.Not)
        e = e.item if neg else e
        letters = [x.value.value for x in (e.items if isinstance(e, S.Or) else (e,))]
        if neg:
            # [^a] is written as its complement over the alphabet ([bc]): the `regex` module
            # (2026.11.15) wrongly fails `(?:[^a]|[^b])` on "a" (alternation of negated sets).
            letters = [c for c in LETTERS if c not in letters]
            if not letters:
                return "[^" + LETTERS + "]"
        return letters[0] if len(letters) == 1 else "[" + "".join(letters) + "]"
    if isinstance(n, S.RegexAtom):
        return n.regex.source
    if isinstance(n, S.Anchor):
        return r"\A" if n.kind == "start" else r"\Z"
    if isinstance(n, S.Seq):
        return "(?:" + "".join(to_regex(x) for x in n.items) + ")"
    if isinstance(n, S.Alt):
        return "(?:" + "|".join(to_regex(x) for x in n.options) + ")"
    if isinstance(n, S.Repeat):
        q = f"{{{n.min},{'' if n.max is None else n.max}}}"
        return "(?:" + to_regex(n.body) + ")" + q + ("?" if n.lazy else "")
    if isinstance(n, S.Capture):
        return f"(?P<{n.name}>" + to_regex(n.body) + ")"
    if isinstance(n, S.Look):
        op = ("(?=", "(?!") if n.ahead else ("(?<=", "(?<!")
        return op[n.negate] + to_regex(n.body) + ")"
    raise TypeError(n)


LETTER_NE, LETTER_ANY = ast_strategies(letter_atom(), st.just("g"))


LETTER_ENV = CompileEnv()


STEMS = ("a", "b", "c")


PRES = ("", "و", "ب", "وب", "س")


SUFS = ("", "ه")


SETS = {"ab": frozenset({"a", "b"})}


DYN = frozenset({"dyn"})


LABELS = frozenset({"P", "Q"})


@st.composite
def analysis(draw):
    return Analysis(draw(st.sampled_from(PRES)), draw(st.booleans()), draw(st.sampled_from(STEMS)),
                    draw(st.sampled_from(SUFS)))


@st.composite
def documents(draw):
    n = draw(st.integers(0, 7))
    parts, toks, pos = [], [], 0
    for i in range(n):
        ans = tuple(draw(st.lists(analysis(), min_size=1, max_size=2)))
        a = ans[0]
        core = ("ال" if a.definite else "") + a.stem
        word = a.pre + core + a.suf
        ws = pos
        s, e = ws + len(a.pre), ws + len(a.pre) + len(core)
        toks.append(Token(i, s, e, ws, ws + len(word), core, word, a.norm, a.stem, a.pre, a.suf, a.definite,
                          draw(st.sampled_from(["arabic", "digit"])), 0, False, False, ans))
        parts.append(word)
        pos += len(word) + 1
    text = " ".join(parts)
    cuts = sorted(draw(st.sets(st.integers(1, max(n - 1, 1)), max_size=2))) if n > 1 else []
    bounds = [0] + [c for c in cuts if 0 < c < n] + [n]
    sentences = tuple((bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)) if n else ()
    starts = {a for a, _ in sentences}
    ends = {b - 1 for _, b in sentences}
    toks = tuple(t._replace(sent=next(k for k, (a, b) in enumerate(sentences) if a <= t.i < b),
                            sent_start=t.i in starts, sent_end=t.i in ends) for t in toks)
    mentions = []
    for _ in range(draw(st.integers(0, 4)) if n else 0):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a + 1, min(n, a + 3)))
        mentions.append(MentionRef(draw(st.sampled_from(sorted(LABELS))), a, b,
                                   {"type": draw(st.sampled_from(["x", "y"]))}, len(mentions)))
    dyn = frozenset(draw(st.sets(st.sampled_from(STEMS), max_size=2)))
    return Document(text, toks, sentences), mentions, {"dyn": dyn}


@st.composite
def token_expr(draw, depth=0):
    kind = draw(st.sampled_from(["stem", "stem", "pre", "suf", "def", "conj", "prep", "fut", "shape", "in",
                                 "dyn", "regex", "word", "text", "not", "and", "or"] if depth < 2 else
                                ["stem", "pre", "def", "in"]))
    if kind == "stem":
        return S.Compare("stem", draw(st.sampled_from(["=", "!="])), S.Text(draw(st.sampled_from(STEMS))))
    if kind == "pre":
        return S.Compare("pre", "=", S.Text(draw(st.sampled_from(PRES))))
    if kind == "suf":
        return S.Flag("suf")
    if kind in ("def", "conj", "prep", "fut"):
        return S.Flag(kind)
    if kind == "shape":
        return S.Compare("shape", "=", S.Text("digit", bare=True))
    if kind == "in":
        return S.InSet("stem", "ab")
    if kind == "dyn":
        return S.InSet("stem", "dyn")
    if kind == "regex":
        regex = S.Regex(draw(st.sampled_from(["ال.", "[ab]", "b"])))
        return S.Compare("norm", draw(st.sampled_from(["=", "~"])), regex)
    if kind in ("word", "text"):
        return S.Compare(kind, "~", S.Regex("^و"))
    if kind == "not":
        return S.Not(draw(token_expr(depth + 1)))
    items = tuple(draw(st.lists(token_expr(depth + 1), min_size=2, max_size=3)))
    return S.And(items) if kind == "and" else S.Or(items)


@st.composite
def attr_atom(draw):
    kind = draw(st.sampled_from(["tok", "tok", "tok", "any", "mention", "mention_c", "literal"]))
    if kind == "any":
        return S.TokenAtom(None)
    if kind == "literal":
        return S.Literal(" ".join(draw(st.lists(st.sampled_from(STEMS), min_size=1, max_size=2))))
    if kind.startswith("mention"):
        expr = S.Compare("type", "=", S.Text(draw(st.sampled_from(["x", "y"])))) if kind == "mention_c" else None
        return S.Mention(draw(st.sampled_from(sorted(LABELS))), expr)
    return S.TokenAtom(draw(token_expr()))


ATTR_NE, ATTR_ANY = ast_strategies(attr_atom(), st.sampled_from(["x", "y"]))


ATTR_ENV = CompileEnv(sets=SETS, dynamic_sets=DYN, labels=LABELS,
                      analyze_literal=lambda t: [Analysis(stem=w) for w in t.split()])
