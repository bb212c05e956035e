"""Morphological analysis: original text -> Documents of clitic-aware tokens (the built-in analyzer)."""
