"""AST -> Program: resolve macros and shorthands, check names, compile to matcher instructions.

Like Python's `sre_compile`: `parser.py` gives an AST, this module checks it against a
`CompileEnv` (attributes, sets, labels, macros) and emits a flat program for the backtracking
VM in `matcher.py`. Every semantic error is a positioned `PatternError`.

Steps
  1. resolve: macros are parsed (once, cached) and inlined (recursive macros are errors);
     `"literal"` becomes one `[stem=...]` per word (plus `def` when the word has the article);
     `/re/` becomes `[norm=/re/]`; attributes, sets, labels and values are checked; values
     are normalized with `dsl.text.normalize.normalize_word` (except `text` and `shape`).
  2. check: the pattern must consume at least one token; a repeated element (`*`, `+`,
     `{n,m}` with m > 1) must consume at least one token; a capture must consume at least one
     token and may not sit inside a lookaround.
  3. emit: instructions (tuples, see the opcodes below); lookarounds become sub-programs
     (lookbehinds compiled reversed); counted repetition is expanded (bounded by
     `MAX_PROGRAM`); token constraints become predicate objects (`Pred*`) shared by index.

Program is picklable and immutable, so one program may run in many threads at once.
"""
from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import regex as _re

from dsl.pattern import syntax as S
from dsl.doc.token import SHAPES, Analysis
from dsl.errors import Origin, PatternError, SourcePos
from dsl.pattern.parser import error_node, parse_pattern

# ---------------------------------------------------------------- limits

MAX_PROGRAM = 50_000          # instructions, after expanding counted repetition and macros
MAX_EXPANDED_DEPTH = 100      # AST depth after macro expansion
MAX_EXPANDED_NODES = 2 * MAX_PROGRAM   # AST nodes after macro expansion (macros doubling macros: a "billion laughs")
REGEX_TIMEOUT = 0.05          # seconds per regex evaluation (the `regex` module's timeout=)
REGEX_MAX_INPUT = 256         # a value longer than this never matches a regex constraint
REGEX_MAX_TIMEOUTS = 10       # after this many timeouts a regex constraint is no longer run (bounds the total time)

# ---------------------------------------------------------------- attributes

#: Attributes read from one analysis of the token (a token with several analyses satisfies a
#: constraint when SOME analysis satisfies the whole constraint).
ANALYSIS_ATTRS = frozenset({"pre", "suf", "stem", "norm", "def", "conj", "prep", "fut"})
#: Attributes of the token itself.
TOKEN_ATTRS = frozenset({"text", "word", "shape", "sent_start", "sent_end"})
BUILTIN_ATTRS = ANALYSIS_ATTRS | TOKEN_ATTRS
BOOL_ATTRS = frozenset({"def", "sent_start", "sent_end"})
#: Testing these keeps the token's proclitics / enclitic in a span (see the span rule).
KEEP_PRE_ATTRS = frozenset({"pre", "conj", "prep", "fut", "word", "text"})
KEEP_SUF_ATTRS = frozenset({"suf", "word", "text"})
KEEP_PRE, KEEP_SUF = 1, 2

# ---------------------------------------------------------------- opcodes
# Instructions are tuples; the first item is the opcode.
TOKEN = 0     # (TOKEN, pred_index or -1 for any token, keep_flags)
MENTION = 1   # (MENTION, label, pred_index or -1, capture_slot or -1)
SPLIT = 2     # (SPLIT, first_pc, second_pc): try first_pc, on failure second_pc
JMP = 3       # (JMP, pc)
OPEN = 4      # (OPEN, slot)
CLOSE = 5     # (CLOSE, slot)
BOL = 6       # (BOL,) sentence start
EOL = 7       # (EOL,) sentence end
LOOK = 8      # (LOOK, sub_index, negate)
MATCH = 9     # (MATCH,)
OPNAMES = ("TOKEN", "MENTION", "SPLIT", "JMP", "OPEN", "CLOSE", "BOL", "EOL", "LOOK", "MATCH")


# ---------------------------------------------------------------- normalization (text layer)

def normalize_value(s: str) -> str:
    """Normalize a pattern value like token values (`dsl.text.normalize.normalize_word`)."""
    try:
        from dsl.text.normalize import normalize_word
    except ImportError:  # pragma: no cover - the text layer is being written alongside
        return s
    return normalize_word(s)


_ARABIC_RUN = _re.compile(r"\p{Arabic}+")


def normalize_regex_source(src: str) -> str:
    """Normalize the Arabic letters of a regex's source (its syntax is left alone)."""
    return _ARABIC_RUN.sub(lambda m: normalize_value(m.group()), src)


