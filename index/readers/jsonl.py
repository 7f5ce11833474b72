"""JSON Lines: an article per line, ``{"text": …}`` and optional ``id``, ``title``, ``url``, ``published``, ``source``,
``author``.

A bad line is reported with its number; the other lines are still read.
"""

from __future__ import annotations

import json

from dalil.index.readers.text_file import Read, TextFileReader
from dalil.index.types import IngestProblem, RawArticle


class JsonlReader(TextFileReader):
    name = "jsonl"
    suffixes = (".jsonl",)

    def parse(self, path: str, text: str) -> Read:
        articles: list[RawArticle] = []
        problems: list[IngestProblem] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            article, why_not = _jsonl_article(f"{path}#L{number}", line)
            if article is not None:
                articles.append(article)
            else:
                problems.append(IngestProblem(path, f"line {number}: {why_not}"))
        return articles, problems


_JSONL_METADATA = ("id", "title", "url", "published", "source", "author")


def _jsonl_article(path: str, line: str) -> tuple[RawArticle | None, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at column {error.colno})"
    if not isinstance(record, dict):
        return None, f'expected a JSON object with a "text" key, found a {type(record).__name__}'
    body = record.get("text")
    if body is not None and not isinstance(body, str):
        return None, f'the "text" value must be a string, not {type(body).__name__}'
    if not body or not body.strip():
        return None, 'no article text: the "text" value is missing or empty'
    meta: dict[str, str | None] = {}
    for key in _JSONL_METADATA:
        value = record.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | float | None):
            return None, f'the "{key}" value must be a string, not {type(value).__name__}'
        meta[key] = None if value is None else (str(value).strip() or None)
    return RawArticle(
        path=path,
        text=body,
        doc_id=meta["id"],
        title=meta["title"],
        url=meta["url"],
        published=meta["published"],
        source=meta["source"],
        author=meta["author"],
    ), ""
