"""Articles in, searchable sentences and chunks out. Knows nothing of HTTP."""
