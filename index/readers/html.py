"""HTML articles: the main text and its metadata through trafilatura, a maintained extractor measured on
trafilatura's own evaluation pages (``bench/web_extraction.py``), then dalil's cleaning like every format.

Comments are left out: readers' comments are not the article. Dates come from the page's metadata or text
(htmldate, inside trafilatura) as ISO 8601 days. A page trafilatura finds no main text in is reported as such.
"""

from __future__ import annotations

import codecs
import logging
import re
from copy import deepcopy

import trafilatura
from trafilatura.settings import DEFAULT_CONFIG

from dalil.index.readers.text_file import Read, TextFileReader, one_article
from dalil.index.types import RawArticle

_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)""", re.IGNORECASE)
_DOCUMENT = re.compile(r"<(html|body)[\s>]", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

# trafilatura takes a main text under 250 characters for a failed extraction and falls back to cruder ones that
# keep page furniture; a short news item is still an article (the same F1 on the evaluation pages either way).
_CONFIG = deepcopy(DEFAULT_CONFIG)
_CONFIG["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
SHORT_TEXT = 200  # characters
# trafilatura logs every page it finds little in; dalil reports that per file instead.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


class HtmlReader(TextFileReader):
    name = "html"
    suffixes = (".html", ".htm")

    def decode(self, data: bytes) -> tuple[str, str | None]:
        return decode_html(data), None

    def parse(self, path: str, text: str) -> Read:
        return one_article(html_article(path, text))


def decode_html(data: bytes) -> str:
    """Decode a page as a browser does: a byte-order mark, else the charset the page declares, else UTF-8;
    undecodable bytes become U+FFFD rather than losing the page."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None:
        declared = _DECLARED_CHARSET.search(data[:8192])
        encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError:
            encoding = "utf-8"
    return data.decode(encoding, errors="replace").replace("\x00", "\ufffd")


def html_article(path: str, html: str) -> RawArticle:
    if not _DOCUMENT.search(html[:8192]):
        html = f"<html><body>{html}</body></html>"  # a fragment: trafilatura takes whole documents only
    found = _extracted(html)
    if found is not None and len(found.text or "") < SHORT_TEXT:
        # On a page with no article, trafilatura's last-resort extractor returns the menu: look again without it.
        found = _extracted(html, prune_xpath=["//nav"])
    if found is None:
        return RawArticle(path=path, text="")
    return RawArticle(
        path=path,
        text=found.text or "",
        title=found.title or None,
        url=found.url or None,
        published=found.date or None,
        source=found.sitename or found.hostname or None,
        author=found.author or None,
    )


def _extracted(html: str, **options):
    return trafilatura.bare_extraction(html, include_comments=False, with_metadata=True, config=_CONFIG, **options)
