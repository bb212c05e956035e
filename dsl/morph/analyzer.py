"""Morphological tokens: Arabic words seen through their clitics, with ranked analyses.

`Analyzer.analyze(text)` tokenizes the original text (`dsl.text.tokenize`), normalizes each word
(`dsl.text.normalize`) and segments it into proclitics + optional article + stem + enclitic.
One `Token` per orthographic word; its core (`start:end`, `text`) is the word minus the
proclitics and the enclitic, mapped back to the exact original characters (diacritics of
the core included). There is no morphology database: the segmenter uses a clitic grammar,
minimum stem lengths, lexicons written for this project (`dsl/data/*.txt`) and the words
the caller declares known (gazetteer entries).

Clitic grammar
--------------
    [conj و|ف] [prep ب|ل|ك  or  fut س] [article ال] STEM [enclitic]

* The article follows nothing, a conjunction or ب/ك; after ل it fuses: ل + ال → لل
  (`للفريق`: pre `ل`, core `لفريق`, norm `الفريق`, stem `فريق`). When a *known* stem itself
  begins with ل, one lam is dropped (`للواء` = ل + اللواء): that reading is kept next to the
  indefinite ل + stem (ranked first). After ل, a stem starting with ال is an alef-initial
  word (`لالتزام` = ل + التزام), never an article.
* No article where the original text writes أ/إ/آ (`ألوية`, `إلغاء`): hamza-initial words.
  Words the lexicons list (`الذي`, `الله`, `الآن`, `إلى`, `ألمانيا`) are never article +
  stem, and particles never take the article (noun-like function words do: `الجانب`, `الكل`).
* س (future) only before an imperfect prefix ي/ت/ن, never with an article or a preposition,
  not before a stem ending in ة, ات or اء (`سيارة`, `سنوات`, `سيناء`); the stem needs 4
  letters unless known (`سيتم`).
* ب/ل/ك never precede a particle or pronoun; only the function words marked `+prep` in
  `function_words.txt` may follow them (`بذلك`, `لهذا`, `بأن`, `لكل`). ل may precede an
  imperfect verb (`ليكون`, `لتجد`).
* Enclitics: ه ها هما هم هن (split from an unknown stem of ≥ 3 letters), ك كما كم كن and نا
  (split only from a known stem or a preposition). The enclitics ي/ني are **never** split:
  in news text a final ي is nearly always a nisba adjective or a name (`حجازي`, `الليبي`,
  `بنغازي`), and the pronoun ي mostly sits on prepositions the lexicon lists whole (`لي`,
  `عني`). An article and an enclitic never co-occur.
* Before an enclitic ة is written ت: the stem gets ة back (`حكومته` → `حكومة`; `حكومت` is
  not offered). A stem ending in ات keeps it (plural: `قواته` → `قوات`) unless the lexicon
  knows the ة form (`حياته` → `حياة`); a stem of ≤ 4 letters may be a verb in ت (`نفذتها`),
  so both readings are kept there, the verb first when the lexicon knows the verb. ى written
  ا before an enclitic is restored when the lexicon knows the word (`مستواه` → `مستوى`);
  ء written ئ/ؤ after ا is restored (`أعضائها` → `أعضاء`).
* Minimum stem lengths: 2 after the article; 3 for an unknown stem after a proclitic or
  before an enclitic; 2 for a known stem; 1 for a preposition carrying a pronoun (`له`,
  `بها`: stem `ل`/`ب`, suf `ها`).
* Compound names `عبدال…` (`عبدالرازق`, `عبدالحميد`) stay one stem.
* Clitics glued to digits or Latin letters are split too (`و2011`, `بـ15`, `الـCIA`); the
  token's shape is then the core's shape (digit, latin, ...).

Ranking and ambiguity
---------------------
A word the lexicons (`function_words.txt`, `known_words.txt`) or the caller's `known_words`
list is taken whole, with exactly one analysis; a caller's word with the article
(`القاهرة`) is read as article + stem. The few words of `readings.txt` get the readings
listed there (`والي` = و + إلى, then والي "governor"; `فهم`, `وهم`, `ولي`, `فقد`, `لما`).

Every other word gets all grammatical segmentations, each with a cost. Each clitic costs a
little (و 0.1, ب/ل 0.2, ف 0.35, س 0.35, ك 0.5, article 0.05, ه-group enclitic 0.2, نا 0.4,
ك-group 0.5). A stem the lexicons list costs 0; an inflection of a listed word (`+ة`, `+ات`,
`+ين`, `+ون`, `+ي`, `+ية`, `+ت`, `+وا`, `+ا`, ...) 0.25; an unknown stem 1 plus penalties
when it still *looks* segmentable in its place: an article inside (+1), a leading و (+0.35)
or ب/ل (+0.35) that could have been a proclitic, a trailing ها/هم/هما/هن (+0.8) or ه
(+0.35), a future س (+0.6), و/ف + imperfect verb (+0.4), a hamza-alef written right after a
clitic letter (`وأكد`, +0.5). The cheapest reading comes first; readings costing less than
best + 0.5 are kept as alternatives (at most 3), so a rule can still match a word the
segmenter was unsure about (`وحفتر` without a gazetteer: و + حفتر first, the whole word
second; `اصدره`: اصدر + ه, then whole). Costs favour و over ف/ك/س because words that begin
with ف/ك/س are more often whole (`فريق`, `كبير`, `سياسة`); the frequent ones are listed.

Why not guess harder: a wrong single guess loses a match for good, while an extra analysis
only costs the matcher one more attribute test (`Token.analyses`; the compiler tries every
analysis for analysis-level attributes). Why not keep everything: a word like `والمشير` has
no plausible second reading, and noise alternatives would make `stem=` tests match bogus
stems; a reading more than 0.5 worse than the best is dropped.

Speed
-----
Work is cached per distinct word surface and per distinct normalized word (most tokens
repeat), in plain dicts bounded by `cache_size` (cleared when full). An `Analyzer` is
thread-safe for concurrent `analyze` calls and pickles to its options and the caller's
words only (lexicons reload from the package data).
"""
from __future__ import annotations

