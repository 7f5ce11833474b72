"""What every text format shares: decoding, and refusing empty files and files with no article text."""

from __future__ import annotations

from dalil.index.readers.decoding import decode_text
from dalil.index.types import IngestProblem, RawArticle
from dalil.settings import Settings

Read = tuple[list[RawArticle], list[IngestProblem]]


class TextFileReader:
    """A ``Reader`` for a text format; subclasses set ``name`` and ``suffixes`` and implement ``parse``."""

    name: str
    suffixes: tuple[str, ...]

    def __init__(self, settings: Settings | None = None) -> None:
        """Built-in formats need no settings; the parameter is the factory signature every reader shares."""

    def read(self, path: str, data: bytes) -> Read:
        text, problem = self.decode(data)
        if problem:
            return [], [IngestProblem(path, problem)]
        if not text.strip():
            return [], [IngestProblem(path, "the file is empty")]
        return self.parse(path, text)

    def decode(self, data: bytes) -> tuple[str, str | None]:
        """The file's text, or ``("", why not)``; text formats take UTF-8 or UTF-16 with a BOM only."""
        return decode_text(data)

    def parse(self, path: str, text: str) -> Read:
        raise NotImplementedError


def one_article(article: RawArticle) -> Read:
    """A format holding one article per file: the article, unless no text was left of it."""
    if not article.text.strip():
        return [], [IngestProblem(article.path, "no article text found in the file")]
    return [article], []
