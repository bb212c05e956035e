"""Pattern text -> AST (`syntax.py`), with error messages a rule writer can act on.

The grammar lives in `grammar.lark` (Lark, LALR, contextual lexer); a Lark `Transformer`
builds the frozen AST. Every failure is a `PatternError` placed at the line and column
inside the pattern (mapped into the YAML file when the pattern has an `Origin`), carrying
the offending line for `render()`, and saying what was expected in words:

    <pattern>:1:9: unexpected ')': expected a token constraint, a literal, '(' or '@Label' after '|'

Limits (robustness): a pattern is at most `MAX_PATTERN_CHARS` characters and nests at most
`MAX_DEPTH` levels of brackets and parentheses; repetition counts are at most `MAX_REPEAT`.
"""
from __future__ import annotations

import threading
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from dsl.errors import Origin, PatternError, SourcePos
from dsl.pattern import syntax as S

MAX_PATTERN_CHARS = 20_000
MAX_DEPTH = 50
MAX_REPEAT = 1_000
REGEX_FLAGS = frozenset("i")

_GRAMMAR_FILE = Path(__file__).with_name("grammar.lark")
_lark: Lark | None = None
_lark_lock = threading.Lock()


def _parser() -> Lark:
    global _lark
    if _lark is None:
        with _lark_lock:
            if _lark is None:
                _lark = Lark(_GRAMMAR_FILE.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                             maybe_placeholders=False)
    return _lark


# ---------------------------------------------------------------- errors

def _file_line(path: str | None, line: int) -> str | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            for k, text in enumerate(f, 1):
                if k == line:
                    return text.rstrip("\r\n")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return None


def error_at(source: S.Source | None, line: int, column: int, message: str,
             hint: str | None = None) -> PatternError:
    """A `PatternError` at (line, column) of `source`, mapped through its origin when it has one."""
    if source is None:
        return PatternError(message, None, hint=hint)
    pat_line = source.line(line)
    o = source.origin
    if o is None:
        file = None if source.name == "<pattern>" else source.name
        return PatternError(message, SourcePos(file, line, column), source_line=pat_line, hint=hint)
    pos = o.locate(line, column)
    first_col = o.locate(line, 1).column          # file column of this pattern line's first character
    shown = _file_line(o.file, pos.line)
    if shown is None or shown[first_col - 1:first_col - 1 + len(pat_line)] != pat_line:
        shown = " " * (first_col - 1) + pat_line  # keeps the caret under the right character
    return PatternError(message, pos, source_line=shown, hint=hint)


def error_node(loc: S.Loc, message: str, hint: str | None = None) -> PatternError:
    """A `PatternError` at an AST node's location."""
    return error_at(loc.source, loc.line, loc.column, message, hint)


def _end_pos(text: str) -> tuple[int, int]:
    """(line, column) just after the last character of `text`."""
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


# ---------------------------------------------------------------- pre-scan: nesting depth, brackets

def _scan(text: str, source: S.Source) -> list[tuple[str, int, int]]:
    """Check the nesting limit; return the unclosed openers as (char, line, column)."""
    stack: list[tuple[str, int, int]] = []
    i, n, line, col = 0, len(text), 1, 1

    def adv(k: int = 1) -> None:
        nonlocal i, line, col
        for _ in range(k):
            if i < n and text[i] == "\n":
                line, col = line + 1, 1
            else:
                col += 1
            i += 1

    while i < n:
        c = text[i]
        if c in "\"'/":
            q = c
            adv()
            while i < n and text[i] != q and text[i] != "\n":
                adv(2 if text[i] == "\\" else 1)
            adv()
        elif c == "#":
            while i < n and text[i] != "\n":
                adv()
        elif c in "([":
            stack.append((c, line, col))
            if len(stack) > MAX_DEPTH:
                raise error_at(source, line, col, f"pattern nests deeper than {MAX_DEPTH} levels",
                               hint="split it into macros or simplify it")
            adv()
        elif c in ")]":
            if stack and stack[-1][0] == ("(" if c == ")" else "["):
                stack.pop()
            adv()
        else:
            adv()
    return stack


# ---------------------------------------------------------------- Lark errors in words

_ATOM_START = ("LBRACK", "STRING", "REGEX", "LPAR", "NCGROUP", "CAPOPEN", "LOOKOPEN", "LABEL", "LABELOPEN",
               "NAME", "CARET", "DOLLAR")