import gc
import itertools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

import regex

from dsl.doc.document import Document, with_types_of
from dsl.doc.token import NO_EXTRA, Analysis, Token
from dsl.errors import InputError
from dsl.morph.lexicon import FUNCTION, Lexicon
from dsl.text.normalize import DEFAULT, NormalizeOptions, normalize, normalize_word
from dsl.text.tokenize import CHUNK_RE, chunk_tokens, shape_of, split_spans

__all__ = [
    "Analyzer", "default_analyzer", "WordLists", "load_word_lists",
    "ENCLITICS", "MAX_ANALYSES",
]

DATA_DIR = Path(__file__).parent / "data"

#: Pronoun enclitics that may be split off (ي and ني never are; see the module docstring).
ENCLITICS = ("هما", "هم", "هن", "ها", "ه", "كما", "كم", "كن", "ك", "نا")
_ENC_3RD = ("هما", "هم", "هن", "ها", "ه")  # longest first
_ENC_2ND = frozenset({"ك", "كما", "كم", "كن"})
#: At most this many analyses per word; alternatives within `MARGIN` of the best are kept.
MAX_ANALYSES = 3
MARGIN = 0.5

_CONJ_COST = {"": 0.0, "و": 0.1, "ف": 0.35}
_MID_COST = {"": 0.0, "ب": 0.2, "ل": 0.2, "ك": 0.5, "س": 0.35}
_ART_COST = 0.05
_ELIDED_COST = 0.3
_DERIVED_COST = 0.25
_UNKNOWN_COST = 1.0

_ARABIC_WORD = regex.compile(r"[\u0621-\u063A\u0641-\u064A\u0671-\u06D3\u06FA-\u06FC\u06FF]+")
_HAMZA_ALEFS = "أإآٲٳٵ"
_HAMZA_RE = regex.compile("[" + _HAMZA_ALEFS + "]")
#: Inflectional endings tried on known words (a stem "known by inflection").
_DERIV_SUFFIXES = ("ة", "ات", "ان", "ين", "ون", "وا", "ي", "ية", "يات", "يين", "يون", "يان",
                   "ت", "تا", "ا", "ى")
#: the same suffixes by their last letter, in the same order (`_known` tries only those that can end the word)
_DERIV_BY_LAST: dict[str, tuple[str, ...]] = {
    c: tuple(x for x in _DERIV_SUFFIXES if x[-1] == c) for c in {x[-1] for x in _DERIV_SUFFIXES}}
_MIXED_PREFIX = regex.compile(r"([وف]?)(لل|[بك]?ال|[بلك]?)([A-Za-z0-9\p{N}].*)", regex.DOTALL)


_EMPTY: Mapping[str, str] = NO_EXTRA

_new_tuple = tuple.__new__
#: where `Token.analyses` is in the tuple
_ANALYSES = Token._fields.index("analyses")


# ---------------------------------------------------------------- lexicons

@dataclass(frozen=True)
class WordLists:
    """The project's hand-written word lists (`dsl/morph/data/*.txt`), normalized with one option set.

    (Not to be confused with `dsl.morph.lexicon.Lexicon`, the frequency-based word lexicon.)

    `function`: function words (taken whole); `hosts`: those that carry pronoun enclitics
    (`من` → `منه`); `after_prep`: those that may follow ب/ل/ك (`بذلك`); `known`: known whole words;
    `ambiguous`: words with listed readings.
    """

    function: frozenset[str]
    hosts: frozenset[str]
    after_prep: frozenset[str]
    known: frozenset[str]
    ambiguous: Mapping[str, tuple[Analysis, ...]]

    @property
    def whole(self) -> frozenset[str]:
        """Every word taken whole (function words and known words)."""
        return self.function | self.known


def _data_lines(name: str) -> Iterable[tuple[int, str]]:
    path = DATA_DIR / name
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            line = line.split("#", 1)[0].strip()
            if line:
                yield no, line


