"""``dalil extract``: what dalil would index from files and URLs (``web.sources``), read and cleaned exactly as
``dalil index add`` reads them, without an index. A source that gives nothing says why, so a person can see what
went wrong."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from dalil.index.cleaning import clean_article
from dalil.index.readers import Readers
from dalil.index.types import IngestProblem
from dalil.index.web.fetch import Fetcher
from dalil.index.web.sources import read_sources
from dalil.settings import Settings


def extracted(inputs: Sequence[str], readers: Readers, settings: Settings) -> list[dict]:
    """Per article read: ``{"path", "id", "title", "published", "source", "url", "language", "text"}``, or
    ``{"path", "text": None, "problem"}`` for a file or article that gives nothing to index."""
    with contextlib.closing(Fetcher(settings)) as fetcher:
        read = read_sources(inputs, readers, fetcher, seen=None)
    raws, problems = read.articles, read.problems
    found: list[dict] = []
    for raw in raws:
        article = clean_article(raw)
        if isinstance(article, IngestProblem):
            problems.append(article)
            continue
        found.append(
            {
                "path": raw.path,
                "id": article.doc_id,
                "title": article.title,
                "published": article.published,
                "source": article.source,
                "url": article.url,
                "author": article.author,
                "language": article.language,
                "text": article.text,
            }
        )
    return found + [{"path": problem.path, "text": None, "problem": problem.message} for problem in problems]