_CLOSERS = {"(": "')'", "[": "']'"}


def _expected_words(expected: set[str], prev: Token | None) -> list[str]:
    exp = set(expected)
    words: list[str] = []
    in_value = bool(exp & {"BAREWORD"})
    if exp & set(_ATOM_START) and "LBRACK" in exp:
        words += ["a token constraint", "a literal", "'('", "'@Label'"]
        exp -= set(_ATOM_START)
    if in_value:
        words += ["a quoted value", "a bare word", "a /regex/"]
        exp -= {"STRING", "REGEX", "BAREWORD"}
    if "NAME" in exp:
        words.append("a set name" if prev is not None and prev.type == "IN" else "an attribute name")
        exp.discard("NAME")
    if "QUANT" in exp:
        words.append("a quantifier")
    table = [("OP", "'='"), ("OP", "'!='"), ("IN", "'in'"), ("BANG", "'!'"), ("LPAR", "'('"), ("AMP", "'&'"),
             ("BAR", "'|'"), ("RPAR", "')'"), ("RBRACK", "']'"), ("LABEL", "'@Label'"), ("STRING", "a literal"),
             ("REGEX", "a /regex/"), ("$END", "the end of the pattern")]
    for term, word in table:
        if term in exp and word not in words:
            words.append(word)
    return words


def _join(words: list[str]) -> str:
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _describe(tok: Token) -> str:
    t, v = tok.type, str(tok)
    if t == "$END":
        return "end of pattern"
    if t == "STRING":
        return f"literal {v}" if len(v) <= 24 else "literal " + v[:20] + '..."'
    if t == "REGEX":
        return f"regex {v}" if len(v) <= 24 else "regex " + v[:20] + "...'"
    if t == "QUANT":
        return f"quantifier '{v}'"
    return f"'{v}'" if len(v) <= 24 else f"'{v[:20]}...'"


def _after(prev: Token | None) -> str:
    return "at the start of the pattern" if prev is None else f"after {_describe(prev)}"


def _context_tokens(text: str) -> tuple[Token | None, set[str] | None]:
    """Re-run the parse interactively: the last token accepted before the failure, and the
    terminals the parser would have accepted there (exact, unlike the lexer's LALR-merged set)."""
    ip = _parser().parse_interactive(text)
    prev: Token | None = None
    accepted = 0
    try:
        for tok in ip.lexer_thread.lex(ip.parser_state):
            ip.feed_token(tok)
            prev = tok
            accepted += 1
        ip.feed_eof(prev)
    except UnexpectedInput:
        pass
    # The parser state after the last accepted token: replay those tokens once. (Copying the
    # parser after every token was quadratic: a 2.5 KB pattern with an error took 14 s. #7)
    before = _parser().parse_interactive(text)
    if accepted:
        for k, tok in enumerate(before.lexer_thread.lex(before.parser_state), 1):
            before.feed_token(tok)
            if k == accepted:
                break
    try:
        expected = set(before.accepts())
    except Exception:  # pragma: no cover - accepts() is best effort
        expected = None
    return prev, expected


_OPENERS = ("LPAR", "NCGROUP", "CAPOPEN", "LOOKOPEN", "BAR")


