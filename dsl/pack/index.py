"""Pack-wide matching: every rule of a phase searched in one pass, at a cost set by the text.

Running each rule's program over the whole document (`vm.finditer` per rule) costs
rules x tokens: each rule tests its first-token constraints at every token. Here a whole pack
is compiled once into a `PackMatcher`:

1. **Token types.** Tokens that agree on every field the pack's predicates read (e.g. `stem`,
   `norm`, `definite`; plus the analyses of an ambiguous token) share a type id. The ids come
   from a dict kept across documents (bounded by `cache_size`), one lookup per token of the
   document's token type id (`doc.document.token_types`: the analyzer's cached entries, or
   `Document.from_tokens`' cached token values: tokens of one type agree on every field),
   or of a C-level tuple of the fields read for documents built otherwise.
2. **Predicates are deduplicated across rules** (`Pred*` objects compare by value) and their
   results are cached per (predicate, token type), across documents: a predicate is evaluated
   once per distinct word, not once per token and rule. Predicates reading a document set
   (`[stem in known_surnames]`) are cached per match context instead.
3. **Rules are indexed by what can start them**, from `Program.first_tokens`: the constraints
   that may consume a match's first token become index keys (`stem`/`norm`/`word`/... equal to
   a value or in a set, a literal, a regex's required literal text as a character bigram);
   `@Label` starts come from the context's mentions; `[]` starts everywhere; what cannot be
   indexed (a negation, a regex without literal text) is tested once per new token type. The
   candidate rules of a token type are computed once and cached: at a token whose type starts
   no rule, a pack costs nothing more, whatever its size.
4. **Start filter on what follows.** From each program's code the (distance, predicate) pairs
   one of which must hold after the first token are read (through up to three `[]`): for
   `"مع" [] [stem in titles]`, a title one or two tokens on. Distance-1 tests are cached per
   pair of token types; the others are a few cached lookups per candidate position. A program
   that opens with a positive lookahead (`(?= [] []? [norm in known_surnames])`, a cheap test
   written first) gives such pairs too, counted from the start token (`_look_filter`).
5. **One pass per document** yields, for each rule, the sorted positions where it can start;
   each rule's VM (`dsl.pattern.vm.Run`, unchanged) then runs only there, with the same window,
   resume and memo logic as `finditer`, so matches, captures and their order are exactly
   those of `finditer(rule.program, ctx, mode=..., cross_sentence=...)`.

Why not one combined automaton (a lazy DFA over token signatures)? After the index and the
start filter, the work left is VM runs where a rule's first tokens really match, which a DFA
would also need, to recover captures and Perl preference (lazy quantifiers, ordered
alternation, lookaround, `@Label` over nested mentions); a DFA over thousands of backtracking
programs would need the same per-type signatures the index caches. Measured with `arabic-ie
bench` (1000 synthetic rules, ~175k tokens): ~0.04 VM starts per token instead of 1000, and the
remaining per-token cost is the type key (~0.4 us), shared by every pack size.

Exactness is tested against `finditer` and the reference interpreter on random packs over
several documents sharing the caches (tests/pack/test_index.py). Everything is per document
except the bounded caches, so memory does not grow with the number of documents; caches are
swapped, not cleared in place, so one `PackMatcher` may serve several threads. A pickled
matcher (in the compiled-pack cache, or sent to a worker) carries its index, not its caches.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, attrgetter, mul
from time import perf_counter
from typing import Any

from dsl.doc.document import Document, token_types
from dsl.pattern.program import (
    ANALYSIS_ATTRS,
    CLOSE,
    JMP,
    LOOK,
    OPEN,
    SPLIT,
    TOKEN,
    Code,
    PredAnd,
    PredEq,
    PredIn,
    PredNot,
    PredOr,
    PredRegex,
    Program,
    get_value,
    holds_on_token,
    regex_tree,
)
from dsl.pattern.vm import LightMatch, Match, MatchContext, Run, light_match, match_of, sentence_windows

__all__ = ["RuleSpec", "PackMatcher", "DocTypes", "CompiledPack", "HitSpec", "compile_phases", "hit_spec",
           "required_literal"]

#: Attributes an index key may name (strings read from an analysis or from the token).
_INDEX_ATTRS = frozenset({"stem", "norm", "pre", "suf", "text", "word", "shape"})
#: The Token fields a predicate on each attribute reads (analysis attributes come from the
#: token's own fields when it has one analysis, from `analyses` otherwise).
_FIELDS_OF = {"stem": ("stem",), "norm": ("norm",), "pre": ("pre",), "suf": ("suf",), "def": ("definite",),
              "conj": ("pre",), "prep": ("pre",), "fut": ("pre",), "text": ("text",), "word": ("word",),
              "shape": ("shape",), "sent_start": ("sent_start",), "sent_end": ("sent_end",),
              "lex": ("analyses",)}
_ALL_FIELDS = ("text", "word", "norm", "stem", "pre", "suf", "definite", "shape", "sent_start", "sent_end")


@dataclass(frozen=True)
class RuleSpec:
    """One rule as the pack matcher runs it: a program and how `finditer` would be called."""

    program: Program
    mode: str = "first"
    cross_sentence: bool = False


# ---------------------------------------------------------------- predicate analysis

def _is_dynamic(pred: Any) -> bool:
    """Does the predicate read a per-document set (so its result may change between contexts)?"""
    if isinstance(pred, PredIn):
        return pred.values is None
    if isinstance(pred, PredNot):
        return _is_dynamic(pred.item)
    if isinstance(pred, (PredAnd, PredOr)):
        return any(_is_dynamic(p) for p in pred.items)
    return False


def _dynamic_key(pred: Any) -> tuple[str, str, str] | None:
    """(level, attr, set) of a per-document `attr in SET` that every token `pred` accepts
    satisfies (the predicate itself or a conjunct), or None."""
    if isinstance(pred, PredIn) and pred.values is None:
        return pred.level, pred.attr, pred.set
    if isinstance(pred, PredAnd):
        for p in pred.items:
            k = _dynamic_key(p)
            if k is not None:
                return k
    return None


def _reads_extra(pred: Any) -> bool:
    if isinstance(pred, PredNot):
        return _reads_extra(pred.item)
    if isinstance(pred, (PredAnd, PredOr)):
        return any(_reads_extra(p) for p in pred.items)
    return getattr(pred, "level", None) == "extra"


def required_literal(source: str, flags: str = "") -> str:
    """A piece of text every string the regex matches contains ('' when none is known).

    Read from Python's own regex parser (the `regex` module shares its syntax for what this
    looks at: literal characters in a mandatory sequence; its `\\p{..}` classes are read as
    any character); a pattern it cannot parse gives ''. Under the `i` flag only caseless
    characters count (Arabic letters, digits), which match nothing but themselves.
    """
    tree = regex_tree(source)
    if tree is None:
        return ""
    best = [""]
    caseless = "i" in flags

    def keep(run: str) -> None:
        if caseless:
            run = "".join(" " if c.lower() != c or c.upper() != c or c.isupper() or c.islower() else c for c in run)
            run = max(run.split(" "), key=len)    # (a space is caseless too: it only splits here)
        if len(run) > len(best[0]):
            best[0] = run

    def walk(items: Any) -> None:
        run = ""
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                run += chr(av)
                continue
            keep(run)
            run = ""
            if name == "SUBPATTERN":
                walk(av[-1])
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
                walk(av[2])
            elif name == "ATOMIC_GROUP":
                walk(av)
        keep(run)

    walk(tree)
    return best[0]



def _index_keys(pred: Any) -> list[tuple[str, str, str]] | None:
    """Keys a token must carry when `pred` holds on it: ("eq"|"sub", attr, value), or None."""
    level = getattr(pred, "level", None)
    if isinstance(pred, PredEq):
        if pred.negate or level not in ("analysis", "token") or pred.attr not in _INDEX_ATTRS \
                or not isinstance(pred.value, str):
            return None
        return [("eq", pred.attr, pred.value)]
    if isinstance(pred, PredIn):
        if pred.values is None or level not in ("analysis", "token") or pred.attr not in _INDEX_ATTRS:
            return None
        return [("eq", pred.attr, v) for v in pred.values]
    if isinstance(pred, PredRegex):
        if pred.negate or level not in ("analysis", "token") or pred.attr not in _INDEX_ATTRS:
            return None
        lit = required_literal(pred.source, pred.flags)
        if not lit:
            return None
        return [("sub", pred.attr, lit[:2])]
    if isinstance(pred, PredAnd):
        options = [k for k in (_index_keys(p) for p in pred.items) if k is not None]
        if not options:
            return None
        # the most selective conjunct: never an empty value (`pre=""` holds on most tokens),
        # then the fewest keys, then exact values before substrings
        return min(options, key=lambda ks: (any(k[2] == "" for k in ks), len(ks), sum(k[0] == "sub" for k in ks)))
    if isinstance(pred, PredOr):
        out: list[tuple[str, str, str]] = []
        for p in pred.items:
            ks = _index_keys(p)
            if ks is None:
                return None
            out.extend(ks)
        return out
    return None


def _exact_keys(pred: Any) -> list[tuple[str, str, str]] | None:
    """(level, attr, value) keys such that `pred` holds on a token exactly when the token has one
    of them (an analysis-level attribute in some analysis): `attr = "v"`, `attr in SET`, a
    literal regex (`[text=/وزير/i]`), and alternatives of those. None for any other predicate.
    Such a predicate is answered for a new token type from the type's values in one pass over
    an index of every such key of the pack (`PackMatcher.exact_index`), however many there are."""
    if isinstance(pred, PredEq):
        if pred.negate or pred.level not in ("analysis", "token") or pred.attr not in _INDEX_ATTRS \
                or not isinstance(pred.value, str):
            return None
        return [(pred.level, pred.attr, pred.value)]
    if isinstance(pred, PredIn):
        if pred.values is None or pred.level not in ("analysis", "token") or pred.attr not in _INDEX_ATTRS:
            return None
        return [(pred.level, pred.attr, v) for v in pred.values]
    if isinstance(pred, PredRegex):
        if pred.negate or pred.level not in ("analysis", "token") or pred.attr not in _INDEX_ATTRS:
            return None
        kind, lit = pred.plan()
        if kind != "eq":
            return None
        return [(pred.level, pred.attr, lit)] + ([(pred.level, pred.attr, lit + "\n")] if pred.search else [])
    if isinstance(pred, PredOr):
        out: list[tuple[str, str, str]] = []
        for p in pred.items:
            ks = _exact_keys(p)
            if ks is None:
                return None
            out.extend(ks)
        return out
    return None


_MAX_REACH = 4   # how far past the first token the start filter looks for a constrained token


def _tokens_ahead(code: Code, start: int, dist: int, allow_any: bool) -> list[tuple[int, int]] | None:
    """(distance, pc) of the first constrained TOKEN on every path of `code` from `start` (at
    distance `dist`), following SPLIT/JMP/OPEN/CLOSE and up to `_MAX_REACH` unconstrained `[]`
    (none unless `allow_any`). None when some path reaches anything else first (MATCH, a
    mention, a lookaround, an anchor): then nothing simple must hold."""
    seen: set[tuple[int, int]] = set()
    stack = [(start, dist)]
    toks: list[tuple[int, int]] = []
    while stack:
        pc, d = stack.pop()
        if (pc, d) in seen:
            continue
        seen.add((pc, d))
        ins = code[pc]
        op = ins[0]
        if op == TOKEN:
            if ins[1] >= 0:
                toks.append((d, pc))
            elif d + 1 > _MAX_REACH or not allow_any:
                return None    # too far, or `[]` where it is not allowed
            else:
                stack.append((pc + 1, d + 1))
        elif op == SPLIT:
            stack.extend(((ins[1], d), (ins[2], d)))
        elif op == JMP:
            stack.append((ins[1], d))
        elif op == OPEN or op == CLOSE:
            stack.append((pc + 1, d))
        else:           # MATCH, MENTION, LOOK, BOL, EOL: nothing simple to test
            return None
    return toks


def _pair_filter(prog: Program, gmap: Sequence[int], preds: Sequence[Any]
                 ) -> tuple[tuple[int, tuple[tuple[int, int], ...] | None], ...] | None:
    """For each instruction that can consume a match's first token: its predicate, and the
    (distance, predicate) pairs one of which must hold for a match to go on — the next
    constrained tokens, seen through up to `_MAX_REACH` - 1 unconstrained `[]` (None: nothing
    to test, e.g. the match may end after the first token).

    Read from the compiled code (`_tokens_ahead`); None when the first token is taken
    otherwise (mention, lookaround, anchor) or may be any token.
    """
    code = prog.code
    firsts = _tokens_ahead(code, 0, 0, allow_any=False)
    if not firsts:
        return None
    out: list[tuple[int, tuple[tuple[int, int], ...] | None]] = []
    for _, f in sorted(firsts):
        follow = _tokens_ahead(code, f + 1, 1, allow_any=True)
        alts: tuple[tuple[int, int], ...] | None = None
        if follow:
            alts = tuple(sorted({(d, gmap[code[x][1]]) for d, x in follow}))
            if any(_is_dynamic(preds[g]) for _, g in alts):
                alts = None
        out.append((gmap[code[f][1]], alts))
    if all(a is None for _, a in out):
        return None
    return tuple(out)


def _look_filter(prog: Program, gmap: Sequence[int]) -> tuple[tuple[int, int], ...] | None:
    """(distance, predicate) pairs one of which must hold for the program to match at a start
    position, read from a positive lookahead the program opens with (before any token is taken):
    `(?= [] []? [x in SET])` gives ((1, g), (2, g)). None when there is no such lookahead.

    Each path of the lookahead's code to its MATCH must test a constrained token after at most
    `_MAX_REACH` unconstrained `[]` (`_tokens_ahead`); the pairs are those tokens. A position
    where none holds cannot start a match, so the index skips it instead of starting the VM
    there (the rule `person_name_again` opens with such a test and is tried at every unknown word).
    """
    code = prog.code
    pc = 0
    while pc < len(code) and code[pc][0] in (OPEN, LOOK):
        ins = code[pc]
        pc += 1
        if ins[0] != LOOK or ins[2]:
            continue            # OPEN takes no token; a negative lookaround is no requirement
        sub, forward = prog.subs[ins[1]]
        if not forward:
            continue
        found = _tokens_ahead(sub, 0, 0, allow_any=True)
        if found and not any(sub[x][1] in prog.mention_preds for _, x in found):
            return tuple(sorted({(d, gmap[sub[x][1]]) for d, x in found}))
    return None


# ---------------------------------------------------------------- per-document state

@dataclass
class DocTypes:
    """What the pack matcher computes once per document: token type ids and windows."""

    doc: Document
    tids: list[int]
    caches: _Caches
    sent_windows: list[tuple[int, int]]
    win_of: list[int]             # window index of each token (-1: in no sentence window)


class _Caches:
    """Everything cached across documents; replaced as a whole when it grows past its bound."""

    __slots__ = ("types", "keys", "pred", "cand", "pair", "rule_pc", "amb", "amb_values", "exact", "values")

    def __init__(self, n_preds: int, n_groups: int) -> None:
        self.types: dict[Any, int] = {}
        self.keys: list[Any] = []                       # tid -> a token of that type (its key object)
        self.pred: list[dict[int, bool]] = [{} for _ in range(n_preds)]
        self.cand: list[list[tuple[int, ...]]] = [[] for _ in range(n_groups)]   # tid -> rules
        self.pair: list[dict[int, Any]] = [{} for _ in range(n_groups)]   # pair key (see _PAIR_STRIDE) -> verdict
        self.rule_pc: dict[int, list[dict[int, bool]]] = {}
        self.amb: dict[int, tuple[Any, int]] = {}       # id(analyses tuple) -> (the tuple, value id)
        self.amb_values: dict[Any, int] = {}            # analyses tuple (by value) -> value id
        self.exact: dict[int, frozenset[int]] = {}      # tid -> the exact predicates (see _exact_keys) it satisfies
        # (level, attr) -> (value -> the types with that value in some analysis, types indexed so far)
        self.values: dict[tuple[str, str], tuple[dict[Any, set[int]], list[int]]] = {}


@dataclass
class _Rule:
    spec: RuleSpec
    gmap: tuple[int, ...]                 # local pred index -> global pred index
    first: tuple[int, ...]                # global pred indices that may consume the first token
    labels: frozenset[str]
    any: bool
    dynamic: bool                          # a first constraint reads a document set
    # (first-token predicate, (distance, predicate) pairs one of which must hold further on,
    # or None when nothing is to be tested), one per way the program can consume its first
    # token; None when the program starts otherwise (a mention, a lookaround, an anchor, `[]`).
    pairs: tuple[tuple[int, tuple[tuple[int, int], ...] | None], ...] | None = None
    dyn_slots: tuple[int, ...] = ()          # local predicates that read a document set
    look: tuple[tuple[int, int], ...] | None = None   # see `_look_filter`


class PackMatcher:
    """All rules of a pack, compiled for one pass per document (see the module docstring).

    `groups` partitions rule indices into sets searched together (the cascade's phases);
    by default all rules form one group. `cache_size` bounds the number of token types kept
    across documents (caches are dropped and rebuilt when it is exceeded).
    """

    def __init__(self, specs: Sequence[RuleSpec], groups: Sequence[Sequence[int]] | None = None, *,
                 cache_size: int = 200_000) -> None:
        self.specs = tuple(specs)
        self.groups: tuple[tuple[int, ...], ...] = tuple(tuple(g) for g in groups) if groups is not None \
            else (tuple(range(len(self.specs))),)
        self.cache_size = int(cache_size)
        preds: list[Any] = []
        index: dict[Any, int] = {}
        per_analysis: list[bool] = []
        rules: list[_Rule] = []
        extra = False
        for spec in self.specs:
            prog = spec.program
            gmap = []
            for k, p in enumerate(prog.preds):
                g = index.get(p)
                if g is None:
                    g = index[p] = len(preds)
                    preds.append(p)
                    per_analysis.append(prog.pred_per_analysis[k])
                    extra = extra or _reads_extra(p)
                gmap.append(g)
            first = prog.first_tokens
            fg = tuple(sorted({gmap[k] for k in first.preds}))
            rules.append(_Rule(spec, tuple(gmap), fg, frozenset(first.labels), bool(first.any),
                               any(_is_dynamic(preds[g]) for g in fg), _pair_filter(prog, gmap, preds),
                               tuple(k for k, g in enumerate(gmap) if _is_dynamic(preds[g])),
                               _look_filter(prog, gmap)))
        self.preds = tuple(preds)
        self.per_analysis = tuple(per_analysis)
        # (level, attr) -> value -> the exact predicates a token with that value satisfies
        exact_index: dict[tuple[str, str], dict[str, list[int]]] = {}
        exact = []
        for g, p in enumerate(preds):
            ks = _exact_keys(p)
            exact.append(ks is not None)
            for level, attr, value in ks or ():
                lst = exact_index.setdefault((level, attr), {}).setdefault(value, [])
                if not lst or lst[-1] != g:
                    lst.append(g)
        self.exact = tuple(exact)
        self.exact_index = {k: {v: tuple(gs) for v, gs in tab.items()} for k, tab in exact_index.items()}
        self.dynamic = tuple(_is_dynamic(p) for p in preds)
        self.dynamic_key = tuple(_dynamic_key(p) for p in preds)
        self.rules = tuple(rules)
        self.reads_extra = extra
        # A token's type key holds exactly the fields the pack's token predicates read (a pack
        # testing stem and norm keys on those two), plus the analyses of ambiguous tokens.
        read: set[str] = set()
        for p, is_mention in zip(preds, _mention_flags(self.specs, index)):
            if not is_mention:
                read |= p.attrs()
        #: does a rule test the word lexicon's class? (else another analyzer's tokens need none)
        self.reads_lex = "lex" in read
        fields = sorted({f for a in read for f in _FIELDS_OF.get(a, _ALL_FIELDS if a not in _FIELDS_OF else ())})
        self.key_fields = tuple(fields)
        self.key_analyses = any(per_analysis[g] for g in range(len(preds)))
        self._key_of = attrgetter(*fields) if fields else None
        self.key_sent = bool({"sent_start", "sent_end"} & set(fields))
        self._lock = threading.Lock()
        self._caches = _Caches(len(preds), len(self.groups))
        self._build_index()

    # -- pickling: the compiled index travels (a cached pack holds it), the caches stay behind
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_caches", "_lock", "_key_of")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._key_of = attrgetter(*self.key_fields) if self.key_fields else None
        self._lock = threading.Lock()
        self._caches = _Caches(len(self.preds), len(self.groups))

    # -- the start index
    def _build_index(self) -> None:
        """Per group: eq/sub index of token-started rules, residual rules, label and any starts."""
        self._gidx = []
        for group in self.groups:
            eq: dict[str, dict[str, list[int]]] = {}
            sub: dict[str, dict[str, list[int]]] = {}
            residual: list[int] = []
            dynamic: list[int] = []
            by_label: dict[str, list[int]] = {}
            anywhere: list[int] = []
            for r in group:
                rule = self.rules[r]
                for lab in rule.labels:
                    by_label.setdefault(lab, []).append(r)
                if rule.any:
                    anywhere.append(r)
                    continue
                if not rule.first:
                    continue
                if rule.dynamic:
                    dynamic.append(r)
                    continue
                keys: list[tuple[str, str, str]] | None = []
                for g in rule.first:
                    ks = _index_keys(self.preds[g])
                    if ks is None:
                        keys = None
                        break
                    keys.extend(ks)   # type: ignore[union-attr]
                if keys is None:
                    residual.append(r)
                    continue
                for kind, attr, value in keys:
                    tab = (eq if kind == "eq" else sub).setdefault(attr, {})
                    lst = tab.setdefault(value, [])
                    if not lst or lst[-1] != r:
                        lst.append(r)
            self._gidx.append(_GroupIndex(eq, sub, tuple(residual), tuple(dynamic), by_label, tuple(anywhere)))

    # -- per document
    def prepare(self, doc: Document) -> DocTypes:
        """Token type ids (shared across documents) and sentence windows of `doc`."""
        caches = self._caches
        if len(caches.types) > self.cache_size or len(caches.amb) > self.cache_size:
            with self._lock:
                if self._caches is caches:
                    self._caches = _Caches(len(self.preds), len(self.groups))
                caches = self._caches
        toks = doc.tokens
        eids = None if self.reads_extra else token_types(doc)
        trusted = eids is not None
        if eids is not None:
            # Tokens built from one analyzer entry agree on every field read here but the
            # sentence flags (see doc.document.token_types): that id is the type, with no token read.
            keys: list[Any] = eids
            if self.key_sent:
                keys = list(zip(eids, map(_sent_flags, toks)))
        else:
            keys = list(map(self._key_of, toks)) if self._key_of is not None else [()] * len(toks)
        if keys and self.key_analyses and not trusted:
            # Ambiguous tokens also key on their analyses. Analyses tuples are shared between
            # tokens of the same word, and hashing Analysis objects runs Python code, so each
            # tuple object is mapped once to a small value id (the map holds the tuple, so its
            # id() stays its own while it is there).
            lens = list(map(len, map(_analyses, toks)))
            amb = caches.amb
            for i in compress(range(len(toks)), map((1).__lt__, lens)):
                ans = toks[i].analyses
                hit = amb.get(id(ans))
                if hit is None:
                    vid = caches.amb_values.setdefault(ans, len(caches.amb_values))
                    hit = amb[id(ans)] = (ans, vid)
                keys[i] = (keys[i], hit[1])
        if self.reads_extra:
            for i, t in enumerate(toks):
                if t.extra:
                    keys[i] = (keys[i], tuple(sorted(t.extra.items())))
        types = caches.types
        tids = list(map(types.get, keys))
        if None in tids:
            with self._lock:
                for i in compress(range(len(tids)), map(_is_none, tids)):
                    k = keys[i]
                    t = types.get(k)
                    if t is None:
                        t = types[k] = len(caches.keys)
                        caches.keys.append(toks[i])
                    tids[i] = t
        windows = sentence_windows(doc, False)
        win_of = [-1] * len(toks)
        for w, (lo, hi) in enumerate(windows):
            win_of[lo:hi] = [w] * (hi - lo)
        return DocTypes(doc, tids, caches, windows, win_of)  # type: ignore[arg-type]

    def _candidates(self, caches: _Caches, group: int, tid: int) -> tuple[int, ...]:
        """Rules of `group` whose first token constraints hold on a token of type `tid` (cached)."""
        gi = self._gidx[group]
        tok = caches.keys[tid]
        hits: set[int] = set(gi.residual)
        analyses = tok.analyses if len(tok.analyses) > 1 else (tok,)
        for attr, tab in gi.eq.items():
            if attr in ANALYSIS_ATTRS:
                vals = {get_value("analysis", attr, tok, an) for an in analyses}
            else:
                vals = {get_value("token", attr, tok, None)}
            for v in vals:
                rs = tab.get(v)
                if rs:
                    hits.update(rs)
        for attr, tab in gi.sub.items():
            if attr in ANALYSIS_ATTRS:
                vals = {get_value("analysis", attr, tok, an) for an in analyses}
            else:
                vals = {get_value("token", attr, tok, None)}
            for v in vals:
                if not isinstance(v, str):
                    continue
                for j in range(len(v)):
                    rs = tab.get(v[j:j + 2])
                    if rs:
                        hits.update(rs)
                    rs = tab.get(v[j])
                    if rs:
                        hits.update(rs)
        out = []
        for r in sorted(hits):
            for g in self.rules[r].first:
                if self._test(caches.pred[g], g, tok, tid, {}, caches):
                    out.append(r)
                    break
        return tuple(out)

    def _second(self, caches: _Caches, cand: tuple[int, ...], tid: int, nxt: int
                ) -> tuple[tuple[int, ...], tuple[tuple[int, tuple[tuple[int, int], ...]], ...]]:
        """Split `cand` (rules that can start on type `tid`, followed by type `nxt`) into the
        rules that pass the start filter outright and those that need tokens further on
        checked (rule, (distance, predicate) alternatives); rules failing it are dropped."""
        ok = []
        far = []
        tok = caches.keys[tid]
        ntok = caches.keys[nxt] if nxt >= 0 else None
        preds = caches.pred
        for r in cand:
            pairs = self.rules[r].pairs
            if pairs is None:
                ok.append(r)
                continue
            later: list[tuple[int, int]] = []
            passed = False
            for g1, alts in pairs:
                if not self._test(preds[g1], g1, tok, tid, {}, caches):
                    continue
                if alts is None:
                    passed = True
                    break
                for d, g2 in alts:
                    if d > 1:
                        later.append((d, g2))
                    elif ntok is not None and self._test(preds[g2], g2, ntok, nxt, {}, caches):
                        passed = True
                        break
                if passed:
                    break
            if passed:
                ok.append(r)
            elif later:
                far.append((r, tuple(sorted(set(later)))))
        return tuple(ok), tuple(far)

    def _test(self, cache: dict[int, bool], g: int, tok: Any, tid: int, sets: Mapping[str, frozenset[str]],
              caches: _Caches | None = None) -> bool:
        """Predicate `g` on type `tid` (a token `tok` of that type), cached in `cache`."""
        r = cache.get(tid)
        if r is None:
            if caches is not None and self.exact[g]:
                true = caches.exact.get(tid)
                if true is None:
                    true = caches.exact[tid] = self._exact_true(tok)
                r = cache[tid] = g in true
            else:
                r = cache[tid] = holds_on_token(self.preds[g], self.per_analysis[g], tok, sets)
        return r

    def _exact_true(self, tok: Any) -> frozenset[int]:
        """The exact predicates (see `_exact_keys`) that hold on `tok`: a few lookups per attribute."""
        out: set[int] = set()
        analyses = tok.analyses if len(tok.analyses) > 1 else (tok,)
        for (level, attr), tab in self.exact_index.items():
            if level == "analysis":
                for an in analyses:
                    gs = tab.get(get_value(level, attr, tok, an))
                    if gs:
                        out.update(gs)
            else:
                gs = tab.get(get_value(level, attr, tok, None))
                if gs:
                    out.update(gs)
        return frozenset(out)

    def search(self, ctx: MatchContext, *, group: int = 0, rules: Sequence[int] | None = None,
               doc_types: DocTypes | None = None, timings: dict[int, float] | None = None,
               start_counts: dict[int, int] | None = None) -> dict[int, list[Match]]:
        """Matches of every rule of `group` (or only `rules`, a subset of it) over `ctx.doc`.

        Returns rule index -> matches, in text order, exactly those of
        `vm.finditer(spec.program, ctx, mode=spec.mode, cross_sentence=spec.cross_sentence)`;
        rules without a match are left out (the work is proportional to the rules that can start).
        `search_light` gives the same matches in their light form (`vm.LightMatch`).
        """
        found = self.search_light(ctx, group=group, rules=rules, doc_types=doc_types, timings=timings,
                                  start_counts=start_counts)
        specs = self.specs
        return {r: [match_of(m, specs[r].program.capture_names, specs[r].program.repeated_captures) for m in ms]
                for r, ms in found.items()}

    def search_light(self, ctx: MatchContext, *, group: int = 0, rules: Sequence[int] | None = None,
                     doc_types: DocTypes | None = None, timings: dict[int, float] | None = None,
                     start_counts: dict[int, int] | None = None) -> dict[int, list[LightMatch]]:
        """`search`, each match in its light form: (tok_start, tok_end, start, end, captures).

        With `timings`, adds each rule's seconds: its own VM time plus a share of the shared
        pass proportional to the start positions it was given. With `start_counts`, adds the number of
        positions each rule's VM was started at.
        """
        t_start = perf_counter() if timings is not None else 0.0
        dt = doc_types if doc_types is not None and doc_types.doc is ctx.doc else self.prepare(ctx.doc)
        caches = dt.caches
        gi = self._gidx[group]
        wanted = None if rules is None else set(rules)
        members = self.groups[group] if wanted is None else [r for r in self.groups[group] if r in wanted]
        n = len(dt.tids)
        positions: dict[int, list[int]] = {}

        # 1. token-started rules: candidate tuple per token type, a list indexed by type id
        # (filled for the types added since the last search; ids are dense)
        cand = caches.cand[group]
        keys_of = caches.keys
        if len(cand) < len(keys_of):
            with self._lock:
                for tid in range(len(cand), len(keys_of)):
                    cand.append(self._candidates(caches, group, tid))
        tids = dt.tids
        cs = list(map(cand.__getitem__, tids))
        # ... narrowed by the type of the next token (rules whose second token is constrained)
        pair = caches.pair[group]
        if len(pair) > self.cache_size:
            pair.clear()
        preds = caches.pred
        # In bulk (C-level passes): the positions some rule can start on, their (type, next
        # type) keys and cached verdicts; the loop below only visits positions left with a rule.
        starts = list(compress(range(n), cs))
        nxt = tids[1:]
        nxt.append(-1)
        pkeys = list(map(add, map(tids.__getitem__, starts),
                         map(mul, map(nxt.__getitem__, starts), repeat(_PAIR_STRIDE))))
        verdicts = list(map(pair.get, pkeys))
        if None in verdicts:
            for j in compress(range(len(verdicts)), map(_is_none, verdicts)):
                key = pkeys[j]
                c = pair.get(key)
                if c is None:
                    tid = tids[starts[j]]
                    ok, far = self._second(caches, cs[starts[j]], tid, (key - tid) // _PAIR_STRIDE)
                    c = pair[key] = (ok, far) if ok or far else ()
                verdicts[j] = c
        for i, (ok, far) in compress(zip(starts, verdicts), verdicts):
            for r in ok:
                lst = positions.get(r)
                if lst is None:
                    positions[r] = [i]
                else:
                    lst.append(i)
            for r, alts in far:    # a constrained token a few places on must be there
                for d, g in alts:
                    j = i + d
                    if j < n:
                        t = tids[j]
                        hit = preds[g].get(t)
                        if hit is None:
                            hit = self._test(preds[g], g, keys_of[t], t, {}, caches)
                        if hit:
                            lst = positions.get(r)
                            if lst is None:
                                positions[r] = [i]
                            else:
                                lst.append(i)
                            break

        # 2. rules whose first constraint reads a document set: per context (tested once per
        # token type of the document with this context's sets; only on the types holding a
        # value of the set when the constraint requires `attr in SET`)
        dyn_pcache: dict[int, dict[int, bool]] = {}
        if gi.dynamic:
            sets = ctx.sets
            distinct: set[int] | None = None
            for r in gi.dynamic:
                if wanted is not None and r not in wanted:
                    continue
                ok: set[int] = set()
                for g in self.rules[r].first:
                    c = caches.pred[g] if not self.dynamic[g] else dyn_pcache.setdefault(g, {})
                    key = self.dynamic_key[g]
                    if key is not None:
                        with self._lock:
                            idx = _value_index(dt, key[0], key[1])
                            tried = set().union(*(idx.get(v, ()) for v in sets.get(key[2], ())))
                        tried &= distinct if distinct is not None else (distinct := set(tids))
                    else:
                        tried = distinct if distinct is not None else (distinct := set(tids))
                    ok.update(tid for tid in tried - ok if self._test(c, g, keys_of[tid], tid, sets))
                if ok:
                    lst = list(compress(range(n), map(ok.__contains__, tids)))
                    prev = positions.get(r)
                    positions[r] = sorted(set(prev) | set(lst)) if prev else lst

        # 3. @Label starts
        for lab, rs in gi.by_label.items():
            by_start = ctx.mentions.get(lab) or {}
            starts = [p for p, ms in by_start.items() if any(m.tok_end > m.tok_start for m in ms)]
            if not starts:
                continue
            for r in rs:
                if wanted is not None and r not in wanted:
                    continue
                prev = positions.get(r)
                positions[r] = sorted(set(starts) | set(prev)) if prev else sorted(starts)

        shared = (perf_counter() - t_start) if timings is not None else 0.0
        # 4. each rule's VM at its start positions (only rules that can start somewhere)
        out: dict[int, list[LightMatch]] = {}
        if timings is None:
            active = sorted(positions) if wanted is None else sorted(r for r in positions if r in wanted)
            if gi.anywhere:
                active = sorted(set(active).union(r for r in gi.anywhere if wanted is None or r in wanted))
        else:
            active = list(members)
        full = range(n)
        rule_pc = caches.rule_pc
        runs: dict[bool, Run] = {}
        for r in active:
            rule = self.rules[r]
            pos_list: Sequence[int] | None = full if rule.any else positions.get(r)
            if not pos_list:
                if timings is not None:
                    timings[r] = timings.get(r, 0.0)
                continue
            t0 = perf_counter() if timings is not None else 0.0
            if rule.look is not None:
                pos_list = self._look_ok(rule.look, pos_list, tids, caches, dyn_pcache, ctx.sets)
                if not pos_list:
                    if timings is not None:
                        timings[r] = timings.get(r, 0.0) + perf_counter() - t0
                    continue
            pc = rule_pc.get(r)
            if pc is None:   # the rule's predicate caches: shared across documents unless dynamic
                pc = rule_pc[r] = [caches.pred[g] for g in rule.gmap]
            if rule.dyn_slots:
                pc = list(pc)
                for k in rule.dyn_slots:
                    pc[k] = dyn_pcache.setdefault(rule.gmap[k], {})
            found = self._run_rule(rule.spec, ctx, dt, pos_list, pc, runs)
            if start_counts is not None:
                start_counts[r] = start_counts.get(r, 0) + len(pos_list)
            if found:
                out[r] = found
            if timings is not None:
                timings[r] = timings.get(r, 0.0) + perf_counter() - t0
        if timings is not None and members:
            total = sum(len(positions.get(r, ())) + 1 for r in members)
            for r in members:
                timings[r] += shared * (len(positions.get(r, ())) + 1) / total
        return out

    def _look_ok(self, look: tuple[tuple[int, int], ...], pos_list: Sequence[int], tids: Sequence[int],
                 caches: _Caches, dyn_pcache: dict[int, dict[int, bool]], sets: Mapping[str, frozenset[str]]
                 ) -> list[int]:
        """The positions of `pos_list` where one of the rule's opening lookahead tokens holds (`_look_filter`)."""
        n = len(tids)
        keys_of = caches.keys
        out = []
        for p in pos_list:
            for d, g in look:
                j = p + d
                if j >= n:
                    continue
                t = tids[j]
                if self.dynamic[g]:
                    c = dyn_pcache.setdefault(g, {})
                    hit = c.get(t)
                    if hit is None:
                        hit = self._test(c, g, keys_of[t], t, sets)
                else:
                    c = caches.pred[g]
                    hit = c.get(t)
                    if hit is None:
                        hit = self._test(c, g, keys_of[t], t, {}, caches)
                if hit:
                    out.append(p)
                    break
        return out

    def _run_rule(self, spec: RuleSpec, ctx: MatchContext, dt: DocTypes, pos_list: Sequence[int],
                  pcache: list[dict[int, bool]], runs: dict[bool, Run]) -> list[LightMatch]:
        """`finditer` restricted to the positions where the rule can start (same windows, same order).

        `runs` holds this search's VM states (one per sentence mode), rebound to each rule in
        turn: building one per rule and document cost more than many of the runs themselves.
        """
        prog = spec.program
        run = runs.get(spec.cross_sentence)
        if run is None:
            run = runs[spec.cross_sentence] = Run(prog, ctx, spec.cross_sentence, types=dt.tids, pcache=pcache)
        else:
            run.rebind(prog, pcache)
        need = prog.min_length
        first = spec.mode == "first"
        code = prog.code
        toks = ctx.doc.tokens
        out: list[LightMatch] = []
        if spec.cross_sentence:
            n = len(dt.tids)
            if not n:
                return out
            windows = [(0, n)]
            win_of = None
        else:
            windows = dt.sent_windows
            win_of = dt.win_of
        cur = -1
        lo = hi = resume = 0
        for p in pos_list:
            w = 0 if win_of is None else win_of[p]
            if w < 0:
                continue
            if w != cur:
                cur = w
                lo, hi = windows[w]
                run.window(lo, hi)
                resume = lo
            if p < resume or p + need > hi:
                continue
            r = run.run(code, p, run.visited)
            if r is None:
                continue
            end, caps, trail = r
            out.append(light_match(toks, p, end, caps, trail))
            run.visited.clear()
            resume = end if first else p + 1
        return out


@dataclass
class _GroupIndex:
    eq: dict[str, dict[str, list[int]]]
    sub: dict[str, dict[str, list[int]]]
    residual: tuple[int, ...]
    dynamic: tuple[int, ...]
    by_label: dict[str, list[int]]
    anywhere: tuple[int, ...]


def _value_index(dt: DocTypes, level: str, attr: str) -> dict[Any, set[int]]:
    """value -> the types with that value of `attr` (in any analysis): every type seen so far,
    indexed as it first comes (kept with the other caches across documents); callers keep the
    ones of `dt`'s document."""
    idx, done = dt.caches.values.setdefault((level, attr), ({}, [0]))
    keys_of = dt.caches.keys
    if done[0] < len(keys_of):
        for tid in range(done[0], len(keys_of)):
            tok = keys_of[tid]
            if level == "analysis" and len(tok.analyses) > 1:
                for an in tok.analyses:
                    idx.setdefault(get_value(level, attr, tok, an), set()).add(tid)
            else:
                idx.setdefault(get_value(level, attr, tok, tok), set()).add(tid)
        done[0] = len(keys_of)
    return idx


_analyses = attrgetter("analyses")
#: Pair-verdict keys: type + next type (or -1) * _PAIR_STRIDE, one int (hashing a tuple costs
#: several times more); type ids stay far below the stride (caches are bounded).
_PAIR_STRIDE = 1 << 32

_sent_flags = attrgetter("sent_start", "sent_end")


def _mention_flags(specs: Sequence[RuleSpec], index: Mapping[Any, int]) -> list[bool]:
    """Per global predicate: True when it is only ever tested on mention attributes."""
    token_use: set[int] = set()
    mention_use: set[int] = set()
    for spec in specs:
        prog = spec.program
        for k, p in enumerate(prog.preds):
            (mention_use if k in prog.mention_preds else token_use).add(index[p])
    return [g in mention_use and g not in token_use for g in range(len(index))]


def _is_none(x: Any) -> bool:
    return x is None


@dataclass(frozen=True)
class HitSpec:
    """What turns a rule's light match into a hit (`dsl.doc.mention.Hit`), read once per rule:
    its label, name, priority and output flag; the capture slot its span comes from (-1: the
    whole match); per slot, the argument name and whether it repeats."""

    label: str
    rule: str
    priority: int
    output: bool
    span_slot: int
    names: tuple[str, ...]
    repeated: tuple[bool, ...]


@dataclass(frozen=True)
class CompiledPack:
    """A pack's rules ready for the cascade: the pack matcher (one group per phase) and, per
    phase, the (rule index, rule) pairs and the labels the phase produces. Built once with the
    Pack (`compile_phases`); a pickled one carries the matcher's index, not its caches."""

    matcher: PackMatcher
    phase_rules: tuple[tuple[tuple[tuple[int, Any], ...], frozenset[str]], ...]
    rule_at: tuple[Any, ...]
    hit_specs: tuple[HitSpec, ...] = ()


def hit_spec(rule: Any) -> HitSpec:
    """The `HitSpec` of a compiled rule."""
    names = tuple(rule.program.capture_names)
    span = names.index(rule.span) if rule.span is not None and rule.span in names else -1
    return HitSpec(rule.label, rule.name, rule.priority, rule.output, span, names,
                   tuple(n in rule.program.repeated_captures for n in names))


def compile_phases(phases: Sequence[Any]) -> CompiledPack:
    """The compiled form of a pack's phases (each with its `rules`, in order) for the cascade."""
    specs: list[RuleSpec] = []
    groups: list[list[int]] = []
    phase_rules: list[tuple[tuple[tuple[int, Any], ...], frozenset[str]]] = []
    rule_at: list[Any] = []
    for phase in phases:
        g = []
        for rule in phase.rules:
            g.append(len(specs))
            specs.append(RuleSpec(rule.program, rule.mode, rule.cross_sentence))
            rule_at.append(rule)
        groups.append(g)
        phase_rules.append((tuple((k, rule_at[k]) for k in g), frozenset(rule_at[k].label for k in g)))
    return CompiledPack(PackMatcher(specs, groups), tuple(phase_rules), tuple(rule_at),
                        tuple(hit_spec(r) for r in rule_at))
