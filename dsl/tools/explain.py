"""Why a rule matched, or did not: a tracing interpreter over the rule's resolved pattern.

`explain(pack, "rule_name", text)` runs the whole pack over the text (exactly as `match`
does) and, through the cascade's observer hook, takes the `MatchContext` the rule was run
over in each fixed-point round. Over that context it re-runs the rule with its own
interpreter, which follows the matcher's semantics step for step (sentence windows,
leftmost-first or every start, Perl preference order, `@Label` longest first, the span rule)
but keeps a trace: for every start token, how far the rule got and which elements failed
there, on which token and why. Then it reports which of the rule's mentions the overlap
policy removed, and in favour of what.

The interpreter is independent of `matcher.py` (it compiles the resolved AST to its own
instructions, keeping each instruction's AST node for positions and constraint text) and
only reads `compiler.get_value` for attribute values. To stay honest, every explanation also
runs the real matcher over the same context and says whether the two agree
(`Explanation.agrees`); the tests check that they do for every shipped rule.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import regex as _re

from dsl.pattern import syntax as S
from dsl.pack.cascade import RunResult, _mention_from_match, run
from dsl.pattern.compiler import (ANALYSIS_ATTRS, KEEP_PRE, KEEP_PRE_ATTRS, KEEP_SUF, KEEP_SUF_ATTRS, REGEX_MAX_INPUT, REGEX_TIMEOUT, TOKEN_ATTRS, get_value, normalize_value, _capture_counts, _length)
from dsl.doc.document import Document
from dsl.doc.token import Token
from dsl.pattern.vm import Match, MatchContext, build_match, finditer
from dsl.doc.mention import Mention

# Instructions of the tracing interpreter (the node is kept for positions and messages).
_TOK, _MEN, _SPLIT, _JMP, _OPEN, _CLOSE, _BOL, _EOL, _LOOK, _MATCH = range(10)

#: How many failing elements per attempt the text format lists (JSON lists them all).
SHOW_FAILURES = 4
#: The text format shows the compiled pattern when it takes at most this many lines (or with -v).
COMPILED_LINES = 30


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class Failure:
    """An element of the pattern that failed at the furthest token an attempt reached."""

    element: str            # the element's pattern text, e.g. '[pre="" & stem in given_names]'
    where: str              # file:line:column of the element (in the pack, or in the macro's definition)
    pattern_pos: str        # line:column inside the pattern (or the macro) text
    macro: str | None       # the macro the element comes from, if any
    token: int | None       # the token it was tested on (None: the sentence had ended)
    reason: str             # e.g. 'pre="" is false (pre=و)'

    def to_dict(self) -> dict[str, Any]:
        return {"element": self.element, "where": self.where, "pattern_pos": self.pattern_pos,
                "macro": self.macro, "token": self.token, "reason": self.reason}


@dataclass(frozen=True)
class Attempt:
    """One place the rule was tried: a start token in one fixed-point round."""

    round: int
    start: int
    reached: int                   # tokens start..reached-1 matched on the path that got furthest
    match: Match | None
    window: tuple[int, int] = (0, 0)   # the tokens searched: the sentence (or the whole text)
    raw: tuple[tuple[Any, int, str], ...] = field(default=(), repr=False)   # (node, token, kind)
    tracer: Any = field(default=None, repr=False, compare=False)

    @property
    def failures(self) -> tuple[Failure, ...]:
        """What failed at token `reached`, in the order the matcher tried it (empty when it matched)."""
        if not self.raw:
            return ()
        return tuple(self.tracer.failure(node, p, kind, self.window) for node, p, kind in self.raw)

    def to_dict(self, doc: Document) -> dict[str, Any]:
        return {"round": self.round + 1, "start": self.start, "reached": self.reached,
                "window": list(self.window),
                "matched": _match_dict(self.match, doc) if self.match is not None else None,
                "failures": [f.to_dict() for f in self.failures]}


@dataclass(frozen=True)
class OverlapEvent:
    """A mention the overlap policy removed, the mention it lost to, and why."""

    removed: Mention
    winner: Mention
    reason: str
    lost: bool           # True: the explained rule's mention was removed; False: it removed another

    def to_dict(self) -> dict[str, Any]:
        return {"lost": self.lost, "reason": self.reason, "removed": _mention_dict(self.removed),
                "winner": _mention_dict(self.winner)}


@dataclass
class Explanation:
    """Everything `explain` found out about one rule on one document."""

    rule: Any                               # the CompiledRule
    doc: Document
    attempts: list[Attempt]
    matches: list[tuple[int, Match]]        # (round, match) in the order the rule found them
    mentions: list[Mention]                 # the mentions the rule made (before overlap)
    kept: list[Mention]                     # those still there after the overlap policy
    overlap: list[OverlapEvent]
    rounds: int                             # fixed-point rounds the rule ran (0: it never ran)
    agrees: bool                            # the real matcher found exactly `matches`
    policy: str                             # the overlap policy of the rule's label
    result: RunResult = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The `--format json` object."""
        r = self.rule
        return {
            "rule": r.name, "label": r.label, "where": str(r.pos), "priority": r.priority, "mode": r.mode,
            "cross_sentence": r.cross_sentence, "output": r.output, "enabled": r.enabled,
            "pattern": r.pattern, "compiled": S.format_pattern(r.program.ast),
            "doc": self.doc.id, "tokens": [t.to_dict() for t in self.doc.tokens],
            "rounds": self.rounds,
            "attempts": [a.to_dict(self.doc) for a in self.attempts],
            "matches": [dict(_match_dict(m, self.doc), round=k + 1) for k, m in self.matches],
            "mentions": [dict(_mention_dict(m), kept=m in self.kept) for m in self.mentions],
            "overlap": [e.to_dict() for e in self.overlap],
            "agrees_with_matcher": self.agrees,
        }


