"""A compiled rule pack: gazetteers, sets, macros and rules ready to run over documents.

`Pack.load(paths)` reads the YAML files (`dsl.pack.source`), builds the analyzer and gazetteers,
compiles every pattern (`dsl.pattern.compiler`), infers the cascade phases from `@Label` uses,
builds the pack-wide index of the phases (`dsl.pack.index`), and reports every error at once.
`Pack.match(text)` runs the cascade (`dsl.pack.cascade`). A Pack is immutable, safe to share
between threads, and pickles (for worker processes); `Pack.load(..., cache=True)` reuses a
pickled pack from the disk cache (`dsl.cache`), keyed by the content hash of every file it read.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dsl.cache import digest, file_digest, read_entry, write_entry
from dsl.doc.document import Document
from dsl.doc.given import read_given, snap_given
from dsl.doc.mention import Hit, Mention, MentionBuilder, new_hit
from dsl.doc.token import Analysis
from dsl.errors import DslError, ErrorList, PackError, PatternError, SourcePos
from dsl.frozen import collector_paused
from dsl.gazetteer.format import Entry, GazetteerSource, read_entries
from dsl.gazetteer.index import Gazetteer
from dsl.morph.analyzer import made_by_analyzer
from dsl.pack.cascade import RunResult, run, run_light
from dsl.pack.index import CompiledPack, compile_phases
from dsl.pack.shipped import default_packs
from dsl.pack.source import (
    DocumentSetDecl,
    ExampleDecl,
    PackSource,
    did_you_mean,
    display_path,
    expand_pack_paths,
    read_sources,
)
from dsl.text.normalize import normalize_word

#: A normalized word made of a proclitic and the article (للأمن، والسياسة، بالتعاون).
_CLITIC_ARTICLE = re.compile(r"(?:[وف]?(?:لل|[بك]ال)|[وف]ال)..")


def _add_spelling_variants(gdecls: Sequence[Any], entries: dict[str, Any]) -> None:
    """Give the gazetteers declared `variants: spelling` an entry for each spelling variant of
    their one-word entries (`dsl.morph.variants`: فاطمه for فاطمة, شولتز for شولتس), with the
    entry's attributes and `canonical=` its canonical form. Left out: variants the word lexicon
    knows as ordinary words (on the lexical evidence alone), and variants any gazetteer of the
    pack spells as an entry. The source digest covers the variants, so the compiled gazetteer's
    cache follows them."""
    wanted = [g for g in gdecls if g.variants == "spelling" and g.name in entries]
    if not wanted:
        return
    from dsl.morph.lexicon import Lexicon
    from dsl.morph.variants import VARIANTS_VERSION, spelling_variants
    lexicon = Lexicon.load()
    spelled = {normalize_word(e.phrase) for es in entries.values() for e in es.entries}
    for g in wanted:
        src = entries[g.name]
        extra: list[Any] = []
        for e in src.entries:
            if " " in e.phrase or e.attrs.get("spelling") == "exact":
                continue
            for v in spelling_variants(normalize_word(e.phrase), foreign=e.attrs.get("origin") == "foreign"):
                if v in spelled or lexicon.is_word(v) or (v.endswith("ه") and lexicon.is_word(v[:-1])):
                    continue        # an ordinary word, or one with a pronoun (ناديه: نادي + ه)
                spelled.add(v)
                attrs = dict(e.attrs)
                attrs["variant"] = "spelling"
                extra.append(Entry(v, e.canonical, e.type, MappingProxyType(attrs), e.line))
        if extra:
            h = hashlib.sha256(f"{src.digest}\nvariants {VARIANTS_VERSION}\n".encode())
            h.update("\n".join(x.phrase for x in extra).encode())
            entries[g.name] = GazetteerSource(src.path, src.entries + tuple(extra), h.hexdigest())


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its compiled program and everything the cascade needs to run it."""

    name: str
    label: str
    program: Any
    priority: int
    phase: int
    mode: str
    cross_sentence: bool
    output: bool
    enabled: bool
    description: str
    span: str | None
    args: tuple[tuple[str, str], ...]
    examples: tuple[ExampleDecl, ...]
    pos: SourcePos
    pattern: str
    pack: str
    needs: frozenset[str]          # labels this rule reads (via @Label or document sets)


