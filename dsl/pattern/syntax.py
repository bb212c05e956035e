"""The pattern AST: small frozen dataclasses, produced by `parser.py`, read by `compiler.py`.

Two families of nodes:

* pattern nodes (`Node`): `Seq`, `Alt`, `Repeat`, `Capture`, `Look`, `Anchor`, `TokenAtom`,
  `Literal`, `RegexAtom`, `Mention`, `MacroRef`;
* constraint expressions inside brackets (`Expr`): `Or`, `And`, `Not`, `Compare`, `InSet`,
  `Flag`, with values `Text` and `Regex`.

Every node carries a `loc` (line/column in its source, and the source itself, so errors found
after macro expansion still point into the right text); `loc` does not take part in equality,
so two patterns that differ only in layout compare equal. `format_pattern` turns an AST back
into pattern text (parse(format(ast)) == ast), which the property tests rely on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsl.errors import Origin


@dataclass(frozen=True, slots=True)
class Source:
    """A pattern text and where it came from (`name` is shown when there is no file)."""

    text: str
    origin: Origin | None = None
    name: str = "<pattern>"

    def line(self, n: int) -> str:
        lines = self.text.split("\n")
        return lines[n - 1] if 1 <= n <= len(lines) else ""


@dataclass(frozen=True, slots=True)
class Loc:
    """A 1-based line/column inside `source`."""

    line: int = 1
    column: int = 1
    source: Source | None = field(default=None, compare=False, repr=False)


NOWHERE = Loc()


def _loc() -> Loc:
    return field(default=NOWHERE, compare=False, repr=False)  # type: ignore[return-value]


# ---------------------------------------------------------------- constraint expressions

@dataclass(frozen=True, slots=True)
class Text:
    """A string value: quoted (`"مشير"`) or a bare word (`arabic`)."""

    value: str
    bare: bool = False


@dataclass(frozen=True, slots=True)
class Regex:
    """A `/regex/flags` value (flags: `i`)."""

    source: str
    flags: str = ""
    loc: Loc = _loc()


Value = Text | Regex


@dataclass(frozen=True, slots=True)
class Compare:
    """`attr = value`, `attr != value`; `~` / `!~` search a regex anywhere instead of full match."""

    attr: str
    op: str          # "=", "!=", "~", "!~"
    value: Value
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class InSet:
    """`attr in SETNAME`."""

    attr: str
    set: str
    loc: Loc = _loc()
    set_loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Flag:
    """A bare attribute: `[def]` is true when the attribute is true/non-empty."""

    attr: str
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]
    loc: Loc = _loc()


Expr = Compare | InSet | Flag | Not | And | Or


# ---------------------------------------------------------------- pattern nodes

@dataclass(frozen=True, slots=True)
class TokenAtom:
    """`[expr]`: one token satisfying `expr`; `[]` (expr None) is any token."""

    expr: Expr | None = None
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Literal:
    """`"text"`: the words of `text`, matched by stem (clitic-insensitive)."""

    text: str
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class RegexAtom:
    """`/regex/`: shorthand for `[norm=/regex/]`."""

    regex: Regex
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Mention:
    """`@Label` or `@Label[expr]`: a whole mention of that label, as one unit."""

    label: str
    expr: Expr | None = None
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class MacroRef:
    """A bare identifier: a macro defined in the pack."""

    name: str
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Anchor:
    """`^` (kind "start") or `$` (kind "end") of the sentence; matches no token."""

    kind: str
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Alt:
    options: tuple[Node, ...]
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Repeat:
    """`body{min,max}` (max None = unbounded); `lazy` for `*?`, `+?`, `??`, `{n,m}?`."""

    body: Node
    min: int
    max: int | None
    lazy: bool = False
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Capture:
    """`(?<name> body)`."""

    name: str
    body: Node
    loc: Loc = _loc()


@dataclass(frozen=True, slots=True)
class Look:
    """Lookaround: `(?= )` ahead, `(?! )` negative ahead, `(?<= )`, `(?<! )` behind."""

    body: Node
    ahead: bool = True
    negate: bool = False
    loc: Loc = _loc()


Node = TokenAtom | Literal | RegexAtom | Mention | MacroRef | Anchor | Seq | Alt | Repeat | Capture | Look

ATOMS = (TokenAtom, Literal, RegexAtom, Mention, MacroRef, Anchor)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-patterns of a node."""
    if isinstance(node, Seq):
        return node.items
    if isinstance(node, Alt):
        return node.options
    if isinstance(node, (Repeat, Capture, Look)):
        return (node.body,)
    return ()


