"""The store's half of finding duplicates (``dedup.IndexedTexts``): each indexed article's fingerprint, kept in
the generation's tables and changed with the article in the same transaction, so a new article is compared
through lookups of its own shingles."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from dalil.index.dedup import count_shared, fingerprint, in_groups


class SqliteFingerprints:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add(self, doc_id: str, text: str) -> None:
        printed = fingerprint(text)
        doc = self._rowid(doc_id)
        self.db.execute(
            "INSERT INTO fingerprints (doc, exact, size) VALUES (?, ?, ?)", (doc, printed.exact, len(printed.shingles))
        )
        self.db.executemany("INSERT INTO shingles (hash, doc) VALUES (?, ?)", ((h, doc) for h in printed.shingles))

    def remove(self, doc_id: str, text: str) -> None:
        """Forget an article's fingerprint; called before the article's row is deleted."""
        doc = self._rowid(doc_id)
        hashes = fingerprint(text).shingles
        self.db.executemany("DELETE FROM shingles WHERE hash = ? AND doc = ?", ((h, doc) for h in hashes))
        self.db.execute("DELETE FROM fingerprints WHERE doc = ?", (doc,))

    def exact_duplicate(self, exact: bytes) -> str | None:
        row = self.db.execute(
            "SELECT d.id FROM fingerprints f JOIN documents d ON d.rowid = f.doc WHERE f.exact = ? ORDER BY f.doc",
            (exact,),
        ).fetchone()
        return row[0] if row else None

    def shared_shingles(self, shingles: Collection[int]) -> list[tuple[str, int, int]]:
        shared = count_shared(self.db, shingles, "doc")
        found: dict[int, tuple[str, int]] = {}
        for group in in_groups(sorted(shared)):
            rows = self.db.execute(
                "SELECT f.doc, d.id, f.size FROM fingerprints f JOIN documents d ON d.rowid = f.doc"
                f" WHERE f.doc IN ({','.join('?' * len(group))})",
                group,
            )
            found.update({doc: (doc_id, size) for doc, doc_id, size in rows})
        return [(found[doc][0], shared[doc], found[doc][1]) for doc in sorted(shared) if doc in found]

    def backfill(self) -> int:
        """Fingerprint every article that has none (an index written before fingerprints were kept)."""
        missing = self.db.execute(
            "SELECT id, text FROM documents WHERE rowid NOT IN (SELECT doc FROM fingerprints) ORDER BY rowid"
        ).fetchall()
        for doc_id, text in missing:
            self.add(doc_id, text)
        return len(missing)

    def _rowid(self, doc_id: str) -> int:
        return self.db.execute("SELECT rowid FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