def _mention_dict(m: Mention) -> dict[str, Any]:
    d = m.to_dict()
    d["tok_start"], d["tok_end"], d["priority"] = m.tok_start, m.tok_end, m.priority
    return d


def _match_dict(m: Match, doc: Document) -> dict[str, Any]:
    return {"tok_start": m.tok_start, "tok_end": m.tok_end, "start": m.start, "end": m.end,
            "text": doc.text[m.start:m.end],
            "captures": {k: [{"start": c.start, "end": c.end, "text": doc.text[c.start:c.end]} for c in v]
                         for k, v in m.captures.items() if v}}


# ---------------------------------------------------------------- constraints

def _level(attr: str, mention: bool) -> str:
    if mention:
        return "mention"
    return "analysis" if attr in ANALYSIS_ATTRS else "token" if attr in TOKEN_ATTRS else "extra"


def _leaves(e: S.Expr | None) -> list[Any]:
    return [x for x in S.expr_nodes(e) if isinstance(x, (S.Compare, S.InSet, S.Flag))]


_regex_cache: dict[tuple[str, str], Any] = {}


def _regex(source: str, flags: str) -> Any:
    c = _regex_cache.get((source, flags))
    if c is None:
        c = _regex_cache[(source, flags)] = _re.compile(source, _re.IGNORECASE if "i" in flags else 0)
    return c


class _Constraints:
    """Evaluates bracket constraints as the compiled predicates do, and says why one is false."""

    def __init__(self, static_sets: Mapping[str, frozenset[str]], sets: Mapping[str, frozenset[str]]) -> None:
        self.static_sets = static_sets
        self.sets = sets

    def holds(self, e: S.Expr, tok: Any, an: Any, mention: bool = False) -> bool:
        if isinstance(e, S.Not):
            return not self.holds(e.item, tok, an, mention)
        if isinstance(e, S.And):
            return all(self.holds(x, tok, an, mention) for x in e.items)
        if isinstance(e, S.Or):
            return any(self.holds(x, tok, an, mention) for x in e.items)
        level = _level(e.attr, mention)
        v = get_value(level, e.attr, tok, an)
        if isinstance(e, S.Flag):
            return v not in ("", "false", "0", "no") if isinstance(v, str) else bool(v)
        if isinstance(e, S.InSet):
            vals = self.static_sets[e.set] if e.set in self.static_sets else self.sets.get(e.set, frozenset())
            return v in vals
        negate = e.op in ("!=", "!~")
        if isinstance(e.value, S.Regex):
            if not isinstance(v, str) or len(v) > REGEX_MAX_INPUT:
                return negate
            c = _regex(e.value.source, e.value.flags)
            try:
                m = (c.search if e.op in ("~", "!~") else c.fullmatch)(v, timeout=REGEX_TIMEOUT)
            except TimeoutError:
                return negate
            return (m is not None) != negate
        value = e.value.value
        if level in ("extra", "mention"):
            value = normalize_value(value)
        return (v == value) != negate

    def token_ok(self, e: S.Expr, tok: Token) -> bool:
        """True when SOME analysis of the token satisfies `e` (one view when `e` reads no analysis attribute)."""
        if len(tok.analyses) > 1 and any(x.attr in ANALYSIS_ATTRS for x in _leaves(e)):
            return any(self.holds(e, tok, an) for an in tok.analyses)
        return self.holds(e, tok, tok)

    def blame(self, e: S.Expr, tok: Any, an: Any, mention: bool = False) -> list[str]:
        """The parts of `e` that make it false for this view of the token, with the values read."""
        if isinstance(e, S.And):
            return [b for x in e.items if not self.holds(x, tok, an, mention) for b in self.blame(x, tok, an, mention)]
        if isinstance(e, S.Or):
            return [b for x in e.items for b in self.blame(x, tok, an, mention)]
        vals = ", ".join(f"{x.attr}={_show(get_value(_level(x.attr, mention), x.attr, tok, an))}"
                         for x in _unique_attrs(e))
        return [f"{S.format_expr(e, 3)} is false ({vals})" if vals else f"{S.format_expr(e, 3)} is false"]


