"""Polite, bounded fetching of web pages, feeds and sitemaps.

Every request names dalil's user agent and obeys the host's robots.txt (RFC 9309: a robots.txt that is missing
or answers 4xx allows everything; one that cannot be fetched or answers 5xx forbids everything). Requests to one
host are spaced ``fetch_host_delay_s`` apart; each has ``fetch_timeout_s``, at most ``MAX_REDIRECTS`` redirects and
``fetch_max_bytes`` (refused from Content-Length, or cut off while streaming); timeouts, 429 and 5xx are retried
with backoff (honouring Retry-After). What is not a page, feed or sitemap by its content type is refused. With
``public_only`` (URLs sent over HTTP), no request, redirects included, may reach a loopback, private, link-local
or otherwise non-public address. A failure is a ``FetchProblem`` with a sentence a person understands.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.robotparser
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from dalil.index.fetched import Fetched, Validators
from dalil.settings import Settings

MAX_REDIRECTS = 5
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
ACCEPTED_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "text/plain",
)


class FetchProblem(Exception):
    """Why a URL gave nothing."""


class Fetcher:
    def __init__(
        self,
        settings: Settings,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        public_only: bool = False,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._client = httpx.Client(
            headers={"User-Agent": settings.fetch_user_agent},
            timeout=settings.fetch_timeout_s,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            transport=transport,
            event_hooks={"request": [_refuse_non_public]} if public_only else None,
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, known: Validators | None = None) -> Fetched:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchProblem("not an http(s) URL")
        try:
            httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError is a ValueError
            raise FetchProblem(f"not a valid URL ({exc})") from None
        if not self._allowed(url):
            raise FetchProblem(f"the robots.txt of {parts.netloc} does not allow fetching it")
        headers = {}
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        for attempt in range(self.settings.fetch_retries + 1):
            try:
                return self._get_once(url, headers)
            except _Retryable as retry:
                if attempt == self.settings.fetch_retries:
                    raise FetchProblem(str(retry)) from None
                self._sleep(min(retry.after_s or 2.0**attempt, MAX_RETRY_AFTER_S))
        raise AssertionError("unreachable")

    def _get_once(self, url: str, headers: dict[str, str]) -> Fetched:
        self._wait_for_host(url)
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code in RETRY_STATUS:
                    raise _Retryable(f"the server answered {response.status_code}", _retry_after(response))
                if response.status_code == 304:
                    return Fetched(url, str(response.url), "", b"", not_modified=True, **_validators(response))
                if response.status_code >= 400:
                    raise FetchProblem(f"the server answered {response.status_code}")
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if content_type and content_type not in ACCEPTED_TYPES:
                    raise FetchProblem(f"not a web page, feed or sitemap (content type {content_type})")
                body = self._bounded_body(response)
                return Fetched(url, str(response.url), content_type, body, **_validators(response))
        except httpx.TooManyRedirects:
            raise FetchProblem(f"more than {MAX_REDIRECTS} redirects") from None
        except httpx.TimeoutException:
            raise _Retryable(f"no answer within {self.settings.fetch_timeout_s:g} s", None) from None
        except httpx.TransportError as exc:
            raise _Retryable(f"could not connect ({type(exc).__name__})", None) from None

    def _bounded_body(self, response: httpx.Response) -> bytes:
        limit = self.settings.fetch_max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchProblem(f"larger than {limit:,} bytes ({int(declared):,})")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchProblem(f"larger than {limit:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_for_host(self, url: str) -> None:
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            wait = self.settings.fetch_host_delay_s - (time.monotonic() - last)
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = time.monotonic()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(self.settings.fetch_user_agent, url)

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The host's rules; None when it has none (everything allowed)."""
        rules = urllib.robotparser.RobotFileParser(f"{origin}/robots.txt")
        try:
            self._wait_for_host(origin)
            response = self._client.get(f"{origin}/robots.txt")
        except httpx.HTTPError:
            rules.disallow_all = True
            return rules
        if response.status_code >= 500:
            rules.disallow_all = True
        elif response.status_code >= 400:
            return None
        else:
            rules.parse(response.text[: self.settings.fetch_max_bytes].splitlines())
        return rules


def _refuse_non_public(request: httpx.Request) -> None:
    """Refuse a request to a host that resolves to an address outside the public internet.

    The name is resolved again when connecting; a name whose answer changes in between is not caught here."""
    host = request.url.host
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, request.url.port or 80, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        return  # the connection fails and says so
    if not all(ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        raise FetchProblem(
            f"{host} is a local or private address, which URLs sent to the service may not reach "
            "(DALIL_FETCH_PRIVATE_NETWORKS)"
        )


class _Retryable(Exception):
    def __init__(self, message: str, after_s: float | None) -> None:
        super().__init__(message)
        self.after_s = after_s


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _validators(response: httpx.Response) -> dict[str, str | None]:
    return {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}
