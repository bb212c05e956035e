"""Rule writers' tools: rule examples as tests, explain, corpus statistics, pack diffs."""
