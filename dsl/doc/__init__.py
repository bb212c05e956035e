"""The data model every stage reads: tokens, documents, spans and mentions (no behaviour beyond building them)."""