@dataclass(frozen=True)
class Phase:
    """Rules that run together; `recursive` when some rule reads a label the phase produces."""

    number: int
    rules: tuple[CompiledRule, ...]
    recursive: bool


@dataclass(frozen=True)
class GazetteerUse:
    """A gazetteer declared in a pack, and the mentions it contributes when it has a label."""

    name: str
    gazetteer: Gazetteer
    label: str | None
    output: bool
    priority: int

    def mentions(self, doc: Document) -> list[Mention]:
        """The gazetteer's mentions in `doc` (none without a label)."""
        build = MentionBuilder(doc)
        return [build(h) for h in self.hits(doc)]

    def hits(self, doc: Document) -> list[Hit]:
        """`mentions` in their light form (`dsl.doc.mention.Hit`), as the cascade takes them."""
        if self.label is None:
            return []
        g, toks = self.gazetteer, doc.tokens
        rule = f"gazetteer:{self.name}"
        label, priority, output, attrs = self.label, self.priority, self.output, g.mention_attrs
        return [new_hit(Hit, (label, a, b, toks[a].start, toks[b - 1].end, rule, priority, output, attrs(i), ()))
                for a, b, i in g.find(doc)]


@dataclass(frozen=True, eq=False)
class Pack:
    """A loaded, compiled set of rule packs. Build it with `Pack.load` or `Pack.from_yaml`.

    Immutable: tuples and read-only mappings, and the pack-wide index of its phases
    (`compiled`, see `dsl.pack.index`) built with it. Compared and hashed by identity.
    """

    name: str
    analyzer: Any
    gazetteers: Mapping[str, GazetteerUse]
    sets: Mapping[str, frozenset[str]]
    document_sets: Mapping[str, DocumentSetDecl]
    rules: tuple[CompiledRule, ...]
    phases: tuple[Phase, ...]
    overlap: Mapping[str, str]
    files: tuple[str, ...]
    sources: tuple[str, ...]
    warnings: tuple[DslError, ...]   # e.g. rules reading labels nothing produces
    compiled: CompiledPack = field(repr=False)
    attributes: tuple[str, ...] = ()   # Token.extra attributes the packs declare (`attributes:`), sorted

    # Read-only mappings (MappingProxyType) cannot be pickled as such: they travel as dicts.
    def __getstate__(self) -> dict[str, Any]:
        return {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in self.__dict__.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, MappingProxyType(v) if isinstance(v, dict) else v)

    # --- building ---------------------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, path_or_text: str | os.PathLike[str], *, allow_paths: Sequence[str | Path] = ()) -> Pack:
        """Load one pack from a file path or from YAML text (relative paths then resolve from the cwd)."""
        if isinstance(path_or_text, os.PathLike) or ("\n" not in str(path_or_text)
                                                      and Path(str(path_or_text)).is_file()):
            return cls.load([Path(path_or_text)], allow_paths=allow_paths)
        return cls._build(*read_sources(text=str(path_or_text), allow_paths=allow_paths))

    @classmethod
    def load(cls, paths: Iterable[str | os.PathLike[str]] | None = None, *,
             allow_paths: Sequence[str | Path] = (), cache: bool = False) -> Pack:
        """Load packs (files, or folders of `*.yaml`) and their imports as one compiled pack.

        With no `paths`, the default packs: `$ARABIC_IE_RULES`, else the shipped ones.
        """
        files = expand_pack_paths(default_packs().paths if paths is None else paths)
        if not files:
            raise PackError("no rule packs given (no *.yaml files found)")
        key = _cache_key(files, allow_paths) if cache else None
        if key is not None:
            hit = read_entry("pack", key)
            if isinstance(hit, Pack):
                return hit
        pack = cls._build(*read_sources(files, allow_paths=allow_paths))
        if key is not None:
            write_entry("pack", key, pack, deps=pack.files)
        return pack

    @classmethod
    def _build(cls, sources: list[PackSource], errors: list[DslError]) -> Pack:
        errs = list(errors)
        b = _Builder(sources, errs)
        pack = b.build()
        if errs:
            raise errs[0] if len(errs) == 1 else ErrorList(errs)
        assert pack is not None
        return pack

    # --- running ----------------------------------------------------------------------------------
    def analyze(self, text: str, *, id: str | None = None) -> Document:
        """Analyze text with this pack's analyzer (which knows the gazetteers' words)."""
        return self.analyzer.analyze(text, id=id)

    def run(self, text_or_doc: str | Document, *, id: str | None = None,
            only_rules: Sequence[str] | None = None, mentions: Iterable[Any] | None = None,
            echo_mentions: bool = False) -> RunResult:
        """Run the cascade; the result holds every mention (internal ones too) and overlap removals.

        `mentions`: entities found by a model, as input to the rules (see `match`). The cyclic
        garbage collector is paused meanwhile (`dsl.frozen.collector_paused`): a run makes no
        reference cycle, and collections triggered by its allocations would walk every object
        alive, this pack included.
        """
        with collector_paused():
            doc, given = self._document(text_or_doc, id, mentions, echo_mentions)
            allowed = self.closure(only_rules) if only_rules is not None else None
            return run(self, doc, only_rules=allowed, given=given)

    def match(self, text_or_doc: str | Document, *, id: str | None = None,
              mentions: Iterable[Any] | None = None, echo_mentions: bool = False) -> list[Mention]:
        """The output mentions of `text_or_doc`, in text order.

        `mentions` are entities from a statistical NER (or any source), as input to the rules:
        `[{"label": "Person", "start": 14, "end": 24}, ...]`, character offsets into the text
        (see `dsl.doc.given`). They enter the cascade before its first phase, as mentions of
        their label (`@Person` sees them), and are output only with `echo_mentions=True`
        (rule `input`). A bad entry raises `InputError` naming it.
        """
        with collector_paused():
            doc, given = self._document(text_or_doc, id, mentions, echo_mentions)
            return run_light(self, doc, given=given).output()

    def _document(self, text_or_doc: str | Document, id: str | None, mentions: Iterable[Any] | None,
                  echo_mentions: bool) -> tuple[Document, tuple[Mention, ...]]:
        """The document to run on, and the given mentions checked and snapped to its tokens."""
        doc = text_or_doc if isinstance(text_or_doc, Document) else self.analyze(text_or_doc, id=id)
        if self.compiled.matcher.reads_lex and not made_by_analyzer(doc):
            doc = self.analyzer.with_lex(doc)   # another analyzer's tokens: the word lexicon's `lex`
        given: tuple[Mention, ...] = ()
        if mentions is not None:
            given = tuple(snap_given(doc, read_given(mentions, doc.text, output=echo_mentions, id=doc.id)))
        return doc, given

    # --- helpers used by the cascade and the tools --------------------------------------------------
    def policy(self, label: str) -> str:
        return self.overlap.get(label, self.overlap.get("default", "longest"))

    def gazetteer_labels(self) -> list[GazetteerUse]:
        return [g for g in self.gazetteers.values() if g.label is not None]

    def rule(self, name: str) -> CompiledRule:
        for r in self.rules:
            if r.name == name:
                return r
        hint = did_you_mean(name, [r.name for r in self.rules])
        raise PackError(f"no rule named {name!r} in the pack" + (f" ({hint})" if hint else ""))

    def closure(self, rule_names: Iterable[str]) -> list[str]:
        """The named rules and every rule producing a label they need, transitively."""
        by_label: dict[str, list[CompiledRule]] = defaultdict(list)
        for r in self.rules:
            if r.enabled:
                by_label[r.label].append(r)
        todo = [self.rule(n) for n in rule_names]
        out: dict[str, CompiledRule] = {}
        while todo:
            r = todo.pop()
            if r.name in out:
                continue
            out[r.name] = r
            for lab in r.needs:
                todo.extend(by_label.get(lab, ()))
        return sorted(out)

    def labels(self) -> list[str]:
        labs = {r.label for r in self.rules} | {g.label for g in self.gazetteers.values() if g.label}
        return sorted(labs)


