"""``dalil extract``: what dalil would index from files, read and cleaned exactly as a build reads them, without
an index. A page that gives nothing says why, so a person can see what went wrong."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dalil.index.cleaning import clean_article
from dalil.index.readers import Readers, read_articles
from dalil.index.types import IngestProblem


def extracted(paths: Sequence[Path], readers: Readers) -> list[dict]:
    """Per article read: ``{"path", "id", "title", "published", "source", "url", "language", "text"}``, or
    ``{"path", "text": None, "problem"}`` for a file or article that gives nothing to index."""
    raws, problems = read_articles(paths, readers)
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
                "language": article.language,
                "text": article.text,
            }
        )
    return found + [{"path": problem.path, "text": None, "problem": problem.message} for problem in problems]
