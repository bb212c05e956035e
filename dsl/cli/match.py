"""`arabic-ie match`: its options (output formats, the engines' options) and the run.

Documents are read as they come, matched by the engine the options ask for
(`dsl.engines.select`), and written whole: to stdout, atomically to `--output`, or into a
resumable SQLite file. The engines and writers are imported when the command runs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dsl.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_USAGE,
    HELP_FORMAT,
    UsageError,
    add_encoding_errors,
    add_glob,
    add_paths,
    add_rules_options,
    err,
    load_pack,
    require_input,
)
from dsl.cli.progress import Progress, summary
from dsl.engines.defaults import AUTO_THRESHOLD

EPILOG = """examples:
  arabic-ie match examples/
  arabic-ie match --format table article.txt
  cat article.txt | arabic-ie match --labels Person,Meeting -
  arabic-ie match --rules my-pack.yaml --output out.jsonl corpus/
  arabic-ie match --workers 2 --output results.sqlite 'archive/**/*.txt'   # rerun to resume
  arabic-ie match --jsonl-field text --id-field id --mentions-field ents ner-output.jsonl
  arabic-ie match --scheduler tcp://10.0.0.5:8786 --output results.sqlite archive/"""


def add_match(sub: Any) -> None:
    """Add `match` to the CLI's subparsers."""
    m = sub.add_parser("match", help="extract mentions from text files, folders or standard input",
                       formatter_class=HELP_FORMAT, epilog=EPILOG)
    add_paths(m)
    add_rules_options(m)
    m.add_argument("--labels", action="append", metavar="L1,L2", help="only output these labels")
    m.add_argument("--format", choices=("jsonl", "tsv", "table", "html", "sqlite", "iob"), default="jsonl",
                   help="jsonl (default, one JSON object per mention), tsv, table (for people), or html "
                        "(one self-contained page to open in a browser); sqlite (resumable, needs --output; "
                        "implied by --output *.sqlite/.sqlite3/.db); iob ('word TAG' per word, for NER tools "
                        "and 'arabic-ie evaluate')")
    m.add_argument("--output", "-o", metavar="FILE",
                   help="write here (atomically) instead of stdout; a .sqlite/.sqlite3/.db file is written in "
                        "place, and a rerun resumes it")
    m.add_argument("--html-page-size", type=page_size_arg, default=None, metavar="N",
                   help="--format html: documents per page (default 100, dsl.io.html.PAGE_SIZE; with --output "
                        "report.html the other pages are report-2.html, ...; on standard output only the first "
                        "page); 0: every document on one page")
    add_glob(m)
    add_encoding_errors(m, "what to do with invalid UTF-8: report the file (strict, default), replace or skip bytes")
    m.add_argument("--max-document-mb", type=float, metavar="N",
                   help="refuse a text file (or standard input) larger than N MiB instead of running out of "
                        "memory (default 128; matching takes about 75 bytes of memory per byte of text)")
    m.add_argument("--jsonl-field", metavar="FIELD", help="inputs are JSON Lines; the text is in FIELD")
    m.add_argument("--id-field", metavar="FIELD", help="with --jsonl-field: the document id is in FIELD")
    # entities from a statistical NER as input to the rules (dsl.doc.given)
    m.add_argument("--mentions-field", metavar="FIELD",
                   help="with --jsonl-field: FIELD holds entities a model found, [{\"label\", \"start\", \"end\"}, "
                        "...] (character offsets into the text); they enter the rules as mentions of their "
                        "label (@Person sees them) and are not output unless --echo-mentions")
    m.add_argument("--mentions-map", action="append", metavar="TAG=Label",
                   help="rename a label of --mentions-field (repeatable); defaults: PER, PERS, PERSON=Person, "
                        "LOC, GPE=Location, ORG=Organization")
    m.add_argument("--mentions-priority", type=int, default=0, metavar="N",
                   help="priority of the given mentions against the rules' in overlaps (default 0)")
    m.add_argument("--echo-mentions", action="store_true",
                   help="output the given mentions too (rule 'input')")
    # the engines (dsl.engines): --workers N | --dask local | --scheduler ADDRESS
    m.add_argument("--workers", type=workers_arg, default=None, metavar="N",
                   help=f"processes to match with (default 'auto': one per core when the input has more than "
                        f"{AUTO_THRESHOLD} documents, else this process alone); output is the same for any N")
    m.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster (e.g. tcp://10.0.0.5:8786); needs the 'dask' extra")
    m.add_argument("--dask", choices=("local",),
                   help="'local': run on a Dask LocalCluster of --workers processes on this machine")
    m.add_argument("-q", "--quiet", action="store_true",
                   help="no progress line (shown on a terminal) and no summary line at the end")
    m.set_defaults(func=cmd_match)


def page_size_arg(s: str) -> int:
    """`--html-page-size`: documents per page, 0 for one page."""
    try:
        n = int(s)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a number of documents (0 for one page), not {s!r}")
    return n


def workers_arg(s: str) -> int | None:
    """`--workers`: a number of processes (1 or more), or `auto` (None)."""
    if s == "auto":
        return None
    try:
        n = int(s)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more) or 'auto', not {s!r}")
    return n


