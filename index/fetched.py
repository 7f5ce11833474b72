"""Web pages as fetched, and what a store keeps of them (``Store.fetched``): plain data and a protocol, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked for
    final_url: str  # after redirects
    content_type: str
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # 304 to a conditional request: the body is empty


@dataclass(frozen=True)
class Validators:
    """What a server said of a URL last time, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


class FetchedPages(Protocol):
    def validators(self, url: str) -> Validators | None:
        """What the server sent with ``url`` last time, for a conditional request; None for a new URL."""
        ...

    def unchanged(self, fetched: Fetched) -> bool:
        """Whether the page's body is the one indexed last time."""
        ...

    def remember(self, pages: Iterable[Fetched]) -> None: ...
