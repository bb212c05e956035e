"""The `arabic_ie` spaCy component: rule packs over a spaCy Doc, results as spans.

* **Tokens** (`tokens`): `"analyze"` (default) re-analyzes `doc.text` with the pack's analyzer,
  so the mentions are exactly those of `arabic-ie match` on the same text; `"spacy"` runs the
  rules over the Doc's own tokens and sentences (`Document.from_tokens` with offsets), each
  segmented into clitics by the pack's analyzer, with spaCy's `pos`, `tag`, `lemma`, `morph`
  and `dep` as extra attributes (a pack reads them after declaring `attributes: [pos, ...]`).
* **Output**: every output mention becomes a span of `doc.spans[spans_key]`, labelled; a
  span covers every spaCy token its characters overlap (alignment "expand"), since a
  mention's offsets leave clitics out and may fall inside a spaCy token (`وحفتر` is one
  token, the mention is `حفتر`). The mention itself, with its exact offsets, rule, arguments
  and attributes (the JSON Lines object), is `span._.mention`; its arguments `span._.args`.
  `ents_labels` also writes the mentions of those labels to `doc.ents`, longest first, where
  they overlap no entity already there.
* **Entities as input** (`input_ents`): `doc.ents` of earlier pipes (a `ner`, an
  `entity_ruler`) enter the rules as mentions of their label after `label_map` (PER -> Person),
  so `@Person` in an event rule sees them; they are output only with `echo_ents`.
* **Serialization**: spaCy saves the config. With `rules` given as files, `to_disk` copies
  every file the packs read (packs, imports, gazetteers, in their relative layout) into the
  component's folder and `from_disk` loads those copies, so `spacy.load` works anywhere; with
  `rules: null` (the shipped packs) nothing is copied and the installed arabic-ie's packs run.
"""
# No `from __future__ import annotations`: spaCy validates the factory's arguments from its annotations.
import json
import os
import shutil
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from dsl.doc.document import Document
from dsl.doc.given import DEFAULT_LABEL_MAP, GivenMention, read_given, snap_given
from dsl.errors import InputError
from dsl.version import __version__

#: The factory's name: `nlp.add_pipe("arabic_ie")`.
FACTORY = "arabic_ie"
#: Values of the `tokens` setting.
TOKEN_MODES = ("analyze", "spacy")
#: spaCy token attributes passed to the rules as extra attributes in `tokens: spacy` mode (when set).
SPACY_ATTRIBUTES = ("pos", "tag", "lemma", "morph", "dep")
#: Where `to_disk` writes the copied packs and the file that says how to load them.
PACKS_DIR, MANIFEST = "packs", "arabic_ie.json"
_STORE = "arabic_ie"   # doc.user_data[(_STORE, spans_key)]: the mentions' JSON objects, in span order

DEFAULT_CONFIG: dict[str, Any] = {
    "rules": None,               # pack files or folders; None: the shipped packs
    "tokens": "analyze",         # or "spacy"
    "spans_key": "arabic_ie",
    "labels": None,              # only these labels (None: every output label)
    "ents_labels": [],           # labels also written to doc.ents
    "input_ents": True,          # doc.ents of earlier pipes are input to the rules
    "label_map": dict(DEFAULT_LABEL_MAP),
    "echo_ents": False,          # put the input entities in doc.spans too
    "priority": 0,               # the input entities' priority in overlaps
    "allow_paths": [],           # folders packs may read besides their own (--allow-path)
}


@Language.factory(FACTORY, default_config=DEFAULT_CONFIG, assigns=["doc.spans", "doc.ents"])
def make_arabic_ie(nlp: Language, name: str, rules: list[str] | None, tokens: str, spans_key: str,
                   labels: list[str] | None, ents_labels: list[str], input_ents: bool, label_map: dict[str, str],
                   echo_ents: bool, priority: int, allow_paths: list[str]) -> "ArabicIE":
    """The factory behind `nlp.add_pipe("arabic_ie", config={...})` (registered by the entry point)."""
    return ArabicIE(name, rules=rules, tokens=tokens, spans_key=spans_key, labels=labels, ents_labels=ents_labels,
                    input_ents=input_ents, label_map=label_map, echo_ents=echo_ents, priority=priority,
                    allow_paths=allow_paths)