def _syntax_error(e: UnexpectedInput, text: str, source: S.Source,
                  unclosed: list[tuple[str, int, int]]) -> PatternError:
    if isinstance(e, UnexpectedCharacters):
        prev, accepts = _context_tokens(text)
        line, col = e.line, e.column
        ch = text[e.pos_in_stream] if 0 <= e.pos_in_stream < len(text) else ""
        rest = text[e.pos_in_stream:e.pos_in_stream + 4]
        if ch in "\"'":
            return error_at(source, line, col, f"unterminated literal: missing closing {ch}")
        if ch == "/":
            return error_at(source, line, col, "unterminated regex: missing closing '/'")
        if ch == "{":
            return error_at(source, line, col, "malformed repetition count: expected {n}, {n,m}, {,m} or {n,}")
        if ch == "@":
            return error_at(source, line, col, "expected a label name after '@' (e.g. @Person)")
        if rest.startswith("(?"):
            return error_at(source, line, col, f"unknown group syntax '{rest[:3]}': expected '(?:', '(?<name>', "
                                               "'(?=', '(?!', '(?<=' or '(?<!'")
        words = _expected_words(accepts if accepts is not None else set(e.allowed or ()), prev)
        return error_at(source, line, col, f"unexpected character {ch!r}: expected {_join(words)} {_after(prev)}")
    if isinstance(e, UnexpectedToken):
        prev, accepts = _context_tokens(text)
        tok = e.token
        if tok.type == "$END":
            if unclosed:
                c, ol, oc = unclosed[-1]
                line, col = (prev.end_line, prev.end_column) if prev is not None and prev.end_line else _end_pos(text)
                return error_at(source, line, col, f"unexpected end of pattern: missing {_CLOSERS[c]} to close "
                                                   f"the '{c}' at line {ol}, column {oc}")
            line, col = (prev.end_line, prev.end_column) if prev is not None and prev.end_line else _end_pos(text)
            words = _expected_words(accepts if accepts is not None else set(e.expected), prev)
            if prev is None:
                return error_at(source, 1, 1, "empty pattern: expected a token constraint, a literal, '(' or '@Label'")
            return error_at(source, line, col, f"unexpected end of pattern: expected {_join(words)} {_after(prev)}")
        line, col = tok.line, tok.column
        if tok.type == "QUANT" and str(tok).startswith("?") and prev is not None and prev.type == "LPAR" \
                and prev.end_pos == tok.start_pos:
            rest = text[prev.start_pos:prev.start_pos + 3]
            return error_at(source, prev.line, prev.column, f"unknown group syntax '{rest}': expected '(?:', "
                                                            "'(?<name>', '(?=', '(?!', '(?<=' or '(?<!'")
        if tok.type == "QUANT" and (prev is None or prev.type in _OPENERS):
            return error_at(source, line, col, f"quantifier '{tok}' {_after(prev)} has nothing to repeat: "
                                               "expected a token constraint, a literal, '(' or '@Label' before it")
        if tok.type == "QUANT" and prev is not None and prev.type == "QUANT":
            return error_at(source, line, col, f"unexpected quantifier '{tok}' after '{prev}': to repeat a "
                                               f"repetition, put it in a group: (?: x{prev}){tok}")
        words = _expected_words(accepts if accepts is not None else set(e.expected), prev)
        return error_at(source, line, col, f"unexpected {_describe(tok)}: expected {_join(words)} {_after(prev)}")
    if isinstance(e, UnexpectedEOF):  # pragma: no cover - LALR reports $END as UnexpectedToken
        line, col = _end_pos(text)
        return error_at(source, line, col, "unexpected end of pattern")
    return error_at(source, 1, 1, f"syntax error: {e}")  # pragma: no cover


# ---------------------------------------------------------------- tree -> AST

