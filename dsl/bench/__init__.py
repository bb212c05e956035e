"""`arabic-ie bench`: what users get, measured on the paths they call, side by side with spaCy.

Apart from the core (nothing in `dsl` imports it but the command line): `corpus` (the
generated corpus, `--corpus` files and token-per-line corpora), `peer` (spaCy's Matcher and
ours on spaCy's tokens), `userpath` (the packs through `Pack.match` and the command line, the
start), `packs` (synthetic gazetteers), `spacy_side` (PhraseMatcher), `memory` (child
processes measuring peak RSS), `timing` (CPU time, alternated runs, the collector's share),
`stages` (the measurements in order), `report` (the targets of issue 14 and the text).

What it runs (one core, CPU time, medians of `--runs` runs; the two sides of every ratio run
alternately in one process; the garbage collector as a caller has it: nothing frozen, no
collection forced between runs, and its share of the time reported):

* **corpus** — `--corpus PATH` (a folder of *.txt files, a text file, or a file of one token
  per line, `token TAG`, whose sentences become documents of `--doc-sentences`), or a
  deterministic one generated from the sample articles (`examples/*.txt`, from a checkout).
* **floor** — a plain `regex` tokenization pass (`\\w+|[^\\w\\s]`): what no pipeline beats;
  our tokenizer and analyzer (warm and cold caches), spaCy's tokenizer.
* **spaCy's Matcher, on spaCy's tokens** (`peer`, when spaCy is installed: `pip install
  'arabic-ie[bench]'`) — `spacy.blank("ar")` tokenizes about `--peer-chars` characters of the
  corpus; the tokens go to `Document.from_tokens`; patterns written from the text (ORTH,
  LOWER, `TEXT REGEX`, `IN`; `?`, `+`, `{0,3}`) become rules with `mode: all`,
  `cross_sentence: true` in a pack with `overlap: keep_all`, so both engines report every
  start; ours is `Pack.match`, spaCy's `matcher(doc)`; every pattern count (`--patterns`,
  default 10 and 1000) and both engines alternate; the first run (empty caches) is printed
  beside the median; agreement is (rule, document, start, end) shared / found by either, with
  spaCy's longest match at each start.
* **the packs end to end** (`userpath`; the shipped ones, or `--rules`) — `Pack.match(text)`
  in process, and `arabic-ie match --workers 1` over the corpus written as a folder (a child
  process per run: its start, cold caches and output included), each against the floor
  over the same texts or files; with `--corpus`, over the generated corpus too. The start:
  `arabic-ie match` on one article.
* **gazetteers** — `Gazetteer.find` for 1k/10k/100k entries against spaCy's PhraseMatcher.
* **memory** — peak RSS (child processes) streaming the same documents 10x through
  `Pack.match` (what grows then grows per document: the target is flat) and 10x new
  documents (caches of new words, bounded); building + matching the largest gazetteer.

The report ends with every target of issue 14, its figure and met / NOT met. Numbers depend
on the machine and its load: the report prints the load average before and after.
"""
from __future__ import annotations