def _unique_attrs(e: S.Expr) -> list[Any]:
    seen: dict[str, Any] = {}
    for x in _leaves(e):
        seen.setdefault(x.attr, x)
    return list(seen.values())


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return '""' if v == "" else str(v)


# ---------------------------------------------------------------- pattern -> traced instructions

class _Code:
    """Instructions for a resolved AST, laid out like the compiled program (same preference order)."""

    def __init__(self, ast: S.Node) -> None:
        self.names: list[str] = []
        for n in S.walk(ast):
            if isinstance(n, S.Capture) and n.name not in self.names:
                self.names.append(n.name)
        self.slots = {nm: k for k, nm in enumerate(self.names)}
        self.repeated = frozenset(k for k, v in _capture_counts(ast).items() if v > 1)
        self.mention_slot = {id(n.body): self.slots[n.name] for n in S.walk(ast)
                             if isinstance(n, S.Capture) and isinstance(n.body, S.Mention)}
        self.subs: list[tuple[tuple[Any, ...], bool]] = []
        self.main = self.program(ast, True, False)
        self.min_length = _length(ast)[0]

    def program(self, node: S.Node, fwd: bool, in_look: bool) -> tuple[Any, ...]:
        code: list[Any] = []
        self.emit(node, code, fwd, in_look)
        code.append((_MATCH,))
        return tuple(code)

    def emit(self, n: S.Node, code: list[Any], fwd: bool, in_look: bool) -> None:
        if isinstance(n, S.TokenAtom):
            attrs = {x.attr for x in _leaves(n.expr)}
            keep = 0 if in_look else ((KEEP_PRE if attrs & KEEP_PRE_ATTRS else 0) |
                                      (KEEP_SUF if attrs & KEEP_SUF_ATTRS else 0))
            code.append((_TOK, n, keep))
        elif isinstance(n, S.Mention):
            code.append((_MEN, n, self.mention_slot.get(id(n), -1)))
        elif isinstance(n, S.Anchor):
            code.append((_BOL if n.kind == "start" else _EOL, n))
        elif isinstance(n, S.Look):
            k = len(self.subs)
            self.subs.append(((), n.ahead))
            self.subs[k] = (self.program(n.body, n.ahead, True), n.ahead)
            code.append((_LOOK, k, n))
        elif isinstance(n, S.Capture):
            slot = self.slots[n.name]
            code.append((_OPEN, slot))
            self.emit(n.body, code, fwd, in_look)
            code.append((_CLOSE, slot))
        elif isinstance(n, S.Seq):
            for it in (n.items if fwd else reversed(n.items)):
                self.emit(it, code, fwd, in_look)
        elif isinstance(n, S.Alt):
            jumps = []
            for k, opt in enumerate(n.options):
                if k < len(n.options) - 1:
                    s = len(code)
                    code.append(None)
                    self.emit(opt, code, fwd, in_look)
                    jumps.append(len(code))
                    code.append(None)
                    code[s] = (_SPLIT, s + 1, len(code))
                else:
                    self.emit(opt, code, fwd, in_look)
            for j in jumps:
                code[j] = (_JMP, len(code))
        elif isinstance(n, S.Repeat):
            for _ in range(n.min):
                self.emit(n.body, code, fwd, in_look)
            if n.max is None:
                head = len(code)
                code.append(None)
                self.emit(n.body, code, fwd, in_look)
                code.append((_JMP, head))
                out = len(code)
                code[head] = (_SPLIT, out, head + 1) if n.lazy else (_SPLIT, head + 1, out)
            else:
                pending = []
                for _ in range(n.max - n.min):
                    pending.append(len(code))
                    code.append(None)
                    self.emit(n.body, code, fwd, in_look)
                out = len(code)
                for s in pending:
                    code[s] = (_SPLIT, out, s + 1) if n.lazy else (_SPLIT, s + 1, out)
        else:  # pragma: no cover - the resolver leaves no other node
            raise TypeError(n)


# ---------------------------------------------------------------- the tracing interpreter

def _where(loc: S.Loc) -> tuple[str, str, str | None]:
    """(file:line:col, pattern line:col, macro name) of an AST node."""
    src = loc.source
    inner = f"{loc.line}:{loc.column}"
    macro = None
    if src is not None and src.name.startswith("<macro "):
        macro = src.name[len("<macro "):-1]
    if src is not None and src.origin is not None:
        return str(src.origin.locate(loc.line, loc.column)), inner, macro
    return f"{src.name if src is not None else '<pattern>'}:{inner}", inner, macro