def _unquote(s: str) -> str:
    body = s[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Builder(Transformer):
    """Lark tree -> `syntax` nodes. Non-capturing groups disappear; one-item sequences too."""

    def __init__(self, source: S.Source) -> None:
        super().__init__(visit_tokens=False)
        self.src = source

    def _loc(self, tok: Token) -> S.Loc:
        return S.Loc(tok.line, tok.column, self.src)

    def _err(self, tok: Token, msg: str, hint: str | None = None, offset: int = 0) -> PatternError:
        return error_at(self.src, tok.line, tok.column + offset, msg, hint)

    # sequence level
    def alternation(self, ch):
        opts = tuple(c for c in ch if not isinstance(c, Token))
        return opts[0] if len(opts) == 1 else S.Alt(opts, opts[0].loc)

    def sequence(self, ch):
        return ch[0] if len(ch) == 1 else S.Seq(tuple(ch), ch[0].loc)

    def item(self, ch):
        if len(ch) == 1:
            return ch[0]
        atom, q = ch
        s = str(q)
        lazy = len(s) > 1 and s.endswith("?")
        core = s[:-1] if lazy else s
        if core in ("?", "*", "+"):
            lo, hi = {"?": (0, 1), "*": (0, None), "+": (1, None)}[core]
        else:
            inner = core[1:-1]
            if inner in ("", ","):
                raise self._err(q, f"empty repetition count '{core}': expected {{n}}, {{n,m}}, {{,m}} or {{n,}}")
            if "," in inner:
                a, b = inner.split(",", 1)
                lo = int(a) if a else 0
                hi = int(b) if b else None
            else:
                lo = hi = int(inner)
            for v in (lo, hi):
                if v is not None and v > MAX_REPEAT:
                    raise self._err(q, f"repetition count {v} is larger than the limit of {MAX_REPEAT}")
            if hi is not None and lo > hi:
                raise self._err(q, f"bad repetition count '{core}': the minimum {lo} is larger than the maximum {hi}")
        return S.Repeat(atom, lo, hi, lazy, atom.loc)

    def bracket(self, ch):
        expr = ch[1] if len(ch) == 3 else None
        return S.TokenAtom(expr, self._loc(ch[0]))

    def literal(self, ch):
        tok = ch[0]
        text = _unquote(str(tok))
        if not text.strip():
            raise self._err(tok, "empty literal: a literal must contain at least one word")
        return S.Literal(text, self._loc(tok))

    def _regex(self, tok: Token) -> S.Regex:
        s = str(tok)
        end = s.rindex("/")
        src, flags = s[1:end], s[end + 1:]
        for k, f in enumerate(flags):
            if f not in REGEX_FLAGS or f in flags[:k]:
                raise self._err(tok, f"unknown regex flag '{f}' (the only flag is 'i', ignore case)",
                                offset=end + 1 + k)
        return S.Regex(src, flags, self._loc(tok))

    def regex_atom(self, ch):
        r = self._regex(ch[0])
        return S.RegexAtom(r, r.loc)

    def group(self, ch):
        return ch[1]

    def capture(self, ch):
        tok = ch[0]
        s = str(tok)
        name = s[s.index("<") + 1:-1]
        return S.Capture(name, ch[1], self._loc(tok))

    def look(self, ch):
        s = str(ch[0])
        ahead = not s.startswith("(?<")
        negate = s.endswith("!")
        return S.Look(ch[1], ahead, negate, self._loc(ch[0]))

    def mention(self, ch):
        tok = ch[0]
        if tok.type == "LABEL":
            return S.Mention(str(tok)[1:], None, self._loc(tok))
        expr = ch[1] if len(ch) == 3 else None
        return S.Mention(str(tok)[1:-1], expr, self._loc(tok))

    def macro(self, ch):
        return S.MacroRef(str(ch[0]), self._loc(ch[0]))

    def anchor(self, ch):
        return S.Anchor("start" if str(ch[0]) == "^" else "end", self._loc(ch[0]))

    # constraint level
    def or_expr(self, ch):
        items = tuple(c for c in ch if not isinstance(c, Token))
        return items[0] if len(items) == 1 else S.Or(items, items[0].loc)

    def and_expr(self, ch):
        items = tuple(c for c in ch if not isinstance(c, Token))
        return items[0] if len(items) == 1 else S.And(items, items[0].loc)

    def not_expr(self, ch):
        bangs = [c for c in ch if isinstance(c, Token)]
        item = ch[-1]
        if len(bangs) % 2:
            return S.Not(item, self._loc(bangs[0]))
        return item

    def paren(self, ch):
        return ch[1]

    def comparison(self, ch):
        name = ch[0]
        loc = self._loc(name)
        if len(ch) == 1:
            return S.Flag(str(name), loc)
        if ch[1].type == "IN":
            return S.InSet(str(name), str(ch[2]), loc, self._loc(ch[2]))
        return S.Compare(str(name), str(ch[1]), ch[2], loc)

    def value(self, ch):
        tok = ch[0]
        if tok.type == "STRING":
            return S.Text(_unquote(str(tok)))
        if tok.type == "REGEX":
            return self._regex(tok)
        return S.Text(str(tok), bare=True)


# ---------------------------------------------------------------- entry point

def parse_pattern(text: str, *, origin: Origin | None = None, name: str = "<pattern>") -> S.Node:
    """Parse pattern `text` into an AST; raise `PatternError` (positioned) on any syntax error.

    `origin` says where the text sits in a file (a YAML pack) so positions map into it;
    `name` is shown instead of a file name when there is no origin (e.g. "<macro NAME>").
    """
    if not isinstance(text, str):
        raise PatternError(f"a pattern must be a string, not {type(text).__name__}")
    source = S.Source(text, origin, name)
    if len(text) > MAX_PATTERN_CHARS:
        raise error_at(source, 1, 1, f"pattern is longer than {MAX_PATTERN_CHARS} characters")
    unclosed = _scan(text, source)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(e, text, source, unclosed) from None
    try:
        return _Builder(source).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, PatternError):
            raise e.orig_exc from None
        raise
