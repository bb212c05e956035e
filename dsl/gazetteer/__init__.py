"""Gazetteers: phrase lists matched on morphological tokens."""