class _Tracer:
    """Runs one rule over one context, start token by start token, recording the furthest failures."""

    def __init__(self, code: _Code, ctx: MatchContext, constraints: _Constraints, cross: bool) -> None:
        self.code, self.ctx, self.c = code, ctx, constraints
        self.doc = ctx.doc
        self.toks = ctx.doc.tokens
        self.n = len(self.toks)
        self.cross = cross
        self.starts = {s for s, _ in self.doc.sentences} | {0}
        self.ends = {e for _, e in self.doc.sentences} | {self.n}
        self.tok_cache: dict[tuple[int, int], bool] = {}
        self.lo = self.hi = 0
        self.look_memo: dict[tuple[int, int], bool] = {}
        self.fcache: dict[tuple[int, int, str, tuple[int, int]], Failure] = {}

    # -- elements
    def test(self, node: S.TokenAtom, pos: int) -> bool:
        if node.expr is None:
            return True
        key = (id(node.expr), pos)
        r = self.tok_cache.get(key)
        if r is None:
            r = self.tok_cache[key] = self.c.token_ok(node.expr, self.toks[pos])
        return r

    def mentions(self, node: S.Mention, pos: int, forward: bool) -> list[Any]:
        if forward:
            ms = [m for m in self.ctx.starting(node.label, pos) if m.tok_end <= self.hi]
        else:
            ms = [m for m in self.ctx.ending(node.label, pos) if m.tok_start >= self.lo]
        if node.expr is not None:
            ms = [m for m in ms if self.c.holds(node.expr, getattr(m, "attrs", None) or {}, None, True)]
        return ms

    def at_start(self, pos: int) -> bool:
        return pos in self.starts if self.cross else pos == self.lo

    def at_end(self, pos: int) -> bool:
        return pos in self.ends if self.cross else pos == self.hi

    def look(self, k: int, pos: int) -> bool:
        key = (k, pos)
        r = self.look_memo.get(key)
        if r is None:
            code, forward = self.code.subs[k]
            r = self.look_memo[key] = self.plain(code, pos, forward)
        return r

    def plain(self, code: tuple[Any, ...], pos0: int, forward: bool) -> bool:
        """A lookaround's sub-program: does some path reach MATCH (leftwards for a lookbehind)?"""
        visited: set[tuple[int, int]] = set()
        stack = [(0, pos0)]
        while stack:
            pc, pos = stack.pop()
            while True:
                ins = code[pc]
                op = ins[0]
                if op == _TOK:
                    p = pos if forward else pos - 1
                    if (pos >= self.hi if forward else pos <= self.lo) or not self.test(ins[1], p):
                        break
                    pos = pos + 1 if forward else pos - 1
                    pc += 1
                elif op == _SPLIT or op == _MEN:
                    if (pc, pos) in visited:
                        break
                    visited.add((pc, pos))
                    if op == _SPLIT:
                        stack.append((ins[2], pos))
                        pc = ins[1]
                    else:
                        ms = self.mentions(ins[1], pos, forward)
                        if not ms:
                            break
                        for m in ms[1:]:
                            stack.append((pc + 1, m.tok_end if forward else m.tok_start))
                        pos = ms[0].tok_end if forward else ms[0].tok_start
                        pc += 1
                elif op == _JMP:
                    pc = ins[1]
                elif op == _BOL or op == _EOL:
                    if not (self.at_start(pos) if op == _BOL else self.at_end(pos)):
                        break
                    pc += 1
                elif op == _LOOK:
                    if self.look(ins[1], pos) == ins[2].negate:
                        break
                    pc += 1
                elif op == _MATCH:
                    return True
                else:  # pragma: no cover - no captures inside lookarounds
                    pc += 1
        return False

    # -- one attempt
    def attempt(self, start: int) -> tuple[Any, int, list[tuple[Any, int, str]]]:
        """(result or None, furthest failure position, [(node, token, reason)] failing there)."""
        code = self.code.main
        visited: set[tuple[int, int]] = set()
        far = -1
        fails: list[tuple[Any, int, str]] = []
        seen_nodes: set[int] = set()

        def fail(node: Any, pos: int, why: str) -> None:
            nonlocal far, fails, seen_nodes
            if pos > far:
                far, fails, seen_nodes = pos, [], set()
            if pos == far and id(node) not in seen_nodes:
                seen_nodes.add(id(node))
                fails.append((node, pos, why))

        stack: list[tuple[int, int, Any, Any]] = [(0, start, None, None)]
        while stack:
            pc, pos, caps, trail = stack.pop()
            while True:
                ins = code[pc]
                op = ins[0]
                if op == _TOK:
                    node = ins[1]
                    if pos >= self.hi:
                        fail(node, pos, "end")
                        break
                    if not self.test(node, pos):
                        fail(node, pos, "token")
                        break
                    if ins[2]:
                        trail = (pos, ins[2], trail)
                    pos += 1
                    pc += 1
                elif op == _SPLIT:
                    if (pc, pos) in visited:
                        break
                    visited.add((pc, pos))
                    stack.append((ins[2], pos, caps, trail))
                    pc = ins[1]
                elif op == _JMP:
                    pc = ins[1]
                elif op == _OPEN or op == _CLOSE:
                    caps = (ins[1], op == _OPEN, pos, caps)
                    pc += 1
                elif op == _MEN:
                    if (pc, pos) in visited:
                        break
                    visited.add((pc, pos))
                    ms = self.mentions(ins[1], pos, True)
                    if not ms:
                        fail(ins[1], pos, "mention")
                        break
                    slot = ins[2]
                    for m in reversed(ms[1:]):
                        stack.append((pc + 1, m.tok_end, (slot, None, m, caps) if slot >= 0 else caps, trail))
                    m = ms[0]
                    if slot >= 0:
                        caps = (slot, None, m, caps)
                    pos = m.tok_end
                    pc += 1
                elif op == _BOL or op == _EOL:
                    if not (self.at_start(pos) if op == _BOL else self.at_end(pos)):
                        fail(ins[1], pos, "anchor")
                        break
                    pc += 1
                elif op == _LOOK:
                    if self.look(ins[1], pos) == ins[2].negate:
                        fail(ins[2], pos, "look")
                        break
                    pc += 1
                else:  # MATCH
                    return (pos, caps, trail), far, fails
        return None, far, fails

    def build(self, start: int, end: int, caps: Any, trail: Any) -> Match:
        """The Match the matcher would build (the same function builds it)."""
        return build_match(self.doc.tokens, start, end, caps, trail, self.code.names, self.code.repeated)

    # -- messages
    def word(self, i: int) -> str:
        t = self.toks[i]
        return self.doc.text[t.word_start:t.word_end]

    def failure(self, node: Any, pos: int, kind: str, window: tuple[int, int]) -> Failure:
        """The message for a failure recorded while searching `window` (computed once, when asked for)."""
        key = (id(node), pos, kind, window)
        f = self.fcache.get(key)
        if f is None:
            saved = self.lo, self.hi
            self.lo, self.hi = window
            try:
                f = self.fcache[key] = self._failure(node, pos, kind)
            finally:
                self.lo, self.hi = saved
        return f

    def _failure(self, node: Any, pos: int, kind: str) -> Failure:
        where, inner, macro = _where(node.loc)
        element = S.format_pattern(node)
        token: int | None = pos if pos < self.n else None
        if kind == "end":
            reason = "the sentence ended" if pos == self.hi and not self.cross else "the text ended"
            token = None
        elif kind == "token":
            reason = self.token_reason(node.expr, pos)
        elif kind == "mention":
            reason = self.mention_reason(node, pos)
        elif kind == "anchor":
            reason = f"token {pos} does not start a sentence" if node.kind == "start" else \
                "the sentence goes on here"
        else:
            at = pos if node.ahead else pos - 1
            token = at if 0 <= at < self.n else None
            reason = self.look_reason(node, pos)
        return Failure(element, where, inner, macro, token, reason)

    def token_reason(self, e: S.Expr, pos: int) -> str:
        tok = self.toks[pos]
        parts = self.c.blame(e, tok, tok)
        extra = ""
        if len(tok.analyses) > 1 and any(x.attr in ANALYSIS_ATTRS for x in _leaves(e)):
            extra = f"; none of its {len(tok.analyses) - 1} other analyses satisfies it either"
        return "; ".join(parts) + extra

    def mention_reason(self, node: S.Mention, pos: int) -> str:
        here = [m for m in self.ctx.starting(node.label, pos)]
        if not here:
            return f"no @{node.label} mention starts at token {pos}"
        inside = [m for m in here if m.tok_end <= self.hi]
        if not inside:
            return f"the @{node.label} mention at token {pos} runs past the end of the sentence"
        m = inside[0]
        attrs = getattr(m, "attrs", None) or {}
        assert node.expr is not None
        why = "; ".join(self.c.blame(node.expr, attrs, None, True))
        return f"the @{node.label} mention{'s' if len(inside) > 1 else ''} at token {pos} " \
               f"({_quote(self.doc.text[m.start:m.end])}) fail{'' if len(inside) > 1 else 's'} the constraint: {why}"

    def look_reason(self, node: S.Look, pos: int) -> str:
        kind = ("negative " if node.negate else "") + ("lookahead" if node.ahead else "lookbehind")
        at = pos if node.ahead else pos - 1
        body = node.body
        if not (0 <= at < self.n) or (not self.cross and not (self.lo <= at < self.hi)):
            return f"the {kind} needs a token {'after' if node.ahead else 'before'} this point"
        opts = body.options if isinstance(body, S.Alt) else (body,)
        if all(isinstance(o, (S.TokenAtom, S.Mention)) for o in opts):
            if node.negate:
                for o in opts:
                    if isinstance(o, S.TokenAtom) and self.test(o, at):
                        return f"the token satisfies {S.format_pattern(o)}"
                    if isinstance(o, S.Mention):
                        ms = self.mentions(o, pos if node.ahead else pos, node.ahead)
                        if ms:
                            m = ms[0]
                            return f"a @{o.label} mention ({_quote(self.doc.text[m.start:m.end])}) " \
                                   f"{'starts' if node.ahead else 'ends'} here"
            elif len(opts) == 1 and isinstance(opts[0], S.TokenAtom) and opts[0].expr is not None:
                return self.token_reason(opts[0].expr, at)
            elif len(opts) == 1 and isinstance(opts[0], S.Mention):
                return self.mention_reason(opts[0], pos) if node.ahead else \
                    f"no @{opts[0].label} mention ends at token {pos}"
        return f"the {kind} {'matches' if node.negate else 'does not match'} at token {at}"


