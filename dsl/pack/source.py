"""Reading pack files: YAML → validated, position-carrying declarations (no compilation yet).

This is the `sre_parse` of packs: it checks every key against `schema.py` (unknown keys get
a did-you-mean), resolves imports (relative to the importing file, cycle-safe) and file
references (inside the allowed roots only), and gathers *all* errors so `arabic-ie check`
can list them at once. `pack.py` compiles what this returns.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

from dsl.errors import DslError, Origin, PackError, SourcePos
from dsl.pack import schema
from dsl.pack.shipped import SHIPPED_PREFIX, shipped_pack, shipped_pack_names
from dsl.pack.yamlsafe import YNode, read_yaml

_RULE_NAME = regex.compile(r"[\w.\-]+")
_LABEL = regex.compile(r"[^\W\d]\w*")
_IDENT = regex.compile(r"[^\W\d]\w*")
MAX_IMPORT_DEPTH = 32


@dataclass(frozen=True, slots=True)
class PatternSource:
    """A pattern's text and where its first character is in the pack file."""

    text: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class ExpectDecl:
    """One mention an example expects: its text, label and the arguments listed for it."""

    text: str
    label: str
    args: tuple[tuple[str, tuple[str, ...] | str], ...]
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class ExampleDecl:
    """An example of a rule (`examples:`): a text and the mentions expected in it (`arabic-ie test`)."""

    text: str
    expect: tuple[ExpectDecl, ...]
    pos: SourcePos
    note: str = ""


@dataclass(frozen=True, slots=True)
class RuleDecl:
    """A rule as written in a pack, validated (`dsl.pack.pack` compiles its pattern)."""

    name: str
    label: str
    pattern: PatternSource
    pos: SourcePos
    description: str = ""
    span: str | None = None
    priority: int = 0
    phase: int | None = None
    mode: str = "first"
    cross_sentence: bool = False
    args: tuple[tuple[str, str], ...] = ()
    output: bool = True
    enabled: bool = True
    examples: tuple[ExampleDecl, ...] = ()
    pack: str = ""


@dataclass(frozen=True, slots=True)
class GazetteerDecl:
    """A gazetteer a pack declares: its file (inside the allowed roots) and, with a label, its mentions."""

    name: str
    path: Path
    pos: SourcePos
    label: str | None = None
    output: bool = False
    priority: int = 0
    lexicon: str | None = None     # "names" / "common": what its one-word entries tell the word lexicon
    variants: str | None = None    # "spelling": entries also match their spelling variants


@dataclass(frozen=True, slots=True)
class DocumentSetDecl:
    """A set filled per document: the `attr` of the last, first or every `token` of the earlier
    mentions of `label` that are at least `min_tokens` long."""

    name: str
    label: str
    pos: SourcePos
    token: str = "last"
    attr: str = "stem"
    min_tokens: int = 2


@dataclass(frozen=True, slots=True)
class SetDecl:
    """A named list of words (`sets:`), normalized when the pack is compiled."""

    name: str
    values: tuple[str, ...]
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class MacroDecl:
    """A named pattern fragment (`macros:`), used by bare name in patterns."""

    name: str
    source: PatternSource
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class AttributeDecl:
    """A token attribute from another analyzer that the pack's rules may read (`attributes:`)."""

    name: str
    pos: SourcePos


@dataclass
class PackSource:
    """One pack file, validated."""

    path: Path
    name: str = ""
    version: str = ""
    description: str = ""
    imports: list[Path] = field(default_factory=list)
    import_pos: dict[Path, SourcePos] = field(default_factory=dict)   # where each import is written
    attributes: list[AttributeDecl] = field(default_factory=list)
    shipped_imports: set[Path] = field(default_factory=set)   # imports by name (`arabic-ie:common`)
    overlap: dict[str, str] = field(default_factory=dict)
    overlap_pos: SourcePos | None = None
    gazetteers: list[GazetteerDecl] = field(default_factory=list)
    sets: list[SetDecl] = field(default_factory=list)
    document_sets: list[DocumentSetDecl] = field(default_factory=list)
    macros: list[MacroDecl] = field(default_factory=list)
    rules: list[RuleDecl] = field(default_factory=list)
    text: str = ""


