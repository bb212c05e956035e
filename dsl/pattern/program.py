"""What a compiled pattern is made of: opcodes, predicates, attribute tables, the `Program` type.

The shared leaf between the compiler and the VM, like CPython's `re/_constants.py` between
`_compiler.py` and the C engine: `compiler.py` builds a `Program` out of these pieces,
`vm.py` runs it, and neither needs the other. This module imports no parser (no Lark), so
loading the VM (a worker process, the pack cache) stays cheap.

A program is a tuple of instructions (tuples whose first item is an opcode, below);
constraints inside `[...]` become predicate objects (`Pred*`) the instructions refer to by
index. Predicates compare by value, so equal constraints are shared, within a program and
across a pack (`dsl.pack.index`).
"""
from __future__ import annotations

import pickle
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import regex as _re

from dsl.pattern import syntax as S
from dsl.text.normalize import normalize_word

# ---------------------------------------------------------------- limits of the run time

REGEX_TIMEOUT = 0.05          # seconds per regex evaluation (the `regex` module's timeout=)
REGEX_MAX_INPUT = 256         # a value longer than this never matches a regex constraint
REGEX_MAX_TIMEOUTS = 10       # after this many timeouts a regex constraint is no longer run (bounds the total time)

# ---------------------------------------------------------------- attributes

#: Attributes read from one analysis of the token (a token with several analyses satisfies a
#: constraint when SOME analysis satisfies the whole constraint).
ANALYSIS_ATTRS = frozenset({"pre", "suf", "stem", "norm", "def", "conj", "prep", "fut", "lex"})
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

Code = tuple[tuple[Any, ...], ...]


# ---------------------------------------------------------------- values

def normalize_value(s: str) -> str:
    """Normalize a pattern value like token values (`dsl.text.normalize.normalize_word`)."""
    return normalize_word(s)


@lru_cache(maxsize=65536)
def _norm_cached(s: str) -> str:
    return normalize_value(s)


def level_of(attr: str, mention: bool) -> str:
    """Where a constraint on `attr` reads its value: "analysis", "token", "extra" or "mention"."""
    if mention:
        return "mention"
    return "analysis" if attr in ANALYSIS_ATTRS else "token" if attr in TOKEN_ATTRS else "extra"


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
        if attr == "lex":
            return an.lex
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


# ---------------------------------------------------------------- predicates

class RegexTimeoutWarning(RuntimeWarning):
    """A regex constraint hit its time limit on a token; the constraint was taken as false."""


class _Leaf:
    """A predicate on one attribute (`attr`)."""

    __slots__ = ()

    def attrs(self) -> frozenset[str]:
        return frozenset({self.attr})  # type: ignore[attr-defined]


class _Junction:
    """A predicate combining others (`items`)."""

    __slots__ = ()

    def attrs(self) -> frozenset[str]:
        return frozenset().union(*(p.attrs() for p in self.items))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PredEq(_Leaf):
    """`attr = value` (negate: `attr != value`)."""

    attr: str
    value: Any
    negate: bool = False
    level: str = "analysis"   # see `level_of`

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return (get_value(self.level, self.attr, tok, an) == self.value) != self.negate


