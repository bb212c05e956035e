"""Running a compiled `Program` over a document's tokens: a backtracking VM with memoization.

The VM is a backtracking matcher in the style of `sre`: alternatives are tried in order
(Perl preference: greedy quantifiers try one more iteration first, lazy ones one fewer,
alternation tries its branches left to right, `@Label` tries longer mentions first), and the
first path that reaches MATCH wins. Because the language has no backreferences, whether a
state (instruction, token position) can still reach MATCH does not depend on how it was
reached, so a state that failed once is never explored again (a visited set at the branching
instructions): a search costs at most O(program size x tokens), and no pattern can hang the
matcher. Lookarounds run their own sub-programs (lookbehinds run reversed, right to left),
memoized per position.

`finditer(program, ctx)` follows `re.finditer`: leftmost start, non-overlapping, matches
confined to one sentence (each sentence is searched as if it were the whole text) unless
`cross_sentence=True`. `mode="all"` reports, for every start token, the preferred match that
starts there (matches may overlap).

The VM reads only `program.py` (opcodes, predicates), never the compiler or the parser.
`finditer(..., observer=...)` reports to an `Observer` where each attempt starts and at which
instruction and token each path of the search stopped: the debug view `explain` is built on.
Without one the instruction loop is unchanged: the VM looks for an observer once per run and
once per abandoned path, outside that loop.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dsl.doc.document import Document
from dsl.frozen import constructor
from dsl.pattern.program import (
    BOL,
    CLOSE,
    EOL,
    JMP,
    KEEP_PRE,
    KEEP_SUF,
    LOOK,
    MATCH,
    MENTION,
    OPEN,
    SPLIT,
    TOKEN,
    Code,
    Program,
    holds_on_token,
)


@dataclass(frozen=True)
class MentionRef:
    """A mention as the matcher sees it (any object with these attributes will do)."""

    label: str
    tok_start: int
    tok_end: int
    attrs: Mapping[str, str] = field(default_factory=dict)
    ref: Any = None


def index_mentions(mentions: Sequence[Any]) -> dict[str, dict[int, list[Any]]]:
    """label -> start token -> mentions (longest first), the shape `MatchContext.mentions` wants."""
    out: dict[str, dict[int, list[Any]]] = {}
    for m in mentions:
        out.setdefault(m.label, {}).setdefault(m.tok_start, []).append(m)
    for by_start in out.values():
        for lst in by_start.values():
            lst.sort(key=lambda m: -m.tok_end)
    return out


@dataclass
class MatchContext:
    """Everything a program reads besides its own code, for one document.

    `mentions`: label -> start token -> mentions starting there (objects with `.tok_start`,
    `.tok_end`, `.attrs`; whatever they are, a capture wrapping exactly one `@Label` returns
    the object itself as `Capture.mention_ref`). `sets`: the dynamic sets of this document.
    The context caches per-token data; build a new one when the mentions change.
    """

    doc: Document
    mentions: Mapping[str, Mapping[int, Sequence[Any]]] = field(default_factory=dict)
    sets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: the lists of `mentions` are tuples already as `starting` gives them (longest first, no
    #: empty mention): the cascade's index, which `starting` then returns as they are
    presorted: bool = False
    _type_ids: list[int] | None = field(default=None, init=False, repr=False, compare=False)
    _by_start: dict[tuple[str, int], tuple[Any, ...]] = field(default_factory=dict, init=False, repr=False,
                                                              compare=False)
    _by_end: dict[str, dict[int, list[Any]]] | None = field(default=None, init=False, repr=False, compare=False)

    def type_ids(self) -> list[int]:
        """A small integer per token: tokens with equal attributes share it (predicate cache key)."""
        ids = self._type_ids
        if ids is None:
            seen: dict[Any, int] = {}
            ids = []
            for t in self.doc.tokens:
                key = (t.text, t.word, t.norm, t.stem, t.pre, t.suf, t.definite, t.shape, t.sent_start,
                       t.sent_end, t.analyses, tuple(sorted(t.extra.items())) if t.extra else ())
                ids.append(seen.setdefault(key, len(seen)))
            self._type_ids = ids
        return ids

    def starting(self, label: str, pos: int) -> tuple[Any, ...]:
        """Mentions of `label` starting at token `pos`, longest first."""
        if self.presorted:
            by_start = self.mentions.get(label)
            return by_start.get(pos, ()) if by_start else ()   # type: ignore[return-value]
        key = (label, pos)
        r = self._by_start.get(key)
        if r is None:
            ms = (self.mentions.get(label) or {}).get(pos) or ()
            r = tuple(sorted((m for m in ms if m.tok_end > m.tok_start), key=lambda m: -m.tok_end))
            self._by_start[key] = r
        return r

    def ending(self, label: str, pos: int) -> list[Any]:
        """Mentions of `label` ending at token `pos` (exclusive end), longest first."""
        if self._by_end is None:
            idx: dict[str, dict[int, list[Any]]] = {}
            for lab, by_start in self.mentions.items():
                for ms in by_start.values():
                    for m in ms:
                        if m.tok_end > m.tok_start:
                            idx.setdefault(lab, {}).setdefault(m.tok_end, []).append(m)
            for d in idx.values():
                for lst in d.values():
                    lst.sort(key=lambda m: m.tok_start)
            self._by_end = idx
        return self._by_end.get(label, {}).get(pos, [])


@dataclass(frozen=True)
class Capture:
    """One span a named capture matched; `repeated` when the capture may match several times."""

    tok_start: int
    tok_end: int
    start: int
    end: int
    mention_ref: Any = None
    repeated: bool = False


@dataclass(frozen=True)
class Match:
    """A match: token range, character offsets (trimmed, see the span rule) and captures.

    `captures` has every capture name of the pattern; a capture that did not take part maps
    to (); one that did maps to its spans in text order (several only inside repetition).
    """

    tok_start: int
    tok_end: int
    start: int
    end: int
    captures: Mapping[str, tuple[Capture, ...]] = field(default_factory=dict, hash=False)

    def text(self, doc: Document) -> str:
        return doc.text[self.start:self.end]


class Observer(Protocol):
    """What a traced search reports (`finditer(..., observer=...)`).

    Events concern forward runs: of the pattern's own code (`run.prog.code`) at each start
    token, and of lookahead sub-programs (`run.prog.subs`); a lookbehind runs unobserved (its
    outcome is that of its LOOK instruction). `code` says which program an event is about.
    """

    def on_run(self, run: Run, code: Code, start: int) -> None:
        """A run of `code` begins at token `start`, inside the window `run.lo`..`run.hi`."""

    def on_fail(self, code: Code, pc: int, pos: int) -> None:
        """A path stopped at instruction `pc`, the next token being `pos`: the instruction failed
        there, or (SPLIT, MENTION) this state had been explored already. The VM backtracks."""

    def on_match(self, code: Code, pos: int) -> None:
        """The run reached MATCH, the match ending before token `pos`."""


class Run:
    """The VM and the state of one search: caches, the current window, memo tables."""

    __slots__ = ("prog", "ctx", "doc", "toks", "n", "stride", "sets", "types", "pcache", "cross",
                 "starts", "ends", "lo", "hi", "visited", "sub_visited", "look_memo", "observer")

    def __init__(self, prog: Program, ctx: MatchContext, cross: bool, types: list[int] | None = None,
                 pcache: list[dict[int, bool]] | None = None, observer: Observer | None = None) -> None:
        # `types`/`pcache`: token type ids and per-predicate result caches (type id -> bool)
        # shared with other programs (the pack-wide matcher, `dsl.pack.index`); by default
        # this run's own.
        self.prog = prog
        self.observer = observer
        self.ctx = ctx
        self.doc = ctx.doc
        self.toks = ctx.doc.tokens
        self.n = len(self.toks)
        self.stride = self.n + 1
        self.sets = ctx.sets
        self.types = types if types is not None else (ctx.type_ids() if prog.preds else [])
        self.pcache: list[dict[int, bool]] = pcache if pcache is not None else [{} for _ in prog.preds]
        self.cross = cross
        if cross:
            self.starts = {s for s, e in ctx.doc.sentences} | {0}
            self.ends = {e for s, e in ctx.doc.sentences} | {self.n}
        self.lo = self.hi = 0
        self.visited: set[int] = set()

    def rebind(self, prog: Program, pcache: list[dict[int, bool]]) -> None:
        """Run another program (same document, types and sentence mode) from its first window on."""
        self.prog = prog
        self.pcache = pcache
        self.lo = self.hi = 0

    def window(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.visited.clear()
        if self.prog.subs:      # lookaround state, only for programs that have lookarounds
            # one visited set per lookaround, made when that lookaround first runs in this window:
            # a pattern may hold hundreds of them (macros inline theirs) and most never run.
            self.sub_visited: dict[int, set[int]] = {}
            self.look_memo: dict[int, bool] = {}     # sub-program * stride + position -> outcome

    # -- predicates
    def test(self, pi: int, pos: int) -> bool:
        tid = self.types[pos]
        cache = self.pcache[pi]
        r = cache.get(tid)
        if r is None:
            prog = self.prog
            r = cache[tid] = holds_on_token(prog.preds[pi], prog.pred_per_analysis[pi], self.toks[pos], self.sets)
        return r

    def mentions(self, label: str, pi: int, pos: int, forward: bool) -> Sequence[Any]:
        if forward:
            ms: Sequence[Any] = self.ctx.starting(label, pos)
            if ms and ms[0].tok_end > self.hi:    # (longest first: those that fit the window are a tail)
                hi = self.hi
                ms = [m for m in ms if m.tok_end <= hi]
        else:
            ms = [m for m in self.ctx.ending(label, pos) if m.tok_start >= self.lo]
        if pi >= 0:
            pred = self.prog.preds[pi]
            ms = [m for m in ms if pred.eval(getattr(m, "attrs", None) or {}, None, self.sets)]
        return ms

    def at_start(self, pos: int) -> bool:
        return pos in self.starts if self.cross else pos == self.lo

    def at_end(self, pos: int) -> bool:
        return pos in self.ends if self.cross else pos == self.hi

    def zero_width(self, ins: tuple[Any, ...], pos: int) -> bool:
        """Whether a BOL, EOL or LOOK instruction holds at `pos` (they consume no token)."""
        op = ins[0]
        if op == BOL:
            return self.at_start(pos)
        if op == EOL:
            return self.at_end(pos)
        return self.look(ins[1], pos) != ins[2]

    def can_start(self, pos: int) -> bool:
        first = self.prog.first_tokens
        if first.any:
            return True
        for pi in first.preds:
            if self.test(pi, pos):
                return True
        for label in first.labels:
            if self.ctx.starting(label, pos):
                return True
        return False

    # -- lookarounds
    def look(self, k: int, pos: int) -> bool:
        key = k * self.stride + pos
        r = self.look_memo.get(key)
        if r is None:
            code, forward = self.prog.subs[k]
            visited = self.sub_visited.get(k)
            if visited is None:
                visited = self.sub_visited[k] = set()
            if forward:
                r = self.run(code, pos, visited) is not None
            else:
                r = self.run_back(code, pos, visited)
            if r:
                visited.clear()   # states on the successful path were not fully explored
            self.look_memo[key] = r
        return r

    def every_start(self, pos: int) -> bool:
        """`can_start` for a traced search: every token may start a match, and each attempt
        starts with a fresh memo, so its trace shows its own failures (the matches are the same)."""
        self.visited.clear()
        return True

    # -- the VM
    def run(self, code: Code, start: int, visited: set[int]) -> Any:
        """Forward search from `start`: (end, capture events, keep-flags trail) of the preferred path."""
        hi, stride = self.hi, self.stride
        test, types, pcache = self.test, self.types, self.pcache
        obs = self.observer
        if obs is not None:
            obs.on_run(self, code, start)
        stack: list[tuple[int, int, Any, Any]] = [(0, start, None, None)]
        while stack:
            pc, pos, caps, trail = stack.pop()
            while True:
                ins = code[pc]
                op = ins[0]
                if op == TOKEN:
                    if pos >= hi:
                        break
                    pi = ins[1]
                    if pi >= 0:
                        r = pcache[pi].get(types[pos])    # (the cached answer, without a call)
                        if not (r if r is not None else test(pi, pos)):
                            break
                    if ins[2]:
                        trail = (pos, ins[2], trail)
                    pos += 1
                    pc += 1
                elif op == SPLIT:
                    key = pc * stride + pos
                    if key in visited:
                        break
                    visited.add(key)
                    stack.append((ins[2], pos, caps, trail))
                    pc = ins[1]
                elif op == JMP:
                    pc = ins[1]
                elif op == OPEN or op == CLOSE:
                    caps = (ins[1], op == OPEN, pos, caps)
                    pc += 1
                elif op == MENTION:
                    key = pc * stride + pos
                    if key in visited:
                        break
                    visited.add(key)
                    ms = self.mentions(ins[1], ins[2], pos, True)
                    if not ms:
                        break
                    slot = ins[3]
                    for m in reversed(ms[1:]):
                        stack.append((pc + 1, m.tok_end, (slot, None, m, caps) if slot >= 0 else caps, trail))
                    m = ms[0]
                    if slot >= 0:
                        caps = (slot, None, m, caps)
                    pos = m.tok_end
                    pc += 1
                elif op == MATCH:
                    if obs is not None:
                        obs.on_match(code, pos)
                    return pos, caps, trail
                elif op == LOOK:
                    r = self.look_memo.get(ins[1] * stride + pos)
                    if (r if r is not None else self.look(ins[1], pos)) == ins[2]:
                        break
                    pc += 1
                else:  # BOL, EOL
                    if not self.zero_width(ins, pos):
                        break
                    pc += 1
            if obs is not None:     # this path stopped at (pc, pos): a failure or a state seen before
                obs.on_fail(code, pc, pos)
        return None

    def run_back(self, code: Code, end: int, visited: set[int]) -> bool:
        """Reversed search (lookbehind): does some path consume tokens leftwards from `end`?"""
        lo, stride = self.lo, self.stride
        test = self.test
        stack = [(0, end)]
        while stack:
            pc, pos = stack.pop()
            while True:
                ins = code[pc]
                op = ins[0]
                if op == TOKEN:
                    if pos <= lo:
                        break
                    pi = ins[1]
                    if pi >= 0 and not test(pi, pos - 1):
                        break
                    pos -= 1
                    pc += 1
                elif op == SPLIT or op == MENTION:
                    key = pc * stride + pos
                    if key in visited:
                        break
                    visited.add(key)
                    if op == SPLIT:
                        stack.append((ins[2], pos))
                        pc = ins[1]
                    else:
                        ms = self.mentions(ins[1], ins[2], pos, False)
                        if not ms:
                            break
                        for m in ms[1:]:
                            stack.append((pc + 1, m.tok_start))
                        pos = ms[0].tok_start
                        pc += 1
                elif op == JMP:
                    pc = ins[1]
                elif op == MATCH:
                    return True
                else:  # BOL, EOL, LOOK (captures are not allowed in lookarounds)
                    if not self.zero_width(ins, pos):
                        break
                    pc += 1
        return False

    # -- results
    def build(self, start: int, end: int, caps: Any, trail: Any) -> Match:
        return match_of(light_match(self.toks, start, end, caps, trail), self.prog.capture_names,
                        self.prog.repeated_captures)

    def light(self, start: int, end: int, caps: Any, trail: Any) -> LightMatch:
        return light_match(self.toks, start, end, caps, trail)


#: A match in its light form: (tok_start, tok_end, start, end, captures), `captures` being
#: ((slot, spans), ...) in slot order for the captures that took part, each span a
#: (tok_start, tok_end, start, end, mention or None) in text order. `match_of` makes a `Match`.
LightMatch = tuple[int, int, int, int, tuple[tuple[int, tuple[tuple[int, int, int, int, Any], ...]], ...]]


def light_match(toks: Sequence[Any], start: int, end: int, caps: Any, trail: Any) -> LightMatch:
    """The match of tokens [start, end) from the VM's result: offsets by the span rule (clitics
    kept only where the consuming element tested them, per `trail`), captures from the VM's
    event list. A few tuples: what a match costs until something asks for more."""
    flags: dict[int, int] | None = None
    if trail is not None:
        flags = {}
        while trail is not None:
            p, f, trail = trail
            flags[p] = f
    captured: Any = ()
    if caps is not None:
        events = []
        while caps is not None:
            slot, kind, val, caps = caps
            events.append((slot, kind, val))
        opened: dict[int, int] = {}
        refs: dict[int, Any] = {}
        per_slot: dict[int, list[tuple[int, int, int, int, Any]]] = {}
        for slot, kind, val in reversed(events):
            if kind is True:
                opened[slot] = val
                refs.pop(slot, None)
            elif kind is None:
                refs[slot] = val
            else:
                a = opened.pop(slot)
                s, e = _span(toks, flags, a, val)
                lst = per_slot.get(slot)
                if lst is None:
                    per_slot[slot] = [(a, val, s, e, refs.pop(slot, None))]
                else:
                    lst.append((a, val, s, e, refs.pop(slot, None)))
        captured = tuple(sorted((slot, tuple(v)) for slot, v in per_slot.items()))
    if flags is None:
        return (start, end, toks[start].start, toks[end - 1].end, captured)
    s, e = _span(toks, flags, start, end)
    return (start, end, s, e, captured)


def match_of(light: LightMatch, names: Sequence[str], repeated: frozenset[str] | set[str]) -> Match:
    """The `Match` of a light match (`names`: the program's capture names in slot order)."""
    start, end, s, e, captured = light
    captures: dict[str, tuple[Capture, ...]] = dict.fromkeys(names, ()) if names else {}
    for slot, spans in captured:
        nm = names[slot]
        rep = nm in repeated
        captures[nm] = tuple(_make_capture(a, b, cs, ce, ref, rep) for a, b, cs, ce, ref in spans)
    return _make_match(start, end, s, e, captures)


def _span(toks: Sequence[Any], flags: dict[int, int] | None, a: int, b: int) -> tuple[int, int]:
    """The offsets of Document.span(a, b, keep_pre=..., keep_suf=...) per the trail's flags,
    without building a Span."""
    first, last = toks[a], toks[b - 1]
    if not flags:
        return first.start, last.end
    return (first.word_start if flags.get(a, 0) & KEEP_PRE else first.start,
            last.word_end if flags.get(b - 1, 0) & KEEP_SUF else last.end)


_make_match = constructor(Match)
_make_capture = constructor(Capture)


def sentence_windows(doc: Document, cross: bool) -> list[tuple[int, int]]:
    """The token ranges searched one by one: the (non-empty) sentences, or the whole text when `cross`."""
    n = len(doc.tokens)
    if cross or not doc.sentences:
        return [(0, n)] if n else []
    return [(s, e) for s, e in doc.sentences if e > s]


def finditer(program: Program, ctx: MatchContext, *, mode: str = "first", cross_sentence: bool = False,
             observer: Observer | None = None) -> Iterator[Match]:
    """The matches of `program` in `ctx.doc`, in text order.

    mode "first": like `re.finditer` (leftmost, then continue after the match; no overlap).
    mode "all": for every start token, the preferred match starting there (overlaps allowed).
    With an `observer`, the search reports to it (see `Observer`) and tries every start token
    (see `Run.every_start`); the matches are the same.
    """
    if mode not in ("first", "all"):
        raise ValueError(f"mode must be 'first' or 'all', not {mode!r}")
    run = Run(program, ctx, cross_sentence, observer=observer)
    can_start = run.can_start if observer is None else run.every_start
    need = program.min_length
    for lo, hi in sentence_windows(ctx.doc, cross_sentence):
        run.window(lo, hi)
        pos = lo
        while pos + need <= hi:
            if not can_start(pos):
                pos += 1
                continue
            r = run.run(program.code, pos, run.visited)
            if r is None:
                pos += 1
                continue
            end, caps, trail = r
            yield run.build(pos, end, caps, trail)
            run.visited.clear()   # the successful path's states were not fully explored
            pos = end if mode == "first" else pos + 1
