"""The pattern language: grammar and AST (`syntax`), `parser`, `compiler` to a `program`,
the `vm` that runs it, and `lint`."""
