"""Rule packs: YAML source and schema, the compiled `Pack`, the pack-wide index, the cascade and the overlap policy."""