# --- the run ----------------------------------------------------------------------------------------------
def cmd_match(args: argparse.Namespace) -> int:
    """Run `match`: SIGINT, SIGTERM and SIGHUP end it cleanly (`dsl.cli.interrupts`), with 128 + the signal."""
    from dsl.cli.interrupts import RunControl, interrupted_by
    with RunControl(linger=getattr(args, "program", False)) as ctl:
        try:
            return _match(args, ctl)
        except BaseException as x:   # before the output was opened
            e = interrupted_by(x)
            if e is None:
                raise
            ctl.stop()
            err(f"interrupted ({e.name}); nothing was written")
            return e.exit_code


def _match(args: argparse.Namespace, ctl: Any) -> int:
    from dsl.cli.interrupts import interrupted_by
    from dsl.engines.common import EngineError
    from dsl.io.inputs import InputProblem, is_tty, iter_inputs
    from dsl.io.sqlite import StoreError
    from dsl.io.writers import OutputError
    pack = load_pack(args)
    labels = frozenset(x for v in (args.labels or []) for x in v.split(",") if x) or None
    if labels:
        unknown = sorted(labels - set(pack.labels()))
        if unknown:
            raise UsageError(f"--labels names unknown label(s): {', '.join(unknown)} "
                             f"(the packs produce: {', '.join(pack.labels())})")
    given = mentions_field(args)
    paths = expand_globs(args.paths or ["-"])
    require_input(paths)
    with ctl.holding():   # a signal now waits until the output is open, then stops the run below
        out = _Output(args, pack, labels)
        ctl.on_abandon(out.discard)
    failures = replaced = n = 0
    n_mentions = 0
    started = time.monotonic()
    ctl.last_words = lambda: f"stopped at once after {n} documents ({ctl.name} again); {out.left()}"
    # the progress line: a terminal only, and not for one plain file (stdin, or JSON Lines, can be long)
    progress = Progress(sys.stderr, not args.quiet and is_tty(sys.stderr) and (
        len(paths) > 1 or bool(args.jsonl_field) or paths == ["-"] or any(Path(p).is_dir() for p in paths)))
    progress.count_in_background(paths, args.glob, bool(args.jsonl_field))
    items = iter_inputs(paths, glob=args.glob, errors=args.encoding_errors,
                        jsonl_field=args.jsonl_field, id_field=args.id_field,
                        max_bytes=int(args.max_document_mb * 1024 * 1024) if args.max_document_mb else None,
                        mentions=given)
    if out.store is not None:
        items = out.store.pending(items)   # documents recorded by an earlier run are skipped
    results = _results(args, pack, items, labels)
    try:
        ctl.check()
        for res in results:
            ctl.check()   # a signal whose exception was swallowed on its way (in a __del__ ...) stops it here
            if isinstance(res, InputProblem):
                progress.close()
                err(("warning: " if res.skipped else "") + str(res))
                failures += 0 if res.skipped else 1
                continue
            replaced += res.doc.replaced
            if res.error is not None:
                progress.close()
                err(f"{res.doc.id}: {res.error}")
                failures += 1
                continue
            with ctl.writing():   # a signal waits until the document is written whole
                out.write(res.doc.id, res.doc.text, res.mentions)
                n += 1
                n_mentions += len(res.mentions)
            progress.update(n + failures, n_mentions, res.doc.id, out.store.skipped if out.store is not None else 0)
        with ctl.writing():
            out.finish("done")
            ctl.complete()   # all is written: a signal from now on lets the run end as it is
    except (OutputError, StoreError) as e:
        progress.close()
        _stop(results)
        out.abort()
        err(f"{e} (after {n} documents; {out.left()})")
        return EXIT_USAGE
    except EngineError as e:
        progress.close()
        out.abort()
        err(f"{e} (after {n} documents)" if n else str(e))
        return EXIT_USAGE
    except BaseException as x:
        e = interrupted_by(x)        # Interrupted, or an exception it caused (Python may wrap it)
        if e is None:
            results.close()
            out.abort()
            raise
        ctl.stop()
        progress.close()
        _stop(results)    # the worker processes, at once
        try:
            out.finish("interrupted")   # whole records: the page, the renamed file, the committed batch
        except (OutputError, StoreError) as oe:
            err(f"{oe} (interrupted after {n} documents, {e.name}; {out.left()})")
            return e.exit_code
        err(f"interrupted after {n} documents ({e.name}); {out.left()}")
        return e.exit_code
    progress.close()
    if out.store is not None and out.store.skipped:
        err(f"resumed: {out.store.skipped} documents already in {args.output} were skipped")
    if replaced:
        verb = "replaced" if args.encoding_errors == "replace" else "skipped"
        err(f"warning: {replaced} undecodable bytes were {verb}")
    if not args.quiet:   # also when stderr is no terminal: a batch run's log says what it did
        err(summary(n, n_mentions, time.monotonic() - started, failures))
    return EXIT_INPUT if failures else EXIT_OK


