"""API keys of the FAISS store: ``INDEX/keys.sqlite`` beside the generations (``index.sidecar``): rebuilds keep them."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from dalil.index.keys import KeyRecord, Scope, UnknownKey, check_name, check_scope, matches, new_key, split_key
from dalil.index.manifest import now
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
COLUMNS = "id, name, scope, created, revoked"


class SqliteKeys:
    def __init__(self, root: Path) -> None:
        self.path = Path(root) / KEYS_FILE

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path, SCHEMA)

    def create(self, name: str, scope: Scope) -> tuple[KeyRecord, str]:
        key_id, key, digest = new_key()
        record = KeyRecord(key_id, check_name(name), check_scope(scope), now())
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO api_keys (id, name, scope, digest, created) VALUES (?, ?, ?, ?, ?)",
                (record.id, record.name, record.scope, digest, record.created),
            )
        return record, key

    def list(self) -> list[KeyRecord]:
        with closing(self._connect()) as db:
            return [KeyRecord(*row) for row in db.execute(f"SELECT {COLUMNS} FROM api_keys ORDER BY created, id")]

    def revoke(self, id_or_name: str) -> KeyRecord:
        with closing(self._connect()) as db, db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM api_keys WHERE (id = ? OR name = ?) AND revoked IS NULL",
                (id_or_name, id_or_name),
            ).fetchall()
            if len(rows) != 1:
                raise UnknownKey.for_matches(len(rows), id_or_name)
            revoked = now()
            db.execute("UPDATE api_keys SET revoked = ? WHERE id = ?", (revoked, rows[0][0]))
        return KeyRecord(*rows[0][:4], revoked=revoked)

    def verify(self, key: str) -> KeyRecord | None:
        parts = split_key(key)
        if parts is None:
            return None
        key_id, secret = parts
        with closing(self._connect()) as db:
            row = db.execute(f"SELECT {COLUMNS}, digest FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        if row is None or not matches(secret, row[5]) or row[4] is not None:
            return None
        return KeyRecord(*row[:5])
