"""`arabic-ie bench`: throughput and memory of every stage, side by side with spaCy."""