class _Builder:
    """Turns validated sources into a Pack, appending every problem to `errors`."""

    def __init__(self, sources: list[PackSource], errors: list[DslError]) -> None:
        self.sources = sources
        self.errors = errors
        self.lines = {display_path(s.path): s.text.splitlines() for s in sources}

    def err(self, message: str, pos: SourcePos | None, hint: str | None = None) -> None:
        self.errors.append(PackError(message, pos, source_line=self._line(pos), hint=hint))

    def _line(self, pos: SourcePos | None) -> str | None:
        """The pack file's line at `pos`, when `pos` is in one of the pack files."""
        lines = self.lines.get(pos.file or "", []) if pos is not None else []
        return lines[pos.line - 1] if pos is not None and 0 < pos.line <= len(lines) else None

    def unique(self, kind: str, items: Iterable[tuple[str, SourcePos]]) -> None:
        seen: dict[str, SourcePos] = {}
        for name, pos in items:
            if name in seen:
                first = seen[name]
                self.err(f"duplicate {kind} {name!r} (first defined at {first})", pos)
            else:
                seen[name] = pos

    def build(self) -> Pack | None:
        srcs = self.sources
        gdecls = [g for s in srcs for g in s.gazetteers]
        rdecls = [r for s in srcs for r in s.rules]
        self.unique("rule name", ((r.name, r.pos) for r in rdecls))
        self.unique("gazetteer", ((g.name, g.pos) for g in gdecls))
        self.unique("set or gazetteer name", [(g.name, g.pos) for g in gdecls]
                    + [(x.name, x.pos) for s in srcs for x in s.sets]
                    + [(x.name, x.pos) for s in srcs for x in s.document_sets])
        self.unique("macro", ((m.name, m.pos) for s in srcs for m in s.macros))

        # Analyzer first (it must know gazetteer words so they are never split), then gazetteers.
        from dsl.morph.analyzer import default_analyzer
        entries: dict[str, Any] = {}
        lexicon_of = {g.name: g.lexicon for g in gdecls}
        for g in gdecls:
            try:
                entries[g.name] = read_entries(g.path)
            except DslError as e:   # an error without a place in the gazetteer points at its declaration
                self.errors.append(e if e.pos is not None else e.with_pos(g.pos, self._line(g.pos)))
        _add_spelling_variants(gdecls, entries)
        words: set[str] = set()
        name_words: set[str] = set()
        singles: set[str] = set()       # the one-word entries of every gazetteer
        conj_later: set[str] = set()    # words after the first, with و, in offices and organizations
        for gname, es in entries.items():
            ws = es.surface_words()
            if lexicon_of.get(gname) != "names":
                # In offices and organizations a word with a proclitic and the article (للأمن of
                # المجلس الأعلى للأمن) is ل + الأمن, not a word of its own: taken whole it would
                # stay unsplit everywhere in the text. Names keep theirs (كالديرون، والتر).
                ws = {w for w in ws if not _CLITIC_ARTICLE.match(w)}
                conj_later |= {n for e in es.entries for w in e.phrase.split(" ")[1:]
                               if (n := normalize_word(w)).startswith("و")}
            else:
                name_words |= ws
            singles |= {normalize_word(e.phrase) for e in es.entries if " " not in e.phrase}
            words |= ws
        # Likewise و + a one-word entry later in such a phrase (سوريا in العراق وسوريا) is the
        # conjunction and that entry; taken whole, وسوريا would never be split in the text.
        words -= {w for w in conj_later if w[1:] in singles and w not in name_words}
        # One-word entries of the gazetteers declared `lexicon: names|common` inform the word
        # lexicon (`lex`): a name may be a name whatever its frequency, a nationality adjective
        # is a common word. Left out: `spelling=exact` entries (علي, merged with على) and, of
        # names, those marked `ambiguous=yes` (صالح, الكبير: ordinary words first, which the
        # rules find through the gazetteer and context).
        lexicon_words: dict[str, set[str]] = {"names": set(), "common": set()}
        for g in gdecls:
            if g.lexicon and g.name in entries:
                lexicon_words[g.lexicon].update(
                    e.phrase for e in entries[g.name].entries
                    if " " not in e.phrase and e.attrs.get("spelling") != "exact"
                    and not (g.lexicon == "names" and e.attrs.get("ambiguous") == "yes"))
        analyzer = default_analyzer().with_known_words(words, names=lexicon_words["names"],
                                                       common=lexicon_words["common"])
        gazetteers: dict[str, GazetteerUse] = {}
        for g in gdecls:
            if g.name not in entries:
                continue
            try:
                gz = Gazetteer.build(entries[g.name], name=g.name, label=g.label, analyzer=analyzer)
            except DslError as e:
                self.errors.append(e)
                continue
            gazetteers[g.name] = GazetteerUse(g.name, gz, g.label, g.output, g.priority)

        sets: dict[str, frozenset[str]] = {n: g.gazetteer.values() for n, g in gazetteers.items()}
        for s in srcs:
            for sd in s.sets:
                sets[sd.name] = frozenset(normalize_word(v) for v in sd.values)
        dsets = {d.name: d for s in srcs for d in s.document_sets}
        labels = {r.label for r in rdecls} | {g.label for g in gdecls if g.label}
        for d in dsets.values():
            if d.label not in labels:
                self.err(f"document set {d.name!r} reads label {d.label!r}, which no rule or gazetteer produces",
                         d.pos, did_you_mean(d.label, labels))
        overlap: dict[str, str] = {}
        for s in srcs:
            for lab, pol in s.overlap.items():
                if lab != "default" and lab not in labels:
                    self.err(f"overlap policy names label {lab!r}, which no rule or gazetteer produces",
                             s.overlap_pos, did_you_mean(lab, labels))
                overlap[lab] = pol

        # The compiler (and its parser, Lark) loads only when a pack is compiled: a pack read
        # from the cache, or sent to a worker, runs without them (a faster start).
        from dsl.pattern.compiler import CompileEnv, compile_pattern
        macros = {m.name: (m.source.text, m.source.origin) for s in srcs for m in s.macros}
        # Attributes from another analyzer (`attributes:`): declared by any of the packs, readable by all,
        # like macros and sets.
        attributes = frozenset(a.name for s in srcs for a in s.attributes)
        env = CompileEnv(macros=macros, sets=sets, dynamic_sets=frozenset(dsets), labels=frozenset(labels),
                         extra_attributes=attributes, analyze_literal=_literal_analyzer(analyzer))
        compiled: list[CompiledRule] = []
        for r in rdecls:
            try:
                prog = compile_pattern(r.pattern.text, env, origin=r.pattern.origin, name=r.name)
            except PatternError as e:   # every mistake of the pattern (PatternErrors), each reported once
                for one in (e.errors if isinstance(e, ErrorList) else [e]):
                    placed = self._in_file(one)
                    if not any(x.pos == placed.pos and x.message == placed.message for x in self.errors):
                        self.errors.append(placed)
                continue
            needs = set(prog.labels_used) | {dsets[s].label for s in prog.sets_used if s in dsets}
            caps = set(getattr(prog, "capture_names", ()) or ())
            for aname, _atype in r.args:
                if aname not in caps:
                    self.err(f"rule {r.name!r} declares argument {aname!r} but its pattern has no capture "
                             f"(?<{aname}> ...)", r.pos, did_you_mean(aname, caps))
            if r.span is not None and r.span not in caps:
                self.err(f"rule {r.name!r} takes its span from capture {r.span!r}, but its pattern has no "
                         f"(?<{r.span}> ...)", r.pos, did_you_mean(r.span, caps))
            if r.args:
                declared = {a for a, _ in r.args} | ({r.span} if r.span else set())
                for c in sorted(caps - declared):
                    self.err(f"rule {r.name!r} captures {c!r}, which is not among its declared args", r.pos)
            compiled.append(CompiledRule(
                name=r.name, label=r.label, program=prog, priority=r.priority, phase=r.phase or 0, mode=r.mode,
                cross_sentence=r.cross_sentence, output=r.output, enabled=r.enabled, description=r.description,
                span=r.span, args=r.args, examples=r.examples, pos=r.pos, pattern=r.pattern.text, pack=r.pack,
                needs=frozenset(needs)))
        phases = self.phases([c for c in compiled if c.enabled], {g.label for g in gdecls if g.label})
        # Rules that can never match (dsl/deadcode.py): contradictions are errors, labels nothing produces warnings.
        from dsl.pattern.lint import unreachable_rules
        dead, warnings = unreachable_rules(compiled, {g.label for g in gazetteers.values() if g.label}, sets, dsets)
        self.errors.extend(self._in_file(e) for e in dead)
        if self.errors:
            return None
        name = ", ".join(s.name or Path(s.path).stem for s in srcs if s.name) or "pack"
        files = tuple([str(s.path) for s in srcs] + [str(g.path) for g in gdecls])
        return Pack(name, analyzer, MappingProxyType(gazetteers), MappingProxyType(sets), MappingProxyType(dsets),
                    tuple(compiled), tuple(phases), MappingProxyType(overlap), files, tuple(s.name for s in srcs),
                    tuple(self._in_file(w) for w in warnings), compile_phases(phases), tuple(sorted(attributes)))

    def phases(self, rules: list[CompiledRule], gaz_labels: set[str]) -> list[Phase]:
        """Stratify rules by the labels they read: a label's phase follows every label it needs.

        A rule may read its own label (the phase then iterates to a fixed point); a cycle
        through two or more labels is an error.
        """
        producers: dict[str, list[CompiledRule]] = defaultdict(list)
        for r in rules:
            producers[r.label].append(r)
        deps: dict[str, set[str]] = {lab: set() for lab in producers}
        for r in rules:
            deps[r.label] |= {d for d in r.needs if d != r.label and d in producers}
        explicit = {lab: max(r.phase for r in rs) for lab, rs in producers.items()}
        phase: dict[str, int] = {}
        state: dict[str, int] = {}

        def visit(lab: str, stack: list[str]) -> int:
            if state.get(lab) == 2:
                return phase[lab]
            if state.get(lab) == 1:
                cyc = stack[stack.index(lab):] + [lab]
                r0 = producers[lab][0]
                self.err("cascade cycle: " + " → ".join(f"@{x}" for x in cyc) +
                         " (a rule may read its own label, but labels may not depend on each other in a circle)",
                         r0.pos)
                return 1
            state[lab] = 1
            p = max([1, explicit.get(lab, 0)] + [visit(d, stack + [lab]) + 1 for d in sorted(deps[lab])])
            state[lab] = 2
            phase[lab] = p
            return p

        for lab in sorted(producers):
            visit(lab, [])
        by_phase: dict[int, list[CompiledRule]] = defaultdict(list)
        for r in rules:
            by_phase[phase.get(r.label, 1)].append(r)
        out = []
        for n in sorted(by_phase):
            rs = tuple(sorted(by_phase[n], key=lambda r: (-r.priority, r.name)))
            produced = {r.label for r in rs}
            out.append(Phase(n, rs, any(r.needs & produced for r in rs)))
        return out

    def _in_file(self, e: PatternError) -> PatternError:
        """Show the file's own line under the error (the caret then lines up with the file column)."""
        line = self._line(e.pos)
        return e if line is None else e.with_pos(e.pos, line)  # type: ignore[arg-type,return-value]