def _quote(s: str) -> str:
    return "«" + s.replace("\n", " ") + "»"


def _windows(doc: Document, cross: bool) -> list[tuple[int, int]]:
    n = len(doc.tokens)
    if cross or not doc.sentences:
        return [(0, n)] if n else []
    return [(s, e) for s, e in doc.sentences if e > s]


def trace_rule(rule: Any, ctx: MatchContext, static_sets: Mapping[str, frozenset[str]], round_: int = 0
               ) -> tuple[list[Attempt], list[Match]]:
    """Run `rule` over `ctx` with the tracing interpreter: every attempt, and the matches in order."""
    code = _Code(rule.program.ast)
    tr = _Tracer(code, ctx, _Constraints(static_sets, ctx.sets), rule.cross_sentence)
    attempts: list[Attempt] = []
    matches: list[Match] = []
    for lo, hi in _windows(ctx.doc, rule.cross_sentence):
        tr.lo, tr.hi, tr.look_memo = lo, hi, {}
        pos = lo
        while pos + code.min_length <= hi:
            res, far, fails = tr.attempt(pos)
            if res is None:
                attempts.append(Attempt(round_, pos, max(far, pos), None, (lo, hi), tuple(fails), tr))
                pos += 1
                continue
            end, caps, trail = res
            m = tr.build(pos, end, caps, trail)
            matches.append(m)
            attempts.append(Attempt(round_, pos, end, m, (lo, hi)))
            pos = end if rule.mode == "first" else pos + 1
    return attempts, matches


