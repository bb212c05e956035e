"""Running the examples embedded in rule packs (`arabic-ie test`): rules as their own specification.

For each example, the whole pack runs over the example text. The mentions compared are those
whose label is the rule's or one named in `expect`: expected and found must agree exactly on
(label, text), listed arguments must be present with the listed texts, and for positive
examples the rule itself must have fired (so a rule made dead by an edit is caught).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dsl.doc.mention import Arg, Mention
from dsl.errors import PackError, SourcePos
from dsl.pack.source import ExampleDecl, ExpectDecl

if TYPE_CHECKING:  # pragma: no cover
    from dsl.pack.pack import CompiledRule, Pack


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example of one rule."""

    rule: str
    pos: SourcePos
    text: str
    missing: tuple[ExpectDecl, ...] = ()
    unexpected: tuple[Mention, ...] = ()
    arg_problems: tuple[str, ...] = ()
    rule_silent: bool = False
    found: tuple[Mention, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.arg_problems or self.rule_silent)

    def describe(self) -> str:
        """A diff of expected (-) and found (+) mentions, headed by file:line and the rule."""
        out = [f"{self.pos}: rule {self.rule}: example failed", f"    text: {self.text}"]
        for e in self.missing:
            out.append(f"  - {e.label} {e.text!r}{_expect_args(e)}   (expected, not found)")
        for m in self.unexpected:
            out.append(f"  + {m.label} {m.text!r}{_found_args(m)}   (found by {m.rule}, not expected)")
        for p in self.arg_problems:
            out.append(f"  ~ {p}")
        if self.rule_silent:
            by = sorted({m.rule for m in self.found})
            out.append("  ! the rule itself produced nothing here"
                       + (f" (the expected mentions came from: {', '.join(by)})" if by else ""))
        return "\n".join(out)


def _expect_args(e: ExpectDecl) -> str:
    if not e.args:
        return ""
    return " " + " ".join(f"{k}={v!r}" for k, v in e.args)


def _arg_texts(v: Arg | tuple[Arg, ...]) -> list[str]:
    return [a.text for a in v] if isinstance(v, tuple) else [v.text]


def _found_args(m: Mention) -> str:
    if not m.args:
        return ""
    return " " + " ".join(f"{k}={'|'.join(_arg_texts(v))!r}" for k, v in m.args.items())


def _args_problem(e: ExpectDecl, m: Mention) -> str | None:
    for name, want in e.args:
        got = m.args.get(name)
        if got is None:
            return f"{e.label} {e.text!r}: argument {name!r} missing (found args: {', '.join(m.args) or 'none'})"
        texts = _arg_texts(got)
        wanted = list(want) if isinstance(want, tuple) else [want]
        if texts != wanted:
            shown = texts if len(texts) > 1 else texts[0]
            exp = wanted if len(wanted) > 1 else wanted[0]
            return f"{e.label} {e.text!r}: argument {name!r} is {shown!r}, expected {exp!r}"
    return None


def check_example(pack: Pack, rule: CompiledRule, ex: ExampleDecl) -> ExampleResult:
    """Run one example through the whole pack and compare with what it expects."""
    result = pack.run(ex.text, id="example")
    labels = {rule.label} | {e.label for e in ex.expect}
    found = [m for m in result.mentions if m.label in labels]
    unused = list(found)
    missing: list[ExpectDecl] = []
    problems: list[str] = []
    matched: list[Mention] = []
    for e in ex.expect:
        cands = [m for m in unused if m.label == e.label and m.text == e.text]
        good = next((m for m in cands if _args_problem(e, m) is None), None)
        if good is not None:
            unused.remove(good)
            matched.append(good)
        elif cands:
            problems.append(_args_problem(e, cands[0]) or "")
            unused.remove(cands[0])
            matched.append(cands[0])
        else:
            missing.append(e)
    silent = False
    if any(e.label == rule.label for e in ex.expect):
        fired = any(m.rule == rule.name for m in result.mentions) or any(
            r.removed.rule == rule.name for r in result.removals)
        silent = not fired
    return ExampleResult(rule.name, ex.pos, ex.text, tuple(missing), tuple(unused), tuple(problems), silent,
                         tuple(matched))


def run_examples(pack: Pack, rule_names: Iterable[str] | None = None) -> list[ExampleResult]:
    """Every example of every enabled rule (or of the named rules), in pack order.

    A name that is no rule of the pack is a `PackError` with a did-you-mean (never an empty,
    successful run), and so is a disabled rule named explicitly.
    """
    wanted = set(rule_names) if rule_names is not None else None
    for name in sorted(wanted or ()):
        if not pack.rule(name).enabled:    # pack.rule raises for an unknown name
            raise PackError(f"rule {name!r} is disabled (enabled: false): its examples do not run", pack.rule(name).pos)
    out = []
    for r in pack.rules:
        if not r.enabled or (wanted is not None and r.name not in wanted):
            continue
        for ex in r.examples:
            out.append(check_example(pack, r, ex))
    return out
