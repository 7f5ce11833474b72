"""Main-text extraction on trafilatura's evaluation pages (../shared/datasets/web-extraction), scored by that
project's rules (dalil.eval.extraction): dalil's whole reading path (the HTML reader, then cleaning), the reader alone,
and trafilatura's `extract` with its defaults, in the same run; and published dates.

    .venv/bin/python bench/web_extraction.py [--data ../shared/datasets/web-extraction] [--out reports]

Dates: a page "carries one in its metadata" when its HTML has a machine-readable publication date: a <meta> whose
property, name or itemprop is one of PUBLISHED_META, or "datePublished" in a JSON-LD script. For those pages the
bench counts how many dalil gives a date for, and how many of those are the metadata's day.
Writes OUT/web_extraction.json; every figure carries the CPU it was measured on.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import lxml.html
import trafilatura

from dalil import cpu
from dalil.eval.extraction import Page, dalil_article, load_pages, read_html, score

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED_META = {
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "publication_date",
    "article.published",
}
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"(\d{4}-\d{2}-\d{2})')
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")


def metadata_date(html: bytes) -> str | None:
    """The publication day a page's metadata states (see the module text), or None."""
    page = lxml.html.fromstring(html.decode("utf-8", errors="replace").encode())
    for node in page.iter("meta"):
        key = node.get("property") or node.get("name") or node.get("itemprop") or ""
        day = _DAY.match((node.get("content") or "").strip())
        if key.strip().lower() in PUBLISHED_META and day:
            return day.group(1)
    for script in page.xpath('//script[@type="application/ld+json"]'):
        found = _JSON_LD_DATE.search(script.text or "")
        if found:
            return found.group(1)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "web-extraction")
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    pages = load_pages(args.data)
    read = {}

    def dalil_text(page: Page) -> str | None:
        read[page.url] = dalil_article(page)
        return read[page.url].text if read[page.url] else None

    started = time.perf_counter()
    dalil_score = score(pages, dalil_text)
    dalil_s = time.perf_counter() - started
    uncleaned_score = score(pages, lambda page: (raw := read_html(page)) and raw.text)
    started = time.perf_counter()
    trafilatura_score = score(pages, lambda page: trafilatura.extract(page.path.read_bytes()))
    trafilatura_s = time.perf_counter() - started

    dated = {page.url: metadata_date(page.path.read_bytes()) for page in pages}
    with_metadata = [url for url, day in dated.items() if day]
    given = [url for url in with_metadata if read[url] is not None and read[url].published]
    same_day = [url for url in given if read[url].published[:10] == dated[url]]
    trafilatura_empty = {url for url in dalil_score.empty} - set(trafilatura_score.empty)
    report = {
        "cpu": cpu.summary(),
        "pages": len(pages),
        "dalil": dalil_score.as_dict() | {"seconds": round(dalil_s, 1)},
        "dalil_reader_without_cleaning": uncleaned_score.as_dict(),
        "trafilatura_defaults": trafilatura_score.as_dict() | {"seconds": round(trafilatura_s, 1)},
        "pages_without_text_that_trafilatura_extracts": sorted(trafilatura_empty),
        "dates": {
            "pages_with_a_metadata_date": len(with_metadata),
            "dalil_gives_a_date": len(given),
            "share": round(len(given) / len(with_metadata), 3) if with_metadata else None,
            "the_metadata_day": len(same_day),
            "pages_with_a_date_of_all": sum(1 for article in read.values() if article and article.published),
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "web_extraction.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
