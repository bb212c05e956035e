"""arabic-ie: rule-based information extraction for Arabic text."""
__version__ = "0.1.0"
