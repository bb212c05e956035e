"""Gazetteers: phrase lists matched on morphological tokens.

`format` reads entry files (`Entry`, errors with file:line:col), `index` compiles them with an
analyzer into a `Gazetteer` (a hashed trie of token keys; cached on disk), `scanner` matches
it over documents. The file format and the matching rules: `gazetteers/README.md`.
"""
