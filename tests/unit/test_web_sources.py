"""Articles from the web, against a news site on 127.0.0.1: feeds, sitemaps, URL lists and WARC archives; robots.txt,
timeouts, redirect loops, oversized and non-HTML answers reported per URL while the rest is indexed; adding again
fetches only what changed."""

from contextlib import closing

import pytest

from dalil.index.builder import add_sources
from dalil.index.embedders import load_embedder
from dalil.index.extract import extracted
from dalil.index.readers import load_readers
from dalil.index.stores import load_store
from tests.news_site import page as _page
from tests.news_site import write_warc


@pytest.fixture
def settings(writable_settings):
    return writable_settings.model_copy(
        update={"fetch_host_delay_s": 0, "fetch_timeout_s": 1.0, "fetch_max_bytes": 1_000_000, "fetch_retries": 1}
    )


def _add(settings, *sources):
    return add_sources(settings, load_embedder(settings), [str(s) for s in sources])


def _titles(settings):
    with closing(load_store(settings).open()) as reader:
        return {d.title for d in reader.list_documents()}


def test_a_feed_and_bad_urls_are_each_read_or_reported_and_robots_txt_is_obeyed(news_site, settings):
    base = news_site.base
    bad = [f"{base}/slow.html", f"{base}/loop", f"{base}/huge.html", f"{base}/photo.png", f"{base}/missing.html"]
    report = _add(settings, f"{base}/feed.xml", f"{base}/flaky.html", *bad)
    assert {"Ferry to Aktau", "Zebracorn census", "Flaky"} <= _titles(settings)
    assert len(report.added) == 3
    why = {problem.path: problem.message for problem in report.problems}
    assert "robots.txt" in why[f"{base}/private/secret.html"]
    assert "no answer within 1 s" in why[f"{base}/slow.html"]
    assert "redirects" in why[f"{base}/loop"]
    assert "larger than 1,000,000 bytes" in why[f"{base}/huge.html"]
    assert "content type image/png" in why[f"{base}/photo.png"]
    assert "404" in why[f"{base}/missing.html"]
    assert not any(path.startswith("/private/") for path, _ in news_site.requests)  # never asked for
    assert all(headers["User-Agent"] == settings.fetch_user_agent for _, headers in news_site.requests)


def test_adding_again_fetches_only_what_changed(news_site, settings):
    first = _add(settings, f"{news_site.base}/feed.xml")
    assert len(first.added) == 2
    again = _add(settings, f"{news_site.base}/feed.xml")
    assert again.added == [] and sorted(again.not_modified) == [
        f"{news_site.base}/news/1.html",
        f"{news_site.base}/news/2.html",
    ]
    conditional = [headers for path, headers in news_site.requests[-2:] if path.startswith("/news/")]
    assert conditional and all("If-None-Match" in headers for headers in conditional)
    news_site.pages["/news/2.html"] = _page(
        "Zebracorn census", "The zebracorn herders of Balkhash counted 5,002 animals."
    )
    changed = _add(settings, f"{news_site.base}/feed.xml")
    assert changed.replaced == first.added[1:] and changed.not_modified == [f"{news_site.base}/news/1.html"]


def test_a_sitemap_and_a_file_of_urls(news_site, settings, tmp_path):
    urls = tmp_path / "today.urls"
    urls.write_text(f"# today's stories\n{news_site.base}/news/2.html\n\n{news_site.base}/sitemap.xml\n")
    report = _add(settings, urls)
    assert {"Ferry to Aktau", "Zebracorn census", "Steppe rail"} <= _titles(settings) and len(report.added) == 3


def test_a_warc_archive_gives_its_html_responses(settings, tmp_path):
    archive = write_warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://news.example/ferry", "text/html", _page("Ferry to Aktau", "The night ferry leaves at nine.")),
            ("https://news.example/logo.png", "image/png", b"\x89PNG"),
            ("https://news.example/census", "text/html", _page("Census", "The herders counted 4,211 animals.")),
        ],
    )
    report = _add(settings, archive)
    assert len(report.added) == 2 and not report.problems
    with closing(load_store(settings).open()) as reader:
        urls = {d.url for d in reader.list_documents()}
    assert {"https://news.example/ferry", "https://news.example/census"} <= urls


def test_extract_reads_urls_without_an_index(news_site, settings):
    items = extracted(
        [f"{news_site.base}/news/3.html", f"{news_site.base}/private/secret.html"], load_readers(settings), settings
    )
    page, refused = items
    assert page["title"] == "Steppe rail" and page["published"] == "2024-03-05" and "Almaty" in page["text"]
    assert refused["text"] is None and "robots.txt" in refused["problem"]