class _Errors:
    """Collects errors instead of stopping at the first one."""

    def __init__(self) -> None:
        self.items: list[DslError] = []

    def add(self, message: str, pos: SourcePos | None, hint: str | None = None,
            lines: Sequence[str] | None = None) -> None:
        src = None
        if lines is not None and pos is not None and 0 < pos.line <= len(lines):
            src = lines[pos.line - 1]
        self.items.append(PackError(message, pos, source_line=src, hint=hint))


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """A 'did you mean ...?' hint for a misspelt name, or None."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _type_name(n: YNode) -> str:
    if n.kind != "scalar":
        return "a list" if n.kind == "seq" else "a mapping"
    v = n.value
    return {bool: "a boolean", int: "a number", float: "a number", str: "text", type(None): "nothing"}.get(
        type(v), type(v).__name__)


def display_path(path: Path) -> str:
    """A path as a person wants to read it in an error: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except (OSError, ValueError):
        return str(path)


class _FileReader:
    """Validates one YAML pack file against the schema tables."""

    def __init__(self, path: Path, text: str, errors: _Errors, roots: Sequence[Path]) -> None:
        self.path = path
        self.file = display_path(path)
        self.text = text
        self.lines = text.splitlines()
        self.errors = errors
        self.roots = roots

    def err(self, message: str, pos: SourcePos | None, hint: str | None = None) -> None:
        self.errors.add(message, pos, hint, self.lines)

    # --- generic checks -------------------------------------------------------------------------
    def check_keys(self, node: YNode, fields: dict[str, schema.Field], what: str) -> dict[str, YNode]:
        """Unknown keys are errors with did-you-mean; missing required keys too."""
        if node.kind != "map":
            self.err(f"{what} must be a mapping, not {_type_name(node)}", node.pos)
            return {}
        out: dict[str, YNode] = {}
        for key, (knode, vnode) in node.value.items():
            if key not in fields:
                self.err(f"unknown key {key!r} in {what}", knode.pos, did_you_mean(key, fields))
                continue
            out[key] = vnode
        for f in fields.values():
            if f.required and f.name not in node.value:
                self.err(f"{what} is missing the required key {f.name!r}", node.pos)
        return out

    def str_(self, n: YNode | None, what: str, default: str = "", choices: Sequence[str] = ()) -> str:
        if n is None:
            return default
        if n.kind != "scalar" or isinstance(n.value, (bool, type(None))) or not isinstance(n.value, (str, int, float)):
            self.err(f"{what} must be text, not {_type_name(n)}", n.pos)
            return default
        v = str(n.value)
        if choices and v not in choices:
            self.err(f"{what} must be one of {', '.join(choices)}; got {v!r}", n.pos, did_you_mean(v, choices))
            return default
        return v

    def int_(self, n: YNode | None, what: str, default: int | None = 0) -> int | None:
        if n is None:
            return default
        if n.kind != "scalar" or isinstance(n.value, bool) or not isinstance(n.value, int):
            self.err(f"{what} must be a whole number, not {_type_name(n)}", n.pos)
            return default
        return int(n.value)

    def bool_(self, n: YNode | None, what: str, default: bool) -> bool:
        if n is None:
            return default
        if n.kind != "scalar" or not isinstance(n.value, bool):
            self.err(f"{what} must be true or false, not {_type_name(n)}", n.pos)
            return default
        return bool(n.value)

    def list_(self, n: YNode | None, what: str) -> list[YNode]:
        if n is None:
            return []
        if n.kind != "seq":
            self.err(f"{what} must be a list, not {_type_name(n)}", n.pos)
            return []
        return list(n.value)

    def map_(self, n: YNode | None, what: str) -> list[tuple[YNode, YNode]]:
        if n is None:
            return []
        if n.kind != "map":
            self.err(f"{what} must be a mapping, not {_type_name(n)}", n.pos)
            return []
        return list(n.value.values())

    def pattern(self, n: YNode | None, what: str) -> PatternSource | None:
        if n is None:
            return None
        if n.kind != "scalar" or not isinstance(n.value, str):
            self.err(f"{what} must be text (a pattern), not {_type_name(n)}", n.pos)
            return None
        return PatternSource(n.value, self.origin_of(n))

    def origin_of(self, n: YNode) -> Origin:
        """Where the scalar's first character is, so pattern errors point into this file."""
        line, col = n.pos.line, n.pos.column
        if n.style in ("|", ">"):
            indent = None
            for ln in self.lines[line:]:
                if ln.strip():
                    indent = len(ln) - len(ln.lstrip(" "))
                    break
            indent = indent if indent is not None else col
            return Origin(self.file, line + 1, indent + 1, indent)
        if n.style in ("'", '"'):
            return Origin(self.file, line, col + 1, None)
        return Origin(self.file, line, col, None)

    def resolve(self, rel: str, pos: SourcePos, what: str) -> Path | None:
        """Resolve a path relative to this file; it must exist and stay inside an allowed root."""
        p = (self.path.parent / rel)
        try:
            real = p.resolve()
        except OSError as e:
            self.err(f"cannot resolve {what} {rel!r}: {e.strerror}", pos)
            return None
        if not any(_inside(real, r) for r in self.roots):
            roots = ", ".join(str(r) for r in self.roots)
            self.err(f"{what} {rel!r} resolves outside the allowed folders ({roots})", pos,
                     "pass --allow-path DIR (or allow_paths=[...]) to permit it")
            return None
        if not real.exists():
            self.err(f"{what} {rel!r} does not exist (looked for {real})", pos)
            return None
        if not real.is_file():
            self.err(f"{what} {rel!r} is not a file", pos)
            return None
        if not os.access(real, os.R_OK):
            self.err(f"{what} {rel!r} is not readable", pos)
            return None
        return real

    # --- the pack ---------------------------------------------------------------------------------
    def read(self, root: YNode | None) -> PackSource:
        src = PackSource(self.path, text=self.text)
        if root is None:
            self.err("the pack is empty", SourcePos(self.file, 1, 1))
            return src
        keys = self.check_keys(root, schema.PACK, "the pack")
        src.name = self.str_(keys.get("name"), "'name'")
        src.version = self.str_(keys.get("version"), "'version'")
        src.description = self.str_(keys.get("description"), "'description'")
        for n in self.list_(keys.get("imports"), "'imports'"):
            rel = self.str_(n, "an import")
            if rel.startswith(SHIPPED_PREFIX):
                p = self.shipped(rel, n.pos)
                if p is not None:
                    src.shipped_imports.add(p)
            else:
                p = self.resolve(rel, n.pos, "import") if rel else None
            if p is not None:
                src.imports.append(p)
                src.import_pos.setdefault(p, n.pos)
        self.read_attributes(keys.get("attributes"), src)
        self.read_overlap(keys.get("overlap"), src)
        for kn, vn in self.map_(keys.get("gazetteers"), "'gazetteers'"):
            self.read_gazetteer(kn, vn, src)
        for kn, vn in self.map_(keys.get("sets"), "'sets'"):
            name = self.ident(kn, "set name")
            items = self.list_(vn, f"set {kn.value!r}")
            vals = tuple(v for v in (self.str_(i, f"an entry of set {kn.value!r}") for i in items) if v)
            if name:
                src.sets.append(SetDecl(name, vals, kn.pos))
        for kn, vn in self.map_(keys.get("document_sets"), "'document_sets'"):
            name = self.ident(kn, "document set name")
            f = self.check_keys(vn, schema.DOCUMENT_SET, f"document set {kn.value!r}")
            label = self.str_(f.get("label"), "'label'")
            if name and label:
                src.document_sets.append(DocumentSetDecl(
                    name, label, kn.pos,
                    token=self.str_(f.get("token"), "'token'", "last", schema.DOCUMENT_SET["token"].choices),
                    attr=self.str_(f.get("attr"), "'attr'", "stem", schema.DOCUMENT_SET["attr"].choices),
                    min_tokens=self.int_(f.get("min_tokens"), "'min_tokens'", 2) or 1))
        for kn, vn in self.map_(keys.get("macros"), "'macros'"):
            name = self.ident(kn, "macro name")
            ps = self.pattern(vn, f"macro {kn.value!r}")
            if name and ps is not None:
                src.macros.append(MacroDecl(name, ps, kn.pos))
        for n in self.list_(keys.get("rules"), "'rules'"):
            r = self.read_rule(n, src.name)
            if r is not None:
                src.rules.append(r)
        return src

    def shipped(self, ref: str, pos: SourcePos) -> Path | None:
        """The file of a shipped pack imported by name (`arabic-ie:common`), or an error with the names."""
        name = ref[len(SHIPPED_PREFIX):]
        p = shipped_pack(name)
        if p is None:
            names = shipped_pack_names()
            hint = did_you_mean(name, names) or (f"the shipped packs are {', '.join(names)}" if names else None)
            self.err(f"import {ref!r}: no shipped pack is named {name!r}", pos, hint)
        return p

    def ident(self, n: YNode, what: str) -> str:
        v = self.str_(n, what)
        if v and not _IDENT.fullmatch(v):
            self.err(f"{what} {v!r} must be an identifier (letters, digits, '_'; not starting with a digit)", n.pos)
            return ""
        return v

    def read_attributes(self, n: YNode | None, src: PackSource) -> None:
        """`attributes: [pos, lemma]`: names of `Token.extra` attributes, neither built in nor reserved."""
        from dsl.doc.adapters import RESERVED_KEYS
        from dsl.pattern.program import BUILTIN_ATTRS
        seen: set[str] = set()
        for item in self.list_(n, "'attributes'"):
            name = self.ident(item, "attribute name")
            if not name:
                continue
            if name in BUILTIN_ATTRS:
                self.err(f"attribute {name!r} is built in: declare only attributes from another analyzer "
                         "(pos, lemma, ...)", item.pos)
            elif name in RESERVED_KEYS:
                self.err(f"attribute {name!r} cannot be declared: Document.from_tokens reads {name!r} "
                         "itself (offsets, sentence or token number), it never reaches Token.extra", item.pos)
            elif name in seen:
                self.err(f"attribute {name!r} is declared twice", item.pos)
            else:
                seen.add(name)
                src.attributes.append(AttributeDecl(name, item.pos))

    def read_overlap(self, n: YNode | None, src: PackSource) -> None:
        if n is None:
            return
        src.overlap_pos = n.pos
        from dsl.pack.overlap import OVERLAP_POLICIES
        if n.kind == "scalar":
            v = self.str_(n, "'overlap'", "", OVERLAP_POLICIES)
            if v:
                src.overlap["default"] = v
            return
        for kn, vn in self.map_(n, "'overlap'"):
            v = self.str_(vn, f"overlap policy for {kn.value!r}", "", OVERLAP_POLICIES)
            if v:
                src.overlap[str(kn.value)] = v

    def read_gazetteer(self, kn: YNode, vn: YNode, src: PackSource) -> None:
        name = self.ident(kn, "gazetteer name")
        f = self.check_keys(vn, schema.GAZETTEER, f"gazetteer {kn.value!r}")
        rel = self.str_(f.get("file"), "'file'")
        label = self.str_(f.get("label"), "'label'") or None
        if label and not _LABEL.fullmatch(label):
            self.err(f"label {label!r} must be a name (letters, digits, '_')", f["label"].pos)
        path = self.resolve(rel, f["file"].pos, "gazetteer") if rel else None
        if name and path is not None:
            src.gazetteers.append(GazetteerDecl(
                name, path, kn.pos, label=label,
                output=self.bool_(f.get("output"), "'output'", False),
                priority=self.int_(f.get("priority"), "'priority'", 0) or 0,
                lexicon=self.str_(f.get("lexicon"), "'lexicon'", "", schema.GAZETTEER["lexicon"].choices) or None,
                variants=self.str_(f.get("variants"), "'variants'", "", schema.GAZETTEER["variants"].choices) or None))

    def read_rule(self, n: YNode, pack_name: str) -> RuleDecl | None:
        f = self.check_keys(n, schema.RULE, "a rule")
        if not f:
            return None
        name = self.str_(f.get("name"), "'name'")
        if name and not _RULE_NAME.fullmatch(name):
            self.err(f"rule name {name!r} may hold only letters, digits, '_', '-' and '.'", f["name"].pos)
        label = self.str_(f.get("label"), "'label'")
        if label and not _LABEL.fullmatch(label):
            self.err(f"label {label!r} must be a name (letters, digits, '_')", f["label"].pos)
        pat = self.pattern(f.get("pattern"), "'pattern'")
        if not name or not label or pat is None:
            return None
        args: list[tuple[str, str]] = []
        for akn, avn in self.map_(f.get("args"), "'args'"):
            args.append((str(akn.value), self.str_(avn, f"type of argument {akn.value!r}", "span") or "span"))
        examples = tuple(e for e in (self.read_example(x, label) for x in self.list_(f.get("examples"), "'examples'"))
                         if e is not None)
        return RuleDecl(
            name=name, label=label, pattern=pat, pos=n.pos,
            description=self.str_(f.get("description"), "'description'"),
            span=self.str_(f.get("span"), "'span'") or None,
            priority=self.int_(f.get("priority"), "'priority'", 0) or 0,
            phase=self.int_(f.get("phase"), "'phase'", None),
            mode=self.str_(f.get("mode"), "'mode'", "first", schema.RULE["mode"].choices),
            cross_sentence=self.bool_(f.get("cross_sentence"), "'cross_sentence'", False),
            args=tuple(args),
            output=self.bool_(f.get("output"), "'output'", True),
            enabled=self.bool_(f.get("enabled"), "'enabled'", True),
            examples=examples, pack=pack_name)

    def read_example(self, n: YNode, rule_label: str) -> ExampleDecl | None:
        f = self.check_keys(n, schema.EXAMPLE, "an example")
        text = self.str_(f.get("text"), "'text'")
        if not text or "expect" not in f:
            return None
        expects = []
        for en in self.list_(f.get("expect"), "'expect'"):
            ef = self.check_keys(en, schema.EXPECT, "an expected mention")
            et = self.str_(ef.get("text"), "'text'")
            if not et:
                continue
            if et not in text:
                self.err(f"expected mention text {et!r} does not occur in the example text", ef["text"].pos)
            args: list[tuple[str, tuple[str, ...] | str]] = []
            for akn, avn in self.map_(ef.get("args"), "'args'"):
                if avn.kind == "seq":
                    args.append((str(akn.value), tuple(self.str_(x, "an argument text") for x in avn.value)))
                else:
                    args.append((str(akn.value), self.str_(avn, "an argument text")))
            expects.append(ExpectDecl(et, self.str_(ef.get("label"), "'label'", rule_label), tuple(args), en.pos))
        return ExampleDecl(text, tuple(expects), n.pos, self.str_(f.get("note"), "'note'"))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def default_roots(pack_path: Path) -> list[Path]:
    """A pack may read files in its own folder tree and in a sibling `gazetteers/` folder."""
    d = pack_path.resolve().parent
    return [d, (d.parent / "gazetteers").resolve()]


