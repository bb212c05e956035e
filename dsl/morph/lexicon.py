"""Word lexicon: is this Arabic stem a known common word, or may it be a name?

The rules may accept an unknown word in a name slot when a cue licenses it (a title before,
a role after, a nationality adjective before, a verb of saying ...), but only if the text
layer can tell that the word is *not* a common Arabic word.
`Lexicon.classify(stem, definite=...)` answers, for a normalized clitic-free stem (what
`dsl.morph` gives as `Analysis.stem`, with `Analysis.definite`), one of

* ``"function"``: a closed-class grammatical word (في، الذي، كان، ثلاثة، له → stem ل);
* ``"common"``: an ordinary noun, adjective or verb form (محادثات، الرئيس، يبحثون، عاما);
* ``"unknown"``: not known as a common word, so it **may be a name** (لاريجاني، سولانا):
  a person, place or organization name, a foreign or rare word, a misspelling; also the
  caller's gazetteer names (حسن is a word too, but may be a name) and the name particles
  (بن، أبو، عبد، آل), which in news text occur inside names.

`Lexicon.is_word(form)` and `Lexicon.keeps_whole(word, core)` answer the analyzer's
questions before it splits a leading ب/ل/و/ف/ك or a pronoun suffix off a word: is the
candidate core a known word (lexical evidence only: a gazetteer name that is also a word,
حسن, is a word; so is a name particle)? Is the whole word clearly more frequent than that
core (a real split makes a form rarer than its core: وقال < قال)? A name that merely looks
segmentable (لاريجاني = ل + اريجاني?, بولسونارو = ب + ولسونارو?) then stays whole.

Source of the vocabulary
------------------------
A word list alone cannot separate names from words: wordfreq's Arabic list has 620k forms and
includes لاريجاني and سولانا. What separates them is how a form *behaves*, and a frequency
list of surface forms shows it, because Arabic writes the article and the pronoun suffixes
as part of the word:

* **article**: common nouns and adjectives are frequent with the article (Zipf of المحادثات
  4.15, of محادثات 4.22); names rarely take it (البوش 2.14 against بوش 4.47; اللاريجاني is
  never seen);
* **inflection**: nouns and verbs take the pronoun suffixes ها/هم/هما (حكومتها، قالها);
  names almost never do;
* **verb**: an imperfect form has siblings with the other person prefixes and the future
  س (يبحثون: تبحثون، نبحث، سيبحثون); a perfect form has subject-suffixed siblings and an
  imperfect (قال: قالوا، قالت، يقال);
* **noun**: derived-noun templates on a root consonant skeleton (استفعال، مستفعل، مفاعلة،
  تفعيل، افتعال، انفعال، nisba …ية، plural …ات) mark ordinary words that are rare;
* **closed**: closed classes written for this project (`dsl/morph/data/lexicon_closed.txt`);
* **gazetteer**: the caller's gazetteer words (`Lexicon.with_words`): names (given and family
  names, places) are "unknown" whatever their frequency, nationality adjectives, titles and
  role words are "common".

Why wordfreq: it is the one freely licensed, pip-installable source of Arabic *surface*
frequencies (article and clitics included) big enough for news vocabulary: code Apache-2.0,
data CC BY-SA 4.0 (Arabic from Wikipedia, subtitles, news, web text and social media); its
dependencies (ftfy, langcodes, locate, msgpack, regex, wcwidth) are pure Python or ship
wheels. It is a **runtime dependency**: nothing of its data, nor anything derived from it,
is in this repository. Its Arabic "large" list (620,701 forms down to Zipf 1; "small" has
57k, too few for rare inflections) is a 3 MB file inside the 56 MB wheel that holds every
language; wordfreq removes diacritics and tatweel but keeps hamza spellings and ى apart,
keeps the article and every clitic on the word (وقال, للرئيس are forms of their own) and
splits nothing; importing it and reading the list take about 0.5 s, too slow for every run.
So at first use the list is normalized with `dsl.text.normalize.normalize_word`, summed per
normalized Arabic-letter form (522k forms) and stored in the user's cache directory
(`cache_dir()`) as a compact table: the sorted 64-bit BLAKE2b hashes of the forms, a 16-bit
bucket index and one byte of Zipf x 10 per form (4.7 MB), written atomically (temporary file
+ rename) and keyed by `CODE_VERSION`, wordfreq's version, the size and time of its data
file, the word list and the normalization options. Building takes 3-5 s and about 190 MB
of memory, once per user and wordfreq version; later `Lexicon.load()` calls read the table
in about 5 ms (wordfreq is not even imported) and hold about 5 MB.

Other sources considered: team-written templatic morphology alone (kept as the "verb" and
"noun" signals and as the fallback, but it cannot tell a rare word from a name: it calls
only half of ordinary news words known), arramooz-pysqlite (GPL, lemmas without surface
frequencies, would need its own inflection engine: not worth even an optional extra),
CAMeL Tools' morphology databases (separate large downloads at run time, not a pip
package).

Without wordfreq (not installed, or its data unreadable), `Lexicon.load()` still works: the
frequency signals are off, one line goes to stderr once per process, and the lexicon falls
back to the closed lists, the gazetteer words and shape-only templates (`available` is
False, `source` says why). Such a lexicon calls many more ordinary words "unknown"; it
never raises.

How the signals combine (the first that decides wins; thresholds are named constants)
-------------------------------------------------------------------------------------
1. closed list: a function word (also behind a و/ف the segmenter left on it, or with ني/نا
   on it: إنني) -> "function"; a name particle -> "unknown".
2. gazetteer: a common word -> "common"; a name as written -> "unknown" (a given name is not
   the stem of a definite word: العمر is not عمر; a family name with the article is).
3. closed list, common class (months, weekdays, units) -> "common".
4. article: for the stem, or the noun it inflects (عاما → عام, مرتين → مرة),
   Zipf(ال+base) >= ARTICLE_MIN and >= Zipf(base) - ARTICLE_MAX_DROP -> "common". The drop
   test is what keeps بوش (4.47 bare, 2.14 with ال) and محمد out. A dual or sound plural in
   ين/ان/ون (هدفين، مسؤولون) counts when its noun passes that test and the form itself is
   attested with the article at DUAL_ARTICLE_MIN (كلينتون is no plural: الكلينتون is unseen).
5. inflection: max Zipf(stem+ها/هم/هما) >= INFLECTION_MIN (ة written ت) -> "common".
   (ه is left out: it is radical in many words and a frequent ending of names.)
6. verb: paradigm siblings attested (VERB_SIBLING_MIN, VERB_SIBLINGS, VERB_STRONG_MIN,
   FUTURE_MIN; see `_is_verb`) -> "common".
7. noun: a derived-noun template on a form attested at >= NOUN_PATTERN_MIN -> "common".
8. otherwise "unknown".

The thresholds were set on aggregate figures of tagged news text (tests/eval/
lexicon_coverage.py: about 96.5% of ordinary tokens known, 80% of person tokens possible
names with the project's gazetteers); no word of that text is in any list here.

Speed: `Lexicon.load()` is cached per process; a new stem costs a handful of table look-ups
(15-30 us in all) and answers are memoized per (stem, definite, suffixed).
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dsl.cache import cache_dir, open_trusted, write_atomic
from dsl.text.normalize import DEFAULT, NormalizeOptions, normalize_word

__all__ = [
    "Lexicon", "FUNCTION", "COMMON", "UNKNOWN", "SIGNALS", "CODE_VERSION", "WORDLIST",
    "NOUN_TEMPLATES",
    "ARTICLE_MIN", "ARTICLE_MAX_DROP", "INFLECTION_MIN", "VERB_SIBLING_MIN", "VERB_SIBLINGS",
    "VERB_STRONG_MIN", "FUTURE_MIN", "NOUN_PATTERN_MIN", "WHOLE_MARGIN", "DUAL_ARTICLE_MIN",
]

FUNCTION = "function"
COMMON = "common"
UNKNOWN = "unknown"

#: The signals (see the module docstring); `Lexicon.with_signals` switches them.
SIGNALS = ("article", "inflection", "verb", "noun", "closed", "gazetteer")

#: Bump when the table format, the way it is built or the rules change (part of cache keys).
CODE_VERSION = "3"
#: The wordfreq list read for Arabic ("large": 620k forms down to Zipf 1; "small": 57k).
WORDLIST = "large"

# -- thresholds, on the Zipf scale (log10 of the frequency per billion words: 3 = once per
#    million words, 1 = once per 100 million). Set on aggregate figures; see the docstring.

#: Article signal: Zipf(ال+base) must reach this ...
ARTICLE_MIN = 2.5
#: ... and be at most this much below Zipf(base) (بوش 4.47 / البوش 2.14 fails twice).
ARTICLE_MAX_DROP = 1.0
#: Inflection signal: stem+ها/هم/هما at least this frequent.
INFLECTION_MIN = 1.5
#: Verb signal: a paradigm sibling counts when at least this frequent ...
VERB_SIBLING_MIN = 1.5
#: ... this many siblings make an imperfect (or a perfect) a verb form ...
VERB_SIBLINGS = 4
#: ... one of them at least this frequent; a hollow or defective imperfect (two-letter
#: body: يقع) needs two persons this frequent.
VERB_STRONG_MIN = 3.0
#: Verb signal: the future س on the imperfect (سيبحث) at least this frequent.
FUTURE_MIN = 2.0
#: Article signal on a dual or plural (-ين -ان -ون): the form with the article at least this frequent.
DUAL_ARTICLE_MIN = 2.0
#: Noun signal: a template counts on a form at least this frequent.
NOUN_PATTERN_MIN = 1.0
#: `keeps_whole`: the whole word must be this much more frequent than the split's core.
WHOLE_MARGIN = 1.0

_DATA = Path(__file__).parent / "data" / "lexicon_closed.txt"
_MAGIC = b"arabic-ie lexicon table\n"
_MEMO_MAX = 200_000


# ---------------------------------------------------------------- the frequency table

def _hash(form: str) -> int:
    return int.from_bytes(hashlib.blake2b(form.encode("utf-8"), digest_size=8).digest(), "little")


_BUCKET_BITS = 16
_SHIFT = 64 - _BUCKET_BITS


class _Table:
    """Zipf frequency per normalized form: sorted 64-bit hashes + one byte (Zipf x 10) each,
    with an index of where each value of the top 16 hash bits starts (a look-up bisects
    about 8 keys instead of 522k: fewer steps and cache misses).

    A false hit needs two different forms with the same 64-bit hash: about 522k / 2**64 per
    look-up, never in practice.
    """

    __slots__ = ("keys", "vals", "starts", "memo")

    def __init__(self, keys: array, vals: bytes, starts: array | None = None) -> None:
        self.keys = keys
        self.vals = vals
        #: form -> Zipf of the forms looked up so far (a new word's queries share many forms:
        #: its article form, its siblings); bounded like the lexicon's memo, cleared when full.
        self.memo: dict[str, float] = {}
        if starts is None:
            starts = array("I", [0]) * ((1 << _BUCKET_BITS) + 1)
            b = 0
            for i, k in enumerate(keys):
                top = k >> _SHIFT
                while b < top:
                    b += 1
                    starts[b] = i
            for j in range(b + 1, len(starts)):
                starts[j] = len(keys)
        self.starts = starts

    def __len__(self) -> int:
        return len(self.keys)

    def zipf(self, form: str) -> float:
        memo = self.memo
        z = memo.get(form)
        if z is not None:
            return z
        h = _hash(form)
        top = h >> _SHIFT
        starts = self.starts
        hi = starts[top + 1]
        i = bisect_left(self.keys, h, starts[top], hi)
        z = self.vals[i] / 10.0 if i < hi and self.keys[i] == h else 0.0
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[form] = z
        return z

    # file: MAGIC, one header line, the count line, the keys (u64), the bucket starts (u32),
    # the values; integers little-endian

    def write(self, fh, header: str) -> None:
        keys = array("Q", self.keys)
        starts = array("I", self.starts)
        if sys.byteorder == "big":  # pragma: no cover
            keys.byteswap()
            starts.byteswap()
        fh.write(_MAGIC + header.encode() + b"\n" + b"%d\n" % len(keys))
        keys.tofile(fh)
        starts.tofile(fh)
        fh.write(self.vals)

    @classmethod
    def read(cls, fh, header: str) -> _Table | None:
        want = _MAGIC + header.encode() + b"\n"
        if fh.read(len(want)) != want:
            return None
        try:
            n = int(fh.readline())
        except ValueError:
            return None
        if n < 0 or n > 1 << 32:
            return None
        # read straight into the arrays (no intermediate bytes: half the peak memory)
        keys = array("Q", [0]) * n
        starts = array("I", [0]) * ((1 << _BUCKET_BITS) + 1)
        if keys.itemsize != 8 or starts.itemsize != 4:  # pragma: no cover
            return None
        for arr in (keys, starts):
            view = memoryview(arr).cast("B")
            if fh.readinto(view) != len(view):   # truncated
                return None
        vals = fh.read(n + 1)
        if len(vals) != n:
            return None
        if sys.byteorder == "big":  # pragma: no cover
            keys.byteswap()
            starts.byteswap()
        if starts[-1] != n:
            return None
        return cls(keys, vals, starts)


_ARABIC = re.compile("[\u0621-\u063a\u0641-\u064a]+")


def _build_table(options: NormalizeOptions) -> _Table:
    """Read wordfreq's Arabic list and sum it per normalized Arabic-letter form."""
    import math

    import wordfreq

    freqs = wordfreq.get_frequency_dict("ar", WORDLIST)
    agg: dict[int, float] = {}
    for form, f in freqs.items():
        n = normalize_word(form, options)
        if _ARABIC.fullmatch(n):
            h = _hash(n)
            agg[h] = agg.get(h, 0.0) + f
    keys = sorted(agg)
    vals = bytes(min(255, max(0, round((math.log10(agg[k]) + 9.0) * 10))) for k in keys)
    return _Table(array("Q", keys), vals)