def mentions_field(args: argparse.Namespace) -> Any:
    """`--mentions-field` and its companions as a `dsl.io.inputs.MentionsField` (None without it)."""
    from dsl.doc.given import DEFAULT_LABEL_MAP
    from dsl.io.inputs import MentionsField
    companions = [o for o, v in (("--mentions-map", args.mentions_map), ("--echo-mentions", args.echo_mentions),
                                 ("--mentions-priority", args.mentions_priority)) if v]
    if not args.mentions_field:
        if companions:
            raise UsageError(f"{companions[0]} needs --mentions-field FIELD")
        return None
    if not args.jsonl_field:
        raise UsageError("--mentions-field needs JSON Lines input: give --jsonl-field FIELD too")
    label_map = dict(DEFAULT_LABEL_MAP)
    for item in args.mentions_map or []:
        tag, eq, label = item.partition("=")
        if not eq or not tag or not label:
            raise UsageError(f"--mentions-map expects TAG=Label, not {item!r}")
        label_map[tag] = label
    return MentionsField(args.mentions_field, label_map, args.echo_mentions, args.mentions_priority)


def _stop(results: Iterator[Any]) -> None:
    """Close the engine (its workers stop); a failure there must not keep the output from being finished."""
    try:
        results.close()
    except Exception as e:   # reported, then the output is finished all the same
        err(f"warning: stopping the engine: {e}")


def _results(args: argparse.Namespace, pack: Any, items: Iterable[Any], labels: frozenset[str] | None
             ) -> Iterator[Any]:
    """The engine's results (a generator: a conflict of options is an `EngineError` when reading starts)."""
    from dsl.engines.common import EngineError
    from dsl.engines.select import engine_for
    if args.scheduler and args.dask:
        raise EngineError("give --scheduler ADDRESS or --dask local, not both")
    yield from engine_for(pack, items, labels, workers=args.workers, scheduler=args.scheduler or None,
                          local_cluster=args.dask == "local")


def _open_store(args: argparse.Namespace, pack: Any, labels: frozenset[str] | None) -> Any:
    """The SQLite sink when `--output` ends in .sqlite/.sqlite3/.db or `--format sqlite`; else None."""
    from dsl.io.sqlite import SqliteSink, is_sqlite_path
    if args.format == "sqlite" or is_sqlite_path(args.output):
        if not args.output:
            raise UsageError("--format sqlite needs --output FILE")
        return SqliteSink(args.output, pack=pack, labels=labels)
    return None


