"""Where the shipped packs are, and which packs run when none is named.

The top-level `rules/` and `gazetteers/` folders of the source tree are the packs' only
copy. The wheel maps them into the package as `dsl/shipped/rules/` and
`dsl/shipped/gazetteers/` (setuptools `package-dir`, see pyproject.toml), side by side as
in the checkout, so a pack's `../gazetteers/x.txt` resolves the same way in both. An
editable install or a checkout on `PYTHONPATH` has no `dsl/shipped/rules/`: the folders
beside the package are used.

When no pack is named, `$ARABIC_IE_RULES` decides (a pack file or a folder of packs, or
several joined by the path separator, `:` on POSIX); otherwise the shipped packs run. The
working directory plays no part: a `./rules/` folder never replaces them silently.
A pack imports a shipped pack by name with `imports: [arabic-ie:common]`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming the packs to run when none is given on the command line.
RULES_ENV = "ARABIC_IE_RULES"
#: `imports:` entries with this prefix name a shipped pack (`arabic-ie:common` is `common.yaml`).
SHIPPED_PREFIX = "arabic-ie:"

_PACKAGE = Path(__file__).resolve().parent.parent       # the `dsl` folder


def shipped_rules_dir() -> Path:
    """The folder of the shipped packs: inside the installed package, else beside it (a checkout)."""
    installed = _PACKAGE / "shipped" / "rules"
    return installed if installed.is_dir() else _PACKAGE.parent / "rules"


def shipped_gazetteers_dir() -> Path:
    """The folder of the shipped gazetteers, the sibling of `shipped_rules_dir()`."""
    return shipped_rules_dir().parent / "gazetteers"


def shipped_pack_names() -> list[str]:
    """The names `imports: [arabic-ie:NAME]` accepts: the shipped pack files without `.yaml`."""
    d = shipped_rules_dir()
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


def shipped_pack(name: str) -> Path | None:
    """The file of the shipped pack `name` (`common`, or `common.yaml`), or None when there is none."""
    stem = name.removesuffix(".yaml")
    if stem not in shipped_pack_names():
        return None
    return shipped_rules_dir() / f"{stem}.yaml"


@dataclass(frozen=True)
class DefaultPacks:
    """The packs that run when none is named, and why: `source` is 'shipped' or the variable's name."""

    paths: tuple[Path, ...]
    source: str

    def describe(self) -> str:
        """One phrase for messages: 'the shipped packs in DIR' or '$ARABIC_IE_RULES=PATHS'."""
        where = os.pathsep.join(str(p) for p in self.paths)
        return f"the shipped packs in {where}" if self.source == "shipped" else f"${self.source}={where}"


def default_packs() -> DefaultPacks:
    """`$ARABIC_IE_RULES` when set and not empty, else the shipped packs; never the working directory."""
    env = os.environ.get(RULES_ENV, "").strip()
    if env:
        return DefaultPacks(tuple(Path(p) for p in env.split(os.pathsep) if p), RULES_ENV)
    return DefaultPacks((shipped_rules_dir(),), "shipped")