def _wordfreq_data() -> tuple[Path, str] | None:
    """wordfreq's Arabic data file and version, found without importing wordfreq (its import
    and `importlib.metadata` each cost tens of milliseconds), or None when not installed."""
    from importlib.util import find_spec

    try:
        spec = find_spec("wordfreq")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    pkg = Path(next(iter(spec.submodule_search_locations)))
    version = "?"
    try:
        for name in os.listdir(pkg.parent):
            if name.startswith("wordfreq-") and name.endswith((".dist-info", ".egg-info")):
                version = name[len("wordfreq-"):].rsplit(".", 1)[0]
                break
    except OSError:
        pass
    return pkg / "data" / f"{WORDLIST}_ar.msgpack.gz", version


def _load_table(options: NormalizeOptions) -> tuple[_Table | None, str]:
    """The frequency table (from the cache, else built and cached) and where it came from."""
    found = _wordfreq_data()
    if found is None:
        return None, "wordfreq is not installed"
    data, ver = found
    try:
        st = data.stat()
    except OSError as e:
        return None, f"wordfreq {ver}: its Arabic data cannot be read ({type(e).__name__}: {e})"
    # keyed by what decides the table: this code, wordfreq's data file, the options
    header = (f"code={CODE_VERSION} wordfreq={ver} list={WORDLIST} lang=ar size={st.st_size} "
              f"mtime={st.st_mtime_ns} options={options!r}")
    path = cache_dir() / f"lexicon-ar-{hashlib.sha256(header.encode()).hexdigest()[:16]}.bin"
    fh = open_trusted(path)
    if fh is not None:
        try:
            with fh:
                table = _Table.read(fh, header)
            if table is not None:
                return table, f"wordfreq {ver} ({WORDLIST}), cached table {path}"
        except OSError:
            pass
    try:
        table = _build_table(options)
    except Exception as e:
        return None, f"wordfreq {ver}: its Arabic data cannot be read ({type(e).__name__}: {e})"
    if not write_atomic(path, lambda out: table.write(out, header)):
        return table, f"wordfreq {ver} ({WORDLIST}), built (cache directory {path.parent} not usable)"
    return table, f"wordfreq {ver} ({WORDLIST}), built and cached at {path}"