def expand_globs(paths: Sequence[str]) -> list[str]:
    """PATH arguments with `*`, `?` or `[` that name no file are globs (sorted, `**` recursive).

    Shells expand globs themselves; this is for quoted globs, Windows shells and very long
    lists. A glob that matches nothing stays as it is, so the reader reports "no such file".
    """
    import glob
    out: list[str] = []
    for p in paths:
        if p != "-" and any(c in p for c in "*?[") and not os.path.exists(p):
            found = sorted(glob.glob(p, recursive=True))
            out.extend(found or [p])
        else:
            out.append(p)
    return out


class _Output:
    """Where the results go: a SQLite file (`store`), an `--output` file written whole (`target`), or stdout.

    `finish(status)` completes it (the HTML page, the rename into place, the last commit),
    `abort()` leaves an existing `--output` file untouched and marks a SQLite run failed;
    both may be called again. `left()` says, for the user, what the output holds.
    """

    def __init__(self, args: argparse.Namespace, pack: Any, labels: frozenset[str] | None) -> None:
        from dsl.io.sqlite import StoreError
        from dsl.io.writers import AtomicFile, OutputError, StreamSink
        self.name = args.output
        try:
            self.store = _open_store(args, pack, labels)   # SQLite: written in place, resumable
        except StoreError as e:
            raise UsageError(str(e)) from None
        if self.store is not None:
            for run in self.store.taken_over:
                err(f"note: took over from {run}, which ended without closing (killed or crashed)")
        try:
            self.target = AtomicFile(args.output) if args.output and self.store is None else None
        except OutputError as e:
            raise UsageError(str(e)) from None
        self.existed = bool(self.target) and Path(args.output).exists()
        stream = self.target.stream if self.target else sys.stdout
        if self.store is None and args.format == "html":
            from dsl.io.html import PAGE_SIZE, HtmlSink  # self-contained pages, written on close
            size = PAGE_SIZE if args.html_page_size is None else args.html_page_size
            self.sink: Any = HtmlSink(stream, labels=pack.labels(), pack_name=pack.name, page_size=size,
                                      path=args.output)
        else:
            self.sink = self.store or StreamSink(stream, args.format, args.output or "the output")
        self.ended = False

    def write(self, doc_id: str, text: str, mentions: Any) -> None:
        from dsl.io.writers import OutputError
        try:
            self.sink.write(doc_id, text, mentions)
        except BrokenPipeError:
            raise
        except OSError as e:     # the HTML report's page body, a full /tmp
            raise OutputError(f"cannot write {self.name or 'the output'}: {e.strerror or e}") from None
        if self.target:
            self.target.check()  # still there? (its folder removed during the run)

    def finish(self, status: str) -> None:
        from dsl.io.writers import OutputError
        if self.ended:
            return
        self.ended = True
        if self.store is not None:
            self.store.close(status)
            return
        try:
            self.sink.close()    # an HTML page is written on close: it keeps the documents done so far
        except BrokenPipeError:
            raise
        except OSError as e:
            if self.target:
                self.target.abort()
            raise OutputError(f"cannot write {self.name or 'the output'}: {e.strerror or e}") from None
        if self.target:
            self.target.commit()

    def abort(self) -> None:
        self.ended = True
        if self.target:
            self.target.abort()
        if self.store is not None:
            self.store.close("failed")

    def discard(self) -> None:
        """When the process must end at once: remove the temporary file (SQLite needs nothing)."""
        if self.target:
            self.target.discard()

    def left(self) -> str:
        """What the output holds now, for the user."""
        if self.store is not None:
            from dsl.io.sqlite import count_documents
            if not self.store.path.exists():
                return f"{self.store.path} is gone"
            held = count_documents(self.store.path)
            total = f"holds {held} documents" if held is not None else "keeps the documents committed"
            return f"{self.store.path} {total}: run the same command again to finish"
        if self.target:
            if self.target.committed:
                return f"{self.name} holds whole records for those"
            return f"{self.name} was not changed" if self.existed else f"{self.name} was not written"
        return "the output holds whole records for those"