# ---------------------------------------------------------------- explain

def overlap_reason(removed: Mention, winner: Mention) -> str:
    """Why the overlap policy (`mentions.rank_key`) preferred `winner`: priority, length, position, name."""
    if winner.priority != removed.priority:
        return f"priority ({winner.priority} > {removed.priority})"
    if winner.length != removed.length:
        return f"length ({winner.length} tokens > {removed.length})"
    wc, rc = winner.end - winner.start, removed.end - removed.start
    if wc != rc:
        return f"length ({wc} characters > {rc})"
    if winner.start != removed.start:
        return f"position (starts at {winner.start}, before {removed.start})"
    return f"rule name, a tie otherwise ({winner.rule} < {removed.rule})"


class _Recorder:
    """The cascade observer that keeps the contexts the explained rules ran over, per rule."""

    def __init__(self, names: Sequence[str]) -> None:
        self.contexts: dict[str, list[tuple[int, MatchContext]]] = {n: [] for n in names}

    def rule_ran(self, rule: Any, ctx: MatchContext, round: int, seconds: float, new: int) -> None:
        if rule.name in self.contexts:
            self.contexts[rule.name].append((round, ctx))


def explain(pack: Any, rule_name: str, text_or_doc: str | Document, *, id: str | None = None) -> Explanation:
    """Run `pack` over the text as `match` does and explain what rule `rule_name` did there and why."""
    return explain_rules(pack, [rule_name], text_or_doc, id=id)[0]


def explain_rules(pack: Any, rule_names: Sequence[str], text_or_doc: str | Document, *,
                  id: str | None = None) -> list[Explanation]:
    """`explain` for several rules at once: the cascade runs once, each rule is traced over its contexts."""
    rules = [pack.rule(n) for n in rule_names]
    doc = text_or_doc if isinstance(text_or_doc, Document) else pack.analyze(text_or_doc, id=id)
    rec = _Recorder([r.name for r in rules])
    result = run(pack, doc, observer=rec)
    return [_explain_one(pack, rule, doc, result, rec.contexts[rule.name]) for rule in rules]


