"""Plain-text articles: the file's text is the article."""

from __future__ import annotations

from dalil.index.readers.text_file import Read, TextFileReader, one_article
from dalil.index.types import RawArticle


class TextReader(TextFileReader):
    name = "txt"
    suffixes = (".txt",)

    def parse(self, path: str, text: str) -> Read:
        return one_article(RawArticle(path=path, text=text))