def _parse_reading(seg: str, norm: Any) -> Analysis:
    """`و+ال+فريق+ه` → Analysis(pre='و', definite=True, stem='فريق', suf='ه')."""
    parts = [norm(p) for p in seg.strip().split("+") if p.strip()]
    pre, definite, stem, suf = "", False, "", ""
    i = 0
    while i < len(parts) - 1 and parts[i] in ("و", "ف", "ب", "ل", "ك", "س"):
        pre += parts[i]
        i += 1
    if i < len(parts) - 1 and parts[i] == "ال":
        definite = True
        i += 1
    stem = parts[i] if i < len(parts) else ""
    if i + 1 < len(parts):
        suf = "".join(parts[i + 1:])
    return Analysis(pre, definite, stem, suf)


@lru_cache(maxsize=16)
def load_word_lists(options: NormalizeOptions = DEFAULT) -> WordLists:
    """Read `dsl/data/*.txt` once per option set (entries normalized with `options`)."""
    def norm(s: str) -> str:
        return normalize_word(s, options)

    function: set[str] = set()
    hosts: set[str] = set()
    after_prep: set[str] = set()
    for _, line in _data_lines("function_words.txt"):
        parts = line.split()
        w = norm(parts[0])
        function.add(w)
        if "+host" in parts[1:]:
            hosts.add(w)
        if "+prep" in parts[1:]:
            after_prep.add(w)
    known: set[str] = set()
    for _, line in _data_lines("known_words.txt"):
        for w in line.split():
            known.add(norm(w))
    ambiguous: dict[str, tuple[Analysis, ...]] = {}
    for _, line in _data_lines("readings.txt"):
        word, _, readings = line.partition("\t") if "\t" in line else line.partition(" ")
        ans = tuple(_parse_reading(r, norm) for r in readings.split("|") if r.strip())
        if ans:
            ambiguous[norm(word)] = ans
    return WordLists(frozenset(function), frozenset(hosts), frozenset(after_prep),
                   frozenset(known - function), ambiguous)


# ---------------------------------------------------------------- the analyzer

#: What a word surface contributes to its Token, cached per distinct surface:
#: (rel_start, rel_end, core, word, norm, stem, pre, suf, definite, shape, analyses, entry id).
#: Entry ids come from one process-wide counter and are never reused: tokens with the same
#: entry id agree on every attribute but their position and sentence flags.
_Entry = tuple
_ENTRY_IDS = itertools.count()
_ENTRY_ID = itemgetter(11)

#: Tokens are built with `tuple.__new__(Token, fields)`: one C call (see `Token`). The
#: fields in `Token._fields` order (checked here, so a changed contract cannot pass unseen).
_new = tuple.__new__
if Token._fields != ("i", "start", "end", "word_start", "word_end", "text", "word", "norm", "stem", "pre",
                     "suf", "definite", "shape", "sent", "sent_start", "sent_end", "analyses", "extra"):
    raise RuntimeError("Token's fields changed: update Analyzer.analyze")  # pragma: no cover


