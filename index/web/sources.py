"""Web sources for ``dalil index add``: URLs of pages, RSS/Atom feeds and sitemaps; files of URLs (``.urls``, one
per line); feeds and sitemaps saved as files (``.rss``, ``.atom``, ``.xml``); WARC web archives (``.warc``,
``.warc.gz``). Anything else is read by the file readers. A page is read like an HTML file and identified by its
URL, so fetching it again updates it; each URL that gives nothing is reported, and the rest are still read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import feedparser
from lxml import etree
from warcio.archiveiterator import ArchiveIterator

from dalil.index.fetched import FetchedPages
from dalil.index.readers import Readers, read_articles
from dalil.index.readers.html import decode_html, html_article
from dalil.index.types import IngestProblem, RawArticle
from dalil.index.web.fetch import Fetched, Fetcher, FetchProblem

LISTING_SUFFIXES = (".rss", ".atom", ".xml")
URL_LIST_SUFFIX = ".urls"
WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_LISTED_URLS = 10_000  # pages taken from one feed, sitemap or URL file
MAX_SITEMAP_DEPTH = 2  # a sitemap index of sitemaps of pages
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


@dataclass
class WebRead:
    articles: list[RawArticle] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)  # URLs whose page has not changed since last time
    fetched: list[Fetched] = field(default_factory=list)  # to remember once the articles are indexed


def is_url(given: str) -> bool:
    return given.startswith(("http://", "https://"))


def is_web_source(given: str) -> bool:
    return is_url(given) or given.endswith((*LISTING_SUFFIXES, URL_LIST_SUFFIX, *WARC_SUFFIXES))


def read_sources(inputs: Sequence[str], readers: Readers, fetcher: Fetcher, seen: FetchedPages | None) -> WebRead:
    """Everything the inputs hold; with ``seen``, pages fetched before are asked for only if they changed."""
    read = WebRead()
    files = [Path(given) for given in inputs if not is_web_source(given)]
    if files:
        read.articles, read.problems = read_articles(files, readers)
    for given in (given for given in inputs if is_web_source(given)):
        if is_url(given):
            _read_url(given, fetcher, seen, read, depth=0)
        elif given.endswith(WARC_SUFFIXES):
            _read_warc(Path(given), fetcher.settings.fetch_max_bytes, read)
        else:
            try:
                data = Path(given).read_bytes()
            except OSError as exc:
                read.problems.append(IngestProblem(given, f"cannot be read ({exc.strerror})"))
                continue
            urls = _url_lines(data) if given.endswith(URL_LIST_SUFFIX) else _listed_urls(data)
            if urls is None:
                read.problems.append(IngestProblem(given, "neither an RSS/Atom feed nor a sitemap"))
            for url in (urls or [])[:MAX_LISTED_URLS]:
                _read_url(url, fetcher, seen, read, depth=MAX_SITEMAP_DEPTH)
    return read


def _read_url(url: str, fetcher: Fetcher, seen: FetchedPages | None, read: WebRead, depth: int) -> None:
    """A page, or a feed or sitemap whose pages are read in turn (sitemaps of sitemaps up to a depth)."""
    try:
        fetched = fetcher.get(url, seen.validators(url) if seen else None)
    except FetchProblem as problem:
        read.problems.append(IngestProblem(url, str(problem)))
        return
    if fetched.not_modified or (seen and seen.unchanged(fetched)):
        read.not_modified.append(url)
        return
    listed = _listed_urls(fetched.body) if "html" not in fetched.content_type else None
    if listed is not None:
        if depth > MAX_SITEMAP_DEPTH:
            read.problems.append(IngestProblem(url, "a sitemap nested deeper than sitemaps of sitemaps"))
            return
        for page_url in listed[:MAX_LISTED_URLS]:  # a listing is not remembered: its pages are, one by one
            _read_url(page_url, fetcher, seen, read, depth + 1)
        return
    article = page_article(fetched.url, fetched.final_url, fetched.body)
    if isinstance(article, IngestProblem):
        read.problems.append(article)
    else:
        read.articles.append(article)
        read.fetched.append(fetched)


def page_article(asked: str, final_url: str, body: bytes) -> RawArticle | IngestProblem:
    """A fetched page as an article identified by its URL (the page's canonical one, when it names one)."""
    article = html_article(asked, decode_html(body))
    if not article.text.strip():
        return IngestProblem(asked, "no article text found on the page")
    url = article.url or final_url
    return replace(article, url=url, doc_id=hashlib.sha256(url.encode("utf-8")).hexdigest()[:16])


def _listed_urls(data: bytes) -> list[str] | None:
    """The page URLs a sitemap or an RSS/Atom feed lists; None when it is neither."""
    head = data[:4096].lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        root = etree.fromstring(data, _XML)
        if root is None:
            return None
        return [loc.text.strip() for loc in root.iter(f"{_SITEMAP_NS}loc", "loc") if loc.text and loc.text.strip()]
    feed = feedparser.parse(data)
    if not feed.get("version"):
        return None
    return [entry.link for entry in feed.entries if entry.get("link")]


def _url_lines(data: bytes) -> list[str]:
    lines = (line.strip() for line in data.decode("utf-8", errors="replace").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _read_warc(path: Path, max_bytes: int, read: WebRead) -> None:
    try:
        for url, body in _warc_pages(path, max_bytes):
            where = f"{path}#{url}"
            if body is None:
                read.problems.append(IngestProblem(where, f"larger than {max_bytes:,} bytes"))
                continue
            article = page_article(url, url, body)
            if isinstance(article, IngestProblem):
                read.problems.append(replace(article, path=where))
            else:
                read.articles.append(replace(article, path=where))
    except (OSError, ValueError) as exc:  # warcio raises ArchiveLoadFailed (a ValueError) on what is not a WARC
        read.problems.append(IngestProblem(str(path), f"not a readable WARC file ({exc})"))


def _warc_pages(path: Path, max_bytes: int) -> Iterator[tuple[str, bytes | None]]:
    """(URL, body) of each HTML response the archive holds; the body None when it is over the size cap."""
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            content_type = (record.http_headers.get_header("Content-Type") or "").lower()
            if "html" not in content_type:
                continue
            body = record.content_stream().read(max_bytes + 1)
            yield record.rec_headers.get_header("WARC-Target-URI"), body if len(body) <= max_bytes else None
