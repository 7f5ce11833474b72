"""A small news site on 127.0.0.1 for the tests of reading the web: pages with ETags, a feed, a sitemap, a
robots.txt that forbids /private/, a slow page, a redirect loop, a 50 MB page, an image and a page that fails once."""

import hashlib
import io
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def page(title, text, date="2024-03-05"):
    return (
        f"<html><head><title>{title}</title><meta property='article:published_time' content='{date}'></head>"
        f"<body><nav>Home · World</nav><article><h1>{title}</h1><p>{text}</p></article></body></html>"
    ).encode()


class Site:
    """What the test site serves, and every request it was sent."""

    def __init__(self):
        self.pages = {
            "/news/1.html": page("Ferry to Aktau", "The night ferry to Aktau leaves at nine and arrives before dawn."),
            "/news/2.html": page("Zebracorn census", "The zebracorn herders of Balkhash counted 4,211 animals."),
            "/news/3.html": page("Steppe rail", "A new rail line will link Almaty and the steppe towns by 2027."),
            "/private/secret.html": page("Secret", "Nobody should fetch this page about the secret plan."),
            "/flaky.html": page("Flaky", "The server failed once before it answered with this story about wheat."),
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


@contextmanager
def serving_news_site():
    """A news site on 127.0.0.1 (``Site``), served until the block ends."""
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
                return self._send(page("Slow", "Too slow to wait for."), "text/html")
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


def write_warc(path, responses):
    """A gzipped WARC archive at ``path`` holding ``(url, content type, body)`` responses, as a crawler saves them."""
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        for url, content_type, body in responses:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.0")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            )
    return path