def _explain_one(pack: Any, rule: Any, doc: Document, result: RunResult,
                 contexts: list[tuple[int, MatchContext]]) -> Explanation:
    attempts: list[Attempt] = []
    matches: list[tuple[int, Match]] = []
    agrees = True
    for rnd, ctx in contexts:
        att, ms = trace_rule(rule, ctx, pack.sets, rnd)
        attempts += att
        matches += [(rnd, m) for m in ms]
        real = list(finditer(rule.program, ctx, mode=rule.mode, cross_sentence=rule.cross_sentence))
        agrees = agrees and real == ms
    made: dict[Any, Mention] = {}
    for _, m in matches:
        men = _mention_from_match(rule, m, doc)
        if men is not None:
            made.setdefault(men.key(), men)
    mentions = sorted(made.values(), key=lambda m: (m.start, -m.end))
    kept = [m for m in result.mentions if m.rule == rule.name]
    in_run = {m.key() for m in kept} | {r.removed.key() for r in result.removals if r.removed.rule == rule.name}
    agrees = agrees and in_run <= made.keys()    # and everything the cascade itself got from the rule
    events = [OverlapEvent(r.removed, r.winner, overlap_reason(r.removed, r.winner), r.removed.rule == rule.name)
              for r in result.removals if rule.name in (r.removed.rule, r.winner.rule)]
    return Explanation(rule, doc, attempts, matches, mentions, kept, events, len(contexts), agrees,
                       pack.policy(rule.label), result)


# ---------------------------------------------------------------- text output

def _pretty(node: S.Node, indent: int, width: int) -> list[str]:
    """The pattern laid out over lines: one line when it fits, else one item per line, nested."""
    pad = " " * indent
    flat = S.format_pattern(node)
    if len(flat) + indent <= width:
        return [pad + flat]
    if isinstance(node, S.Seq):
        return [line for it in node.items for line in _pretty(it, indent, width)]
    if isinstance(node, S.Alt):
        out = [pad + "(?:"]
        for k, o in enumerate(node.options):
            lines = _pretty(o, indent + 4, width)
            if k:
                lines[0] = pad + "  | " + lines[0][indent + 4:]
            out += lines
        return out + [pad + ")"]
    if isinstance(node, S.Capture):
        return [pad + f"(?<{node.name}>"] + _pretty(node.body, indent + 4, width) + [pad + ")"]
    if isinstance(node, S.Look):
        op = ("(?=" if not node.negate else "(?!") if node.ahead else ("(?<=" if not node.negate else "(?<!")
        return [pad + op] + _pretty(node.body, indent + 4, width) + [pad + ")"]
    if isinstance(node, S.Repeat):
        q = S.format_pattern(S.Repeat(S.TokenAtom(), node.min, node.max, node.lazy))[2:]
        return [pad + "(?:"] + _pretty(node.body, indent + 4, width) + [pad + ")" + q]
    return [pad + flat]


def _ranges(ns: Sequence[int]) -> str:
    out: list[str] = []
    for n in ns:
        if out and isinstance(out[-1], list) and out[-1][1] == n - 1:
            out[-1][1] = n
        else:
            out.append([n, n])  # type: ignore[arg-type]
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in out)  # type: ignore[misc]


def _mention_line(m: Mention) -> str:
    args = "  ".join(f"{k}={_quote(' | '.join(a.text for a in v) if isinstance(v, tuple) else v.text)}"
                     for k, v in m.args.items())
    return f"{m.label} {m.start}-{m.end} {_quote(m.text)} (tokens {m.tok_start}-{m.tok_end - 1}, rule {m.rule}, " \
           f"priority {m.priority})" + (f"  {args}" if args else "")


