"""Why a rule matched, or did not: a trace of the real VM running the rule's compiled program.

`explain(pack, "rule_name", text)` runs the whole pack over the text (exactly as `match`
does) and, through the cascade's observer hook, takes the `MatchContext` the rule was run
over in each fixed-point round. Over that context it searches again with the matcher
(`vm.finditer`) and a VM observer (`vm.Observer`) that keeps, for every start token, how far
the rule got and at which instructions its paths stopped there. `Program.origins` maps each
instruction back to the element of the pattern it was compiled from (for its place and its
text), and the element's compiled predicate, evaluated again, says which part of it is false
and with which values. Then it reports which of the rule's mentions the overlap policy
removed, and in favour of what.

A traced search tries every start token, each with a fresh memo (`vm.Run.every_start`), so
that every attempt shows its own failures; `Explanation.agrees` checks that it finds exactly
what the plain search finds and what the cascade got from the rule (the tests check it for
every shipped rule).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from dsl.doc.document import Document
from dsl.doc.mention import Mention
from dsl.pack.cascade import RunResult, mention_from_match, run
from dsl.pattern import syntax as S
from dsl.pattern.program import BOL, EOL, LOOK, MENTION, TOKEN, Code, PredAnd, PredNot, PredOr, Program, get_value
from dsl.pattern.vm import Match, MatchContext, Run, finditer

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
    raw: tuple[tuple[int, int, str], ...] = field(default=(), repr=False)   # (pc, token, kind)
    describer: Any = field(default=None, repr=False, compare=False)

    @property
    def failures(self) -> tuple[Failure, ...]:
        """What failed at token `reached`, in the order the matcher tried it (empty when it matched)."""
        if not self.raw:
            return ()
        return tuple(self.describer.failure(pc, p, kind, self.window) for pc, p, kind in self.raw)

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


# ---------------------------------------------------------------- the trace

class _Trace:
    """The VM observer of one traced search: per attempt of the rule's own program (lookaheads
    are left out), the furthest token a path reached and the elements that failed there."""

    def __init__(self, program: Program, round_: int, describer: _Describer) -> None:
        self.main = program.code
        self.origins = program.origins
        self.round = round_
        self.describer = describer
        self.run: Run | None = None
        self.attempts: list[Attempt] = []
        self.start = 0
        self.window = (0, 0)
        self.far = -1
        self.fails: list[tuple[int, int, str]] = []     # (pc, token, kind), one per element
        self.seen: set[int] = set()                     # id() of the elements in `fails`

    def on_run(self, run: Run, code: Code, start: int) -> None:
        if code is self.main:
            self.close()
            self.run, self.start, self.window = run, start, (run.lo, run.hi)
            self.far, self.fails, self.seen = -1, [], set()

    def on_fail(self, code: Code, pc: int, pos: int) -> None:
        if code is not self.main or self.run is None:
            return
        ins = code[pc]
        op = ins[0]
        if op == TOKEN:
            kind = "end" if pos >= self.run.hi else "token"
        elif op == MENTION:
            if self.run.mentions(ins[1], ins[2], pos, True):
                return          # mentions start here: this state had been explored already
            kind = "mention"
        elif op == BOL or op == EOL:
            kind = "anchor"
        elif op == LOOK:
            kind = "look"
        else:                   # SPLIT: this state had been explored already
            return
        if pos > self.far:
            self.far, self.fails, self.seen = pos, [], set()
        node = self.origins[pc]
        if pos == self.far and id(node) not in self.seen:    # an element repeated by {n,m} is listed once
            self.seen.add(id(node))
            self.fails.append((pc, pos, kind))

    def on_match(self, code: Code, pos: int) -> None:
        pass

    def matched(self, m: Match) -> None:
        """The search found `m`, at the attempt under way."""
        self.attempts.append(Attempt(self.round, self.start, m.tok_end, m, self.window))
        self.run = None

    def close(self) -> None:
        """Record the attempt under way, if any, as failed."""
        if self.run is not None:
            self.attempts.append(Attempt(self.round, self.start, max(self.far, self.start), None, self.window,
                                         tuple(self.fails), self.describer))
            self.run = None


def trace_rule(rule: Any, ctx: MatchContext, round_: int = 0) -> tuple[list[Attempt], list[Match]]:
    """Search with `rule` over `ctx` as the matcher does, traced: every attempt, and the matches in order."""
    prog = rule.program
    tr = _Trace(prog, round_, _Describer(prog, ctx, rule.cross_sentence))
    matches: list[Match] = []
    for m in finditer(prog, ctx, mode=rule.mode, cross_sentence=rule.cross_sentence, observer=tr):
        tr.matched(m)
        matches.append(m)
    tr.close()
    return tr.attempts, matches


# ---------------------------------------------------------------- failure messages

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


def _leaves(pred: Any) -> list[Any]:
    """The predicates on one attribute inside a compiled constraint, in pattern order."""
    if isinstance(pred, PredNot):
        return _leaves(pred.item)
    if isinstance(pred, (PredAnd, PredOr)):
        return [x for p in pred.items for x in _leaves(p)]
    return [pred]


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return '""' if v == "" else str(v)


class _Describer:
    """Says why an element failed, from the instruction (its predicate, through the VM) and the
    element it was compiled from (`Program.origins`, for the text and place of each part)."""

    def __init__(self, program: Program, ctx: MatchContext, cross: bool) -> None:
        self.prog, self.ctx, self.cross = program, ctx, cross
        self.doc = ctx.doc
        self.toks = ctx.doc.tokens
        self.n = len(self.toks)
        self.sets = ctx.sets
        self.run: Run | None = None
        self.cache: dict[tuple[int, int, str, tuple[int, int]], Failure] = {}

    def failure(self, pc: int, pos: int, kind: str, window: tuple[int, int]) -> Failure:
        """The message for a failure recorded while searching `window` (computed once, when asked for)."""
        key = (pc, pos, kind, window)
        f = self.cache.get(key)
        if f is None:
            if self.run is None:
                self.run = Run(self.prog, self.ctx, self.cross)
            if (self.run.lo, self.run.hi) != window:
                self.run.window(*window)
            f = self.cache[key] = self._failure(pc, pos, kind)
        return f

    def _failure(self, pc: int, pos: int, kind: str) -> Failure:
        node = self.prog.origins[pc]
        ins = self.prog.code[pc]
        where, inner, macro = _where(node.loc)
        element = S.format_pattern(node)
        token: int | None = pos if pos < self.n else None
        if kind == "end":
            reason = "the sentence ended" if pos == self.hi and not self.cross else "the text ended"
            token = None
        elif kind == "token":
            reason = self.token_reason(node.expr, ins[1], pos)
        elif kind == "mention":
            reason = self.mention_reason(node, ins[2], pos)
        elif kind == "anchor":
            reason = f"token {pos} does not start a sentence" if node.kind == "start" else \
                "the sentence goes on here"
        else:
            at = pos if node.ahead else pos - 1
            token = at if 0 <= at < self.n else None
            reason = self.look_reason(node, ins[1], pos)
        return Failure(element, where, inner, macro, token, reason)

    @property
    def hi(self) -> int:
        assert self.run is not None
        return self.run.hi

    def blame(self, e: S.Expr, pred: Any, tok: Any, an: Any) -> list[str]:
        """The parts of constraint `e` (compiled to `pred`) that are false for this view of the
        token (or these mention attributes), with the values read."""
        if isinstance(e, S.And):
            return [b for x, p in zip(e.items, pred.items) if not p.eval(tok, an, self.sets)
                    for b in self.blame(x, p, tok, an)]
        if isinstance(e, S.Or):
            return [b for x, p in zip(e.items, pred.items) for b in self.blame(x, p, tok, an)]
        read: dict[str, Any] = {}
        for leaf in _leaves(pred):
            read.setdefault(leaf.attr, leaf)
        vals = ", ".join(f"{a}={_show(get_value(p.level, a, tok, an))}" for a, p in read.items())
        return [f"{S.format_expr(e, 3)} is false ({vals})" if vals else f"{S.format_expr(e, 3)} is false"]

    def token_reason(self, e: S.Expr, pi: int, pos: int) -> str:
        tok = self.toks[pos]
        parts = self.blame(e, self.prog.preds[pi], tok, tok)
        extra = ""
        if len(tok.analyses) > 1 and self.prog.pred_per_analysis[pi]:
            extra = f"; none of its {len(tok.analyses) - 1} other analyses satisfies it either"
        return "; ".join(parts) + extra

    def mention_reason(self, node: S.Mention, pi: int, pos: int) -> str:
        here = self.ctx.starting(node.label, pos)
        if not here:
            return f"no @{node.label} mention starts at token {pos}"
        inside = [m for m in here if m.tok_end <= self.hi]
        if not inside:
            return f"the @{node.label} mention at token {pos} runs past the end of the sentence"
        m = inside[0]
        attrs = getattr(m, "attrs", None) or {}
        assert node.expr is not None
        why = "; ".join(self.blame(node.expr, self.prog.preds[pi], attrs, None))
        return f"the @{node.label} mention{'s' if len(inside) > 1 else ''} at token {pos} " \
               f"({_quote(self.doc.text[m.start:m.end])}) fail{'' if len(inside) > 1 else 's'} the constraint: {why}"

    def look_reason(self, node: S.Look, k: int, pos: int) -> str:
        assert self.run is not None
        run = self.run
        kind = ("negative " if node.negate else "") + ("lookahead" if node.ahead else "lookbehind")
        at = pos if node.ahead else pos - 1
        body = node.body
        if not (0 <= at < self.n) or (not self.cross and not (run.lo <= at < run.hi)):
            return f"the {kind} needs a token {'after' if node.ahead else 'before'} this point"
        opts = body.options if isinstance(body, S.Alt) else (body,)
        if all(isinstance(o, (S.TokenAtom, S.Mention)) for o in opts):
            code, origins = self.prog.subs[k][0], self.prog.sub_origins[k]
            ins_of = {id(origins[pc]): ins for pc, ins in enumerate(code) if ins[0] in (TOKEN, MENTION)}
            if node.negate:
                for o in opts:
                    ins = ins_of[id(o)]
                    if isinstance(o, S.TokenAtom) and (ins[1] < 0 or run.test(ins[1], at)):
                        return f"the token satisfies {S.format_pattern(o)}"
                    if isinstance(o, S.Mention):
                        ms = run.mentions(o.label, ins[2], pos, node.ahead)
                        if ms:
                            m = ms[0]
                            return f"a @{o.label} mention ({_quote(self.doc.text[m.start:m.end])}) " \
                                   f"{'starts' if node.ahead else 'ends'} here"
            elif len(opts) == 1 and isinstance(opts[0], S.TokenAtom) and opts[0].expr is not None:
                return self.token_reason(opts[0].expr, ins_of[id(opts[0])][1], at)
            elif len(opts) == 1 and isinstance(opts[0], S.Mention):
                return self.mention_reason(opts[0], ins_of[id(opts[0])][2], pos) if node.ahead else \
                    f"no @{opts[0].label} mention ends at token {pos}"
        return f"the {kind} {'matches' if node.negate else 'does not match'} at token {at}"


def _quote(s: str) -> str:
    return "«" + s.replace("\n", " ") + "»"


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
        att, ms = trace_rule(rule, ctx, rnd)
        attempts += att
        matches += [(rnd, m) for m in ms]
        real = list(finditer(rule.program, ctx, mode=rule.mode, cross_sentence=rule.cross_sentence))
        agrees = agrees and real == ms
    made: dict[Any, Mention] = {}
    for _, m in matches:
        men = mention_from_match(rule, m, doc)
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
        w("WARNING: explain's traced search and the matcher disagree on this rule's matches; "
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