@dataclass(frozen=True)
class PredRegex(_Leaf):
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

    def plan(self) -> tuple[str, str]:
        """How `eval` runs this regex (see `regex_plan`), decided once per loaded pack."""
        p = self.__dict__.get("_plan")
        if p is None:
            p = regex_plan(self.source, self.flags, self.search)
            object.__setattr__(self, "_plan", p)
        return p

    def __getstate__(self) -> dict[str, Any]:   # the compiled regex is rebuilt after unpickling
        return {k: getattr(self, k) for k in ("attr", "source", "flags", "search", "negate", "level", "where")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_compiled", None)

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        v = get_value(self.level, self.attr, tok, an)
        if not isinstance(v, str) or len(v) > REGEX_MAX_INPUT:
            return self.negate
        kind, lit = self.__dict__.get("_plan") or self.plan()
        if kind != "guarded":
            if kind == "safe":
                c = self.compiled()
                return ((c.search if self.search else c.fullmatch)(v) is not None) != self.negate
            if kind == "eq":
                hit = v == lit or (self.search and v == lit + "\n")
            elif kind == "in":
                hit = lit in v
            elif kind == "prefix":
                hit = v.startswith(lit)
            else:   # "suffix": `$` also matches before a final line break
                hit = v.endswith(lit) or v.endswith(lit + "\n")
            return hit != self.negate
        if self.__dict__.get("_timeouts", 0) >= REGEX_MAX_TIMEOUTS:
            return self.negate
        c = self.compiled()
        try:
            m = (c.search if self.search else c.fullmatch)(v, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            # Say which rule and position, the limit and the outcome: at the first timeout of this
            # constraint (in this loaded pack), and when it is switched off after REGEX_MAX_TIMEOUTS.
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


#: Characters with a meaning in a regex (outside them, a character stands for itself).
_REGEX_SPECIAL = frozenset(".^$*+?{}[]()|\\")
_UNICODE_CLASS = _re.compile(r"(?<!\\)((?:\\\\)*)\\[pP]\{[^}]*\}")


def _plain_literal(source: str, ignore_case: bool) -> str | None:
    """The text a regex made only of literal characters (plain, or escaped punctuation) stands
    for; None for anything else. Under `i` only caseless characters count (Arabic, digits,
    punctuation), which match nothing but themselves."""
    out = []
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            if i + 1 >= len(source) or source[i + 1].isalnum() or source[i + 1] == "_":
                return None          # \d, \p{..}, \1 ...: a class or a reference, not a character
            c = source[i + 1]
            i += 2
        elif c in _REGEX_SPECIAL or c.isspace() or c == "#":
            return None
        else:
            i += 1
        if ignore_case and (c.isupper() or c.islower() or c.istitle() or c.lower() != c or c.upper() != c):
            return None
        out.append(c)
    return "".join(out)


def regex_plan(source: str, flags: str = "", search: bool = False) -> tuple[str, str]:
    """How to evaluate a regex constraint, from its source (decided once, see `PredRegex.eval`).

    * ("eq" | "in" | "prefix" | "suffix", text): the regex is literal text, maybe anchored
      with `^` / `$` (`/^ال/`, `/ة$/`, `/وزير/`): a string comparison gives the same answer.
    * ("safe", ""): the regex cannot backtrack badly: it parses with Python's own parser (so
      no syntax of the `regex` module only, such as fuzzy matching), has no backreference, no
      repetition inside a repetition, no alternation inside a repetition, and at most two
      repetitions of more than one item, so on a value of at most `REGEX_MAX_INPUT` characters
      it does at most about REGEX_MAX_INPUT² steps: it runs without the timeout, whose clock
      costs several times the match itself.
    * ("guarded", ""): anything else runs with the timeout (`REGEX_TIMEOUT`).
    """
    ic = "i" in flags
    body, head, tail = source, source.startswith("^"), False
    if head:
        body = body[1:]
    if body.endswith("$") and not body.endswith("\\$"):
        body, tail = body[:-1], True
    lit = _plain_literal(body, ic)
    if lit:
        if not search:
            if not head and not tail:
                return ("eq", lit)
        elif head and tail:
            return ("eq", lit)
        elif head:
            return ("prefix", lit)
        elif tail:
            return ("suffix", lit)
        else:
            return ("in", lit)
    return ("safe", "") if _backtracks_little(source) else ("guarded", "")


def regex_tree(source: str) -> Any | None:
    """A constraint regex parsed by Python's own `re` parser, for static analysis; None when it
    cannot read it. A `\\p{..}` class (a `regex` module feature) is read as any one character."""
    try:
        import re._parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sre_parse.parse(_UNICODE_CLASS.sub(lambda m: m.group(1) + ".", source))
    except Exception:
        return None


def _backtracks_little(source: str) -> bool:
    """See `regex_plan` ("safe")."""
    tree = regex_tree(source)
    if tree is None:
        return False
    repeats = 0

    def walk(items: Any, in_repeat: bool) -> bool:
        nonlocal repeats
        for op, av in items:
            name = str(op)
            if name == "LITERAL" and av == ord("{"):
                return False                    # a `{` Python takes literally may be `regex` syntax
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                return False
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                if in_repeat:
                    return False
                if av[1] > 1:
                    repeats += 1
                if not walk(av[2], True):
                    return False
            elif name == "BRANCH":
                if in_repeat:
                    return False
                if not all(walk(b, in_repeat) for b in av[1]):
                    return False
            elif name == "SUBPATTERN":
                if not walk(av[-1], in_repeat):
                    return False
            elif name in ("ASSERT", "ASSERT_NOT"):
                if not walk(av[1], in_repeat):
                    return False
            elif name == "ATOMIC_GROUP":
                if not walk(av, in_repeat):
                    return False
        return True

    return walk(tree, False) and repeats <= 2


@dataclass(frozen=True)
class PredIn(_Leaf):
    """`attr in SET`: a static set (values embedded) or a dynamic one (read from the context)."""

    attr: str
    set: str
    values: frozenset[str] | None = None   # None: dynamic, looked up per document
    level: str = "analysis"

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        vals = self.values if self.values is not None else sets.get(self.set, frozenset())
        return get_value(self.level, self.attr, tok, an) in vals


@dataclass(frozen=True)
class PredFlag(_Leaf):
    """A bare attribute: true for a true boolean or a non-empty string."""

    attr: str
    level: str = "analysis"

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        v = get_value(self.level, self.attr, tok, an)
        if isinstance(v, str):
            return v not in ("", "false", "0", "no")
        return bool(v)


@dataclass(frozen=True)
class PredNot:
    item: Any

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return not self.item.eval(tok, an, sets)

    def attrs(self) -> frozenset[str]:
        return self.item.attrs()


@dataclass(frozen=True)
class PredAnd(_Junction):
    items: tuple[Any, ...]

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return all(p.eval(tok, an, sets) for p in self.items)


@dataclass(frozen=True)
class PredOr(_Junction):
    items: tuple[Any, ...]

    def eval(self, tok: Any, an: Any, sets: Mapping[str, frozenset[str]]) -> bool:
        return any(p.eval(tok, an, sets) for p in self.items)


def per_analysis(pred: Any) -> bool:
    """Whether the predicate reads an analysis-level attribute (then every analysis is tried)."""
    return bool(pred.attrs() & ANALYSIS_ATTRS)


def holds_on_token(pred: Any, per_analysis: bool, tok: Any, sets: Mapping[str, frozenset[str]]) -> bool:
    """A bracket constraint on a token: true when it holds for SOME analysis of the token
    (`per_analysis`: the predicate reads analysis attributes, see `per_analysis()`)."""
    if per_analysis and len(tok.analyses) > 1:
        return any(pred.eval(tok, an, sets) for an in tok.analyses)
    return pred.eval(tok, tok, sets)


# ---------------------------------------------------------------- the program

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


class DebugInfo:
    """A program's debug view: its resolved AST and the AST node behind each instruction
    (`Program.ast`, `origins`, `sub_origins`).

    Pickled as one bytes object and unpickled only when first read: most of a compiled pack's
    objects are these nodes, and a pack loaded from the disk cache to match text never reads
    them (`explain`, `dump()` and the linter do). Read it from any thread: at worst two
    threads unpickle the same bytes.
    """

    __slots__ = ("_value", "_blob")

    def __init__(self, ast: S.Node, origins: tuple[S.Node, ...] = (),
                 sub_origins: tuple[tuple[S.Node, ...], ...] = ()) -> None:
        self._value: tuple[Any, ...] | None = (ast, origins, sub_origins)
        self._blob: bytes | None = None

    @classmethod
    def _from_blob(cls, blob: bytes) -> DebugInfo:
        info = cls.__new__(cls)
        info._value, info._blob = None, blob
        return info

    @property
    def loaded(self) -> bool:
        """Has it been unpickled (or was it never pickled)?"""
        return self._value is not None

    def get(self) -> tuple[Any, ...]:
        """(ast, origins, sub_origins)."""
        value = self._value
        if value is None:
            value = self._value = pickle.loads(self._blob)   # type: ignore[arg-type]
            self._blob = None
        return value

    def __reduce__(self) -> tuple[Any, ...]:
        blob = self._blob if self._value is None else pickle.dumps(self._value, protocol=pickle.HIGHEST_PROTOCOL)
        return (DebugInfo._from_blob, (blob,))


@dataclass(frozen=True, eq=False)
class Program:
    """A compiled pattern: instructions for `vm.py` plus what the pack runner needs to know.

    `origins[pc]` is the node of the resolved AST that `code[pc]` was emitted for (the atom a
    TOKEN, MENTION, BOL, EOL or LOOK tests, the Alt or Repeat behind a SPLIT or JMP, the Capture
    behind an OPEN or CLOSE, the whole pattern for MATCH); `sub_origins[k]` likewise for the
    lookaround program `subs[k]`. The VM never reads them: they are the debug view (`dump()`,
    `dsl.tools.explain`) of the very program that runs, held by `debug` (see `DebugInfo`).
    """

    name: str
    source: str
    debug: DebugInfo                         # ast, origins, sub_origins (read through the properties)
    code: Code
    subs: tuple[tuple[Code, bool], ...]      # lookaround programs: (code, forward)
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
    def ast(self) -> S.Node:
        """The resolved AST (macros inlined, shorthands expanded)."""
        return self.debug.get()[0]

    @property
    def origins(self) -> tuple[S.Node, ...]:
        return self.debug.get()[1]

    @property
    def sub_origins(self) -> tuple[tuple[S.Node, ...], ...]:
        return self.debug.get()[2]

    @property
    def can_be_empty(self) -> bool:
        return self.min_length == 0

    def dump(self) -> str:
        """A readable listing of the program, each instruction with the element it comes from."""
        out = []

        def listing(code: Code, origins: tuple[S.Node, ...], indent: str) -> None:
            for pc, ins in enumerate(code):
                args = list(ins[1:])
                if ins[0] == TOKEN and ins[1] >= 0:
                    args[0] = self.preds[ins[1]]
                line = f"{indent}{pc:4d} {OPNAMES[ins[0]]} {' '.join(map(str, args))}"
                if pc < len(origins):
                    node = origins[pc]
                    text = S.format_pattern(node)
                    text = text if len(text) <= 40 else text[:37] + "..."
                    line = f"{line:<60} # {node.loc.line}:{node.loc.column} {text}"
                out.append(line.rstrip())
        listing(self.code, self.origins, "")
        for k, (code, fwd) in enumerate(self.subs):
            out.append(f"sub {k} ({'ahead' if fwd else 'behind'}):")
            listing(code, self.sub_origins[k] if k < len(self.sub_origins) else (), "  ")
        return "\n".join(out)