def _literal_analyzer(analyzer: Any) -> Any:
    return _LiteralAnalyzer(analyzer)


@dataclass(frozen=True)
class _LiteralAnalyzer:
    """Analyzes a quoted literal into per-word analyses (picklable, unlike a lambda)."""

    analyzer: Any

    def __call__(self, text: str) -> list[Any]:
        doc = self.analyzer.analyze(text)
        return [t.analyses[0] if t.analyses else Analysis(t.pre, t.definite, t.stem, t.suf) for t in doc.tokens]


# --- the compiled-pack cache (dsl.cache) --------------------------------------------------------------
def _cache_key(files: list[Path], allow_paths: Sequence[str | Path]) -> str | None:
    """Digest of the options and of the named pack files' paths and bytes; None if one is unreadable.

    Cheap on purpose (no YAML parsing): the files a pack pulls in (imports, gazetteers) are
    listed with their SHA-256 in the cache entry (`Pack.files`), so an edit to any of them
    still invalidates it.
    """
    parts = ["allow", *sorted(str(Path(a).resolve()) for a in allow_paths)]
    # Positions in a pack's errors and explanations name files relative to the working
    # directory (display_path), so a pack compiled elsewhere must not be reused here.
    parts += ["cwd", str(Path.cwd().resolve())]
    for p in files:
        sha = file_digest(p)
        if sha is None:
            return None
        parts += [str(Path(p).resolve()), sha]
    return digest(*parts)


def load_default_pack(cache: bool = True) -> Pack:
    """The packs that run when none is named: `$ARABIC_IE_RULES`, else the shipped ones (`dsl.pack.shipped`)."""
    return Pack.load(cache=cache)


def default_rules_dir() -> Path:
    """The first of the default packs (see `dsl.pack.shipped.default_packs`): kept for callers that want one path."""
    return default_packs().paths[0]
