"""AST -> Program: resolve macros and shorthands, check names, emit the VM's instructions.

Like CPython's `re/_compiler.py`: `parser.py` gives an AST, this module checks it against a
`CompileEnv` (attributes, sets, labels, macros) and emits a flat `Program` (`program.py`:
opcodes, predicates) for the backtracking VM in `vm.py`. Every semantic error is a
positioned `PatternError`.

Steps
  1. resolve: macros are parsed (once, cached) and inlined (recursive macros are errors);
     `"literal"` becomes one `[stem=...]` per word (plus `def` when the word has the article);
     `/re/` becomes `[norm=/re/]`; attributes, sets, labels and values are checked; values
     are normalized with `dsl.text.normalize.normalize_word` (except `text` and `shape`).
  2. check: the pattern must consume at least one token; a repeated element (`*`, `+`,
     `{n,m}` with m > 1) must consume at least one token; a capture must consume at least one
     token and may not sit inside a lookaround.
  3. emit: instructions (tuples, see the opcodes in `program.py`), each with the AST node it
     comes from (`Program.origins`); lookarounds become sub-programs (lookbehinds compiled
     reversed); counted repetition is expanded (bounded by `MAX_PROGRAM`); token constraints
     become predicate objects (`Pred*`) shared by index.

Program is picklable and immutable, so one program may run in many threads at once.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import regex as _re

from dsl.doc.token import SHAPES, Analysis
from dsl.errors import Origin, PatternError, PatternErrors, SourcePos
from dsl.pattern import syntax as S
from dsl.pattern.parser import error_node, parse_pattern
from dsl.pattern.program import (
    BOL,
    BOOL_ATTRS,
    BUILTIN_ATTRS,
    CLOSE,
    EOL,
    JMP,
    KEEP_PRE,
    KEEP_PRE_ATTRS,
    KEEP_SUF,
    KEEP_SUF_ATTRS,
    LOOK,
    MATCH,
    MENTION,
    OPEN,
    SPLIT,
    TOKEN,
    Code,
    DebugInfo,
    FirstSet,
    PredAnd,
    PredEq,
    PredFlag,
    PredIn,
    PredNot,
    PredOr,
    PredRegex,
    Program,
    level_of,
    normalize_value,
    per_analysis,
)

# ---------------------------------------------------------------- limits

MAX_PROGRAM = 50_000          # instructions, after expanding counted repetition and macros
MAX_EXPANDED_DEPTH = 100      # AST depth after macro expansion
MAX_EXPANDED_NODES = 2 * MAX_PROGRAM   # AST nodes after macro expansion (macros doubling macros: a "billion laughs")

_ARABIC_RUN = _re.compile(r"\p{Arabic}+")


def normalize_regex_source(src: str) -> str:
    """Normalize the Arabic letters of a regex's source (its syntax is left alone)."""
    return _ARABIC_RUN.sub(lambda m: normalize_value(m.group()), src)


def _literal_default(text: str) -> list[Any]:
    """Analyze a literal with the built-in analyzer (`dsl.morph.analyzer.default_analyzer`, loaded on first use)."""
    from dsl.morph.analyzer import default_analyzer
    doc = default_analyzer().analyze(text)
    return [Analysis(t.pre, t.definite, t.stem, t.suf) for t in doc.tokens]


def _where(loc: S.Loc, rule: str) -> str:
    """`file:line:col: rule 'name'` for a constraint, so a regex timeout names its rule and place."""
    src = loc.source
    if src is not None and src.origin is not None:
        pos = src.origin.locate(loc.line, loc.column)
    else:
        pos = SourcePos(None if src is None or src.name == "<pattern>" else src.name, loc.line, loc.column)
    return f"{pos}: rule {rule!r}"


# ---------------------------------------------------------------- environment

