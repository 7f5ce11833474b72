"""What each fetched page looked like last time, kept by the store (``Store.fetched``): its ETag and
Last-Modified for a conditional request, and a hash of its body for servers that send neither. Adding the same
feed or sitemap again then fetches in full, and indexes, only the pages that changed. A page is remembered only
once the change that indexed it is published. The file store keeps them in ``fetched.sqlite`` beside the index."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path
from typing import Any

from dalil.index.fetched import Fetched, Validators
from dalil.index.manifest import now
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


class SqlFetchedPages:
    """``FetchedPages`` in a table (url, etag, last_modified, body_sha256, fetched) of any SQL database whose
    connections run ``execute(sql, params)``, as ``keys.SqlKeys`` keeps API keys: a store gives ``transaction()``
    (a connection committed at the end of the block), its placeholder (``?`` or ``%s``) and the table's name."""

    placeholder = "?"
    table = "pages"

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _row(self, columns: str, url: str) -> tuple | None:
        with self.transaction() as db:
            query = f"SELECT {columns} FROM {self.table} WHERE url = ?".replace("?", self.placeholder)
            return db.execute(query, (url,)).fetchone()

    def validators(self, url: str) -> Validators | None:
        row = self._row("etag, last_modified", url)
        return Validators(*row) if row else None

    def unchanged(self, fetched: Fetched) -> bool:
        row = self._row("body_sha256", fetched.url)
        return row is not None and row[0] == digest(fetched.body)

    def remember(self, pages: Iterable[Fetched]) -> None:
        rows = [(*row, now()) for row in to_remember(pages)]
        if not rows:
            return
        upsert = (
            f"INSERT INTO {self.table} (url, etag, last_modified, body_sha256, fetched) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,"
            " body_sha256 = excluded.body_sha256, fetched = excluded.fetched"
        )
        with self.transaction() as db:
            db.cursor().executemany(upsert.replace("?", self.placeholder), rows)


class SeenPages(SqlFetchedPages):
    """The file store's: ``fetched.sqlite`` beside the index, made when a page is first remembered."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(connect(self.path, SCHEMA)) as db, db:
            yield db

    def _row(self, columns: str, url: str) -> tuple | None:
        return super()._row(columns, url) if self.path.exists() else None


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
