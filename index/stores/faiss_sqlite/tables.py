"""The SQLite half of the FAISS store: documents, sentences, chunks, aliases, and the FTS5 table for BM25.

Vectors live in FAISS (``vectors.py``); FAISS ids are the ``rowid`` of the chunk or sentence row here. Rowids are
never reused (``state`` keeps the next one), so a rowid names one vector for the life of the index. Outside this
store, things are known by their own ids; the rowids never leave it.

The file is in WAL mode: a change is written in place in one transaction, and a reader holds one read
transaction for as long as it is open, so it keeps seeing the state it opened, whatever is committed meanwhile.
The ``state`` table says which FAISS files hold the vectors and what changed since they were written
(``delta.py``), and counts the published changes (``version``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from dalil.index.normalize import search_terms
from dalil.index.types import Article, Chunk, DocumentInfo, Sentence

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    path TEXT,
    url TEXT,
    published TEXT,
    source TEXT,
    language TEXT NOT NULL,
    author TEXT
);
CREATE TABLE IF NOT EXISTS sentences (
    rowid INTEGER PRIMARY KEY,
    id TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_doc ON sentences(doc_id, n);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    sentence_ids TEXT NOT NULL,
    language TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, n);
CREATE TABLE IF NOT EXISTS aliases (
    alias_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    path TEXT
);
-- Terms are pre-normalized and stemmed in Python, so FTS5 only splits on spaces.
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab(chunk_terms, 'row');
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Vectors added since the kind's FAISS file was written, and rows of that file removed since (``delta.py``).
CREATE TABLE IF NOT EXISTS vector_log (
    kind TEXT NOT NULL, rowid INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (kind, rowid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vector_removed (kind TEXT NOT NULL, rowid INTEGER NOT NULL, PRIMARY KEY (kind, rowid))
    WITHOUT ROWID;
-- Each article's word 5-gram hashes, for finding near-duplicates of a new article (``fingerprints.py``).
CREATE TABLE IF NOT EXISTS fingerprints (doc INTEGER PRIMARY KEY, exact BLOB NOT NULL, size INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fingerprints_exact ON fingerprints(exact);
CREATE TABLE IF NOT EXISTS shingles (hash INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (hash, doc))
    WITHOUT ROWID;
"""
BM25_RANKING = (
    "SELECT rowid, -bm25(chunk_terms) FROM chunk_terms WHERE chunk_terms MATCH ? ORDER BY bm25(chunk_terms) LIMIT ?"
)
# Rows ranked per wanted row when only one language counts: a question's terms rarely match another script.
LANGUAGE_OVERFETCH = 4


