"""Read article files (.txt, .md, .html, .jsonl) into raw articles, reporting files that cannot be read.

Problems carry the file in ``path`` and say what is wrong in ``message``; the CLI prints them as
``path: message``. One bad file, or one bad line of a .jsonl file, never stops the others from loading.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from index.types import IngestProblem, RawArticle

Loaded = tuple[list[RawArticle], list[IngestProblem]]

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (".txt", *MARKDOWN_SUFFIXES, *HTML_SUFFIXES, ".jsonl")


def read_articles(paths: Iterable[Path]) -> Loaded:
    """Load every supported file in ``paths``; folders are walked recursively in sorted order."""
    articles: list[RawArticle] = []
    problems: list[IngestProblem] = []
    seen: set[Path] = set()
    for given in paths:
        for path, problem in _files_in(Path(given)):
            if problem:
                problems.append(problem)
                continue
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            loaded, found = _read_file(path)
            articles.extend(loaded)
            problems.extend(found)
    return articles, problems


def _files_in(given: Path) -> list[tuple[Path, IngestProblem | None]]:
    if given.is_dir():
        return _walk(given)
    if not given.exists():
        return [(given, IngestProblem(str(given), "no such file or folder"))]
    if given.suffix.lower() not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        return [
            (
                given,
                IngestProblem(
                    str(given), f"unsupported file type {given.suffix or '(none)'!r}; use one of {supported}"
                ),
            )
        ]
    return [(given, None)]


def _walk(folder: Path) -> list[tuple[Path, IngestProblem | None]]:
    """Supported, non-hidden files under ``folder``; other files there are not articles and are skipped quietly."""
    found: list[tuple[Path, IngestProblem | None]] = []

    def unreadable(error: OSError) -> None:
        found.append((folder, IngestProblem(str(error.filename), f"cannot read the folder ({error.strerror})")))

    for root, folders, files in os.walk(folder, onerror=unreadable):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                found.append((Path(root) / name, None))
    return sorted(found, key=lambda item: item[0].parts)


def _read_file(path: Path) -> Loaded:
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [IngestProblem(str(path), f"cannot read the file ({error.strerror})")]
    text, problem = decode_text(data)
    if problem:
        return [], [IngestProblem(str(path), problem)]
    if not text.strip():
        return [], [IngestProblem(str(path), "the file is empty")]
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(path, text)
    article = _READERS[suffix](str(path), text)
    if not article.text.strip():
        return [], [IngestProblem(str(path), "no article text found in the file")]
    return [article], []


# --- encodings ---------------------------------------------------------------------------------------

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Text of UTF-8 (BOM optional) or UTF-16 (with BOM) bytes, or ``("", why not)``.

    Legacy code pages such as Windows-1256 are not guessed: almost any byte sequence decodes in them, so
    a guess would silently index garbage. The message says what the file looks like instead.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            return "", f"starts like UTF-16 text but is not ({error.reason}); save it as UTF-8"
        odd = _first_odd_character(text, unassigned_too=True)
        if odd is not None:
            return (
                "",
                f"starts like UTF-16 text but is not (character U+{ord(text[odd]):04X} at position {odd}); "
                "save it as UTF-8",
            )
        return text, None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = "; it looks like Windows-1256 Arabic" if _looks_like_windows_arabic(data) else ""
        return (
            "",
            f"not UTF-8 text (invalid byte 0x{data[error.start]:02X} at position {error.start}{hint}); "
            "save it as UTF-8",
        )
    odd = _first_odd_character(text, unassigned_too=False)
    if odd is not None:
        return "", f"looks like a binary file, not text (control character U+{ord(text[odd]):04X} at position {odd})"
    return text, None


def _first_odd_character(text: str, *, unassigned_too: bool) -> int | None:
    """Position of a character no article contains: a control code other than whitespace, or a surrogate.

    Unassigned code points also count for UTF-16, where a BOM followed by random bytes still decodes.
    """
    odd_categories = {"Cc", "Cs", "Cn"} if unassigned_too else {"Cc", "Cs"}
    for position, char in enumerate(text):
        if not char.isspace() and unicodedata.category(char) in odd_categories:
            return position
    return None


def _looks_like_windows_arabic(data: bytes) -> bool:
    letters = [char for char in data.decode("cp1256", errors="replace") if char.isalpha()]
    arabic = sum(1 for char in letters if "\u0600" <= char <= "\u06ff")
    return bool(letters) and arabic >= 0.5 * len(letters)


# --- plain text --------------------------------------------------------------------------------------


def _text_article(path: str, text: str) -> RawArticle:
    return RawArticle(path=path, text=text)


# --- markdown ----------------------------------------------------------------------------------------

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


def _markdown_article(path: str, text: str) -> RawArticle:
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


# --- html --------------------------------------------------------------------------------------------

_DROPPED_TAGS = (
    "script, style, noscript, template, nav, footer, aside, form, figure, figcaption, iframe, svg, "
    "button, select, textarea, object, embed, canvas, video, audio, [hidden], [aria-hidden=true]"
)
# Class or id words that mark page furniture around the story.
FURNITURE_MARKERS = ("share", "social", "comment", "related", "advert", "newsletter", "cookie", "promo", "subscribe")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt h1 h2 h3 h4 h5 h6 header hr li main ol p pre section "
    "table tbody td th thead tr ul".split()
)
_PUBLISHED_SELECTORS = (
    ('meta[property="article:published_time"]', "content"),
    ("time[datetime]", "datetime"),
    ('meta[name="date"]', "content"),
    ('meta[itemprop="datePublished"]', "content"),
    ('meta[name="pubdate"]', "content"),
)


def _html_article(path: str, text: str) -> RawArticle:
    page = LexborHTMLParser(text)
    source = _attribute(page, 'meta[property="og:site_name"]', "content")
    return RawArticle(
        path=path,
        text=_main_text(page),
        title=_html_title(page, source),
        url=_attribute(page, 'link[rel="canonical"]', "href") or _attribute(page, 'meta[property="og:url"]', "content"),
        published=next(filter(None, (_attribute(page, css, name) for css, name in _PUBLISHED_SELECTORS)), None),
        source=source,
    )


def _attribute(page: LexborHTMLParser, css: str, name: str) -> str | None:
    node = page.css_first(css)
    value = (node.attributes.get(name) or "").strip() if node is not None else ""
    return value or None


def _html_title(page: LexborHTMLParser, site_name: str | None) -> str | None:
    title = _attribute(page, 'meta[property="og:title"]', "content")
    if title is None:
        for css in ("title", "h1"):
            node = page.css_first(css)
            if node is not None and node.text(strip=True):
                title = " ".join(node.text().split())
                break
    if title and site_name:  # "Headline | Site" in <title>
        for separator in (" | ", " - ", " – ", " — "):
            title = title.removesuffix(separator + site_name)
    return title


def _main_text(page: LexborHTMLParser) -> str:
    """Text of <article>, else <main>, else <body>, without page furniture; one line per block element."""
    root = page.css_first("article") or page.css_first("main") or page.body
    if root is None:
        return ""
    for node in root.css(_DROPPED_TAGS):
        node.decompose()
    for node in root.css("header"):
        if not _inside(node, "article"):  # the article's own header holds its headline
            node.decompose()
    for node in root.css("[class], [id]"):
        if node is not root and _is_furniture(node):
            node.decompose()
    pieces: list[str] = []
    _collect_text(root, pieces)
    lines = (" ".join(line.split()) for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def _inside(node: LexborNode, tag: str) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.parent
    return False


def _is_furniture(node: LexborNode) -> bool:
    names = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}".lower()
    return any(marker in names for marker in FURNITURE_MARKERS)


def _collect_text(node: LexborNode, pieces: list[str]) -> None:
    child = node.child
    while child is not None:
        if child.is_text_node:
            pieces.append(child.text_content or "")
        elif child.is_element_node:
            block = child.tag in _BLOCK_TAGS
            if block:
                pieces.append("\n")
            _collect_text(child, pieces)
            if block:
                pieces.append("\n")
        child = child.next


# --- jsonl -------------------------------------------------------------------------------------------

_JSONL_METADATA = ("id", "title", "url", "published", "source")


def _read_jsonl(path: Path, text: str) -> Loaded:
    articles: list[RawArticle] = []
    problems: list[IngestProblem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        article, why_not = _jsonl_article(f"{path}#L{number}", line)
        if article is not None:
            articles.append(article)
        else:
            problems.append(IngestProblem(str(path), f"line {number}: {why_not}"))
    return articles, problems


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
    ), ""


_READERS: dict[str, Callable[[str, str], RawArticle]] = {
    ".txt": _text_article,
    **dict.fromkeys(MARKDOWN_SUFFIXES, _markdown_article),
    **dict.fromkeys(HTML_SUFFIXES, _html_article),
}