class Analyzer:
    """Segments Arabic text into morphological tokens (see the module docstring).

    `options`: normalization options; `known_words`: extra whole words (gazetteer entries:
    never split, and known as stems after clitics); `names` / `common`: single words the word
    lexicon (`dsl.morph.lexicon.Lexicon.with_words`) takes as possible names (given and
    family names, places) or as common words (nationality adjectives, titles, role words).
    Picklable; safe to share between threads (caches are plain dicts, read and filled atomically).
    """

    def __init__(self, options: NormalizeOptions | None = None, known_words: Iterable[str] = (),
                 *, cache_size: int = 200_000, names: Iterable[str] = (), common: Iterable[str] = ()) -> None:
        self.options: NormalizeOptions = options if options is not None else DEFAULT
        self.cache_size = int(cache_size)
        self._lists = load_word_lists(self.options)
        self._user_words: frozenset[str] = self._normalized(known_words, "known_words", split=True)
        self._names: frozenset[str] = self._normalized(names, "names")
        self._common: frozenset[str] = self._normalized(common, "common")
        self._setup()

    def _normalized(self, words: Iterable[str], what: str, split: bool = False) -> frozenset[str]:
        out: set[str] = set()
        if isinstance(words, str):
            raise TypeError(f"{what} must be an iterable of strings, not one string")
        for w in words:
            if not isinstance(w, str):
                raise TypeError(f"{what} must be strings, got {type(w).__name__}")
            parts = w.split()
            if not split and len(parts) != 1:
                continue      # the lexicon classifies single words; phrases say nothing about one
            for part in parts:
                n = normalize_word(part, self.options)
                if n:
                    out.add(n)
        return frozenset(out)

    def _setup(self) -> None:
        lists = self._lists
        opts = self.options
        # A user word with the article (not a lexicon word like الذي) is read as article + stem.
        definite: dict[str, str] = {}
        plain: set[str] = set()
        for w in self._user_words:
            if (w.startswith("ال") and len(w) >= 4 and w not in lists.function and w not in lists.known
                    and _ARABIC_WORD.fullmatch(w)):
                definite[w] = w[2:]
            else:
                plain.add(w)
        self._definite_words: dict[str, str] = definite
        self._whole: frozenset[str] = lists.function | lists.known | frozenset(plain)
        self._stems: frozenset[str] = self._whole | frozenset(definite.values())
        self._derivable: frozenset[str] = lists.known | frozenset(plain) | frozenset(definite.values())
        # The word lexicon: classifies each kept reading (`Analysis.lex`) and vetoes clitic splits
        # of words it says are whole (see `_veto`). Its frequency table loads once per process.
        lexicon = Lexicon.load(opts)
        if self._names or self._common:
            lexicon = lexicon.with_words(names=self._names, common=self._common, normalized=True)
        self._lexicon: Lexicon = lexicon
        self._lex_on = lexicon.available
        self._hand: frozenset[str] = lists.function | lists.known   # the hand lists' words
        self._ta = normalize_word("ة", opts)
        self._ya_maq = normalize_word("ى", opts)
        self._ta_marbuta_merged = self._ta == "ه"
        self._alef_on = opts.alef
        self._no_alef = opts.replace(alef=False)
        self._word_cache: dict[Any, tuple[Analysis, ...]] = {}
        #: another analyzer's readings -> the same with `lex` (`with_lex`), bounded like the others
        self._lex_cache: dict[tuple[Analysis, ...], tuple[Analysis, ...]] = {}
        self._surface_cache: dict[str, _Entry] = {}
        # whitespace-free chunk of text -> ((start, end, entry) of each of its tokens, relative)
        self._chunk_cache: dict[str, tuple[tuple[int, int, _Entry], ...]] = {}

    def __repr__(self) -> str:
        return (f"Analyzer(options={self.options!r}, known_words=<{len(self._user_words)} words>, "
                f"names=<{len(self._names)}>, common=<{len(self._common)}>)")

    # -- pickling: ship options and the caller's words; lexicons reload from package data

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_analyzer, (self.options, tuple(sorted(self._user_words)), self.cache_size,
                                    tuple(sorted(self._names)), tuple(sorted(self._common))))

    def with_known_words(self, words: Iterable[str], *, names: Iterable[str] = (),
                         common: Iterable[str] = ()) -> Analyzer:
        """A new analyzer that also takes `words` (e.g. gazetteer entries) as known whole words,
        and tells the word lexicon which single words are possible `names` (given and family
        names, places: `lex=unknown` whatever their frequency) and which are `common` words
        (nationality adjectives, titles, role words: `lex=common`). Both are known words too."""
        names = list(names)
        common = list(common)
        return Analyzer(self.options, [*self._user_words, *words, *names, *common], cache_size=self.cache_size,
                        names=[*self._names, *names], common=[*self._common, *common])

    @property
    def lexicon(self) -> Lexicon:
        """The word lexicon that classifies readings (`Analysis.lex`), with the caller's names."""
        return self._lexicon

    @property
    def known_words(self) -> frozenset[str]:
        """The caller's known words (normalized)."""
        return self._user_words

    def normalize_word(self, s: str) -> str:
        """Normalize one word with this analyzer's options."""
        return normalize_word(s, self.options)

    # -- word level

    def analyze_word(self, word: str) -> tuple[Analysis, ...]:
        """All kept segmentations of one word, best first (cached per distinct normalized word).

        `word` may be the original surface (then hamza spelling informs article detection:
        `ألوية` is not ال + وية) or already normalized.
        """
        n = normalize_word(word, self.options)
        mask = self._hamza_mask(word, n)
        key: Any = n if not mask else (n, mask)
        got = self._word_cache.get(key)
        if got is not None:
            return got
        got = self._classified(self._analyze_norm(n, mask))
        if len(self._word_cache) >= self.cache_size:
            self._word_cache.clear()
        self._word_cache[key] = got
        return got

    def _classified(self, analyses: tuple[Analysis, ...]) -> tuple[Analysis, ...]:
        """`analyses` with the word lexicon's class of each (`Analysis.lex`; "" for a stem
        without Arabic letters). Only the kept readings are classified (at most MAX_ANALYSES),
        and the lexicon memoizes per stem, so a new word type costs a few table look-ups."""
        classify = self._lexicon.classify
        out = []
        for a in analyses:
            if a.lex or not _ARABIC_WORD.fullmatch(a.stem):
                out.append(a)
            else:
                out.append(Analysis(a.pre, a.definite, a.stem, a.suf,
                                    classify(a.stem, definite=a.definite, suffixed=bool(a.suf))))
        return tuple(out)

    def with_lex(self, doc: Document) -> Document:
        """`doc` with the word lexicon's class on every reading that has none (`Analysis.lex`):
        for documents made of another analyzer's tokens (`Document.from_tokens`), so that rules
        testing `lex` work on them too. Readings that bring their own `lex` keep it; `doc`
        itself is returned when nothing is missing. The classes are cached per distinct
        readings, and the document keeps its token type ids (`token_types`: tokens of one type
        have the same readings, so they get the same classes)."""
        toks = doc.tokens
        cache = self._lex_cache
        new: list[Token] = []
        changed = False
        for t in toks:
            got = cache.get(t.analyses)
            if got is None:
                got = self._classified(t.analyses)
                if got == t.analyses:
                    got = t.analyses
                if len(cache) >= self.cache_size:
                    cache.clear()
                cache[t.analyses] = got
            if got is not t.analyses:
                changed = True
                t = _new_tuple(Token, (*t[:_ANALYSES], got, *t[_ANALYSES + 1:]))   # t._replace, 3x faster
            new.append(t)
        if not changed:
            return doc
        return with_types_of(Document(doc.text, tuple(new), doc.sentences, doc.id), doc)

    def _hamza_mask(self, raw: str, n: str) -> int:
        """Bit p set when normalized position p (< 4) was written with a hamza/madda alef."""
        if not self._alef_on or _HAMZA_RE.search(raw, 0, 16) is None:
            return 0
        light = normalize_word(raw, self._no_alef)
        if len(light) != len(n):  # pragma: no cover - both views differ only in alef letters
            return 0
        mask = 0
        for p in range(min(4, len(light))):
            if light[p] in _HAMZA_ALEFS:
                mask |= 1 << p
        return mask

    def _analyze_norm(self, w: str, mask: int) -> tuple[Analysis, ...]:
        if not w:
            return (Analysis(stem=w),)
        if not _ARABIC_WORD.fullmatch(w):
            return self._analyze_mixed(w)
        amb = self._lists.ambiguous.get(w)
        if amb is not None:
            if w in self._user_words and (amb[0].pre or amb[0].suf or amb[0].definite):
                whole = Analysis(stem=w)
                return (whole,) + tuple(a for a in amb if a != whole)[: MAX_ANALYSES - 1]
            return amb
        if w in self._whole:
            return (Analysis(stem=w),)
        d = self._definite_words.get(w)
        if d is not None:
            return (Analysis(definite=True, stem=d),)
        if w.startswith("عبدال") and len(w) >= 7:
            return (Analysis(stem=w),)
        scored = self._candidates(w, mask)
        scored.sort(key=lambda t: (t[0], -len(t[1].stem), t[1].pre))
        best = None
        out: list[Analysis] = []
        for cost, a, check in scored:
            if best is not None and cost >= best + MARGIN:
                break
            # the word lexicon's veto is asked only of readings that could be kept: most
            # candidates of a long word are far costlier than the best one
            if check and self._vetoed(w, a):
                continue
            if best is None:
                best = cost
            if a not in out:
                out.append(a)
            if len(out) >= MAX_ANALYSES:
                break
        return tuple(out)

    def _analyze_mixed(self, w: str) -> tuple[Analysis, ...]:
        """Clitics glued to a number or a Latin word (`و2011`, `بـ15`, `الـCIA`)."""
        m = _MIXED_PREFIX.fullmatch(w)
        if m is None or not (m.group(1) or m.group(2)) or _ARABIC_WORD.search(m.group(3)):
            return (Analysis(stem=w),)
        conj, mid, rest = m.group(1), m.group(2), m.group(3)
        if mid == "لل":
            return (Analysis(conj + "ل", True, rest),)
        if mid.endswith("ال"):
            return (Analysis(conj + mid[:-2], True, rest),)
        return (Analysis(conj + mid, False, rest),)

    # -- candidate generation and costs

    def _known(self, s: str) -> float | None:
        """0 for a listed word, _DERIVED_COST for an inflection of a known word, None otherwise."""
        if s in self._stems:
            return 0.0
        der = self._derivable
        for sfx in _DERIV_BY_LAST.get(s[-1:], ()):
            if len(s) > len(sfx) + 1 and s.endswith(sfx):
                base = s[: -len(sfx)]
                if (len(base) >= 3 and base in der) or base + self._ta in der:
                    return _DERIVED_COST
        if len(s) >= 4 and s.endswith("ي") and s + "ا" in der:   # ليبي ← ليبيا
            return _DERIVED_COST
        return None

    def _unknown_cost(self, s: str, kind: str, pre: str, has_suf: bool, mask: int) -> float:
        """Cost of an unknown stem: 1 plus penalties when it still looks segmentable here."""
        c = _UNKNOWN_COST
        n = len(s)
        after_article = kind in ("art", "fused", "elided")
        prep = pre[-1:] if pre[-1:] in ("ب", "ل", "ك") else ""
        if n >= 4 and not after_article and kind != "fut":
            first = s[0]
            lex_on = self._lex_on
            if _ART_LOOK.match(s) and not (prep == "ل" and s.startswith("ال")):
                c += 1.0       # an article the reading leaves inside the stem
            elif first in "وبل" and not (pre if first == "و" else prep):
                # a conjunction or preposition left inside, unless the whole word is clearly more
                # frequent than what the split would leave (لاريجاني above اريجاني)
                if not (lex_on and self._lexicon.keeps_whole(s, s[1:])):
                    c += 0.35
            elif first == "ل" and prep == "ل":
                c += 0.6       # ل + ل…: the fused article reading exists
            if not pre and first in "وف" and s[1] in "يتن" and n >= 5:
                c += 0.4       # و/ف + imperfect verb left whole (ويعكس, وتدعم)
            elif not pre and first in "بل" and s[1] == "ت" and n >= 5:
                c += 0.4       # ب/ل + t-initial noun left whole (لتحقيق, بتاريخ)
            if not pre and first in "وفبلك" and mask & 2:
                c += 0.5       # the original writes a hamza right after: وأكد, لإحكام
            if not prep and _FUT_LOOK.match(s):
                c += 0.6       # a future س left inside (فسيكون)
        if not after_article:
            for enc in _ENC_3RD:
                if s.endswith(enc) and n - len(enc) >= 3:
                    if self._lex_on and self._lexicon.keeps_whole(s, s[: n - len(enc)]):
                        break      # the whole word is clearly more frequent: nothing left attached
                    if enc != "ه":
                        c += 0.8   # a pronoun left attached (ها هم هما هن are rarely radical)
                    elif not self._ta_marbuta_merged:
                        c += 0.35  # ه: often radical (اتجاه، نزيه), so the whole word stays an option
                    break
        if n <= 2:
            c += 0.1 if after_article else 0.3
        elif n == 3 and kind in ("bare", "lam") and not has_suf:
            c += 0.1
        return c

    def _candidates(self, w: str, mask: int) -> list[tuple[float, Analysis]]:
        L = len(w)
        whole = self._whole
        prefixes: list[tuple[str, bool, int, float, str]] = [("", False, 0, 0.0, "none")]
        for conj in ("", "و", "ف"):
            if conj and w[0] != conj:
                continue
            p1 = len(conj)
            for mid in ("", "ب", "ك", "ل", "س"):
                if mid and (p1 >= L or w[p1] != mid):
                    continue
                p2 = p1 + len(mid)
                cost = _CONJ_COST[conj] + _MID_COST[mid]
                pre = conj + mid
                if p2 > 0 and p2 < L:
                    prefixes.append((pre, False, p2, cost, "fut" if mid == "س" else ("lam" if mid == "ل" else "bare")))
                if mid == "ل":
                    if L - p2 >= 3 and w[p2] == "ل":
                        prefixes.append((pre, True, p2 + 1, cost + _ART_COST, "fused"))
                        prefixes.append((pre, True, p2, cost + _ELIDED_COST, "elided"))
                elif mid != "س":
                    if (L - p2 >= 4 and w.startswith("ال", p2) and not (mask >> p2) & 1
                            and w[p2:] not in whole):
                        prefixes.append((pre, True, p2 + 2, cost + _ART_COST, "art"))
        out: list[tuple[float, Analysis, bool]] = []
        lex_on = self._lex_on
        hand = self._hand
        for pre, definite, ss, pcost, kind in prefixes:
            for suf in ("",) + ENCLITICS:
                if suf:
                    if definite or not w.endswith(suf):
                        continue
                    enc_cost = 0.2 if suf in _ENC_3RD else (0.5 if suf in _ENC_2ND else 0.4)
                    if suf == "ه" and self._ta_marbuta_merged:
                        enc_cost += 0.5
                else:
                    enc_cost = 0.0
                se = L - len(suf)
                if se - ss < 1:
                    continue
                stem = w[ss:se]
                for vstem, vcost in self._variants(stem, suf):
                    c = self._score(vstem, pre, definite, kind, suf, mask)
                    if c is not None:
                        # a split of a stem the hand lists do not know waits for the lexicon's veto
                        check = bool(lex_on and (pre or suf) and vstem not in hand
                                     and not (vstem.startswith("عبدال") and len(vstem) >= 7))
                        out.append((pcost + enc_cost + vcost + c, Analysis(pre, definite, vstem, suf), check))
        return out

    def _variants(self, stem: str, suf: str) -> list[tuple[str, float]]:
        """Stem spellings to try before an enclitic: ة written ت, ى written ا, ء written ئ/ؤ."""
        if not suf:
            return [(stem, 0.0)]
        n = len(stem)
        last = stem[-1]
        ta = self._ta
        if last == "ت" and n >= 2:
            as_ta = stem[:-1] + ta
            if stem.endswith("ات") and n >= 4:
                if as_ta in self._stems and stem not in self._stems:
                    return [(as_ta, 0.0), (stem, 0.3)]   # وفاته → وفاة, حياتها → حياة
                return [(stem, 0.0), (as_ta, 0.3)]       # قواته → قوات
            if n <= 3:
                return [(stem, 0.0), (as_ta, 0.3)]
            if n == 4 or (n == 5 and stem[0] == "ا"):
                if as_ta not in self._stems and stem[:-1] in self._stems:
                    return [(stem, 0.0), (as_ta, 0.3)]   # a known verb + ت: نفذتها
                return [(as_ta, 0.0), (stem, 0.3)]
            return [(as_ta, 0.0)]
        if last == "ا" and n >= 3:
            as_ya = stem[:-1] + self._ya_maq
            if self._known(as_ya) is not None:
                return [(as_ya, 0.0), (stem, 0.2)]
            return [(stem, 0.0)]
        if n >= 3 and last in "ئؤ" and stem[-2] == "ا":
            return [(stem[:-1] + "ء", 0.0)]
        return [(stem, 0.0)]

    def _score(self, stem: str, pre: str, definite: bool, kind: str, suf: str,
               mask: int) -> float | None:
        """Cost of `stem` in this context, or None when the grammar rules the reading out. (The
        word lexicon's veto on splitting clitics off the word is asked later, `_vetoed`.)"""
        n = len(stem)
        known = self._known(stem)
        lists = self._lists
        if suf:
            if stem in lists.hosts:
                return 0.0 if not pre or stem not in ("ل", "ب") or pre in ("و", "ف") else None
            if stem in lists.function:
                return None
            if known is None and (suf not in _ENC_3RD or n < 3):
                return None
            if known is not None and n < 2:
                return None
        if kind in ("art", "fused"):
            if n < 2 or (stem in lists.function and stem not in lists.after_prep):
                return None     # particles never take the article; noun-like ones do (الجانب، الكل)
        elif kind == "elided":
            if n < 3 or stem[0] != "ل" or known is None:
                return None     # ل + اللواء → للواء: only for stems the lexicons know
        elif kind == "fut":
            if stem[0] not in "يتن" or stem.endswith((self._ta, "ات", "اء")):
                return None
            if n < (3 if known is not None else 4):
                return None
        elif kind in ("bare", "lam"):
            if n < (2 if known is not None else 3) and not (suf and stem in lists.hosts):
                return None
            if n == 2 and not suf and stem not in lists.function and stem not in lists.known:
                return None     # a two-letter gazetteer word after a clitic: كاد is no ك + آد
            if stem in lists.function and pre[-1:] in ("ب", "ل", "ك") and stem not in lists.after_prep:
                return None
        if known is not None:
            c = known
            if n <= 2 and kind in ("bare", "lam") and not suf:
                c += 0.1
            return c
        if stem.startswith("عبدال") and n >= 7:
            return 0.0
        return self._unknown_cost(stem, kind, pre, bool(suf), mask)

    def _vetoed(self, word: str, a: Analysis) -> bool:
        """The word lexicon's veto on a reading that splits clitics off a stem the hand lists do
        not know: a gazetteer word inside a clearly more frequent word (لكني is no ل + كني),
        or an unknown stem `_veto` rules out."""
        if self._known(a.stem) is not None:
            return self._lexicon.keeps_whole(word, a.norm)   # never with the article: والنيجر = و + النيجر
        return self._veto(word, a.stem, a.pre, a.definite, a.suf)

    def _veto(self, word: str, stem: str, pre: str, definite: bool, suf: str) -> bool:
        """True when the word lexicon says `word` is not proclitics + `stem` + `suf` (a stem
        the hand lists do not know): the whole word is clearly more frequent than the core
        (فيليب is no ف + يليب), or a pronoun suffix, ب/ل/ك or the future س would leave a core
        the lexicon does not know as a word (لاريجاني, سيبويه, بولسونارو, ستانيشيف stay whole). و/ف alone are never
        vetoed on `is_word`: a name is unknown to the lexicon, and ولاريجاني is و + a name."""
        lx = self._lexicon
        core = ("ال" + stem) if definite else stem
        if lx.keeps_whole(word, core):
            return True
        if suf or "ب" in pre or "ل" in pre or "ك" in pre or "س" in pre:
            # a function word the hand lists do not allow there (كوفي is no ك + و + في); a future
            # س before a core no lexicon knows is the first letter of a name (ستانيشيف)
            return not lx.is_word(core) or lx.classify(core) == FUNCTION
        return False

    # -- offsets of a reading inside its word

    def core_offsets(self, surface: str, analysis: Analysis) -> tuple[int, int]:
        """Offsets of `analysis`'s core inside the word `surface` (original characters)."""
        n = normalize_word(surface, self.options)
        return self._core_rel(surface, n, len(analysis.pre), len(n) - len(analysis.suf))

    def analysis_span(self, text: str, token: Token, analysis: Analysis) -> tuple[int, int]:
        """Original offsets of the core of one of `token`'s analyses (for alternatives)."""
        s, e = self.core_offsets(text[token.word_start:token.word_end], analysis)
        return (token.word_start + s, token.word_start + e)

    def _core_rel(self, surface: str, n: str, cs: int, ce: int) -> tuple[int, int]:
        if not n or ce <= cs:
            return (0, len(surface))
        if n == surface:
            return (cs, ce)
        nz = normalize(surface, self.options)
        return nz.original_span(cs, ce)

    def _entry(self, surface: str, kind: str) -> _Entry:
        """Compute (and cache) what the token `surface` of this kind contributes to its Token."""
        n = normalize_word(surface, self.options)
        if kind == "word":
            shape = shape_of(surface)
            analyses = self.analyze_word(surface) if n else (Analysis(stem=surface),)
            a = analyses[0]
            if shape == "mixed" and (a.pre or a.definite):
                shape = shape_of(a.stem)
        else:
            shape = kind
            analyses = (Analysis(stem=n or surface),)
            a = analyses[0]
        if not n:
            rs, re_ = 0, len(surface)
            word = norm = surface
        else:
            rs, re_ = self._core_rel(surface, n, len(a.pre), len(n) - len(a.suf))
            word = n
            norm = a.norm
        e = (rs, re_, surface[rs:re_], word, norm, a.stem, a.pre, a.suf, a.definite, shape, analyses,
             next(_ENTRY_IDS))
        cache = self._surface_cache
        if len(cache) >= self.cache_size:
            cache.clear()
        cache[surface if kind == "word" else kind + "\x00" + surface] = e
        return e

    def _chunk_entries(self, chunk: str) -> tuple[tuple[int, int, _Entry], ...]:
        """The tokens of a whitespace-free chunk with their entries (cached, bounded like the rest)."""
        get = self._surface_cache.get
        out = []
        for a, b, kind in chunk_tokens(chunk):
            sf = chunk[a:b]
            en = get(sf if kind == "word" else kind + "\x00" + sf)
            if en is None:
                en = self._entry(sf, kind)
            out.append((a, b, en))
        r = tuple(out)
        cache = self._chunk_cache
        if len(cache) >= self.cache_size:
            cache.clear()
        cache[chunk] = r
        return r

    # -- documents

    def analyze(self, text: str, id: str | None = None) -> Document:
        """Tokenize, segment and sentence-split `text`; offsets point into `text` itself."""
        if not isinstance(text, str):
            raise InputError(f"{id or 'input'}: text must be a str, not {type(text).__name__}")
        # The cyclic garbage collector is paused while the tokens are built: they hold no
        # cycles, and otherwise every 700 new tokens trigger a collection that rescans the
        # caller's live objects (a quarter of the analysis time when documents are kept).
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            # Tokens come chunk by chunk (text between whitespace, see tokenize.scan): a chunk
            # seen before gives its tokens' offsets and cached entries in one lookup.
            spans: list[tuple[int, int]] = []
            ents: list[_Entry] = []
            add_span, add_ent = spans.append, ents.append
            chunk_get = self._chunk_cache.get
            for m in CHUNK_RE.finditer(text):
                c = m.group()
                ce = chunk_get(c)
                if ce is None:
                    ce = self._chunk_entries(c)
                s0 = m.start()
                for rs0, re0, en in ce:
                    add_span((s0 + rs0, s0 + re0))
                    add_ent(en)
            sents = split_spans(text, spans)
            tokens: list[Token] = []
            append = tokens.append
            new, tok = _new, Token
            empty = _EMPTY
            for si, (a, b) in enumerate(sents):
                last = b - 1
                for k in range(a, b):
                    s, e = spans[k]
                    rs, re_, core, word, norm, stem, pre, suf, d, shape, ans, _ = ents[k]
                    append(new(tok, (k, s + rs, s + re_, s, e, core, word, norm, stem, pre, suf, d, shape,
                                     si, k == a, k == last, ans, empty)))
            doc = Document(text, tuple(tokens), tuple(sents), id)
            object.__setattr__(doc, "_entry_ids", list(map(_ENTRY_ID, ents)))
            return doc
        finally:
            if paused:
                gc.enable()


