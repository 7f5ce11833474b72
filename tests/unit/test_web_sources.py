"""Articles from the web, against a news site on 127.0.0.1: feeds, sitemaps, URL lists and WARC archives; robots.txt,
timeouts, redirect loops, oversized and non-HTML answers reported per URL while the rest is indexed; adding again
fetches only what changed."""

import hashlib
import io
import threading
import time
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dalil.index.builder import add_sources
from dalil.index.embedders import load_embedder
from dalil.index.extract import extracted
from dalil.index.readers import load_readers
from dalil.index.stores import load_store


def _page(title, text, date="2024-03-05"):
    return (
        f"<html><head><title>{title}</title><meta property='article:published_time' content='{date}'></head>"
        f"<body><nav>Home · World</nav><article><h1>{title}</h1><p>{text}</p></article></body></html>"
    ).encode()


class Site:
    """What the test site serves, and every request it was sent."""

    def __init__(self):
        self.pages = {
            "/news/1.html": _page("Ferry to Aktau", "The night ferry to Aktau leaves at nine and arrives before dawn."),
            "/news/2.html": _page("Zebracorn census", "The zebracorn herders of Balkhash counted 4,211 animals."),
            "/news/3.html": _page("Steppe rail", "A new rail line will link Almaty and the steppe towns by 2027."),
            "/private/secret.html": _page("Secret", "Nobody should fetch this page about the secret plan."),
            "/flaky.html": _page("Flaky", "The server failed once before it answered with this story about wheat."),
        }
        self.requests = []
        self.failed_once = False

    def feed(self, base):
        items = "".join(
            f"<item><title>{p}</title><link>{base}{p}</link></item>"
            for p in ("/news/1.html", "/news/2.html", "/private/secret.html")
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode()

    def sitemap(self, base):
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in ("/news/1.html", "/news/3.html"))
        return (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + "</urlset>"
        ).encode()


@pytest.fixture
def site():
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            state.requests.append((self.path, dict(self.headers)))
            base = f"http://127.0.0.1:{self.server.server_port}"
            if self.path == "/robots.txt":
                return self._send(b"User-agent: *\nDisallow: /private/\n", "text/plain")
            if self.path == "/feed.xml":
                return self._send(state.feed(base), "application/rss+xml")
            if self.path == "/sitemap.xml":
                return self._send(state.sitemap(base), "application/xml")
            if self.path == "/slow.html":
                time.sleep(3)
                return self._send(_page("Slow", "Too slow to wait for."), "text/html")
            if self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.end_headers()
                return None
            if self.path == "/huge.html":  # 50 MB, streamed with no length declared
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(800):
                        self.wfile.write(b"<p>" + b"x" * 65_536 + b"</p>")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return None
            if self.path == "/photo.png":
                return self._send(b"\x89PNG", "image/png")
            if self.path == "/flaky.html" and not state.failed_once:
                state.failed_once = True
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return None
            body = state.pages.get(self.path)
            if body is None:
                return self._send(b"not here", "text/plain", status=404)
            etag = '"' + hashlib.sha256(body).hexdigest()[:12] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return None
            return self._send(body, "text/html; charset=utf-8", etag=etag)

        def _send(self, body, content_type, status=200, etag=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (the slow page)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.base = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


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


def test_a_feed_and_bad_urls_are_each_read_or_reported_and_robots_txt_is_obeyed(site, settings):
    base = site.base
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
    assert not any(path.startswith("/private/") for path, _ in site.requests)  # never asked for
    assert all(headers["User-Agent"] == settings.fetch_user_agent for _, headers in site.requests)


def test_adding_again_fetches_only_what_changed(site, settings):
    first = _add(settings, f"{site.base}/feed.xml")
    assert len(first.added) == 2
    again = _add(settings, f"{site.base}/feed.xml")
    assert again.added == [] and sorted(again.not_modified) == [f"{site.base}/news/1.html", f"{site.base}/news/2.html"]
    conditional = [headers for path, headers in site.requests[-2:] if path.startswith("/news/")]
    assert conditional and all("If-None-Match" in headers for headers in conditional)
    site.pages["/news/2.html"] = _page("Zebracorn census", "The zebracorn herders of Balkhash counted 5,002 animals.")
    changed = _add(settings, f"{site.base}/feed.xml")
    assert changed.replaced == first.added[1:] and changed.not_modified == [f"{site.base}/news/1.html"]


def test_a_sitemap_and_a_file_of_urls(site, settings, tmp_path):
    urls = tmp_path / "today.urls"
    urls.write_text(f"# today's stories\n{site.base}/news/2.html\n\n{site.base}/sitemap.xml\n")
    report = _add(settings, urls)
    assert {"Ferry to Aktau", "Zebracorn census", "Steppe rail"} <= _titles(settings) and len(report.added) == 3


def test_a_warc_archive_gives_its_html_responses(settings, tmp_path):
    archive = tmp_path / "crawl.warc.gz"
    with archive.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        for url, content_type, body in (
            ("https://news.example/ferry", "text/html", _page("Ferry to Aktau", "The night ferry leaves at nine.")),
            ("https://news.example/logo.png", "image/png", b"\x89PNG"),
            ("https://news.example/census", "text/html", _page("Census", "The herders counted 4,211 animals.")),
        ):
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.0")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            )
    report = _add(settings, archive)
    assert len(report.added) == 2 and not report.problems
    with closing(load_store(settings).open()) as reader:
        urls = {d.url for d in reader.list_documents()}
    assert {"https://news.example/ferry", "https://news.example/census"} <= urls


def test_extract_reads_urls_without_an_index(site, settings):
    items = extracted(
        [f"{site.base}/news/3.html", f"{site.base}/private/secret.html"], load_readers(settings), settings
    )
    page, refused = items
    assert page["title"] == "Steppe rail" and page["published"] == "2024-03-05" and "Almaty" in page["text"]
    assert refused["text"] is None and "robots.txt" in refused["problem"]
