"""Read YAML as untrusted data, keeping the position of every value.

Rule packs are shared between teams, so they are data, never code: we only *compose* the
YAML (no object construction), accept the standard scalar tags and nothing else, bound the
file size and the number of nodes visited (so alias bombs such as "billion laughs" are
refused quickly without expanding them), and return a tree of `YNode`s that remember
their line and column for error messages.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from dsl.errors import PackError, SourcePos

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


@dataclass(frozen=True, slots=True)
class YNode:
    """A YAML value with where it starts.

    `value` is str/int/float/bool/None, list[YNode] or dict[str, (YNode key, YNode)].
    """

    value: Any
    pos: SourcePos
    style: str | None = None      # scalar style: None (plain), '|', '>', "'", '"'
    kind: str = "scalar"          # "scalar", "seq" or "map"

    def plain(self) -> Any:
        """The value with positions dropped (for tests and simple reads)."""
        if self.kind == "seq":
            return [n.plain() for n in self.value]
        if self.kind == "map":
            return {k: v.plain() for k, (_, v) in self.value.items()}
        return self.value


def _pos(file: str | None, mark: Any) -> SourcePos:
    return SourcePos(file, mark.line + 1, mark.column + 1)


def read_yaml(text: str, file: str | None = None) -> YNode | None:
    """Compose `text` into a YNode tree; raises PackError with file:line:column on any problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise PackError(f"pack is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB (limit MAX_FILE_BYTES)",
                        SourcePos(file, 1, 1))
    try:
        docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        pos = _pos(file, mark) if mark is not None else SourcePos(file, 1, 1)
        problem = (e.problem or e.context or "invalid YAML").strip()
        lines = text.splitlines()
        src = lines[pos.line - 1] if 0 < pos.line <= len(lines) else None
        raise PackError(f"YAML syntax error: {problem}", pos, source_line=src) from None
    except yaml.reader.ReaderError as e:   # a character YAML forbids (NUL, most control characters)
        line = text.count("\n", 0, e.position) + 1
        col = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        shown = text.split("\n")[line - 1].rstrip("\r")
        shown = "".join("?" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in shown)  # never echo ESC ... raw
        raise PackError(f"YAML does not allow the character U+{e.character:04X} ({e.reason})"
                        if isinstance(e.character, int) else f"YAML error: {e.reason}",
                        SourcePos(file, line, col), source_line=shown) from None
    except yaml.YAMLError as e:  # pragma: no cover - reader errors without marks
        raise PackError(f"YAML error: {e}", SourcePos(file, 1, 1)) from None
    except RecursionError:
        # PyYAML composes recursively: thousands of nested [ or { exhaust the stack. Find where
        # MAX_DEPTH is passed with the (iterative) event parser, to say so at that place.
        raise _too_deep(text, file) from None
    docs = [d for d in docs if d is not None]
    if not docs:
        return None
    if len(docs) > 1:
        raise PackError("a pack file holds one YAML document; found several ('---')",
                        _pos(file, docs[1].start_mark))
    budget = [MAX_NODES]
    return _convert(docs[0], file, budget, 0)


def _too_deep(text: str, file: str | None) -> PackError:
    depth = 0
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return PackError(f"pack nests deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)",
                                 _pos(file, ev.start_mark))
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return PackError(f"pack nests deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)",  # pragma: no cover
                     SourcePos(file, 1, 1))


def _convert(node: yaml.Node, file: str | None, budget: list[int], depth: int) -> YNode:
    budget[0] -= 1
    pos = _pos(file, node.start_mark)
    if budget[0] < 0:
        raise PackError(f"pack expands to more than {MAX_NODES} YAML nodes (aliases?) (limit MAX_NODES)", pos)
    if depth > MAX_DEPTH:
        raise PackError(f"pack nests deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)", pos)
    if isinstance(node, yaml.ScalarNode):
        return YNode(_scalar(node, pos), pos, node.style, "scalar")
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise PackError(f"YAML tag {node.tag!r} is not allowed: packs are data", pos)
        return YNode([_convert(n, file, budget, depth + 1) for n in node.value], pos, None, "seq")
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            raise PackError(f"YAML tag {node.tag!r} is not allowed: packs are data", pos)
        out: dict[str, tuple[YNode, YNode]] = {}
        for k, v in node.value:
            kn = _convert(k, file, budget, depth + 1)
            if kn.kind != "scalar" or kn.value is None:
                raise PackError("mapping keys must be plain strings", kn.pos)
            key = str(kn.value)
            if key == "<<":
                raise PackError("YAML merge keys ('<<') are not supported in packs", kn.pos)
            if key in out:
                raise PackError(f"duplicate key {key!r} (first at line {out[key][0].pos.line})", kn.pos)
            out[key] = (kn, _convert(v, file, budget, depth + 1))
        return YNode(out, pos, None, "map")
    raise PackError("unsupported YAML node", pos)  # pragma: no cover


def _scalar(node: yaml.ScalarNode, pos: SourcePos) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() in ("true", "yes", "on")
    if tag == _INT:
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return int(value.replace("_", ""))
    if tag == _FLOAT:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            raise PackError(f"not a number: {value!r}", pos) from None
    if tag.startswith("tag:yaml.org,2002:") and tag[len("tag:yaml.org,2002:"):] in ("timestamp", "binary"):
        return value
    raise PackError(f"YAML tag {tag!r} is not allowed: packs are data, never code", pos)
