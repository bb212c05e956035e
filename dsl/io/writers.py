"""Output formats for mentions and tokens: JSON Lines (for tools), TSV, IOB (for NER tools), a table for people.

Every writer emits whole lines and flushes after each document, so `| head` and killed runs
leave only complete records. Arabic stays readable in a terminal in `table` format because
each row ends with the (right-to-left) text, after the fixed-width left-to-right columns.
"""
from __future__ import annotations

import bisect
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import IO, Any

from dsl.doc.mention import Arg, Mention
from dsl.doc.token import Token

FORMATS = ("jsonl", "tsv", "table", "iob")
#: The line that starts each document of `--format iob` (CoNLL's document separator, in two columns).
IOB_DOCSTART = "-DOCSTART- O"


def width(s: str) -> int:
    """Display width in a terminal: combining marks take no column, wide (CJK) characters two."""
    w = 0
    for ch in s:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _pad(s: str, n: int) -> str:
    return s + " " * max(0, n - width(s))


def _clean(s: str) -> str:
    """Tabs and line breaks inside a field would break TSV and table rows."""
    return s.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _arg_text(v: Arg | tuple[Arg, ...]) -> str:
    return " | ".join(a.text for a in v) if isinstance(v, tuple) else v.text


def mention_json(m: Mention, doc_id: str | None) -> str:
    d = m.to_dict()
    d["doc"] = doc_id if doc_id is not None else m.doc
    return json.dumps(d, ensure_ascii=False)


def iob_lines(text: str, mentions: Sequence[Mention]) -> list[str]:
    """One document as IOB2 lines: `word TAG` per word of the text, a blank line after each sentence.

    Words are the text's tokens with their clitics (`وحفتر`), as annotated corpora tag them;
    a mention tags every word its characters overlap (`B-Person`, `I-Person`). Words carry one
    tag, so of mentions that share words the longest (then the first) is kept: pass the labels
    you want (`--labels Person`) to choose. `arabic-ie evaluate` reads this format back.
    """
    from dsl.text.tokenize import scan, split_spans
    words = scan(text)
    starts = [w[0] for w in words]
    ends = [w[1] for w in words]
    tags = ["O"] * len(words)
    taken = [False] * len(words)
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start, m.label)):
        i = bisect.bisect_right(ends, m.start)      # the first word ending after the mention starts
        j = bisect.bisect_left(starts, m.end) - 1   # the last word starting before it ends
        if i > j or any(taken[i:j + 1]):
            continue
        for k in range(i, j + 1):
            taken[k] = True
            tags[k] = ("B-" if k == i else "I-") + m.label
    lines: list[str] = []
    for a, b in split_spans(text, words):
        lines += [f"{text[words[k][0]:words[k][1]]} {tags[k]}" for k in range(a, b)]
        lines.append("")
    return lines


def write_mentions(out: IO[str], mentions: Sequence[Mention], doc_id: str, fmt: str, *,
                   header: bool = False, text: str | None = None) -> None:
    """Write one document's mentions in `fmt`; `header` prints the TSV/table header first.

    `iob` needs the document's `text` (it writes every word, tagged or not).
    """
    if fmt == "iob":
        if text is None:
            raise ValueError("the iob format needs the document's text")
        out.write("\n".join([IOB_DOCSTART, "", *iob_lines(text, mentions)]) + "\n")
    elif fmt == "jsonl":
        for m in mentions:
            out.write(mention_json(m, doc_id) + "\n")
    elif fmt == "tsv":
        if header:
            out.write("doc\tlabel\tstart\tend\ttext\trule\targs\n")
        for m in mentions:
            args = "; ".join(f"{k}={_clean(_arg_text(v))}" for k, v in m.args.items())
            out.write("\t".join([_clean(doc_id), m.label, str(m.start), str(m.end), _clean(m.text), m.rule,
                                 args]) + "\n")
    elif fmt == "table":
        if mentions:
            out.write(f"== {doc_id}  ({len(mentions)} mention{'s' if len(mentions) != 1 else ''})\n")
        for m in mentions:
            span = f"{m.start}-{m.end}"
            out.write(f"  {_pad(m.label, 12)} {_pad(span, 11)} {_pad(m.rule, 28)} {_clean(m.text)}\n")
            for k, v in m.args.items():
                out.write(f"  {'':12} {'':11} {_pad('  ' + k, 28)} {_clean(_arg_text(v))}\n")
    else:  # pragma: no cover - argparse restricts the choices
        raise ValueError(f"unknown format {fmt!r}")
    out.flush()


class Sink:
    """Where one run's results go. Subclasses: a text stream (jsonl, tsv, table); others add HTML, SQLite."""

    def write(self, doc_id: str, text: str, mentions: Sequence[Mention]) -> None:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output (write a page footer, commit a transaction ...)."""


class StreamSink(Sink):
    """Text formats written line by line to a stream, flushed after each document."""

    def __init__(self, out: IO[str], fmt: str) -> None:
        self.out, self.fmt, self.count = out, fmt, 0

    def write(self, doc_id: str, text: str, mentions: Sequence[Mention]) -> None:
        write_mentions(self.out, mentions, doc_id, self.fmt, header=(self.count == 0), text=text)
        self.count += 1


TOKEN_COLUMNS = ("i", "start", "end", "sent", "shape", "pre", "def", "stem", "suf", "lex", "norm", "text")


def write_tokens(out: IO[str], tokens: Iterable[Token], fmt: str, doc_id: str | None = None) -> None:
    """One line per token: a readable table, or JSON Lines with every attribute."""
    if fmt == "jsonl":
        for t in tokens:
            d: dict[str, Any] = t.to_dict()
            if doc_id is not None:
                d = {"doc": doc_id, **d}
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
        out.flush()
        return
    toks = list(tokens)
    rows = [[str(t.i), str(t.start), str(t.end), str(t.sent), t.shape, t.pre or "-", "ال" if t.definite else "-",
             t.stem or "-", t.suf or "-", t.lex or "-", t.norm, _clean(t.text) + (" *" if len(t.analyses) > 1 else "")]
            for t in toks]
    widths = [max([width(h)] + [width(r[k]) for r in rows]) for k, h in enumerate(TOKEN_COLUMNS)]
    if doc_id is not None:
        out.write(f"== {doc_id}\n")
    out.write("  ".join(_pad(h, widths[k]) for k, h in enumerate(TOKEN_COLUMNS)).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(_pad(c, widths[k]) for k, c in enumerate(r)).rstrip() + "\n")
    if any(len(t.analyses) > 1 for t in toks):
        out.write("(* the word has other analyses too; see --format jsonl)\n")
    out.flush()