class Visitor:
    """A pass over the AST that dispatches on node type, as `ast.NodeVisitor` does:
    `visit(node, *args)` calls the method `visit_<class name>` (`visit_Seq`, `visit_TokenAtom`, ...)."""

    def visit(self, node: Node, *args: Any) -> Any:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise TypeError(f"{type(self).__name__} has no visit_{type(node).__name__}")
        return method(node, *args)


def walk(node: Node):
    """Every pattern node, pre-order (iterative: safe on deep trees)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def expr_nodes(expr: Expr | None):
    """Every node of a constraint expression, pre-order."""
    stack = [expr] if expr is not None else []
    while stack:
        e = stack.pop()
        yield e
        if isinstance(e, (And, Or)):
            stack.extend(reversed(e.items))
        elif isinstance(e, Not):
            stack.append(e.item)


# ---------------------------------------------------------------- back to text

def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def format_value(v: Value) -> str:
    if isinstance(v, Regex):
        return "/" + v.source + "/" + v.flags
    if v.bare:
        return v.value
    return _quote(v.value)


def format_expr(e: Expr, parent: int = 0) -> str:
    """Text of a constraint expression; `parent` is the binding strength around it."""
    if isinstance(e, Compare):
        return f"{e.attr}{e.op}{format_value(e.value)}"
    if isinstance(e, InSet):
        return f"{e.attr} in {e.set}"
    if isinstance(e, Flag):
        return e.attr
    if isinstance(e, Not):
        return "!" + format_expr(e.item, 3)
    if isinstance(e, And):
        s = " & ".join(format_expr(x, 2) for x in e.items)
        return f"({s})" if parent > 2 else s
    if isinstance(e, Or):
        s = " | ".join(format_expr(x, 1) for x in e.items)
        return f"({s})" if parent > 1 else s
    raise TypeError(e)


def _quant(r: Repeat) -> str:
    lo, hi = r.min, r.max
    if (lo, hi) == (0, 1):
        q = "?"
    elif (lo, hi) == (0, None):
        q = "*"
    elif (lo, hi) == (1, None):
        q = "+"
    elif hi is None:
        q = f"{{{lo},}}"
    elif lo == hi:
        q = f"{{{lo}}}"
    else:
        q = f"{{{lo},{hi}}}"
    return q + ("?" if r.lazy else "")


def format_pattern(node: Node, parent: int = 0) -> str:
    """Pattern text for an AST; `parent`: 0 top, 1 alternative, 2 sequence item, 3 quantified."""
    if isinstance(node, TokenAtom):
        return "[" + (format_expr(node.expr) if node.expr is not None else "") + "]"
    if isinstance(node, Literal):
        return _quote(node.text)
    if isinstance(node, RegexAtom):
        return format_value(node.regex)
    if isinstance(node, Mention):
        return "@" + node.label + ("[" + format_expr(node.expr) + "]" if node.expr is not None else "")
    if isinstance(node, MacroRef):
        return node.name
    if isinstance(node, Anchor):
        return "^" if node.kind == "start" else "$"
    if isinstance(node, Capture):
        return f"(?<{node.name}> {format_pattern(node.body)})"
    if isinstance(node, Look):
        op = ("(?=" if not node.negate else "(?!") if node.ahead else ("(?<=" if not node.negate else "(?<!")
        return f"{op} {format_pattern(node.body)})"
    if isinstance(node, Repeat):
        s = format_pattern(node.body, 3) + _quant(node)
        return f"(?: {s})" if parent >= 3 else s
    if isinstance(node, Seq):
        s = " ".join(format_pattern(x, 2) for x in node.items)
        return f"(?: {s})" if parent >= 2 else s
    if isinstance(node, Alt):
        s = " | ".join(format_pattern(x, 1) for x in node.options)
        return f"(?: {s})" if parent >= 1 else s
    raise TypeError(node)


def _reduce_node(self: Any) -> tuple[Any, ...]:
    """Pickle a node as a constructor call: the default state protocol of a frozen slots
    dataclass calls `dataclasses.fields()` per object, and a compiled pack keeps the
    resolved ASTs of its rules (tens of thousands of nodes) for `explain`."""
    return (type(self), tuple(getattr(self, f) for f in self.__slots__))


for _cls in (Source, Loc, Text, Regex, Compare, InSet, Flag, Not, And, Or, TokenAtom, Literal, RegexAtom,
             Mention, MacroRef, Anchor, Seq, Alt, Repeat, Capture, Look):
    _cls.__reduce__ = _reduce_node  # type: ignore[method-assign]
