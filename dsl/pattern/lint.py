"""Rules that can never match, found when the pack loads (robustness, issue #7).

A rule whose pattern can match nothing is always a mistake, and a silent one: the rule's
examples fail, or worse, nobody notices. Two kinds are detected statically, on the resolved
pattern (macros inlined, values normalized), and reported at the offending constraint:

* **Contradictions** (errors): one token constraint (a `[...]`, or the `[...]` of `@Label[...]`)
  that no token can satisfy, because one analysis has one value per attribute:
  `[stem="a" & stem="b"]`, `[stem="a" & stem!="a"]`, `[def & !def]`, `[!pre & pre="و"]`,
  `[stem in S]` with an empty set `S`, `[stem="a" & stem in S]` with `a` not in `S`, two sets
  without a common value. An `|` is dead only when every option is.
* **Labels nothing produces** (warnings, so switching a rule off with `enabled: false` keeps
  the pack usable): `@Label` where every rule producing `Label` is disabled or can itself never
  match (followed through the cascade to a fixed point), and `in DOCSET` for a document set
  reading such a label.

A constraint is dead for the whole pattern only where it is mandatory: inside a sequence, a
repetition with a minimum above zero, a capture, a positive lookaround, or in every option of
an alternation. An optional dead part (`[x]?`, one dead option of several) is not reported.
Regexes are not analyzed (whether `/re/` can match a word is not decidable cheaply).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dsl.errors import PatternError
from dsl.pattern import syntax as S

_FALSE_STRINGS = ("", "false", "0", "no")   # values a bare `[attr]` flag reads as false


@dataclass(frozen=True, slots=True)
class Dead:
    """Why (and where) a constraint or pattern can never match."""

    loc: S.Loc
    reason: str
    hint: str | None = None
    label: str | None = None      # set when the cause is a label nothing produces (a warning)


class _Facts:
    """What a conjunction of constraints says about each attribute, and the first contradiction."""

    def __init__(self, sets: Mapping[str, frozenset[str]]) -> None:
        self.sets = sets
        self.eq: dict[str, tuple[str, S.Loc]] = {}
        self.ne: dict[str, set[str]] = {}
        self.flag: dict[str, tuple[bool, S.Loc]] = {}
        self.within: dict[str, tuple[frozenset[str], str]] = {}   # attr -> (allowed values, set names)

    def add_eq(self, attr: str, value: str, loc: S.Loc) -> Dead | None:
        if attr in self.eq and self.eq[attr][0] != value:
            return Dead(loc, f"{attr} cannot be both {self.eq[attr][0]!r} and {value!r}",
                        "one token has one value per attribute; write | for either")
        if value in self.ne.get(attr, ()):
            return Dead(loc, f"{attr} cannot be {value!r} and not {value!r}")
        if attr in self.flag:
            dead = self._flag_vs_value(attr, self.flag[attr][0], value, loc)
            if dead:
                return dead
        if attr in self.within and attr != "text" and value not in self.within[attr][0]:
            return Dead(loc, f"{attr}={value!r} is not in {self.within[attr][1]}")
        self.eq[attr] = (value, loc)
        return None

    def add_ne(self, attr: str, value: str, loc: S.Loc) -> Dead | None:
        if attr in self.eq and self.eq[attr][0] == value:
            return Dead(loc, f"{attr} cannot be {value!r} and not {value!r}")
        self.ne.setdefault(attr, set()).add(value)
        return None

    def add_flag(self, attr: str, truth: bool, loc: S.Loc) -> Dead | None:
        if attr in self.flag and self.flag[attr][0] != truth:
            return Dead(loc, f"{attr} cannot be both true and false", f"remove one of [{attr}] and [!{attr}]")
        if attr in self.eq:
            dead = self._flag_vs_value(attr, truth, self.eq[attr][0], loc)
            if dead:
                return dead
        self.flag[attr] = (truth, loc)
        return None

    def _flag_vs_value(self, attr: str, truth: bool, value: str, loc: S.Loc) -> Dead | None:
        if truth != (value not in _FALSE_STRINGS):
            return Dead(loc, f"{'[' if truth else '[!'}{attr}] contradicts {attr}={value!r}")
        return None

    def add_in(self, attr: str, name: str, loc: S.Loc) -> Dead | None:
        if name not in self.sets or attr == "text":   # dynamic sets vary per document; text is not normalized
            return None
        values = self.sets[name]
        if not values:
            return Dead(loc, f"set {name!r} is empty")
        if attr in self.within:
            values = values & self.within[attr][0]
            label = f"{self.within[attr][1]} and {name!r}"
            if not values:
                return Dead(loc, f"{attr} cannot be in both {label}: they have no value in common")
        else:
            label = repr(name)
        if attr in self.eq and self.eq[attr][0] not in values:
            return Dead(loc, f"{attr}={self.eq[attr][0]!r} is not in {label}")
        self.within[attr] = (values, label)
        return None


def _conjuncts(e: S.Expr) -> Iterable[S.Expr]:
    if isinstance(e, S.And):
        for x in e.items:
            yield from _conjuncts(x)
    else:
        yield e


def dead_expr(e: S.Expr | None, sets: Mapping[str, frozenset[str]],
              dead_sets: Mapping[str, str] | None = None) -> Dead | None:
    """Why no token (analysis, or mention) can satisfy `e`, or None when it may be satisfiable.

    `sets` are the static sets (name -> normalized values); `dead_sets` maps a document set
    that is always empty to the label it reads (nothing produces that label).
    """
    if e is None:
        return None
    facts = _Facts(sets)
    for c in _conjuncts(e):
        dead = _dead_item(c, facts, sets, dead_sets or {})
        if dead is not None:
            return dead
    return None


def _dead_item(c: S.Expr, facts: _Facts, sets: Mapping[str, frozenset[str]],
               dead_sets: Mapping[str, str]) -> Dead | None:
    if isinstance(c, S.Or):
        reasons = [dead_expr(x, sets, dead_sets) for x in c.items]
        return reasons[0] if reasons and all(reasons) else None
    negate = False
    while isinstance(c, S.Not):
        negate, c = not negate, c.item
    if isinstance(c, S.Flag):
        return facts.add_flag(c.attr, not negate, c.loc)
    if isinstance(c, S.InSet):
        if negate:
            return None
        if c.set in dead_sets:
            return Dead(c.set_loc, f"document set {c.set!r} reads @{dead_sets[c.set]}", label=dead_sets[c.set])
        return facts.add_in(c.attr, c.set, c.set_loc)
    if isinstance(c, S.Compare) and isinstance(c.value, S.Text) and c.op in ("=", "!="):
        positive = (c.op == "=") != negate
        return (facts.add_eq if positive else facts.add_ne)(c.attr, c.value.value, c.loc)
    return None   # a regex, or an Or/And under a Not: not analyzed


def dead_node(n: S.Node, sets: Mapping[str, frozenset[str]], live_labels: frozenset[str] | None = None,
              dead_sets: Mapping[str, str] | None = None) -> Dead | None:
    """Why pattern `n` (resolved) can never match, or None. `live_labels`: labels something produces."""
    if isinstance(n, S.TokenAtom):
        return dead_expr(n.expr, sets, dead_sets)
    if isinstance(n, S.Mention):
        if live_labels is not None and n.label not in live_labels:
            return Dead(n.loc, f"it reads @{n.label}", label=n.label)
        return dead_expr(n.expr, sets, dead_sets)
    if isinstance(n, S.Seq):
        for it in n.items:
            d = dead_node(it, sets, live_labels, dead_sets)
            if d is not None:
                return d
        return None
    if isinstance(n, S.Alt):
        reasons = [dead_node(o, sets, live_labels, dead_sets) for o in n.options]
        return reasons[0] if reasons and all(reasons) else None
    if isinstance(n, S.Repeat):
        return dead_node(n.body, sets, live_labels, dead_sets) if n.min > 0 else None
    if isinstance(n, S.Capture):
        return dead_node(n.body, sets, live_labels, dead_sets)
    if isinstance(n, S.Look):
        return None if n.negate else dead_node(n.body, sets, live_labels, dead_sets)
    return None   # anchors


def unreachable_rules(rules: Iterable[object], gazetteer_labels: Iterable[str], sets: Mapping[str, frozenset[str]],
                      document_sets: Mapping[str, object]) -> tuple[list[PatternError], list[PatternError]]:
    """(errors, warnings) for a pack's compiled rules: contradictions, then labels nothing produces.

    Which labels are produced is a least fixed point: gazetteer labels, then the labels of
    enabled rules that can match given the labels produced so far, until nothing changes. So
    a rule that only reads its own label, or two rules that only read each other's, are dead.
    """
    from dsl.pattern.parser import error_node
    rules = list(rules)
    errors: list[PatternError] = []
    contradicted: set[str] = set()
    for r in rules:
        d = dead_node(r.program.ast, sets)  # type: ignore[attr-defined]
        if d is not None:
            errors.append(error_node(d.loc, f"rule {r.name!r} can never match: {d.reason}", d.hint))  # type: ignore[attr-defined]
            contradicted.add(r.name)  # type: ignore[attr-defined]
    active = [r for r in rules if r.enabled and r.name not in contradicted]  # type: ignore[attr-defined]
    live = set(gazetteer_labels)
    alive: set[str] = set()
    changed = True
    while changed:
        changed = False
        dead_sets = {n: ds.label for n, ds in document_sets.items() if ds.label not in live}  # type: ignore[attr-defined]
        for r in active:
            if r.name not in alive and dead_node(r.program.ast, sets, frozenset(live), dead_sets) is None:
                alive.add(r.name)
                live.add(r.label)
                changed = True
    warnings: list[PatternError] = []
    dead_sets = {n: ds.label for n, ds in document_sets.items() if ds.label not in live}  # type: ignore[attr-defined]
    for r in active:
        if r.name in alive:
            continue
        d = dead_node(r.program.ast, sets, frozenset(live), dead_sets)
        assert d is not None and d.label is not None
        producers = sorted(p.name for p in rules if p.label == d.label)  # type: ignore[attr-defined]
        disabled = [p.name for p in rules if p.label == d.label and not p.enabled]  # type: ignore[attr-defined]
        why = (f"which only disabled rules produce ({', '.join(disabled)})" if len(disabled) == len(producers)
               else f"which only rules that can never match produce ({', '.join(producers)})")
        warnings.append(error_node(d.loc, f"warning: rule {r.name!r} can never match: {d.reason}, {why}"))
    return errors, warnings
