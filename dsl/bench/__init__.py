"""`arabic-ie bench`: throughput, match counts and memory of every stage, side by side with spaCy.

Apart from the core (nothing in `dsl` imports it but the command line): `corpus` (the
generated corpus), `packs` (synthetic packs and gazetteers), `timing` (medians, paired runs),
`spacy_side` (spaCy's tokenizer, Matcher, PhraseMatcher, and the agreement), `memory` (child
processes measuring peak RSS), `stages` (the measurements in order), `report` (targets, table).

What it runs (all in one process, medians of `--runs` passes over the corpus, one core):

* **corpus** — `--corpus FILE|DIR` (UTF-8 text files), or a deterministic one generated from
  the sample articles (`examples/*.txt`): their sentences recombined into documents of 10-30
  sentences and varied (names, places and numbers replaced from the shipped gazetteers, about
  a third of the longer words replaced by words of the analyzer's lexicon or of the samples,
  with or without a clitic, some conjunctions and prepositions glued on), about `--chars`
  characters (default 1,000,000). Without the word replacement every n-gram of the two
  samples would repeat about a hundred times per million characters.
* **floor** — a plain `regex` tokenization pass (`\\w+|[^\\w\\s]`): what no pipeline beats.
* **tokenize** (`dsl.text.tokenize.scan`), **analyze** (`Analyzer.analyze`: tokens, clitics,
  sentences).
* **match N rules** — the cascade (`Pack.run`) over the analyzed documents with a synthetic
  pack of N rules (10, 100, 1000): literals, stems, regex constraints, sets, optional and
  repeated elements, captures; each rule is written from a real n-gram of the corpus whose
  first word is drawn uniformly from the corpus's distinct content words (as rules are
  written for specific words), and about half have their last element swapped for a word that
  does not follow, so about half match somewhere. Rules use mode `all` (see agreement).
* **rule count** — the smallest and largest packs measured alternately (their throughput
  ratio is the rule-count target), with a third pack of the largest size whose rules all
  end with a word that does not follow (matching nothing): a bigger pack finds more, and
  this separates what the rule count costs from what building those mentions costs.
* **end to end** — `Pack.match(text)`: text in, mentions out, with the largest pack.
* **gazetteer N** — `Gazetteer.find` over the analyzed documents for 1k/10k/100k entries (person
  names given + family, places, organizations), with build time and peak memory.
* **spaCy** (when installed: `pip install 'arabic-ie[bench]'`) — `spacy.blank("ar")`'s
  tokenizer on the same texts; its `Matcher` with the same patterns translated (NORM = our
  stem, LEMMA = our norm, REGEX, IN, OP `?`/`{n,m}`) over `Doc`s built from our tokens (so
  both engines see the same tokens); its `PhraseMatcher` with the same entries over Docs whose
  words are our tokens' norms. The ratio of each pair is printed.
* **agreement** — on the patterns both express, each engine's matches as (rule, start, end):
  ours in mode `all` (the preferred match at every start), spaCy's longest match at each start
  (its Matcher returns every match, overlaps included), both within sentences and over tokens
  reduced to their first analysis (spaCy has one reading per token). Agreement = shared /
  union. For gazetteers, spaCy's matches are filtered leftmost-longest like ours; they differ
  where clitics matter (our entries require the enclitics and inner proclitics they have).
* **memory** — peak RSS growth (child processes) when streaming 10x more documents through
  `Pack.match`, and of building + matching the largest gazetteer (ours vs PhraseMatcher).

Timings are medians (wall clock); a stage stops repeating once it has used its time budget
(spaCy's Matcher with 1000 patterns runs once or twice). The inputs of the timed stages
(texts, analyzed documents, spaCy Docs) are frozen out of the garbage collector's generations,
as they would not be alive in a streaming run. Caches (word analyses, token types) are warm
after the first pass, as in a long run; the cold analysis is reported once. Numbers depend on
the machine and its load: the report prints the load average.
"""
from __future__ import annotations
