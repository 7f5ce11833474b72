"""Small SQLite files beside an index's data (API keys and write jobs of the FAISS store, pages fetched from the
web): not part of any snapshot, shared by every process using the index, each call on a connection of its own
(they are used once per request at most)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db