class Tables:
    """One generation's SQLite file. ``readonly`` opens a snapshot of it that never writes to it."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self._next_rowid: dict[str, int] = {}
        self._author: str | None = None
        if readonly:
            self.db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
            )
            # The read transaction starts at the first read and lasts until close: this reader's snapshot.
            self.db.execute("BEGIN")
        else:
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            # Shingles go in at random places of a large B-tree: a bigger page cache than SQLite's 2 MB default.
            self.db.execute("PRAGMA cache_size = -65536")
            self.db.executescript(SCHEMA)
            if "author" not in self._document_columns():  # written before authors were kept
                self.db.execute("ALTER TABLE documents ADD COLUMN author TEXT")
                self.db.commit()

    def close(self) -> None:
        self.db.close()

    def _document_columns(self) -> set[str]:
        return {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}

    def _author_column(self) -> str:
        """``author``, or NULL for tables written before authors were kept (read-only, not to be changed)."""
        if self._author is None:
            self._author = "author" if "author" in self._document_columns() else "NULL"
        return self._author

    def state(self) -> dict[str, str]:
        try:
            return dict(self.db.execute("SELECT key, value FROM state").fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return {}  # written before the table existed
            raise

    def set_state(self, values: dict[str, object]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", [(k, str(v)) for k, v in values.items()]
        )

    def next_rowid(self, table: str) -> int:
        """The next row's rowid: past every rowid this table ever had, so none is reused."""
        if table not in self._next_rowid:
            kept = int(self.state().get(f"next_rowid:{table}", 0))
            top = self.db.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").fetchone()[0]
            self._next_rowid[table] = max(kept, top + 1)
        return self._next_rowid[table]

    def _take_rowid(self, table: str) -> int:
        rowid = self.next_rowid(table)
        self._next_rowid[table] = rowid + 1
        return rowid

    # ---- writing -------------------------------------------------------------------------

    def add_document(
        self, article: Article, sentences: Sequence[Sentence], chunks: Sequence[Chunk]
    ) -> tuple[list[int], list[int]]:
        """Insert one article; returns the rowids of its sentences and chunks (the FAISS ids)."""
        self.db.execute(
            "INSERT INTO documents (id, title, text, path, url, published, source, language, author)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.doc_id,
                article.title,
                article.text,
                article.path,
                article.url,
                article.published,
                article.source,
                article.language,
                article.author,
            ),
        )
        sentence_rows = [
            self.db.execute(
                'INSERT INTO sentences (rowid, id, doc_id, n, start, "end", text) VALUES (?, ?, ?, ?, ?, ?, ?)',
                (self._take_rowid("sentences"), s.id, s.doc_id, s.n, s.start, s.end, s.text),
            ).lastrowid
            for s in sentences
        ]
        chunk_rows = []
        for c in chunks:
            rowid = self.db.execute(
                'INSERT INTO chunks (rowid, id, doc_id, n, start, "end", text, sentence_ids, language)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self._take_rowid("chunks"),
                    *(c.id, c.doc_id, c.n, c.start, c.end, c.text, json.dumps(c.sentence_ids), article.language),
                ),
            ).lastrowid
            self.db.execute(
                "INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)",
                (rowid, " ".join(search_terms(c.text))),
            )
            chunk_rows.append(rowid)
        return sentence_rows, chunk_rows

    def add_alias(self, alias_id: str, doc_id: str, path: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO aliases (alias_id, doc_id, path) VALUES (?, ?, ?)", (alias_id, doc_id, path)
        )

    def remove_document(self, doc_id: str) -> tuple[list[int], list[int]]:
        """Delete an article (and its aliases); returns the removed sentence and chunk rowids."""
        sentence_rows = [r for (r,) in self.db.execute("SELECT rowid FROM sentences WHERE doc_id = ?", (doc_id,))]
        chunk_rows = [r for (r,) in self.db.execute("SELECT rowid FROM chunks WHERE doc_id = ?", (doc_id,))]
        self.db.executemany("DELETE FROM chunk_terms WHERE rowid = ?", [(r,) for r in chunk_rows])
        self.db.execute("DELETE FROM aliases WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM sentences WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return sentence_rows, chunk_rows

    def commit(self) -> None:
        self.set_state({f"next_rowid:{table}": rowid for table, rowid in self._next_rowid.items()})
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()
        self._next_rowid.clear()

    # ---- reading -------------------------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def canonical_id(self, doc_id: str) -> str | None:
        if self.has_document(doc_id):
            return doc_id
        row = self.db.execute("SELECT doc_id FROM aliases WHERE alias_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def document(self, doc_id: str) -> Article | None:
        row = self.db.execute(
            f"SELECT id, title, text, path, url, published, source, language, {self._author_column()}"
            " FROM documents WHERE id = ?",
            (doc_id,),
        ).fetchone()
        return Article(*row) if row else None

    def list_documents(self) -> list[DocumentInfo]:
        rows = self.db.execute(
            """
            SELECT d.id, d.title, d.published, d.source, d.url, d.language,
                   (SELECT COUNT(*) FROM sentences s WHERE s.doc_id = d.id),
                   (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.id),
                   (SELECT group_concat(alias_id, char(31)) FROM aliases a WHERE a.doc_id = d.id)
            FROM documents d ORDER BY d.id
            """
        ).fetchall()
        return [DocumentInfo(*row[:8], aliases=tuple(sorted(row[8].split("\x1f"))) if row[8] else ()) for row in rows]

    def sentences(self, doc_id: str) -> list[Sentence]:
        rows = self.db.execute(
            'SELECT id, doc_id, n, start, "end", text FROM sentences WHERE doc_id = ? ORDER BY n', (doc_id,)
        )
        return [Sentence(*row) for row in rows]

    def sentences_by_id(self, ids: Sequence[str]) -> dict[str, Sentence]:
        return {
            fields[0]: Sentence(*fields)
            for fields in self._rows_where('id, doc_id, n, start, "end", text', "sentences", "id", ids)
        }

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        return {
            cid: Chunk(cid, doc_id, n, start, end, text, tuple(json.loads(sids)))
            for cid, doc_id, n, start, end, text, sids in self._rows_where(
                'id, doc_id, n, start, "end", text, sentence_ids', "chunks", "id", ids
            )
        }

    def ids_of_rowids(self, table: str, rowids: Sequence[int]) -> dict[int, str]:
        return dict(self._rows_where("rowid, id", table, "rowid", [int(r) for r in rowids]))

    def rowids_of_ids(self, table: str, ids: Sequence[str]) -> dict[str, int]:
        return dict(self._rows_where("id, rowid", table, "id", ids))

    def chunks_of_sentences(self, sentence_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Sentence id -> ids of the chunks that contain it (overlapping windows give several).

        Looked up per question among the chunks of the sentences' articles: a map of every sentence, made when
        an index was opened, took 4 s and hundreds of MB at a million sentences, on every reload.
        """
        wanted = set(sentence_ids)
        doc_ids = sorted({sid.rsplit(":", 1)[0] for sid in wanted})
        found: dict[str, list[str]] = {}
        for _, chunk_id, members in sorted(self._rows_where("rowid, id, sentence_ids", "chunks", "doc_id", doc_ids)):
            for sentence_id in json.loads(members):
                if sentence_id in wanted:
                    found.setdefault(sentence_id, []).append(chunk_id)
        return {k: tuple(v) for k, v in found.items()}

    def titles(self, doc_ids: Iterable[str]) -> dict[str, str]:
        return dict(self._rows_where("id, title", "documents", "id", sorted(set(doc_ids))))

    def lexical_search(self, terms: Sequence[str], limit: int, language: str | None = None) -> list[tuple[str, float]]:
        """BM25 over chunk terms: (chunk id, score), best first. Score is positive, higher is better.

        The full-text index ranks alone and the best rows are then checked for language: joining every match to
        its chunk row read each row's text as well (at 1M sentences, 72 ms a question instead of 26 ms).
        """
        unique = list(dict.fromkeys(t for t in terms if t))
        if not unique or limit <= 0:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in unique)
        fetch = limit * LANGUAGE_OVERFETCH if language else limit
        while True:
            ranked = self.db.execute(BM25_RANKING, (match, fetch)).fetchall()
            chunks = {
                rowid: (cid, lang)
                for rowid, cid, lang in self._rows_where(
                    "rowid, id, language", "chunks", "rowid", [rowid for rowid, _ in ranked]
                )
            }
            kept = [
                (chunks[rowid][0], float(score))
                for rowid, score in ranked
                if rowid in chunks and (language is None or chunks[rowid][1] == language)
            ]
            if len(kept) >= limit or len(ranked) < fetch:
                return kept[:limit]
            fetch *= LANGUAGE_OVERFETCH

    def term_document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        """How many chunks contain each term: the IDF weights of answer scoring."""
        unique = sorted(set(terms))
        return {t: 0 for t in unique} | dict(self._rows_where("term, doc", "chunk_vocab", "term", unique))

    def sample_texts(self, table: str, size: int, rng: np.random.Generator) -> list[str]:
        """The texts of up to ``size`` rows drawn at random (rows removed since leave gaps, so a few fewer)."""
        last = self.db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
        drawn = (np.sort(rng.choice(last, size=min(size, last), replace=False)) + 1).tolist()
        return [text for (text,) in self._rows_where("text", table, "rowid", drawn)]

    def counts(self) -> dict[str, int]:
        return {
            table: self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("documents", "sentences", "chunks", "aliases")
        }

    def _rows_where(self, columns: str, table: str, key: str, values: Sequence) -> Iterable[tuple]:
        """``SELECT columns FROM table WHERE key IN values``, in batches under SQLite's parameter limit."""
        for batch in _batches(list(values)):
            marks = ",".join("?" * len(batch))
            yield from self.db.execute(f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})", batch)


def _batches(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]
