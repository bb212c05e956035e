"""The `arabic-ie` command line (also `python -m dsl`).

Exit codes: 0 success; 1 rule examples failed (`test`); 2 usage, rule-pack or gazetteer
errors; 3 some input documents could not be read (the others were processed); 130 when
interrupted. Messages go to stderr, results to stdout, one whole line at a time.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from dsl.version import __version__
from dsl.errors import DslError, ErrorList

EXIT_OK, EXIT_TESTS, EXIT_USAGE, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageError(Exception):
    """A command-line mistake: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}")


def _err(msg: str) -> None:
    sys.stderr.write(f"arabic-ie: {msg}\n")
    sys.stderr.flush()


def _load_pack(args: argparse.Namespace) -> Any:
    from dsl.pack.pack import Pack, default_rules_dir
    paths = args.rules or [str(default_rules_dir())]
    return Pack.load(paths, allow_paths=getattr(args, "allow_path", None) or (),
                     cache=not getattr(args, "no_cache", False))


class _AtomicOutput:
    """Write to a temporary file beside the target and rename it into place at the end."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        d = self.path.resolve().parent
        if self.path.is_dir():   # found now, not after the whole run when the rename fails
            raise UsageError(f"--output {path}: is a directory")
        try:
            fd, self.tmp = tempfile.mkstemp(dir=d, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as e:
            raise UsageError(f"--output {path}: cannot write in {d}: {e.strerror or e}") from None
        self.stream: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    def commit(self) -> None:
        self.stream.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.stream.close()
        finally:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass


class _Progress:
    """A one-line progress counter on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def update(self, done: int, name: str) -> None:
        now = time.monotonic()
        if self.enabled and now - self.last > 0.1:
            self.last = now
            sys.stderr.write(f"\r\033[K{done} documents  {name[-60:]}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


# --- commands -------------------------------------------------------------------------------------------
def cmd_match(args: argparse.Namespace) -> int:
    from dsl.io.inputs import InputProblem, iter_inputs, is_tty
    from dsl.io.writers import StreamSink
    from dsl.engines.pool import EngineError, engine_for, expand_globs, interrupts_deferred, open_store
    from dsl.io.sqlite import StoreError
    pack = _load_pack(args)
    labels = frozenset(x for v in (args.labels or []) for x in v.split(",") if x) or None
    if labels:
        unknown = sorted(labels - set(pack.labels()))
        if unknown:
            raise UsageError(f"--labels names unknown label(s): {', '.join(unknown)} "
                             f"(the packs produce: {', '.join(pack.labels())})")
    paths = expand_globs(args.paths or ["-"])
    if paths == ["-"] and is_tty(sys.stdin):
        raise UsageError("no input: give files or folders, or pipe text into standard input ('-')")
    try:
        store = open_store(args, pack, labels)   # SQLite: written in place, resumable
    except (EngineError, StoreError) as e:
        raise UsageError(str(e)) from None
    target = _AtomicOutput(args.output) if args.output and store is None else None
    stream = target.stream if target else sys.stdout
    if store is None and args.format == "html":
        from dsl.io.html import HtmlSink   # one self-contained page, written on close
        sink: Any = HtmlSink(stream, labels=pack.labels(), pack_name=pack.name)
    else:
        sink = store or StreamSink(stream, args.format)
    failures = replaced = n = 0
    progress = _Progress(is_tty(sys.stderr) and (len(paths) > 1 or any(Path(p).is_dir() for p in paths)))
    items = iter_inputs(paths, glob=args.glob, errors=args.encoding_errors,
                        jsonl_field=args.jsonl_field, id_field=args.id_field,
                        max_bytes=int(args.max_document_mb * 1024 * 1024) if args.max_document_mb else None)
    if store is not None:
        items = store.pending(items)   # documents recorded by an earlier run are skipped
    results = engine_for(args, pack, items, labels)
    try:
        for res in results:
            if isinstance(res, InputProblem):
                progress.close()
                _err(("warning: " if res.skipped else "") + str(res))
                failures += 0 if res.skipped else 1
                continue
            replaced += res.doc.replaced
            if res.error is not None:
                progress.close()
                _err(f"{res.doc.id}: {res.error}")
                failures += 1
                continue
            with interrupts_deferred():   # Ctrl-C waits until the document is written whole
                sink.write(res.doc.id, res.doc.text, res.mentions)
                n += 1
            progress.update(n, res.doc.id)
        sink.close()
    except KeyboardInterrupt:
        progress.close()
        results.close()   # stop the worker processes
        if store is None:
            sink.close()      # an HTML page is written on close: it keeps the documents done so far
        if target:
            target.commit()
        if store is not None:
            store.close("interrupted")
        _err(f"interrupted after {n} documents; the output holds whole records for those")
        return EXIT_INTERRUPTED
    except EngineError as e:
        progress.close()
        if target:
            target.abort()
        if store is not None:
            store.close("failed")
        _err(f"{e} (after {n} documents)" if n else str(e))
        return EXIT_USAGE
    except BaseException:
        results.close()
        if target:
            target.abort()
        if store is not None:
            store.close("failed")
        raise
    progress.close()
    if store is not None and store.skipped:
        _err(f"resumed: {store.skipped} documents already in {args.output} were skipped")
    if target:
        target.commit()
    if replaced:
        verb = "replaced" if args.encoding_errors == "replace" else "skipped"
        _err(f"warning: {replaced} undecodable bytes were {verb}")
    return EXIT_INPUT if failures else EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from dsl.tools.ruletest import run_examples
    pack = _load_pack(args)
    results = run_examples(pack, args.rule or None)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(r.describe())
    if args.verbose:
        for r in results:
            if r.ok:
                print(f"{r.pos}: rule {r.rule}: ok")
    silent = [r.name for r in pack.rules if r.enabled and not r.examples]
    if silent:
        print(f"note: {len(silent)} rule(s) have no examples: {', '.join(silent)}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return EXIT_TESTS if failed else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    pack = _load_pack(args)
    for w in getattr(pack, "warnings", ()):
        sys.stderr.write(w.render() + "\n")
    n_entries = sum(len(g.gazetteer) for g in pack.gazetteers.values())
    print(f"ok: {len(pack.rules)} rules in {len(pack.phases)} phase(s), {len(pack.gazetteers)} gazetteers "
          f"({n_entries} entries), labels: {', '.join(pack.labels())}")
    return EXIT_OK


def cmd_tokens(args: argparse.Namespace) -> int:
    from dsl.io.inputs import InputDoc, InputProblem, iter_inputs
    from dsl.io.writers import write_tokens
    if args.text is not None:
        docs: list[Any] = [InputDoc("--text", args.text)]
    else:
        docs = list(iter_inputs(args.paths or ["-"], errors=args.encoding_errors))
    if args.rules:
        analyzer = _load_pack(args).analyzer
    else:
        from dsl.morph.analyzer import default_analyzer
        analyzer = default_analyzer()
    failures = 0
    for d in docs:
        if isinstance(d, InputProblem):
            _err(str(d))
            failures += 1
            continue
        doc = analyzer.analyze(d.text, id=d.id)
        write_tokens(sys.stdout, doc.tokens, args.format, d.id if len(docs) > 1 else None)
    return EXIT_INPUT if failures else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json
    from dsl.pack.schema import json_schema
    if getattr(args, "path", False):
        print(Path(__file__).resolve().parent.parent / "pack" / "pack.schema.json")
        return EXIT_OK
    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


# --- the parser -----------------------------------------------------------------------------------------
def _add_rules(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", metavar="PACK",
                   help="a rule pack (YAML file, or a folder of them); repeat for several; "
                        "default: the packs shipped in rules/")
    p.add_argument("--allow-path", action="append", metavar="DIR",
                   help="let packs read gazetteers/imports inside DIR too (by default only the pack's own folder "
                        "and a sibling gazetteers/ folder)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-pack cache")


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    ap = _Parser(prog="arabic-ie", formatter_class=fmt,
                 description="Rule-based information extraction for Arabic text.",
                 epilog="commands: match, test, check, tokens, schema, explain, stats, diff, bench.  "
                        "'arabic-ie COMMAND --help' for each.\n"
                        "exit codes: 0 ok, 1 rule examples failed, 2 usage or rule errors, 3 some inputs unreadable")
    ap.add_argument("--version", action="version", version=f"arabic-ie {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    m = sub.add_parser("match", help="extract mentions from text files, folders or standard input",
                       formatter_class=fmt, epilog="examples:\n"
                       "  arabic-ie match examples/\n"
                       "  arabic-ie match --format table article.txt\n"
                       "  cat article.txt | arabic-ie match --labels Person,Meeting -\n"
                       "  arabic-ie match --rules my-pack.yaml --output out.jsonl corpus/")
    m.add_argument("paths", nargs="*", metavar="PATH", help="files, folders (recursive) or '-' for stdin")
    _add_rules(m)
    m.add_argument("--labels", action="append", metavar="L1,L2", help="only output these labels")
    m.add_argument("--format", choices=("jsonl", "tsv", "table", "html"), default="jsonl",
                   help="jsonl (default, one JSON object per mention), tsv, table (for people), or html "
                        "(one self-contained page to open in a browser)")
    m.add_argument("--output", "-o", metavar="FILE", help="write here (atomically) instead of stdout")
    m.add_argument("--glob", default="*.txt", help="which files to read inside folders (default: *.txt)")
    m.add_argument("--encoding-errors", choices=("strict", "replace", "skip"), default="strict",
                   help="what to do with invalid UTF-8: report the file (strict, default), replace or skip bytes")
    m.add_argument("--max-document-mb", type=float, metavar="N",
                   help="refuse a text file (or standard input) larger than N MiB instead of running out of "
                        "memory (default 128; matching takes about 75 bytes of memory per byte of text)")
    m.add_argument("--jsonl-field", metavar="FIELD", help="inputs are JSON Lines; the text is in FIELD")
    m.add_argument("--id-field", metavar="FIELD", help="with --jsonl-field: the document id is in FIELD")
    from dsl.engines.pool import add_match_options
    add_match_options(m)   # --workers, --dask, --scheduler; --format sqlite (issue 8)
    m.set_defaults(func=cmd_match)

    t = sub.add_parser("test", help="run every rule's examples; ends with 'N passed, N failed'",
                       formatter_class=fmt, epilog="examples:\n  arabic-ie test rules/\n"
                       "  arabic-ie test --rule meeting_bahth_maa rules/meetings.yaml")
    t.add_argument("packs", nargs="*", metavar="PACK", help="packs or folders (default: rules/)")
    _add_rules(t)
    t.add_argument("--rule", action="append", metavar="NAME", help="only this rule's examples (repeatable)")
    t.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    t.set_defaults(func=cmd_test)

    c = sub.add_parser("check", help="validate packs and gazetteers; list every error (file:line:column)",
                       formatter_class=fmt, epilog="examples:\n  arabic-ie check rules/\n  arabic-ie check my-pack.yaml")
    c.add_argument("packs", nargs="*", metavar="PACK", help="packs or folders (default: rules/)")
    _add_rules(c)
    c.set_defaults(func=cmd_check)

    k = sub.add_parser("tokens", help="show the morphological tokens of a text",
                       formatter_class=fmt, epilog="examples:\n  arabic-ie tokens --text 'والمشير حفتر'\n"
                       "  arabic-ie tokens --format jsonl examples/000_457475bf7bf8e888.txt")
    k.add_argument("paths", nargs="*", metavar="PATH", help="files or '-' for stdin")
    k.add_argument("--text", help="analyze this text instead of files")
    k.add_argument("--format", choices=("table", "jsonl"), default="table")
    k.add_argument("--encoding-errors", choices=("strict", "replace", "skip"), default="strict")
    _add_rules(k)
    k.set_defaults(func=cmd_tokens)

    s = sub.add_parser("schema", help="print the JSON Schema of rule packs (for editors)")
    s.add_argument("--path", action="store_true", help="print where the installed schema file is instead")
    s.set_defaults(func=cmd_schema)
    from dsl.cli.tools import register as register_tools
    register_tools(sub, _add_rules)   # explain, stats, diff (issue 9)
    from dsl.bench.harness import register as register_bench
    register_bench(sub)   # bench (issue 6)
    return ap


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    _err(f"warning: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    with warnings.catch_warnings():
        # Warnings (e.g. a regex timeout naming its rule) are one `arabic-ie: warning: ...` line each.
        warnings.showwarning = _show_warning
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        if getattr(args, "packs", None):
            args.rules = (args.rules or []) + args.packs
        return int(args.func(args))
    except UsageError as e:
        _err(str(e).removeprefix("arabic-ie: "))
        return EXIT_USAGE
    except ErrorList as e:
        for item in e.errors:
            sys.stderr.write(item.render() + "\n")
        _err(f"{len(e.errors)} errors")
        return EXIT_USAGE
    except DslError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # `arabic-ie match ... | head`: stop quietly; silence the flush at interpreter exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