def read_pack_text(path: Path) -> str:
    """Read a pack file as UTF-8 with a clear, positioned error when it cannot be read or decoded."""
    from dsl.pack.yamlsafe import MAX_FILE_BYTES
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PackError(f"pack is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB (limit MAX_FILE_BYTES)",
                            SourcePos(display_path(path), 1, 1))
        data = path.read_bytes()
    except OSError as e:
        raise PackError(f"cannot read pack: {e.strerror}", SourcePos(display_path(path), 1, 1)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PackError("pack is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8",
                        SourcePos(display_path(path), 1, 1))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise PackError(f"invalid UTF-8 at byte {e.start}", SourcePos(display_path(path), line, col)) from None


def read_sources(paths: Sequence[Path | str] = (), *, text: str | None = None, text_name: str = "<pack>",
                 allow_paths: Sequence[Path | str] = ()) -> tuple[list[PackSource], list[DslError]]:
    """Read packs and, depth first, their imports (each file once; cycles are errors).

    Returns the sources in dependency order (imports before importers) and every error found.
    """
    errors = _Errors()
    out: list[PackSource] = []
    done: dict[Path, PackSource] = {}
    extra_roots = [Path(p).resolve() for p in allow_paths]

    lines: dict[str | None, list[str]] = {}   # file -> its lines, to show the line of an import error

    def visit(path: Path, text_: str | None, stack: list[Path], roots: list[Path], pos: SourcePos | None) -> None:
        key = path
        if key in stack:
            chain = " → ".join(p.name for p in stack[stack.index(key):] + [key])
            errors.add(f"import cycle: {chain}", pos, lines=lines.get(pos.file if pos else None))
            return
        if key in done:
            return
        if len(stack) > MAX_IMPORT_DEPTH:
            errors.add(f"imports nest deeper than {MAX_IMPORT_DEPTH} packs (limit MAX_IMPORT_DEPTH)", pos,
                       lines=lines.get(pos.file if pos else None))
            return
        try:
            t = text_ if text_ is not None else read_pack_text(path)
            root = read_yaml(t, display_path(path))
        except PackError as e:
            errors.items.append(e)
            return
        reader = _FileReader(path, t, errors, roots)
        lines[reader.file] = reader.lines
        src = reader.read(root)
        done[key] = src
        for imp in src.imports:
            # a shipped pack imported by name reads its own gazetteers, wherever the importer is
            sub_roots = default_roots(imp) + extra_roots if imp in src.shipped_imports else roots
            visit(imp, None, stack + [key], sub_roots, src.import_pos.get(imp, SourcePos(reader.file, 1, 1)))
        out.append(src)

    if text is not None:
        p = Path(text_name)
        base = Path.cwd() / p
        visit(base, text, [], [Path.cwd().resolve(), *extra_roots], None)
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            errors.add(f"pack {str(p)!r} does not exist", SourcePos(str(p), 1, 1))
            continue
        visit(p.resolve(), None, [], default_roots(p) + extra_roots, None)
    return out, errors.items


def expand_pack_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Directories stand for the `*.yaml`/`*.yml` packs they hold (sorted, not recursive)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml") and q.is_file()))
        else:
            out.append(p)
    return out