def made_by_analyzer(doc: Document) -> bool:
    """Whether `doc` is a Document returned by `Analyzer.analyze` in this process."""
    return "_entry_ids" in doc.__dict__


def entry_ids(doc: Document) -> list[int] | None:
    """The analyzer's entry id of each token of `doc`, or None for a document this process's
    analyzer did not make (built from tokens or with `dataclasses.replace`, copied, unpickled).

    Tokens built from one cached entry agree on every attribute but position and sentence
    flags, so later stages may take the id as the token's type (`dsl.pack.index`,
    `dsl.gazetteer.scanner`) instead of reading and hashing its fields. The ids come from one
    process-wide counter, so they mean nothing elsewhere: `Document.__getstate__` drops them
    (private attributes are never pickled or copied), which is what makes their presence proof.
    """
    return doc.__dict__.get("_entry_ids")


_ART_LOOK = regex.compile(r"(?:[وف]?[بك]?ال|[وف]?لل)..")
_FUT_LOOK = regex.compile(r"[وف]?س[يتن]...")


def _rebuild_analyzer(options: NormalizeOptions, words: tuple[str, ...], cache_size: int,
                      names: tuple[str, ...] = (), common: tuple[str, ...] = ()) -> Analyzer:
    """An unpickled Analyzer. `words`, `names` and `common` are the caller's words as the analyzer
    kept them, already normalized: they are not normalized again (thousands of gazetteer words
    in a cached pack)."""
    an = Analyzer.__new__(Analyzer)
    an.options = options
    an.cache_size = int(cache_size)
    an._lists = load_word_lists(options)
    an._user_words = frozenset(words)
    an._names = frozenset(names)
    an._common = frozenset(common)
    an._setup()
    return an


_default: Analyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> Analyzer:
    """The shared analyzer with default options and no extra known words (built once)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Analyzer()
    return _default