def _literal_default(text: str) -> list[Any]:
    """Analyze a literal with the built-in analyzer (`dsl.morph.analyzer.default_analyzer`)."""
    try:
        from dsl.morph.analyzer import default_analyzer
    except ImportError:  # pragma: no cover - until the text layer lands
        return [Analysis(stem=normalize_value(w)) for w in text.split()]
    doc = default_analyzer().analyze(text)
    return [Analysis(t.pre, t.definite, t.stem, t.suf) for t in doc.tokens]


# ---------------------------------------------------------------- predicates

_timeout_warned = False   # set when any regex constraint has timed out in this process


class RegexTimeoutWarning(RuntimeWarning):
    """A regex constraint hit its time limit on a token; the constraint was taken as false."""


def _where(loc: S.Loc, rule: str) -> str:
    """`file:line:col: rule 'name'` for a constraint, so a regex timeout names its rule and place."""
    src = loc.source
    if src is not None and src.origin is not None:
        pos = src.origin.locate(loc.line, loc.column)
    else:
        pos = SourcePos(None if src is None or src.name == "<pattern>" else src.name, loc.line, loc.column)
    return f"{pos}: rule {rule!r}"


@dataclass(frozen=True)
class PredTrue:
    """Always true (kept for `[]` inside a mention constraint)."""

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return True

    def attrs(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class PredEq:
    """`attr = value` (negate: `attr != value`)."""

    attr: str
    value: Any
    negate: bool = False
    level: str = "analysis"   # "analysis", "token", "extra" or "mention"

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return (get_value(self.level, self.attr, tok, an) == self.value) != self.negate

    def attrs(self) -> frozenset[str]:
        return frozenset({self.attr})


@dataclass(frozen=True)
class PredRegex:
    """`attr = /re/` (full match), `attr ~ /re/` (search); negate for `!=` / `!~`."""

    attr: str
    source: str
    flags: str = ""
    search: bool = False
    negate: bool = False
    level: str = "analysis"
    _compiled: Any = field(default=None, compare=False, repr=False, hash=False)
    # Robustness (#7): where the constraint is written, for the timeout warning; not part of equality.
    where: str = field(default="", compare=False, repr=False, hash=False)

    def compiled(self) -> Any:
        c = self._compiled
        if c is None:
            c = _re.compile(self.source, _re.IGNORECASE if "i" in self.flags else 0)
            object.__setattr__(self, "_compiled", c)
        return c

    def __getstate__(self) -> dict[str, Any]:   # the compiled regex is rebuilt after unpickling
        return {k: getattr(self, k) for k in ("attr", "source", "flags", "search", "negate", "level", "where")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_compiled", None)

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        v = get_value(self.level, self.attr, tok, an)
        if not isinstance(v, str) or len(v) > REGEX_MAX_INPUT or self.__dict__.get("_timeouts", 0) >= REGEX_MAX_TIMEOUTS:
            return self.negate
        c = self.compiled()
        try:
            m = (c.search if self.search else c.fullmatch)(v, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            # Say which rule and position, the limit and the outcome: at the first timeout of this
            # constraint (in this loaded pack), and when it is switched off after REGEX_MAX_TIMEOUTS.
            global _timeout_warned
            _timeout_warned = True
            n = self.__dict__.get("_timeouts", 0) + 1
            object.__setattr__(self, "_timeouts", n)
            if n == 1 or n == REGEX_MAX_TIMEOUTS:
                then = ("taken as no match" if n == 1 else f"it timed out {n} times (limit REGEX_MAX_TIMEOUTS), "
                        "so it is taken as no match from now on, without running it")
                warnings.warn(f"{self.where or '<pattern>'}: regex /{self.source}/ timed out after "
                              f"{REGEX_TIMEOUT} s (limit REGEX_TIMEOUT) on a {len(v)}-character value; {then}",
                              RegexTimeoutWarning, stacklevel=2)
            return self.negate
        return (m is not None) != self.negate

    def attrs(self) -> frozenset[str]:
        return frozenset({self.attr})


@dataclass(frozen=True)
class PredIn:
    """`attr in SET`: a static set (values embedded) or a dynamic one (read from the context)."""

    attr: str
    set: str
    values: frozenset[str] | None = None   # None: dynamic, looked up per document
    level: str = "analysis"

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        vals = self.values if self.values is not None else sets.get(self.set, frozenset())
        return get_value(self.level, self.attr, tok, an) in vals

    def attrs(self) -> frozenset[str]:
        return frozenset({self.attr})


@dataclass(frozen=True)
class PredFlag:
    """A bare attribute: true for a true boolean or a non-empty string."""

    attr: str
    level: str = "analysis"

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        v = get_value(self.level, self.attr, tok, an)
        if isinstance(v, str):
            return v not in ("", "false", "0", "no")
        return bool(v)

    def attrs(self) -> frozenset[str]:
        return frozenset({self.attr})


@dataclass(frozen=True)
class PredNot:
    item: Any

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return not self.item.eval(tok, an, sets)

    def attrs(self) -> frozenset[str]:
        return self.item.attrs()


@dataclass(frozen=True)
class PredAnd:
    items: tuple[Any, ...]

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return all(p.eval(tok, an, sets) for p in self.items)

    def attrs(self) -> frozenset[str]:
        return frozenset().union(*(p.attrs() for p in self.items))


@dataclass(frozen=True)
class PredOr:
    items: tuple[Any, ...]

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return any(p.eval(tok, an, sets) for p in self.items)

    def attrs(self) -> frozenset[str]:
        return frozenset().union(*(p.attrs() for p in self.items))


@lru_cache(maxsize=65536)
def _norm_cached(s: str) -> str:
    return normalize_value(s)


def get_value(level: str, attr: str, tok: Any, an: Any) -> Any:
    """The value of `attr` for a token `tok` seen through analysis `an` (or a mention's attrs)."""
    if level == "analysis":
        if attr == "stem":
            return an.stem
        if attr == "norm":
            return an.norm
        if attr == "pre":
            return an.pre
        if attr == "suf":
            return an.suf
        if attr == "def":
            return an.definite
        pre = an.pre
        conj = pre[:1] if pre[:1] in ("و", "ف") else ""
        if attr == "conj":
            return conj
        if attr == "prep":
            rest = pre[1:] if conj else pre
            return rest[:1] if rest[:1] in ("ب", "ل", "ك") else ""
        if attr == "fut":
            return "س" if pre.endswith("س") else ""
        raise KeyError(attr)  # pragma: no cover
    if level == "token":
        return getattr(tok, attr)
    if level == "extra":
        v = tok.extra.get(attr, "")
        return _norm_cached(v) if isinstance(v, str) else v
    # mention attributes
    v = tok.get(attr, "")
    return _norm_cached(v) if isinstance(v, str) else v


def per_analysis(pred: Any) -> bool:
    """Whether the predicate reads an analysis-level attribute (then every analysis is tried)."""
    return bool(pred.attrs() & ANALYSIS_ATTRS)


def test_token(pred: Any, tok: Any, sets: Mapping[str, frozenset[str]], analysis_level: bool = True) -> bool:
    """A bracket constraint on a token: true when it holds for SOME analysis of the token."""
    if analysis_level and len(tok.analyses) > 1:
        return any(pred.eval(tok, an, sets) for an in tok.analyses)
    return pred.eval(tok, tok, sets)


# ---------------------------------------------------------------- environment and program

@dataclass(frozen=True)
class CompileEnv:
    """What a pattern may refer to. The pack loader builds one per pack."""

    macros: Mapping[str, tuple[str, Origin | None]] = field(default_factory=dict)
    sets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    dynamic_sets: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()
    extra_attributes: frozenset[str] = frozenset()
    analyze_literal: Callable[[str], list[Any]] | None = None


@dataclass(frozen=True)
class FirstSet:
    """What can be the first token of a match (for skipping start positions and indexing).

    `any`: some match may start with an unconstrained token (no skipping possible).
    `preds`: indices into `Program.preds` of the constraints that may consume the first token.
    `labels`: mention labels that may consume the first token.
    `stems`: when every first constraint requires `stem` in a known set (literals, `stem=`,
    `stem in SET`), the union of those stems (a token whose analyses have none of them cannot
    start a match); None otherwise.
    """

    any: bool
    preds: tuple[int, ...]
    labels: frozenset[str]
    stems: frozenset[str] | None


@dataclass(frozen=True, eq=False)
class Program:
    """A compiled pattern: instructions for `matcher.py` plus what the pack runner needs to know."""

    name: str
    source: str
    ast: S.Node                              # the resolved AST (macros inlined, shorthands expanded)
    code: tuple[tuple[Any, ...], ...]
    subs: tuple[tuple[tuple[tuple[Any, ...], ...], bool], ...]   # lookaround programs: (code, forward)
    preds: tuple[Any, ...]
    pred_per_analysis: tuple[bool, ...]
    mention_preds: frozenset[int]            # indices of preds evaluated on mention attributes
    capture_names: tuple[str, ...]           # slot order
    repeated_captures: frozenset[str]        # captures that may match several times (a list)
    labels_used: frozenset[str]
    sets_used: frozenset[str]
    min_length: int
    max_length: int | None
    first_tokens: FirstSet

    @property
    def can_be_empty(self) -> bool:
        return self.min_length == 0

    def dump(self) -> str:
        """A readable listing of the program (for debugging and `explain`)."""
        out = []

        def listing(code: tuple[tuple[Any, ...], ...], indent: str) -> None:
            for pc, ins in enumerate(code):
                args = list(ins[1:])
                if ins[0] == TOKEN and ins[1] >= 0:
                    args[0] = self.preds[ins[1]]
                out.append(f"{indent}{pc:4d} {OPNAMES[ins[0]]} {' '.join(map(str, args))}")
        listing(self.code, "")
        for k, (code, fwd) in enumerate(self.subs):
            out.append(f"sub {k} ({'ahead' if fwd else 'behind'}):")
            listing(code, "  ")
        return "\n".join(out)


# ---------------------------------------------------------------- helpers

def _did_you_mean(word: str, options) -> str | None:
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


_ARABIC_NAME = _re.compile(r"^[\p{Arabic}]+$")


@lru_cache(maxsize=1024)
def _parse_macro(name: str, text: str, origin: Origin | None) -> S.Node:
    return parse_pattern(text, origin=origin, name=f"<macro {name}>")


def _length(node: S.Node) -> tuple[int, int | None]:
    """(min, max) tokens the node consumes (max None = unbounded). Mentions count as 1..inf."""
    if isinstance(node, S.TokenAtom):
        return 1, 1
    if isinstance(node, S.Mention):
        return 1, None
    if isinstance(node, (S.Anchor, S.Look)):
        return 0, 0
    if isinstance(node, S.Capture):
        return _length(node.body)
    if isinstance(node, S.Seq):
        lo, hi = 0, 0
        for it in node.items:
            a, b = _length(it)
            lo += a
            hi = None if hi is None or b is None else hi + b
        return lo, hi
    if isinstance(node, S.Alt):
        ls = [_length(o) for o in node.options]
        return min(a for a, _ in ls), (None if any(b is None for _, b in ls) else max(b for _, b in ls))
    if isinstance(node, S.Repeat):
        a, b = _length(node.body)
        hi = None if node.max is None or b is None else b * node.max
        if node.max == 0:
            hi = 0
        return a * node.min, hi
    raise TypeError(node)  # pragma: no cover


# ---------------------------------------------------------------- step 1: resolve

class _Resolver:
    def __init__(self, env: CompileEnv) -> None:
        self.env = env
        self.labels: set[str] = set()
        self.sets: set[str] = set()
        self.literals: dict[str, list[Any]] = {}
        self.nodes = 0   # AST nodes built so far, bounded by MAX_EXPANDED_NODES

    # -- constraints
    def expr(self, e: S.Expr, mention: bool) -> S.Expr:
        if isinstance(e, S.Not):
            return S.Not(self.expr(e.item, mention), e.loc)
        if isinstance(e, (S.And, S.Or)):
            return type(e)(tuple(self.expr(x, mention) for x in e.items), e.loc)
        if not mention:
            self.check_attr(e.attr, e.loc)
        if isinstance(e, S.Flag):
            return e
        if isinstance(e, S.InSet):
            if not mention and e.attr in BOOL_ATTRS:
                raise error_node(e.loc, f"'{e.attr}' is a boolean attribute: write [{e.attr}] or [!{e.attr}]")
            known = set(self.env.sets) | set(self.env.dynamic_sets)
            if e.set not in known:
                raise error_node(e.set_loc, f"unknown set '{e.set}'", _did_you_mean(e.set, known))
            self.sets.add(e.set)
            return e
        assert isinstance(e, S.Compare)
        if not mention and e.attr in BOOL_ATTRS:
            raise error_node(e.loc, f"'{e.attr}' is a boolean attribute: write [{e.attr}] or [!{e.attr}]")
        v = e.value
        if e.op in ("~", "!~") and not isinstance(v, S.Regex):
            raise error_node(e.loc, f"'{e.op}' searches with a regex: write {e.attr}{e.op}/.../")
        raw = e.attr == "text" and not mention
        if isinstance(v, S.Regex):
            src = v.source
            try:
                _re.compile(src, _re.IGNORECASE if "i" in v.flags else 0)
            except _re.error as err:
                col = v.loc.column + 1 + (err.pos if getattr(err, "pos", None) is not None else 0)
                where = S.Loc(v.loc.line, col, v.loc.source)
                raise error_node(where, f"bad regex /{src}/: {err.msg if hasattr(err, 'msg') else err}") from None
            if not raw:
                src = normalize_regex_source(src)
                try:
                    _re.compile(src)
                except _re.error as err:  # pragma: no cover - normalization broke the regex
                    raise error_node(v.loc, f"bad regex /{src}/ after normalization: {err}") from None
            return S.Compare(e.attr, e.op, S.Regex(src, v.flags, v.loc), e.loc)
        if not mention and e.attr == "shape":
            if v.value not in SHAPES:
                raise error_node(e.loc, f"unknown shape '{v.value}': the shapes are {', '.join(SHAPES)}",
                                 _did_you_mean(v.value, SHAPES))
            return e
        if raw:
            return e
        return S.Compare(e.attr, e.op, S.Text(normalize_value(v.value), v.bare), e.loc)

    def check_attr(self, attr: str, loc: S.Loc) -> None:
        if attr in BUILTIN_ATTRS or attr in self.env.extra_attributes:
            return
        known = BUILTIN_ATTRS | set(self.env.extra_attributes)
        raise error_node(loc, f"unknown attribute '{attr}'", _did_you_mean(attr, known))

    # -- patterns
    def node(self, n: S.Node, depth: int, stack: tuple[str, ...], in_look: bool,
             open_caps: tuple[str, ...] = ()) -> S.Node:
        if depth > MAX_EXPANDED_DEPTH:
            raise error_node(n.loc, f"pattern nests deeper than {MAX_EXPANDED_DEPTH} levels after expanding macros")
        self.nodes += 1
        if depth == 0:
            self.root_loc = n.loc
        if self.nodes > MAX_EXPANDED_NODES:   # stop before expanding macros exponentially
            raise error_node(self.root_loc, f"pattern is too large: it expands to more than {MAX_EXPANDED_NODES} elements "
                                    "(limit MAX_EXPANDED_NODES)", "macros that use other macros several times "
                                    "multiply their size")
        if isinstance(n, S.TokenAtom):
            return S.TokenAtom(self.expr(n.expr, False) if n.expr is not None else None, n.loc)
        if isinstance(n, S.RegexAtom):
            return S.TokenAtom(self.expr(S.Compare("norm", "=", n.regex, n.loc), False), n.loc)
        if isinstance(n, S.Literal):
            return self.literal(n)
        if isinstance(n, S.Mention):
            if n.label not in self.env.labels:
                hint = _did_you_mean(n.label, self.env.labels) if self.env.labels else "no label is defined here"
                raise error_node(n.loc, f"unknown label '@{n.label}'", hint)
            self.labels.add(n.label)
            return S.Mention(n.label, self.expr(n.expr, True) if n.expr is not None else None, n.loc)
        if isinstance(n, S.MacroRef):
            return self.macro(n, depth, stack, in_look, open_caps)
        if isinstance(n, S.Anchor):
            return n
        if isinstance(n, S.Seq):
            return S.Seq(tuple(self.node(x, depth + 1, stack, in_look, open_caps) for x in n.items), n.loc)
        if isinstance(n, S.Alt):
            return S.Alt(tuple(self.node(x, depth + 1, stack, in_look, open_caps) for x in n.options), n.loc)
        if isinstance(n, S.Repeat):
            body = self.node(n.body, depth + 1, stack, in_look, open_caps)
            if (n.max is None or n.max > 1) and _length(body)[0] == 0:
                raise error_node(n.loc, "the repeated part can match zero tokens: a repeated element must "
                                        "consume at least one token", "make it mandatory inside the repetition")
            return S.Repeat(body, n.min, n.max, n.lazy, n.loc)
        if isinstance(n, S.Capture):
            if in_look:
                raise error_node(n.loc, f"capture '{n.name}' inside a lookaround: lookarounds only test, "
                                        "they cannot capture")
            if n.name in open_caps:
                raise error_node(n.loc, f"capture '{n.name}' inside another capture '{n.name}'")
            body = self.node(n.body, depth + 1, stack, in_look, open_caps + (n.name,))
            if _length(body)[0] == 0:
                raise error_node(n.loc, f"capture '{n.name}' can match zero tokens: an argument must cover "
                                        "at least one token")
            return S.Capture(n.name, body, n.loc)
        if isinstance(n, S.Look):
            return S.Look(self.node(n.body, depth + 1, stack, True, open_caps), n.ahead, n.negate, n.loc)
        raise TypeError(n)  # pragma: no cover

    def macro(self, n: S.MacroRef, depth: int, stack: tuple[str, ...], in_look: bool,
              open_caps: tuple[str, ...]) -> S.Node:
        macros = self.env.macros
        if n.name not in macros:
            if _ARABIC_NAME.match(n.name):
                hint = f'did you mean the literal "{n.name}"?'
            else:
                hint = _did_you_mean(n.name, macros)
            raise error_node(n.loc, f"undefined macro '{n.name}'", hint)
        if n.name in stack:
            chain = " -> ".join(stack[stack.index(n.name):] + (n.name,))
            raise error_node(n.loc, f"recursive macro '{n.name}' ({chain})")
        text, origin = macros[n.name]
        body = _parse_macro(n.name, text, origin)
        return self.node(body, depth + 1, stack + (n.name,), in_look, open_caps)

    def literal(self, n: S.Literal) -> S.Node:
        words = self.literals.get(n.text)
        if words is None:
            fn = self.env.analyze_literal or _literal_default
            try:
                words = list(fn(n.text))
            except PatternError:
                raise
            except Exception as e:  # the text layer failed on this literal
                raise error_node(n.loc, f"cannot analyze literal \"{n.text}\": {e}") from None
            if any(w is None for w in words):
                # the analyzer gave a token without analysis (punctuation, ...): fall back to words
                words = [Analysis(stem=normalize_value(w)) for w in n.text.split()]
            self.literals[n.text] = words
        if not words:
            raise error_node(n.loc, f"literal \"{n.text}\" contains no word")
        atoms: list[S.Node] = []
        for w in words:
            stem = S.Compare("stem", "=", S.Text(w.stem), n.loc)
            expr: S.Expr = S.And((stem, S.Flag("def", n.loc)), n.loc) if getattr(w, "definite", False) else stem
            atoms.append(S.TokenAtom(expr, n.loc))
        return atoms[0] if len(atoms) == 1 else S.Seq(tuple(atoms), n.loc)


# ---------------------------------------------------------------- step 2/3: emit

class _Emitter:
    def __init__(self, env: CompileEnv, slots: dict[str, int], mention_caps_slot: dict[int, int]) -> None:
        self.env = env
        self.preds: list[Any] = []
        self.pred_index: dict[tuple[Any, bool], int] = {}
        self.mention_preds: set[int] = set()
        self.subs: list[tuple[tuple[tuple[Any, ...], ...], bool] | None] = []
        self.slots = slots
        self.mention_caps_slot = mention_caps_slot   # id() of a Mention wrapped exactly by a capture -> slot
        self.size = 0
        self.root: S.Node | None = None
        self.rule = "<pattern>"   # the rule's name, for regex timeout warnings

    def grow(self, loc: S.Loc, k: int = 1) -> None:
        self.size += k
        if self.size > MAX_PROGRAM:
            raise error_node(self.root.loc if self.root is not None else loc,
                             f"pattern is too large: it compiles to more than {MAX_PROGRAM} instructions",
                             "counted repetitions {n,m} copy their body m times; use * or + or smaller counts")

    # -- predicates
    def pred_of(self, e: S.Expr, mention: bool) -> Any:
        if isinstance(e, S.Not):
            return PredNot(self.pred_of(e.item, mention))
        if isinstance(e, S.And):
            return PredAnd(tuple(self.pred_of(x, mention) for x in e.items))
        if isinstance(e, S.Or):
            return PredOr(tuple(self.pred_of(x, mention) for x in e.items))
        level = "mention" if mention else (
            "analysis" if e.attr in ANALYSIS_ATTRS else "token" if e.attr in TOKEN_ATTRS else "extra")
        if isinstance(e, S.Flag):
            return PredFlag(e.attr, level)
        if isinstance(e, S.InSet):
            static = None if e.set in self.env.dynamic_sets and e.set not in self.env.sets else \
                frozenset(self.env.sets[e.set])
            return PredIn(e.attr, e.set, static, level)
        v = e.value
        negate = e.op in ("!=", "!~")
        if isinstance(v, S.Regex):
            return PredRegex(e.attr, v.source, v.flags, e.op in ("~", "!~"), negate, level,
                             where=_where(v.loc, self.rule))
        value = v.value
        if level == "extra" or level == "mention":
            value = normalize_value(value)
        return PredEq(e.attr, value, negate, level)

    def pred(self, e: S.Expr, mention: bool) -> int:
        key = (e, mention)
        k = self.pred_index.get(key)
        if k is None:
            k = len(self.preds)
            self.preds.append(self.pred_of(e, mention))
            self.pred_index[key] = k
            if mention:
                self.mention_preds.add(k)
        return k

    # -- code
    def program(self, node: S.Node, forward: bool, in_look: bool) -> tuple[tuple[Any, ...], ...]:
        code: list[Any] = []
        self.emit(node, code, forward, in_look)
        code.append((MATCH,))
        self.grow(node.loc)
        return tuple(code)

    def emit(self, n: S.Node, code: list[Any], fwd: bool, in_look: bool) -> None:
        if isinstance(n, S.TokenAtom):
            self.grow(n.loc)
            if n.expr is None:
                code.append((TOKEN, -1, 0))
                return
            attrs = {x.attr for x in S.expr_nodes(n.expr) if isinstance(x, (S.Compare, S.InSet, S.Flag))}
            flags = 0 if in_look else ((KEEP_PRE if attrs & KEEP_PRE_ATTRS else 0) |
                                       (KEEP_SUF if attrs & KEEP_SUF_ATTRS else 0))
            code.append((TOKEN, self.pred(n.expr, False), flags))
        elif isinstance(n, S.Mention):
            self.grow(n.loc)
            pi = self.pred(n.expr, True) if n.expr is not None else -1
            slot = self.mention_caps_slot.get(id(n), -1)
            code.append((MENTION, n.label, pi, slot))
        elif isinstance(n, S.Anchor):
            self.grow(n.loc)
            code.append((BOL,) if n.kind == "start" else (EOL,))
        elif isinstance(n, S.Look):
            self.grow(n.loc)
            k = len(self.subs)
            self.subs.append(None)
            self.subs[k] = (self.program(n.body, n.ahead, True), n.ahead)
            code.append((LOOK, k, n.negate))
        elif isinstance(n, S.Capture):
            self.grow(n.loc, 2)
            slot = self.slots[n.name]
            code.append((OPEN, slot))
            self.emit(n.body, code, fwd, in_look)
            code.append((CLOSE, slot))
        elif isinstance(n, S.Seq):
            for it in (n.items if fwd else reversed(n.items)):
                self.emit(it, code, fwd, in_look)
        elif isinstance(n, S.Alt):
            jumps = []
            for k, opt in enumerate(n.options):
                if k < len(n.options) - 1:
                    self.grow(n.loc, 2)
                    s = len(code)
                    code.append(None)
                    self.emit(opt, code, fwd, in_look)
                    jumps.append(len(code))
                    code.append(None)
                    code[s] = (SPLIT, s + 1, len(code))
                else:
                    self.emit(opt, code, fwd, in_look)
            end = len(code)
            for j in jumps:
                code[j] = (JMP, end)
        elif isinstance(n, S.Repeat):
            for _ in range(n.min):
                self.emit(n.body, code, fwd, in_look)
            if n.max is None:
                self.grow(n.loc, 2)
                head = len(code)
                code.append(None)
                self.emit(n.body, code, fwd, in_look)
                code.append((JMP, head))
                exit_ = len(code)
                code[head] = (SPLIT, exit_, head + 1) if n.lazy else (SPLIT, head + 1, exit_)
            else:
                pending = []
                for _ in range(n.max - n.min):
                    self.grow(n.loc)
                    pending.append(len(code))
                    code.append(None)
                    self.emit(n.body, code, fwd, in_look)
                exit_ = len(code)
                for s in pending:
                    code[s] = (SPLIT, exit_, s + 1) if n.lazy else (SPLIT, s + 1, exit_)
        else:
            raise TypeError(n)  # pragma: no cover


# ---------------------------------------------------------------- analyses of the resolved AST

def _capture_counts(node: S.Node) -> dict[str, float]:
    """How many times each capture can occur in one match (inf inside unbounded repetition)."""
    if isinstance(node, S.Capture):
        d = _capture_counts(node.body)
        d[node.name] = d.get(node.name, 0) + 1
        return d
    if isinstance(node, S.Seq):
        out: dict[str, float] = {}
        for it in node.items:
            for k, v in _capture_counts(it).items():
                out[k] = out.get(k, 0) + v
        return out
    if isinstance(node, S.Alt):
        out = {}
        for o in node.options:
            for k, v in _capture_counts(o).items():
                out[k] = max(out.get(k, 0), v)
        return out
    if isinstance(node, S.Repeat):
        mult = float("inf") if node.max is None else node.max
        return {k: (v * mult if mult else 0) for k, v in _capture_counts(node.body).items()}
    return {}


def _first(node: S.Node) -> tuple[list[Any], bool]:
    """(first consumers, nullable): consumers are TokenAtom / Mention nodes."""
    if isinstance(node, (S.TokenAtom, S.Mention)):
        return [node], False
    if isinstance(node, (S.Anchor, S.Look)):
        return [], True
    if isinstance(node, S.Capture):
        return _first(node.body)
    if isinstance(node, S.Seq):
        out: list[Any] = []
        for it in node.items:
            f, nullable = _first(it)
            out += f
            if not nullable:
                return out, False
        return out, True
    if isinstance(node, S.Alt):
        out, nullable = [], False
        for o in node.options:
            f, nl = _first(o)
            out += f
            nullable = nullable or nl
        return out, nullable
    if isinstance(node, S.Repeat):
        if node.max == 0:
            return [], True
        f, nl = _first(node.body)
        return f, nl or node.min == 0
    raise TypeError(node)  # pragma: no cover


def _stems_of(e: S.Expr | None, env: CompileEnv) -> frozenset[str] | None:
    """Stems a token must have (some analysis) to satisfy `e`, when `e` implies that; else None."""
    if e is None:
        return None
    if isinstance(e, S.Compare) and e.attr == "stem" and e.op == "=" and isinstance(e.value, S.Text):
        return frozenset({e.value.value})
    if isinstance(e, S.InSet) and e.attr == "stem" and e.set in env.sets:
        return frozenset(env.sets[e.set])
    if isinstance(e, S.And):
        found = [s for s in (_stems_of(x, env) for x in e.items) if s is not None]
        return min(found, key=len) if found else None
    if isinstance(e, S.Or):
        parts = [_stems_of(x, env) for x in e.items]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)
    return None


# ---------------------------------------------------------------- entry point

def resolve(text_or_ast: str | S.Node, env: CompileEnv, *, origin: Origin | None = None) -> S.Node:
    """Parse (if needed), expand macros and shorthands, and check names: the resolved AST."""
    ast = parse_pattern(text_or_ast, origin=origin) if isinstance(text_or_ast, str) else text_or_ast
    return _Resolver(env).node(ast, 0, (), False)


def compile_pattern(text_or_ast: str | S.Node, env: CompileEnv | None = None, *, origin: Origin | None = None,
                    name: str = "<pattern>") -> Program:
    """Compile a pattern (text or AST) for `env`; raise a positioned `PatternError` when it is wrong."""
    env = env if env is not None else CompileEnv()
    ast = parse_pattern(text_or_ast, origin=origin) if isinstance(text_or_ast, str) else text_or_ast
    res = _Resolver(env)
    node = res.node(ast, 0, (), False)
    lo, hi = _length(node)
    if lo == 0:
        raise error_node(ast.loc, "pattern can match zero tokens: a match must consume at least one token",
                         "make at least one element mandatory")

    counts = _capture_counts(node)
    names: list[str] = []
    for n in S.walk(node):
        if isinstance(n, S.Capture) and n.name not in names:
            names.append(n.name)
    slots = {nm: k for k, nm in enumerate(names)}
    wrapped = {id(n.body): slots[n.name] for n in S.walk(node)
               if isinstance(n, S.Capture) and isinstance(n.body, S.Mention)}
    em = _Emitter(env, slots, wrapped)
    em.root = ast
    em.rule = name
    code = em.program(node, True, False)

    firsts, _ = _first(node)
    any_ = any(isinstance(f, S.TokenAtom) and f.expr is None for f in firsts)
    fpreds = tuple(sorted({em.pred(f.expr, False) for f in firsts if isinstance(f, S.TokenAtom) and f.expr is not None}))
    flabels = frozenset(f.label for f in firsts if isinstance(f, S.Mention))
    stems: frozenset[str] | None = frozenset()
    if any_ or flabels:
        stems = None
    else:
        for f in firsts:
            st = _stems_of(f.expr, env)
            if st is None:
                stems = None
                break
            stems = stems | st
    first = FirstSet(any_, fpreds, flabels, stems)

    preds = tuple(em.preds)
    return Program(
        name=name,
        source=text_or_ast if isinstance(text_or_ast, str) else S.format_pattern(ast),
        ast=node,
        code=code,
        subs=tuple(em.subs),  # type: ignore[arg-type]
        preds=preds,
        pred_per_analysis=tuple(per_analysis(p) for p in preds),
        mention_preds=frozenset(em.mention_preds),
        capture_names=tuple(names),
        repeated_captures=frozenset(k for k, v in counts.items() if v > 1),
        labels_used=frozenset(res.labels),
        sets_used=frozenset(res.sets),
        min_length=lo,
        max_length=hi,
        first_tokens=first,
    )

