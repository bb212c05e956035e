"""Characters: normalization with an offset map back to the original, and tokenization."""
