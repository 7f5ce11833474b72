"""Markdown articles: front matter as metadata, markup stripped to plain text."""

from __future__ import annotations

import re

from dalil.index.readers.text_file import Read, TextFileReader, one_article
from dalil.index.types import RawArticle

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_RULE_OR_UNDERLINE = re.compile(r"^\s{0,3}([-*_=])(?:\s*\1){2,}\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
_QUOTE_MARKER = re.compile(r"^\s*(?:>\s?)+")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+")
_INLINE_REPLACEMENTS = [
    (re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"), ""),  # images
    (re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])"), r"\1"),  # links keep their text
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
]


class MarkdownReader(TextFileReader):
    name = "markdown"
    suffixes = (".md", ".markdown")

    def parse(self, path: str, text: str) -> Read:
        return one_article(markdown_article(path, text))


def markdown_article(path: str, text: str) -> RawArticle:
    meta: dict[str, str] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        meta = _front_matter(front.group(1))
        text = text[front.end() :]
    body, first_heading = _markdown_to_text(text)
    return RawArticle(
        path=path,
        text=body,
        doc_id=meta.get("id"),
        title=meta.get("title") or first_heading,
        url=meta.get("url"),
        published=meta.get("published") or meta.get("date"),
        source=meta.get("source"),
        author=meta.get("author"),
    )


def _front_matter(block: str) -> dict[str, str]:
    """Simple ``key: value`` lines; anything richer (lists, nesting) is not article metadata and is ignored."""
    meta = {}
    for line in block.splitlines():
        match = _FRONT_MATTER_LINE.match(line)
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            if value:
                meta[match.group(1).lower()] = value
    return meta


def _markdown_to_text(text: str) -> tuple[str, str | None]:
    """Plain text with one paragraph per block, blocks separated by a blank line, and the first ``#`` heading."""
    blocks: list[str] = []
    paragraph: list[str] = []
    code: list[str] | None = None
    first_heading = None

    def flush() -> None:
        if paragraph:
            blocks.append(" ".join(paragraph))
            paragraph.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            if code is None:
                flush()
                code = []
            else:
                blocks.append("\n".join(code))
                code = None
            continue
        if code is not None:
            code.append(line.rstrip())  # code is kept as written
            continue
        line = _QUOTE_MARKER.sub("", line)
        if not line.strip() or _RULE_OR_UNDERLINE.match(line) or _LINK_DEFINITION.match(line):
            flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(_inline_to_text(heading.group(2)))
            if first_heading is None and len(heading.group(1)) == 1:
                first_heading = blocks[-1]
            continue
        if _LIST_MARKER.match(line):
            flush()
            line = _LIST_MARKER.sub("", line)
        paragraph.append(_inline_to_text(line.strip()))
    flush()
    if code:  # an unclosed fence still holds text
        blocks.append("\n".join(code))
    return "\n\n".join(block for block in blocks if block.strip()), first_heading or None


def _inline_to_text(line: str) -> str:
    for pattern, replacement in _INLINE_REPLACEMENTS:
        line = pattern.sub(replacement, line)
    return " ".join(line.split())