def format_text(ex: Explanation, *, verbose: bool = False, width: int = 100) -> str:
    """The explanation for a terminal: Arabic sits at the end of lines or inside «», after fixed fields."""
    from io import StringIO

    from dsl.io.writers import write_tokens
    r, doc = ex.rule, ex.doc
    out: list[str] = []
    w = out.append
    w(f"rule {r.name} -> {r.label}   defined at {r.pos}")
    w(f"  priority {r.priority}, mode {r.mode}" + (", across sentences" if r.cross_sentence else "")
      + ("" if r.output else ", internal (output: false)") + ("" if r.enabled else ", DISABLED"))
    w("")
    w("pattern:")
    out += ["  " + line for line in r.pattern.rstrip("\n").split("\n")]
    compiled = _pretty(r.program.ast, 2, width)
    if len(compiled) <= COMPILED_LINES or verbose:
        w("as compiled (macros expanded, literals as stems, values normalized):")
        out += compiled
    else:
        w(f"as compiled: {len(compiled)} lines once macros are expanded (-v shows them; so does --format json)")
    w("")
    w(f"tokens ({len(doc.tokens)} in {len(doc.sentences)} sentence{'s' if len(doc.sentences) != 1 else ''}):")
    buf = StringIO()
    write_tokens(buf, doc.tokens, "table")
    out += ["  " + line for line in buf.getvalue().rstrip("\n").split("\n")]
    w("")
    if ex.rounds == 0:
        w("the rule did not run (it is disabled)." if not r.enabled else "the rule did not run.")
    if ex.rounds > 1:
        w(f"the rule's phase reads a label it produces, so it ran {ex.rounds} rounds, until one found nothing new")
    before: dict[int, Attempt] = {}
    for rnd in range(ex.rounds):
        atts = [a for a in ex.attempts if a.round == rnd]
        head = f"round {rnd + 1}" if ex.rounds > 1 else "attempts"
        changed = [a for a in atts if _differs(a, before.get(a.start))]
        before = {a.start: a for a in atts}
        if rnd and not verbose:
            if not changed:
                w(f"{head}: every attempt as in round {rnd}")
                continue
            w(f"{head}: {len(changed)} attempt{'s' if len(changed) != 1 else ''} differ from round {rnd}:")
            atts = changed
        else:
            w(f"{head}: tried at {len(atts)} start token{'s' if len(atts) != 1 else ''}")
        quiet = []
        for a in atts:
            if a.match is None and a.reached == a.start and not verbose:
                quiet.append(a.start)
                continue
            t0 = f"  at token {a.start} {_quote(_word(doc, a.start))}"
            if a.match is not None:
                m = a.match
                w(f"{t0}: MATCHED tokens {m.tok_start}-{m.tok_end - 1} {_quote(doc.text[m.start:m.end])}")
                continue
            got = a.reached - a.start
            w(f"{t0}: got {got} token{'s' if got != 1 else ''} in, then failed "
              f"at {'token ' + str(a.reached) if a.reached < len(doc.tokens) else 'the end'}:")
            for f in a.failures[:SHOW_FAILURES if not verbose else None]:
                where = f.where + (f" (macro {f.macro})" if f.macro else "")
                w(f"      {f.element}   {where}")
                on = f"on token {f.token} {_quote(_word(doc, f.token))}: " if f.token is not None else ""
                w(f"        {on}{f.reason}")
            more = len(a.failures) - SHOW_FAILURES
            if more > 0 and not verbose:
                w(f"      ... and {more} other alternative{'s' if more != 1 else ''} (-v shows all)")
        if quiet:
            w(f"  at token{'s' if len(quiet) > 1 else ''} {_ranges(quiet)}: failed at the start token"
              f" (-v shows why)")
    w("")
    distinct: list[tuple[int, Match]] = []
    for rnd, m in ex.matches:
        if all(m != x for _, x in distinct):
            distinct.append((rnd, m))
    w(f"matches: {len(distinct)}")
    for rnd, m in distinct:
        caps = "  ".join(f"{k}={_quote(' | '.join(doc.text[c.start:c.end] for c in v))}"
                         for k, v in m.captures.items() if v)
        w(f"  tokens {m.tok_start}-{m.tok_end - 1} {_quote(doc.text[m.start:m.end])}"
          + (f" (round {rnd + 1})" if ex.rounds > 1 else "") + (f"  {caps}" if caps else ""))
    w(f"mentions made: {len(ex.mentions)}" + (f" (span: capture {r.span!r})" if r.span else ""))
    for m in ex.mentions:
        w("  " + _mention_line(m))
    lost = [e for e in ex.overlap if e.lost]
    won = [e for e in ex.overlap if not e.lost]
    if ex.overlap:
        w(f"overlap (policy {ex.policy!r} for label {r.label}):")
    for e in lost:
        w(f"  REMOVED {_mention_line(e.removed)}")
        w(f"    lost on {e.reason} to {_mention_line(e.winner)}")
    for e in won:
        w(f"  won over {_mention_line(e.removed)}")
        w(f"    on {e.reason}, keeping {_mention_line(e.winner)}")
    w(f"kept after overlap: {len(ex.kept)}" + ("" if r.output else " (internal: not output)"))
    for m in ex.kept:
        w("  " + _mention_line(m))
    if not ex.agrees:
        w("")
        w("WARNING: explain's interpreter and the matcher disagree on this rule's matches; "
          "trust `arabic-ie match` and please report this")
    return "\n".join(out) + "\n"


def _differs(a: Attempt, b: Attempt | None) -> bool:
    return b is None or (a.match, a.reached, a.failures) != (b.match, b.reached, b.failures)


def _word(doc: Document, i: int | None) -> str:
    if i is None or not (0 <= i < len(doc.tokens)):
        return ""
    t = doc.tokens[i]
    return doc.text[t.word_start:t.word_end]


def write_explanation(out: IO[str], ex: Explanation, fmt: str, *, verbose: bool = False) -> None:
    """Write an explanation as text (`fmt="text"`) or as one JSON object (`fmt="json"`)."""
    if fmt == "json":
        out.write(json.dumps(ex.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        out.write(format_text(ex, verbose=verbose))
    out.flush()
