"""Shared test configuration: the `slow` marker and fixtures several subsystems' tests use.

Tests are laid out like the package (`tests/pattern/` tests `dsl/pattern/`, ...); helper
modules shared across folders (`sample_packs.py`, `pattern/reference_matcher.py`) are
importable by name (see `pythonpath` in pyproject.toml). `-m "not slow"` skips the tests
that start worker processes, clusters or browsers, or run long property searches.
"""
from __future__ import annotations

from pathlib import Path

import pytest

#: The repository root (rules/, gazetteers/, examples/ live here).
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shipped_pack():
    """The shipped packs, compiled once per test session (they are immutable)."""
    from dsl import Pack
    return Pack.load([ROOT / "rules"])
