"""Articles from the web: polite fetching (``fetch``), feeds, sitemaps, URL lists and WARC archives (``sources``),
and what was fetched before (``seen``)."""