# ---------------------------------------------------------------- closed lists, templates

@dataclass(frozen=True)
class _Closed:
    function: frozenset[str]
    common: frozenset[str]
    particles: frozenset[str]


def _closed_lists(options: NormalizeOptions) -> _Closed:
    sections: dict[str, set[str]] = {"function": set(), "common": set(), "name": set()}
    current: set[str] | None = None
    with open(_DATA, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                if line[1:-1] not in sections:
                    raise ValueError(f"{_DATA}:{no}: unknown section {line}")
                current = sections[line[1:-1]]
                continue
            if current is None:
                raise ValueError(f"{_DATA}:{no}: words before a section line")
            current.update(normalize_word(w, options) for w in line.split())
    fn = frozenset(sections["function"])
    return _Closed(fn, frozenset(sections["common"] - fn), frozenset(sections["name"] - fn))


_IMPF_PREFIX = "يتنا"
_IMPF_SUFFIXES = ("", "ون", "ين", "ان", "وا")
_PERF_SUFFIXES = ("وا", "ت", "تم", "نا", "تا", "ا")
_PRONOUNS = ("ها", "هم", "هما")
_DUAL_PLURAL = ("ين", "ان", "ون")

#: Derived-noun templates over normalized stems: name, regex ("." any letter, C a root
#: consonant, i.e. not ا و ي, which keeps foreign names written with vowel letters out).
NOUN_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("istif'al", r"استC.{3,}"),                 # استقبال، استثمار
    ("mustaf'il", r"مستC..+"),                  # مستشفي، مستشار، مستوي
    ("mufa'ala", r"مCاCC(?:ة|ات)"),             # مشاركة، مفاوضات
    ("taf'il", r"تCCيC(?:ات|ة)?"),              # تقرير، تعيين، تشكيلات
    ("tafa'ul", r"تCاCC(?:ات)?"),               # تبادل، تضامن
    ("ifti'al", r"اCتCاC(?:ات)?"),              # اجتماع، انتخابات
    ("infi'al", r"انCCاC(?:ات)?"),              # انسحاب، انفجار
    ("nisba", r"..C+ي(?:ة|ات|تان|تين)"),        # عسكرية، اقتصادية
    ("plural", r"...+ات"),                      # محادثات، اتصالات
)
_C = "[\u0621-\u0626\u0628-\u063a\u0641-\u0647]"
_NOUN_RE = re.compile("|".join(f"(?:{rx.replace('C', _C)})" for _, rx in NOUN_TEMPLATES))

