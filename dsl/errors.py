"""Errors as values: every error carries where it happened, so a rule writer can fix it alone.

All errors the library raises on bad input derive from `DslError`. An error knows its
position (`SourcePos`: file, 1-based line and column), the offending source line when
there is one, and renders itself as one line (`file:line:col: message`) or, with
`render()`, with the source line and a caret under the column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class SourcePos:
    """A place in a source: `file` may be None (a pattern typed in Python), line/column are 1-based."""

    file: str | None
    line: int
    column: int

    def __str__(self) -> str:
        where = self.file if self.file is not None else "<pattern>"
        return f"{where}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a pattern's text sits inside a file, so pattern positions map to file positions.

    `line`/`column` (1-based) are where the pattern's first character is. For a YAML block
    scalar (`pattern: |`), `block_indent` is the indentation of its lines: pattern line k>1
    then starts at file line `line + k - 1`, column `block_indent + 1`.
    """

    file: str | None
    line: int = 1
    column: int = 1
    block_indent: int | None = None

    def locate(self, line: int, column: int) -> SourcePos:
        """Map a 1-based (line, column) inside the pattern to a position in the file."""
        if line == 1:
            if self.block_indent is not None:
                return SourcePos(self.file, self.line, self.block_indent + column)
            return SourcePos(self.file, self.line, self.column + column - 1)
        indent = self.block_indent if self.block_indent is not None else 0
        return SourcePos(self.file, self.line + line - 1, indent + column)


class DslError(Exception):
    """Base of every error arabic-ie reports about its input (rules, gazetteers, text)."""

    kind = "error"

    def __init__(self, message: str, pos: SourcePos | None = None, *,
                 source_line: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.source_line = source_line
        self.hint = hint

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        """`file:line:col: message (hint)` on a single line."""
        text = self.message if not self.hint else f"{self.message} ({self.hint})"
        return f"{self.pos}: {text}" if self.pos is not None else text

    def render(self) -> str:
        """The one-line message, then the offending source line with a caret under the column."""
        out = self.one_line()
        if self.source_line is not None and self.pos is not None:
            # Never echo control characters (an ESC from a hostile file would reach the terminal).
            line = _CONTROL.sub("?", self.source_line.rstrip("\r\n"))
            caret_col = max(self.pos.column - 1, 0)
            out += f"\n    {line}\n    {' ' * caret_col}^"
        return out

    def with_pos(self, pos: SourcePos, source_line: str | None = None) -> DslError:
        """A copy of this error placed at `pos` (used when a pattern's origin in a file is known)."""
        err = type(self).__new__(type(self))
        DslError.__init__(err, self.message, pos, source_line=source_line if source_line is not None
                          else self.source_line, hint=self.hint)
        return err


class PatternError(DslError):
    """A syntax or semantic error in a pattern (unknown attribute, set or label, bad regex, ...)."""

    kind = "pattern"


class PackError(DslError):
    """A rule pack that cannot be loaded: YAML syntax, schema, references, cycles."""

    kind = "pack"


class GazetteerError(DslError):
    """A gazetteer file that cannot be loaded or has a malformed line."""

    kind = "gazetteer"


class InputError(DslError):
    """Text input that cannot be read (undecodable bytes, unreadable file): names the document."""

    kind = "input"


class ErrorList(DslError):
    """Several errors found at once (`arabic-ie check` reports them all)."""

    kind = "errors"

    def __init__(self, errors: list[DslError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else None
        super().__init__(first.message if first else "no errors", first.pos if first else None,
                         source_line=first.source_line if first else None,
                         hint=first.hint if first else None)

    def one_line(self) -> str:
        return "\n".join(e.one_line() for e in self.errors)

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


class PatternErrors(ErrorList, PatternError):
    """Every mistake found in one pattern: an `ErrorList` (each error positioned) that is also a `PatternError`."""

    kind = "pattern"
