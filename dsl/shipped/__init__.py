"""The shipped rule packs and gazetteers, as package data of the wheel.

Nothing lives here in the source tree: pyproject.toml maps `dsl.shipped.rules` to the
top-level `rules/` folder and `dsl.shipped.gazetteers` to `gazetteers/` (setuptools
`package-dir`), which stay the only copy. `dsl.pack.shipped` finds them, installed or not.
"""
