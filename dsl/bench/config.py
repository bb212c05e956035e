"""What `arabic-ie bench` measures: the corpus, the packs, the pattern counts, runs, the optional parts."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchConfig:
    """What to measure (see `arabic-ie bench --help`)."""

    corpus: str | None = None      # --corpus: text files, or a token-per-line file (see corpus.read_corpus)
    doc_sentences: int = 10        # sentences per document of a token-per-line corpus
    chars: int = 1_000_000         # size of the generated corpus
    rules: tuple[str, ...] = ()    # the packs run end to end (default: the shipped ones)
    peer_sizes: tuple[int, ...] = (10, 1000)   # patterns of the spaCy comparison
    peer_chars: int = 300_000      # characters of the spaCy comparison
    gazetteer_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    runs: int = 3
    budget: float = 120.0          # seconds of wall time a paired measurement may spend repeating itself
    seed: int = 1
    spacy: bool = True
    memory: bool = True
    cli: bool = True               # the command-line measurements (child processes)
    memory_docs: int = 50          # documents of the 1x memory run (the 10x run streams 10 times more)

    def packs(self) -> list[str]:
        """The packs run end to end: `rules`, or the shipped ones."""
        if self.rules:
            return list(self.rules)
        from dsl.pack.pack import default_rules_dir
        return [str(default_rules_dir().resolve())]
