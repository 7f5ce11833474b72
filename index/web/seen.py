"""What each fetched page looked like last time, kept by the store (``Store.fetched``): its ETag and
Last-Modified for a conditional request, and a hash of its body for servers that send neither. Adding the same
feed or sitemap again then fetches in full, and indexes, only the pages that changed. A page is remembered only
once the change that indexed it is published. The file store keeps them in ``fetched.sqlite`` beside the index."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from dalil.index.fetched import Fetched, Validators
from dalil.index.sidecar import connect

FILE = "fetched.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, body_sha256 TEXT NOT NULL, fetched TEXT NOT NULL
);
"""


def to_remember(pages: Iterable[Fetched]) -> list[tuple[str, str | None, str | None, str]]:
    """(url, etag, last_modified, body digest) of the pages fetched in full."""
    return [(p.url, p.etag, p.last_modified, digest(p.body)) for p in pages if not p.not_modified]


class SeenPages:
    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE

    def validators(self, url: str) -> Validators | None:
        row = self._one("SELECT etag, last_modified FROM pages WHERE url = ?", url)
        return Validators(*row) if row else None

    def unchanged(self, fetched: Fetched) -> bool:
        row = self._one("SELECT body_sha256 FROM pages WHERE url = ?", fetched.url)
        return row is not None and row[0] == digest(fetched.body)

    def remember(self, pages: Iterable[Fetched]) -> None:
        rows = to_remember(pages)
        if not rows:
            return
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, datetime('now'))", rows)

    def _one(self, query: str, url: str) -> tuple | None:
        if not self.path.exists():
            return None
        with closing(self._connect()) as db:
            return db.execute(query, (url,)).fetchone()

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path, SCHEMA)


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