@dataclass(frozen=True)
class CompileEnv:
    """What a pattern may refer to. The pack loader builds one per pack."""

    macros: Mapping[str, tuple[str, Origin | None]] = field(default_factory=dict)
    sets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    dynamic_sets: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()
    extra_attributes: frozenset[str] = frozenset()
    analyze_literal: Callable[[str], list[Any]] | None = None


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
        self.errors: list[PatternError] = []

    def fail(self, err: PatternError) -> None:
        """Record a mistake and go on resolving, so one pass finds every mistake of a pattern.

        Names, regexes, shapes and captures are checked independently of one another; the
        limits (nesting, size) still stop at once. A macro used twice reports its mistake once.
        """
        if not any(e.pos == err.pos and e.message == err.message for e in self.errors):
            self.errors.append(err)

    def raise_errors(self) -> None:
        """Raise what `fail` recorded: the error itself, or `PatternErrors` holding them all."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise PatternErrors(self.errors)

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
                self.fail(error_node(e.loc, f"'{e.attr}' is a boolean attribute: write [{e.attr}] or [!{e.attr}]"))
            known = set(self.env.sets) | set(self.env.dynamic_sets)
            if e.set not in known:
                self.fail(error_node(e.set_loc, f"unknown set '{e.set}'", _did_you_mean(e.set, known)))
            else:
                self.sets.add(e.set)
            return e
        assert isinstance(e, S.Compare)
        if not mention and e.attr in BOOL_ATTRS:
            self.fail(error_node(e.loc, f"'{e.attr}' is a boolean attribute: write [{e.attr}] or [!{e.attr}]"))
            return e
        v = e.value
        if e.op in ("~", "!~") and not isinstance(v, S.Regex):
            self.fail(error_node(e.loc, f"'{e.op}' searches with a regex: write {e.attr}{e.op}/.../"))
            return e
        raw = e.attr == "text" and not mention
        if isinstance(v, S.Regex):
            src = v.source
            try:
                _re.compile(src, _re.IGNORECASE if "i" in v.flags else 0)
            except _re.error as err:
                col = v.loc.column + 1 + (err.pos if getattr(err, "pos", None) is not None else 0)
                where = S.Loc(v.loc.line, col, v.loc.source)
                self.fail(error_node(where, f"bad regex /{src}/: {err.msg if hasattr(err, 'msg') else err}"))
                return e
            if not raw:
                src = normalize_regex_source(src)
                try:
                    _re.compile(src)
                except _re.error as err:  # pragma: no cover - normalization broke the regex
                    raise error_node(v.loc, f"bad regex /{src}/ after normalization: {err}") from None
            return S.Compare(e.attr, e.op, S.Regex(src, v.flags, v.loc), e.loc)
        if not mention and e.attr == "shape":
            if v.value not in SHAPES:
                self.fail(error_node(e.loc, f"unknown shape '{v.value}': the shapes are {', '.join(SHAPES)}",
                                     _did_you_mean(v.value, SHAPES)))
            return e
        if raw:
            return e
        return S.Compare(e.attr, e.op, S.Text(normalize_value(v.value), v.bare), e.loc)

    def check_attr(self, attr: str, loc: S.Loc) -> None:
        if attr in BUILTIN_ATTRS or attr in self.env.extra_attributes:
            return
        known = BUILTIN_ATTRS | set(self.env.extra_attributes)
        hint = _did_you_mean(attr, known) or (f"an attribute from another analyzer must be declared: "
                                               f"'attributes: [{attr}]' in the pack")
        self.fail(error_node(loc, f"unknown attribute '{attr}'", hint))

    # -- patterns
    def node(self, n: S.Node, depth: int, stack: tuple[str, ...], in_look: bool,
             open_caps: tuple[str, ...] = ()) -> S.Node:
        if depth > MAX_EXPANDED_DEPTH:
            raise error_node(n.loc, f"pattern nests deeper than {MAX_EXPANDED_DEPTH} levels after expanding macros")
        self.nodes += 1
        if depth == 0:
            self.root_loc = n.loc
        if self.nodes > MAX_EXPANDED_NODES:   # stop before expanding macros exponentially
            raise error_node(self.root_loc,
                             f"pattern is too large: it expands to more than {MAX_EXPANDED_NODES} elements "
                             "(limit MAX_EXPANDED_NODES)",
                             "macros that use other macros several times multiply their size")
        if isinstance(n, S.TokenAtom):
            return S.TokenAtom(self.expr(n.expr, False) if n.expr is not None else None, n.loc)
        if isinstance(n, S.RegexAtom):
            return S.TokenAtom(self.expr(S.Compare("norm", "=", n.regex, n.loc), False), n.loc)
        if isinstance(n, S.Literal):
            return self.literal(n)
        if isinstance(n, S.Mention):
            if n.label not in self.env.labels:
                hint = _did_you_mean(n.label, self.env.labels) if self.env.labels else "no label is defined here"
                self.fail(error_node(n.loc, f"unknown label '@{n.label}'", hint))
            else:
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
                self.fail(error_node(n.loc, "the repeated part can match zero tokens: a repeated element must "
                                            "consume at least one token", "make it mandatory inside the repetition"))
            return S.Repeat(body, n.min, n.max, n.lazy, n.loc)
        if isinstance(n, S.Capture):
            if in_look:
                self.fail(error_node(n.loc, f"capture '{n.name}' inside a lookaround: lookarounds only test, "
                                            "they cannot capture"))
            if n.name in open_caps:
                self.fail(error_node(n.loc, f"capture '{n.name}' inside another capture '{n.name}'"))
            body = self.node(n.body, depth + 1, stack, in_look, open_caps + (n.name,))
            if _length(body)[0] == 0:
                self.fail(error_node(n.loc, f"capture '{n.name}' can match zero tokens: an argument must cover "
                                            "at least one token"))
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
            self.fail(error_node(n.loc, f"undefined macro '{n.name}'", hint))
            return S.TokenAtom(None, n.loc)    # stands for one token, so the checks around it go on
        if n.name in stack:
            chain = " -> ".join(stack[stack.index(n.name):] + (n.name,))
            self.fail(error_node(n.loc, f"recursive macro '{n.name}' ({chain})"))
            return S.TokenAtom(None, n.loc)
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
                self.fail(error_node(n.loc, f"cannot analyze literal \"{n.text}\": {e}"))
                return S.TokenAtom(None, n.loc)
            if any(w is None for w in words):
                # the analyzer gave a token without analysis (punctuation, ...): fall back to words
                words = [Analysis(stem=normalize_value(w)) for w in n.text.split()]
            self.literals[n.text] = words
        if not words:
            self.fail(error_node(n.loc, f"literal \"{n.text}\" contains no word"))
            return S.TokenAtom(None, n.loc)
        atoms: list[S.Node] = []
        for w in words:
            stem = S.Compare("stem", "=", S.Text(w.stem), n.loc)
            expr: S.Expr = S.And((stem, S.Flag("def", n.loc)), n.loc) if getattr(w, "definite", False) else stem
            atoms.append(S.TokenAtom(expr, n.loc))
        return atoms[0] if len(atoms) == 1 else S.Seq(tuple(atoms), n.loc)


# ---------------------------------------------------------------- step 3: emit

class _Block:
    """A program being emitted: its instructions, each with the AST node it comes from."""

    __slots__ = ("code", "origins")

    def __init__(self) -> None:
        self.code: list[Any] = []
        self.origins: list[S.Node] = []

    def __len__(self) -> int:
        return len(self.code)


class _Emitter(S.Visitor):
    """Resolved AST -> instructions: `visit(node, block, forward, in_look)` appends the node's code."""

    def __init__(self, env: CompileEnv, slots: dict[str, int], mention_caps_slot: dict[int, int],
                 root: S.Node, rule: str) -> None:
        self.env = env
        self.preds: list[Any] = []
        self.pred_index: dict[tuple[Any, bool], int] = {}
        self.mention_preds: set[int] = set()
        self.subs: list[tuple[Code, bool]] = []
        self.sub_origins: list[tuple[S.Node, ...]] = []
        self.slots = slots
        self.mention_caps_slot = mention_caps_slot   # id() of a Mention wrapped exactly by a capture -> slot
        self.size = 0
        self.root = root          # the pattern as written: where a "too large" error points
        self.rule = rule          # the rule's name, for regex timeout warnings

    # -- predicates
    def pred_of(self, e: S.Expr, mention: bool) -> Any:
        if isinstance(e, S.Not):
            return PredNot(self.pred_of(e.item, mention))
        if isinstance(e, S.And):
            return PredAnd(tuple(self.pred_of(x, mention) for x in e.items))
        if isinstance(e, S.Or):
            return PredOr(tuple(self.pred_of(x, mention) for x in e.items))
        level = level_of(e.attr, mention)
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
    def add(self, block: _Block, ins: tuple[Any, ...] | None, node: S.Node) -> int:
        """Append an instruction emitted for `node` (None: a placeholder, set later); its pc."""
        self.size += 1
        if self.size > MAX_PROGRAM:
            raise error_node(self.root.loc,
                             f"pattern is too large: it compiles to more than {MAX_PROGRAM} instructions",
                             "counted repetitions {n,m} copy their body m times; use * or + or smaller counts")
        block.code.append(ins)
        block.origins.append(node)
        return len(block.code) - 1

    def program(self, node: S.Node, forward: bool, in_look: bool) -> _Block:
        block = _Block()
        self.visit(node, block, forward, in_look)
        self.add(block, (MATCH,), node)
        return block

    def visit_TokenAtom(self, n: S.TokenAtom, block: _Block, fwd: bool, in_look: bool) -> None:
        if n.expr is None:
            self.add(block, (TOKEN, -1, 0), n)
            return
        attrs = {x.attr for x in S.expr_nodes(n.expr) if isinstance(x, (S.Compare, S.InSet, S.Flag))}
        flags = 0 if in_look else ((KEEP_PRE if attrs & KEEP_PRE_ATTRS else 0) |
                                   (KEEP_SUF if attrs & KEEP_SUF_ATTRS else 0))
        self.add(block, (TOKEN, self.pred(n.expr, False), flags), n)

    def visit_Mention(self, n: S.Mention, block: _Block, fwd: bool, in_look: bool) -> None:
        pi = self.pred(n.expr, True) if n.expr is not None else -1
        self.add(block, (MENTION, n.label, pi, self.mention_caps_slot.get(id(n), -1)), n)

    def visit_Anchor(self, n: S.Anchor, block: _Block, fwd: bool, in_look: bool) -> None:
        self.add(block, (BOL,) if n.kind == "start" else (EOL,), n)

    def visit_Look(self, n: S.Look, block: _Block, fwd: bool, in_look: bool) -> None:
        k = len(self.subs)          # numbered before the lookarounds nested in it
        self.subs.append(((), n.ahead))
        self.sub_origins.append(())
        sub = self.program(n.body, n.ahead, True)
        self.subs[k] = (tuple(sub.code), n.ahead)
        self.sub_origins[k] = tuple(sub.origins)
        self.add(block, (LOOK, k, n.negate), n)

    def visit_Capture(self, n: S.Capture, block: _Block, fwd: bool, in_look: bool) -> None:
        slot = self.slots[n.name]
        self.add(block, (OPEN, slot), n)
        self.visit(n.body, block, fwd, in_look)
        self.add(block, (CLOSE, slot), n)

    def visit_Seq(self, n: S.Seq, block: _Block, fwd: bool, in_look: bool) -> None:
        for it in (n.items if fwd else reversed(n.items)):
            self.visit(it, block, fwd, in_look)

    def visit_Alt(self, n: S.Alt, block: _Block, fwd: bool, in_look: bool) -> None:
        code = block.code
        jumps = []
        for opt in n.options[:-1]:
            split = self.add(block, None, n)
            self.visit(opt, block, fwd, in_look)
            jumps.append(self.add(block, None, n))
            code[split] = (SPLIT, split + 1, len(code))
        self.visit(n.options[-1], block, fwd, in_look)
        for j in jumps:
            code[j] = (JMP, len(code))

    def visit_Repeat(self, n: S.Repeat, block: _Block, fwd: bool, in_look: bool) -> None:
        code = block.code
        for _ in range(n.min):
            self.visit(n.body, block, fwd, in_look)
        if n.max is None:
            head = self.add(block, None, n)
            self.visit(n.body, block, fwd, in_look)
            self.add(block, (JMP, head), n)
            exit_ = len(code)
            code[head] = (SPLIT, exit_, head + 1) if n.lazy else (SPLIT, head + 1, exit_)
        else:
            pending = []
            for _ in range(n.max - n.min):
                pending.append(self.add(block, None, n))
                self.visit(n.body, block, fwd, in_look)
            exit_ = len(code)
            for s in pending:
                code[s] = (SPLIT, exit_, s + 1) if n.lazy else (SPLIT, s + 1, exit_)


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
    res = _Resolver(env)
    node = res.node(ast, 0, (), False)
    res.raise_errors()
    return node


def compile_pattern(text_or_ast: str | S.Node, env: CompileEnv | None = None, *, origin: Origin | None = None,
                    name: str = "<pattern>") -> Program:
    """Compile a pattern (text or AST) for `env`; raise a positioned `PatternError` when it is wrong."""
    env = env if env is not None else CompileEnv()
    ast = parse_pattern(text_or_ast, origin=origin) if isinstance(text_or_ast, str) else text_or_ast
    res = _Resolver(env)
    node = res.node(ast, 0, (), False)
    res.raise_errors()     # every mistake found while resolving, at once
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
    em = _Emitter(env, slots, wrapped, ast, name)
    main = em.program(node, True, False)

    firsts, _ = _first(node)
    any_ = any(isinstance(f, S.TokenAtom) and f.expr is None for f in firsts)
    fpreds = tuple(sorted({em.pred(f.expr, False) for f in firsts
                           if isinstance(f, S.TokenAtom) and f.expr is not None}))
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
        debug=DebugInfo(node, tuple(main.origins), tuple(em.sub_origins)),
        code=tuple(main.code),
        subs=tuple(em.subs),
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

