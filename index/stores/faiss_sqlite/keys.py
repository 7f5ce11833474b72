"""API keys of the FAISS store: ``INDEX/keys.sqlite`` beside the generations (``index.sidecar``): rebuilds keep them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from dalil.index.keys import SqlKeys
from dalil.index.sidecar import connect

KEYS_FILE = "keys.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    digest TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);
"""


class SqliteKeys(SqlKeys):
    def __init__(self, root: Path) -> None:
        self.path = Path(root) / KEYS_FILE

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(connect(self.path, SCHEMA)) as db, db:
            yield db