class ArabicIE:
    """Runs rule packs over each Doc and writes the mentions as spans (see the module docstring).

    The pack is loaded when the component is made if its files exist (so a bad pack fails at
    `add_pipe`), else when `from_disk` gives the copies, else at the first Doc.
    """

    def __init__(self, name: str = FACTORY, *, rules: Sequence[str] | None = None, tokens: str = "analyze",
                 spans_key: str = "arabic_ie", labels: Iterable[str] | None = None, ents_labels: Iterable[str] = (),
                 input_ents: bool = True, label_map: dict[str, str] | None = None, echo_ents: bool = False,
                 priority: int = 0, allow_paths: Sequence[str] = ()) -> None:
        if tokens not in TOKEN_MODES:
            raise ValueError(f"{FACTORY}: 'tokens' must be one of {', '.join(TOKEN_MODES)}, not {tokens!r}")
        if isinstance(rules, str):
            rules = [rules]
        self.name = name
        self.rules = None if rules is None else [str(r) for r in rules]
        self.tokens = tokens
        self.spans_key = spans_key
        self.only_labels = None if labels is None else frozenset(labels)
        self.ents_labels = frozenset(ents_labels)
        self.input_ents = input_ents
        self.label_map = dict(DEFAULT_LABEL_MAP if label_map is None else label_map)
        self.echo_ents = echo_ents
        self.priority = priority
        self.allow_paths = [str(p) for p in allow_paths]
        self._copied: tuple[Path, list[str], list[str]] | None = None   # from_disk: (root, rules, allow_paths)
        self._pack: Any = None
        register_extensions()
        if self.rules is None or all(Path(p).exists() for p in self.rules):
            self._pack = self._load()

    # --- the pack ---------------------------------------------------------------------------------------
    @property
    def pack(self) -> Any:
        """The compiled pack (`dsl.Pack`), loaded on first use."""
        if self._pack is None:
            self._pack = self._load()
        return self._pack

    def _paths(self) -> tuple[list[str], list[str]]:
        """The pack paths and allowed folders: the copies `from_disk` found, else the configured ones."""
        if self._copied is not None:
            root, rules, allow = self._copied
            return [str(root / r) for r in rules], [str(root / a) for a in allow]
        return list(self.rules or []), list(self.allow_paths)

    def _load(self) -> Any:
        from dsl.pack.pack import Pack, load_default_pack
        if self.rules is None and self._copied is None:
            return load_default_pack()
        rules, allow = self._paths()
        return Pack.load(rules, allow_paths=allow, cache=True)

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels this component can write (spaCy's `nlp.pipe_labels`): the packs' output labels.

        Empty while the pack waits for `from_disk` (spaCy reads this before it calls `from_disk`).
        """
        pack = self._pack
        if pack is None:
            return ()
        labs = {r.label for r in pack.rules if r.output and r.enabled}
        labs |= {g.label for g in pack.gazetteers.values() if g.label and g.output}
        return tuple(sorted(x for x in labs if self.only_labels is None or x in self.only_labels))

    # --- running ----------------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        pack = self.pack
        ours = self.document(doc)
        given = self.given(doc, ours) if self.input_ents else ()
        result = pack.run(ours, mentions=given) if given else pack.run(ours)
        mentions = [m for m in result.output() if self.only_labels is None or m.label in self.only_labels]
        store: list[dict[str, Any]] = []
        spans: list[Span] = []
        for m in mentions:
            span = doc.char_span(m.start, m.end, label=m.label, alignment_mode="expand",
                                 span_id=f"{_STORE}:{self.spans_key}:{len(store)}")
            if span is None:   # only possible if the texts differ; never silently
                warnings.warn(f"{FACTORY}: mention {m.label} {m.start}:{m.end} covers no spaCy token", stacklevel=2)
                continue
            d = m.to_dict()
            d.pop("doc", None)
            store.append(d)
            spans.append(span)
        doc.user_data[(_STORE, self.spans_key)] = store
        doc.spans[self.spans_key] = spans
        if self.ents_labels:
            _add_ents(doc, [s for s in spans if s.label_ in self.ents_labels])
        return doc

    def document(self, doc: Doc) -> Document:
        """The Document the rules run over: `doc.text` analyzed, or the Doc's own tokens (`tokens`)."""
        ours = self.pack.analyze(doc.text)
        if self.tokens == "analyze":
            return ours
        return Document.from_tokens(spacy_token_items(doc, ours, self.pack.analyze), text=ours.text)

    def given(self, doc: Doc, ours: Document) -> list[GivenMention]:
        """`doc.ents` as input mentions (labels mapped). An entity the rules cannot take is skipped with a warning."""
        out: list[GivenMention] = []
        text = ours.text
        for k, ent in enumerate(doc.ents):
            entry = {"label": ent.label_, "start": ent.start_char, "end": ent.end_char}
            try:
                g = read_given([entry], text, label_map=self.label_map, output=self.echo_ents,
                               priority=self.priority, what="doc.ents")
                snap_given(ours, g, what="doc.ents")
            except InputError as e:
                warnings.warn(f"{FACTORY}: entity {k} ({ent.label_} {ent.text!r}) is not used: {e}", stacklevel=3)
                continue
            out.extend(g)
        return out

    # --- serialization -----------------------------------------------------------------------------------
    def to_disk(self, path: str | os.PathLike[str], *, exclude: Iterable[str] = ()) -> None:
        """Write what `from_disk` needs: with `rules` given, a copy of every file the packs read."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        manifest: dict[str, Any] = {"arabic_ie": __version__, "rules": None, "allow_paths": []}
        if self.rules is not None:
            rules, allow = self._paths()
            files = [Path(f).resolve() for f in self.pack.files]
            wanted = [Path(r).resolve() for r in rules]
            root = Path(os.path.commonpath([str(f.parent) for f in files] + [str(w) for w in wanted]))
            dest = path / PACKS_DIR
            if dest.exists():
                shutil.rmtree(dest)
            for f in files:
                target = dest / f.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, target)
            for w in wanted:   # a folder of packs stays a folder (it may hold no file the packs read)
                (dest / w.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
            manifest["rules"] = [w.relative_to(root).as_posix() for w in wanted]
            allowed = [Path(a).resolve() for a in allow]
            manifest["allow_paths"] = [a.relative_to(root).as_posix() for a in allowed if a.is_relative_to(root)]
        (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def from_disk(self, path: str | os.PathLike[str], *, exclude: Iterable[str] = ()) -> "ArabicIE":
        """Load the packs `to_disk` copied (none when the shipped packs are used)."""
        path = Path(path)
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            return self
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("rules") is not None:
            allow = list(manifest.get("allow_paths", []))
            self._copied = ((path / PACKS_DIR).resolve(), list(manifest["rules"]), allow)
            self._pack = self._load()
        return self

    def __getstate__(self) -> dict[str, Any]:
        # Worker processes (spaCy's n_process with 'spawn') reload the pack from its files (cached on disk).
        return {k: (None if k == "_pack" else v) for k, v in self.__dict__.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        register_extensions()


def spacy_token_items(doc: Doc, ours: Document, analyze: Any) -> list[dict[str, Any]]:
    """The Doc's tokens as `Document.from_tokens` items, with offsets (whitespace tokens left out).

    Each spaCy token gets the clitic segmentation of the analyzer's token spelling the same
    word in `ours` (else of the token analyzed alone, when that gives one word), so rules see
    `stem`, `pre`, `suf` as usual; spaCy's attributes that are set (`pos`, `tag`, `lemma`,
    `morph`, `dep`) come along as extra attributes, and its sentences when it has them.
    """
    by_word = {(t.word_start, t.word_end): t for t in ours.tokens}
    text = ours.text   # not doc.text in the loop: spaCy rebuilds it from every token at each call
    sents = doc.has_annotation("SENT_START")
    items: list[dict[str, Any]] = []
    sent = -1
    for t in doc:
        if sents and t.is_sent_start:
            sent += 1
        if t.is_space:
            continue
        s, e = t.idx, t.idx + len(t.text)
        o = by_word.get((s, e))
        shift = 0
        if o is None:
            alone = analyze(t.text).tokens
            if len(alone) == 1 and alone[0].word_start == 0 and alone[0].word_end == len(t.text):
                o, shift = alone[0], s
        if o is None:
            item: dict[str, Any] = {"text": t.text, "start": s, "end": e}
        else:
            cs, ce = o.start + shift, o.end + shift
            item = {"text": text[cs:ce], "start": cs, "end": ce, "word_start": s, "word_end": e,
                    "pre": o.pre, "def": o.definite, "stem": o.stem, "suf": o.suf, "norm": o.norm, "shape": o.shape}
        for attr in SPACY_ATTRIBUTES:
            value = str(t.morph) if attr == "morph" else getattr(t, attr + "_")
            if value:
                item[attr] = value
        if sents:
            item["sent"] = max(sent, 0)
        items.append(item)
    return items


def _add_ents(doc: Doc, spans: list[Span]) -> None:
    """Add `spans` to `doc.ents`, longest first, where they overlap no entity already there (or each other)."""
    taken = [False] * len(doc)
    for ent in doc.ents:
        taken[ent.start:ent.end] = [True] * (ent.end - ent.start)
    new = filter_spans([s for s in spans if not any(taken[s.start:s.end])])
    if new:
        doc.ents = sorted([*doc.ents, *new], key=lambda s: s.start)


# --- span extensions ---------------------------------------------------------------------------------------
def _mention_of(span: Span) -> dict[str, Any] | None:
    """The mention a span of this component stands for (its JSON Lines object), else None."""
    try:
        sid = span.id_
    except (KeyError, ValueError):
        return None
    if not sid.startswith(_STORE + ":"):
        return None
    key, _, index = sid[len(_STORE) + 1:].rpartition(":")
    store = span.doc.user_data.get((_STORE, key))
    if not store or not index.isdigit() or int(index) >= len(store):
        return None
    found = store[int(index)]
    return found if found.get("label") == span.label_ else None


def _args_of(span: Span) -> dict[str, Any] | None:
    m = _mention_of(span)
    return None if m is None else m["args"]


_EXTENSIONS = {"mention": _mention_of, "args": _args_of}


def register_extensions() -> None:
    """Register `Span._.mention` and `Span._.args` (done by the component; call it before reading
    spans of Docs saved by another process that never made the component).

    Raises ValueError if another package registered one of them differently.
    """
    for name, getter in _EXTENSIONS.items():
        if Span.has_extension(name):
            if Span.get_extension(name)[2] is getter:
                continue
            raise ValueError(f"{FACTORY}: Span._.{name} is already registered by another component")
        Span.set_extension(name, getter=getter)