#: Verb shapes for the fallback without frequencies: imperfect with a plural or dual suffix,
#: perfect with a plural suffix, derived stems in است.
_VERB_SHAPES = re.compile(
    "|".join([
        r"[يت]...+(?:ون|ان|وا)",  # يبحثون، تتحدثان
        r"...+(?:وا|تم)",         # قالوا، أعلنتم
        r"[يتن]ست...+",           # يستمر، تستعد
    ]))


# ---------------------------------------------------------------- the lexicon

class Lexicon:
    """Classifies normalized clitic-free stems as function / common / unknown (module docstring).

    Get one with `Lexicon.load()`; add gazetteer words with `with_words`. Immutable apart from
    its memo (a plain dict, filled atomically), so one instance serves every thread.
    """

    _loaded: dict[NormalizeOptions, Lexicon] = {}
    _lock = threading.Lock()
    _warned = False

    def __init__(self, table: _Table | None, closed: _Closed, *, options: NormalizeOptions = DEFAULT,
                 source: str = "", names: frozenset[str] = frozenset(),
                 gazetteer_common: frozenset[str] = frozenset(),
                 signals: Iterable[str] = SIGNALS) -> None:
        sig = frozenset(signals)
        bad = sig - set(SIGNALS)
        if bad:
            raise ValueError(f"unknown lexicon signal(s): {', '.join(sorted(bad))}")
        self._table = table
        self._closed = closed
        self._names = names
        self._gaz_common = gazetteer_common
        #: The normalization options the entries and the table were normalized with.
        self.options = options
        #: Where the frequencies come from, or why there are none.
        self.source = source
        #: The signals in use (a subset of `SIGNALS`).
        self.signals: frozenset[str] = sig
        self._memo: dict[tuple[str, bool], tuple[str, str, str]] = {}

    # -- construction

    @classmethod
    def load(cls, options: NormalizeOptions = DEFAULT) -> Lexicon:
        """The lexicon for `options`, built once per process (the table cached on disk).

        Never raises for a missing or broken wordfreq: the lexicon then has no frequency
        signals (`available` is False) and one line goes to stderr.
        """
        got = cls._loaded.get(options)
        if got is not None:
            return got
        with cls._lock:
            got = cls._loaded.get(options)
            if got is None:
                table, source = _load_table(options)
                if table is None and not Lexicon._warned:
                    Lexicon._warned = True
                    sys.stderr.write(f"arabic-ie: lexicon: {source}; using the closed lists and "
                                     "templates only (more ordinary words will be 'unknown')\n")
                got = cls(table, _closed_lists(options), options=options, source=source)
                cls._loaded[options] = got
        return got

    def with_words(self, *, names: Iterable[str] = (), common: Iterable[str] = (),
                   normalized: bool = False) -> Lexicon:
        """A lexicon that also knows gazetteer words (single words; phrases are skipped).

        `names`: given and family names and place names, also those that are ordinary words
        too (حسن): `classify` says "unknown" (may be a name) whatever their frequency, while
        `is_word` still judges them on the lexical evidence. A name written with the article
        (القذافي) matches the stem with `definite=True`; one written without it matches only
        an indefinite stem. `common`: nationality adjectives, titles, role words: "common".
        `normalized=True`: the words are single words already normalized with this lexicon's
        options (the analyzer's own lists: thousands of gazetteer words, normalized once).
        """
        norm = (lambda ws: frozenset(ws)) if normalized else self._norm_all
        return Lexicon(self._table, self._closed, options=self.options, source=self.source,
                       names=self._names | norm(names),
                       gazetteer_common=self._gaz_common | norm(common),
                       signals=self.signals)

    def with_signals(self, signals: Iterable[str]) -> Lexicon:
        """The same lexicon restricted to some of `SIGNALS` (to measure what each earns)."""
        return Lexicon(self._table, self._closed, options=self.options, source=self.source,
                       names=self._names, gazetteer_common=self._gaz_common, signals=signals)

    def without_frequencies(self) -> Lexicon:
        """This lexicon as it would be without wordfreq (the fallback), for measuring."""
        return Lexicon(None, self._closed, options=self.options, source="no frequencies",
                       names=self._names, gazetteer_common=self._gaz_common, signals=self.signals)

    def _norm_all(self, words: Iterable[str]) -> frozenset[str]:
        out = set()
        for w in words:
            if not isinstance(w, str):
                raise TypeError(f"gazetteer words must be strings, got {type(w).__name__}")
            n = normalize_word(w.strip(), self.options)
            if n and not any(c.isspace() for c in n):
                out.add(n)
        return frozenset(out)

    @property
    def available(self) -> bool:
        """True when the frequency table (wordfreq) is there."""
        return self._table is not None

    @property
    def fingerprint(self) -> str:
        """Changes whenever `classify` may answer differently (for callers' caches)."""
        h = hashlib.sha256(f"{CODE_VERSION}|{self.source if self._table is None else 'table'}|"
                           f"{len(self._table) if self._table is not None else 0}|{self.options!r}|"
                           f"{sorted(self.signals)}".encode())
        for group in (self._names, self._gaz_common):
            h.update(b"\x00")
            for w in sorted(group):
                h.update(w.encode() + b"\n")
        return h.hexdigest()[:16]

    def __repr__(self) -> str:
        n = len(self._table) if self._table is not None else 0
        return (f"Lexicon({n} forms, {len(self._names)} names, {len(self._gaz_common)} gazetteer "
                f"words; {self.source})")

    # -- queries

    def zipf(self, form: str) -> float:
        """Zipf frequency of a normalized form as written (clitics included); 0 when unseen or
        when there is no frequency table."""
        t = self._table
        return t.zipf(form) if t is not None else 0.0

    def classify(self, stem: str, *, definite: bool = False, suffixed: bool = False) -> str:
        """`FUNCTION`, `COMMON` or `UNKNOWN` (may be a name) for a clitic-free stem: the
        analyzer's `Analysis.stem` (article stripped), `Analysis.definite`, and whether a
        pronoun suffix was split off (`bool(Analysis.suf)`): a name takes no pronoun, so a
        gazetteer name that is also a word (حياة، عمر) is then read as the word (حياته)."""
        return self.explain(stem, definite=definite, suffixed=suffixed)[0]

    def explain(self, stem: str, *, definite: bool = False, suffixed: bool = False) -> tuple[str, str]:
        """(class, the signal that decided it); the signal is "" when nothing did."""
        return self._explain(stem, definite, not suffixed)

    def is_word(self, form: str) -> bool:
        """True when `form`, a candidate core with or without the article (`قوات`,
        `القوات`), is a known function or common word (or a name particle) on the lexical
        evidence alone: ask it before splitting a clitic off a word."""
        k, why = self._explain(form, False, False)
        if k != UNKNOWN or why == "closed":
            return True
        if len(form) >= 4 and form.startswith("ال"):
            k, why = self._explain(form[2:], True, False)
            return k != UNKNOWN or why == "closed"
        return False

    def keeps_whole(self, word: str, core: str) -> bool:
        """True when the normalized `word` is attested at least `WHOLE_MARGIN` above `core`,
        the stem a clitic split would leave (proclitics and/or pronoun suffix off, ة/ى/ء
        restored: `Analysis.norm`): a clitic reading makes a form rarer than its core
        (وقال 5.3 < قال 6.0), while a word that only looks segmentable is more frequent than
        its "core" (فيليب 4.5 above يليب, بواسطة above واسطة). The analyzer's second question
        before a split, after `is_word(core)`. False for a core with the article (بالنسبة is
        ب + النسبة however frequent the whole) and without frequencies."""
        t = self._table
        if t is None or not word or not core or word == core or core.startswith("ال"):
            return False
        zw = t.zipf(word)
        return zw > 0.0 and zw >= t.zipf(core) + WHOLE_MARGIN

    def _explain(self, stem: str, definite: bool, names: bool) -> tuple[str, str]:
        # One memo entry per (stem, definite): the verdict on the lexical evidence (names=False,
        # what `is_word` asks), from which the verdict with names (what `classify` asks) follows
        # by two set look-ups: the analyzer asks both about most stems.
        key = (stem, definite)
        got = self._memo.get(key)
        if got is None:
            s = normalize_word(stem, self.options)
            kind, why = self._decide(s, definite, False)
            got = (s, kind, why)
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[key] = got
        s, kind, why = got
        if names and kind != FUNCTION:
            sig = self.signals
            if "closed" in sig and s in self._closed.particles:
                return UNKNOWN, "closed"
            if ("gazetteer" in sig and not (s in self._gaz_common or (definite and "ال" + s in self._gaz_common))
                    and ("ال" + s if definite else s) in self._names):
                return UNKNOWN, "gazetteer"
        return kind, why

    # -- the rules (module docstring, "How the signals combine")

    def _decide(self, s: str, definite: bool, names: bool) -> tuple[str, str]:
        sig = self.signals
        if not s:
            return UNKNOWN, ""
        closed = self._closed
        if "closed" in sig:
            fn = closed.function
            if s in fn:
                return FUNCTION, "closed"
            # a conjunction / preposition the segmenter left on a function word (وبذلك)
            rest = s[1:] if s[0] in "وف" else s
            if rest is not s and rest in fn:
                return FUNCTION, "closed"
            if len(rest) >= 4 and rest[0] in "بلك" and rest[1:] in fn:
                return FUNCTION, "closed"
            # a particle carrying ني/نا, which the segmenter never splits (إنني، لكننا)
            if len(s) >= 4 and s[-2:] in ("ني", "نا") and (s[:-2] in fn or s[:-1] in fn):
                return FUNCTION, "closed"
            if s in closed.particles:
                return (COMMON, "closed") if not names else (UNKNOWN, "closed")
        if "gazetteer" in sig:
            if s in self._gaz_common or (definite and "ال" + s in self._gaz_common):
                return COMMON, "gazetteer"
            if names and ("ال" + s if definite else s) in self._names:
                return UNKNOWN, "gazetteer"
        bases = _nominal_bases(s)
        if "closed" in sig and any(b in closed.common for b in bases):
            return COMMON, "closed"
        table = self._table
        if table is None:
            if "noun" in sig and _NOUN_RE.fullmatch(s):
                return COMMON, "noun"
            if "verb" in sig and _VERB_SHAPES.fullmatch(s):
                return COMMON, "verb"
            return UNKNOWN, ""
        z = table.zipf
        bare = z(s)
        if "article" in sig:
            for b in bases:
                art = z("ال" + b)
                if art >= ARTICLE_MIN and art >= (bare if b is s else z(b)) - ARTICLE_MAX_DROP:
                    return COMMON, "article"
            # a dual or sound plural (هدفين، لاعبان، مسؤولون) of a noun frequent with the article,
            # itself attested with the article (الهدفين): بوتين is no plural of بوت (البوتين unseen)
            if len(s) >= 5 and s.endswith(_DUAL_PLURAL) and z("ال" + s) >= DUAL_ARTICLE_MIN:
                b = s[:-2]
                art = z("ال" + b)
                if art >= ARTICLE_MIN and art >= z(b) - ARTICLE_MAX_DROP:
                    return COMMON, "article"
        if "inflection" in sig and len(s) >= 3:
            base = s[:-1] + "ت" if s[-1] == "ة" else s
            if max(z(base + p) for p in _PRONOUNS) >= INFLECTION_MIN:
                return COMMON, "inflection"
        if "verb" in sig and _is_verb(s, bare, z):
            return COMMON, "verb"
        if "noun" in sig and bare >= NOUN_PATTERN_MIN and _NOUN_RE.fullmatch(s):
            return COMMON, "noun"
        return UNKNOWN, ""


