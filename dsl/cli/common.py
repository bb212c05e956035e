"""What every command shares: exit codes, usage errors, one-line messages, the options read by several.

Helpers go one way: the command modules import this one, never the reverse, and nothing
here imports the engines or the pack at import time, so building the parser stays cheap.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dsl.io.inputs import InputDoc

EXIT_OK, EXIT_TESTS, EXIT_USAGE, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

#: The help layout of every command: descriptions and epilogs (examples) printed as written.
HELP_FORMAT = argparse.RawDescriptionHelpFormatter
NO_INPUT = "no input: give files or folders, or pipe text into standard input ('-')"


class UsageError(Exception):
    """A command-line mistake: printed as one line, exit 2."""


class ArgParser(argparse.ArgumentParser):
    """An argument parser whose mistakes are `UsageError`s (after the usage line), not `SystemExit`."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}")


def err(msg: str) -> None:
    """One `arabic-ie: ...` line on stderr, flushed at once (results go to stdout)."""
    sys.stderr.write(f"arabic-ie: {msg}\n")
    sys.stderr.flush()


# --- options read by several commands -------------------------------------------------------------------
def add_rules_options(p: argparse.ArgumentParser) -> None:
    """`--rules`, `--allow-path`, `--no-cache`: which packs to load, and how (see `load_pack`)."""
    p.add_argument("--rules", action="append", metavar="PACK",
                   help="a rule pack (YAML file, or a folder of them); repeat for several; default: "
                        "$ARABIC_IE_RULES when set, else the shipped packs (common, persons, events)")
    p.add_argument("--allow-path", action="append", metavar="DIR",
                   help="let packs read gazetteers/imports inside DIR too (by default only the pack's own folder "
                        "and a sibling gazetteers/ folder)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the compiled-pack cache")


def add_paths(p: argparse.ArgumentParser) -> None:
    """The PATH arguments of the commands that read a corpus."""
    p.add_argument("paths", nargs="*", metavar="PATH", help="files, folders (recursive) or '-' for stdin")


def add_glob(p: argparse.ArgumentParser) -> None:
    p.add_argument("--glob", default="*.txt", help="which files to read inside folders (default: *.txt)")


def add_encoding_errors(p: argparse.ArgumentParser, help_text: str | None = None) -> None:
    p.add_argument("--encoding-errors", choices=("strict", "replace", "skip"), default="strict", help=help_text)


def add_corpus_options(p: argparse.ArgumentParser) -> None:
    """`--glob` and `--encoding-errors` (after the command's own options), then the pack options."""
    add_glob(p)
    add_encoding_errors(p)
    add_rules_options(p)


# --- loading ----------------------------------------------------------------------------------------------
def load_pack(args: argparse.Namespace) -> Any:
    """The packs of `--rules` (default: `$ARABIC_IE_RULES`, else the shipped ones), compiled or from the cache."""
    from dsl.frozen import settle_collector
    from dsl.pack.pack import Pack
    pack = Pack.load(args.rules or None, allow_paths=getattr(args, "allow_path", None) or (),
                     cache=not getattr(args, "no_cache", False))
    settle_collector()     # this process keeps the pack to its end: later collections skip it
    return pack


def packs_line(args: argparse.Namespace, pack: Any) -> str:
    """Which packs ran and where they come from: `packs: common, persons, events (the shipped packs (DIR))`."""
    from dsl.pack.shipped import default_packs
    where = ", ".join(args.rules) if args.rules else default_packs().describe()
    return f"packs: {pack.name} ({where})"


def require_input(paths: Sequence[str]) -> None:
    """Refuse to wait for a terminal: standard input alone must be piped or redirected."""
    from dsl.io.inputs import is_tty
    if list(paths) == ["-"] and is_tty(sys.stdin):
        raise UsageError(NO_INPUT)


class DocumentStream:
    """The documents of PATH arguments, in order; those that cannot be read are reported on stderr.

    `failed` counts them once the stream has been read (skipped bytes are warnings, not failures).
    """

    def __init__(self, paths: Sequence[str], glob: str, errors: str) -> None:
        self.paths = list(paths) or ["-"]
        self.glob, self.errors = glob, errors
        self.failed = 0

    def __iter__(self) -> Iterator[InputDoc]:
        from dsl.io.inputs import InputProblem, iter_inputs
        require_input(self.paths)
        self.failed = 0
        for item in iter_inputs(self.paths, glob=self.glob, errors=self.errors):
            if isinstance(item, InputProblem):
                err(("warning: " if item.skipped else "") + str(item))
                self.failed += 0 if item.skipped else 1
            else:
                yield item
