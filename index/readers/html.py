"""HTML articles: the main text only, read with a real parser; page furniture and scripts never reach the text."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from dalil.index.readers.text_file import Read, TextFileReader, one_article
from dalil.index.types import RawArticle

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


class HtmlReader(TextFileReader):
    name = "html"
    suffixes = (".html", ".htm")

    def parse(self, path: str, text: str) -> Read:
        return one_article(html_article(path, text))


def html_article(path: str, text: str) -> RawArticle:
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