def _nominal_bases(s: str) -> tuple[str, ...]:
    """`s` and the noun it inflects when its ending hides the article form: the accusative
    tanween alef (عاما → عام, رسميا → رسمي), the ة of a dual or a construct form (مرتين،
    مدينتي → مرة، مدينة)."""
    n = len(s)
    out = [s]
    if n >= 4 and s[-1] == "ا" and s[-2] != "ا":
        out.append(s[:-1])
    if n >= 5 and s.endswith(("تين", "تان")):
        out.append(s[:-3] + "ة")
    elif n >= 5 and s.endswith("تي"):
        out.append(s[:-2] + "ة")
    return tuple(out)


def _attested(z: Callable[[str], float], forms: Iterable[str], exclude: str) -> int:
    return sum(1 for f in set(forms) if f != exclude and z(f) >= VERB_SIBLING_MIN)


def _is_verb(s: str, bare: float, z: Callable[[str], float]) -> bool:
    """Verb evidence: the paradigm siblings of `s` are attested.

    * two letters (تم): only the imperfect and its future (يتم، سيتم);
    * imperfect ي/ت/ن/ا + body (+ ون/ين/ان/وا): the future of the body (سيبحث) at
      FUTURE_MIN, or VERB_SIBLINGS siblings (other prefixes, future, plural and dual forms)
      at VERB_SIBLING_MIN, one of them at VERB_STRONG_MIN; a two-letter body (يقع، يرى)
      needs the future and two persons at VERB_STRONG_MIN;
    * perfect base (+ subject suffix): subject-suffixed siblings and the imperfect
      (قتل: قتلوا، قتلت، يقتل; أعلن: يعلن), at least one of each, VERB_SIBLINGS in all.
    """
    n = len(s)
    if bare < VERB_SIBLING_MIN or n < 2:
        return False
    if n == 2:
        return z("سي" + s) >= FUTURE_MIN and z("ي" + s) >= VERB_SIBLING_MIN
    if s[0] in _IMPF_PREFIX:
        for suf in _IMPF_SUFFIXES:
            if suf and not s.endswith(suf):
                continue
            body = s[1: n - len(suf)]
            if len(body) < 2:
                continue
            future = max(z("س" + p + body) for p in "يتن")
            if len(body) == 2:
                if future >= FUTURE_MIN and sum(1 for p in "يتن" if z(p + body) >= VERB_STRONG_MIN) >= 2:
                    return True
                continue
            if future >= FUTURE_MIN:
                return True
            sibs = ([p + body for p in _IMPF_PREFIX] + ["س" + p + body for p in "يتن"]
                    + [p + body + x for p in "يت" for x in ("ون", "وا", "ان")])
            if (_attested(z, sibs, s) >= VERB_SIBLINGS
                    and max(z(f) for f in sibs if f != s) >= VERB_STRONG_MIN):
                return True
    for x in ("",) + _PERF_SUFFIXES:
        if x and not s.endswith(x):
            continue
        base = s[: n - len(x)]
        if len(base) == 2 and x:
            # geminate or defective perfect with a subject suffix (تمت، مضت): its imperfect's future
            if z("سي" + base) >= FUTURE_MIN or z("سي" + base + "ي") >= FUTURE_MIN:
                return True
            continue
        if len(base) < 3:
            continue
        # (hollow verbs, فاز / يفوز, are left out: CاC is also the shape of many foreign
        # names, سام، جان، دان, whose "imperfects" يسوم، يدين are words)
        impf = base[1:] if base[0] == "ا" and len(base) >= 4 else base
        a = _attested(z, [base] + [base + y for y in _PERF_SUFFIXES], s)
        b = _attested(z, ["ي" + impf, "ت" + impf, "سي" + impf], s)
        if a >= 1 and b >= 1 and a + b >= VERB_SIBLINGS:
            return True
    return False
