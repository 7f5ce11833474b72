"""Reading one generation's rows: what a snapshot answers and what a change reads of its own state."""

from __future__ import annotations

import numpy as np
import psycopg
from pgvector import HalfVector

from dalil.index.stores.postgres import lexical
from dalil.index.types import Article, Chunk, DocumentInfo, Sentence

ARTICLE = "id, title, text, path, url, published, source, language, author"
SENTENCE = 'id, doc_id, n, start, "end", text'
CHUNK = 'id, doc_id, n, start, "end", text, sentence_ids'
TABLES = ("documents", "sentences", "chunks", "aliases")


class Rows:
    """Queries on ``db`` restricted to generation ``gen``, whose vectors have ``dim`` dimensions."""

    def __init__(self, db: psycopg.Connection, gen: int, dim: int) -> None:
        self.db, self.gen, self.dim = db, int(gen), int(dim)

    def _all(self, sql: str, *params) -> list[tuple]:
        """Rows of ``sql`` whose first parameter is the generation."""
        return self.db.execute(sql, (self.gen, *params)).fetchall()

    def counts(self) -> dict[str, int]:
        return {table: self._all(f"SELECT count(*) FROM {table} WHERE gen = %s")[0][0] for table in TABLES}

    def document(self, doc_id: str) -> Article | None:
        rows = self._all(f"SELECT {ARTICLE} FROM documents WHERE gen = %s AND id = %s", doc_id)
        return Article(*rows[0]) if rows else None

    def canonical_id(self, doc_id: str) -> str | None:
        rows = self._all(
            "SELECT id FROM documents WHERE gen = %s AND id = %s"
            " UNION ALL SELECT doc_id FROM aliases WHERE gen = %s AND alias_id = %s",
            doc_id,
            self.gen,
            doc_id,
        )
        return rows[0][0] if rows else None

    def list_documents(self) -> list[DocumentInfo]:
        rows = self._all(
            """
            SELECT d.id, d.title, d.published, d.source, d.url, d.language,
                   (SELECT count(*) FROM sentences s WHERE s.gen = d.gen AND s.doc_id = d.id),
                   (SELECT count(*) FROM chunks c WHERE c.gen = d.gen AND c.doc_id = d.id),
                   ARRAY(SELECT alias_id FROM aliases a WHERE a.gen = d.gen AND a.doc_id = d.id ORDER BY alias_id)
            FROM documents d WHERE d.gen = %s ORDER BY d.id COLLATE "C"
            """
        )
        return [DocumentInfo(*row[:8], aliases=tuple(row[8])) for row in rows]

    def titles(self, doc_ids: list[str]) -> dict[str, str]:
        return dict(self._all("SELECT id, title FROM documents WHERE gen = %s AND id = ANY(%s)", doc_ids))

    def sentences(self, doc_id: str) -> list[Sentence]:
        return [
            Sentence(*row)
            for row in self._all(f"SELECT {SENTENCE} FROM sentences WHERE gen = %s AND doc_id = %s ORDER BY n", doc_id)
        ]

    def sentences_by_id(self, ids: list[str]) -> dict[str, Sentence]:
        rows = self._all(f"SELECT {SENTENCE} FROM sentences WHERE gen = %s AND id = ANY(%s)", ids)
        return {row[0]: Sentence(*row) for row in rows}

    def chunks_by_id(self, ids: list[str]) -> dict[str, Chunk]:
        rows = self._all(f"SELECT {CHUNK} FROM chunks WHERE gen = %s AND id = ANY(%s)", ids)
        place = {chunk_id: i for i, chunk_id in enumerate(ids)}
        return {row[0]: Chunk(*row[:6], tuple(row[6])) for row in sorted(rows, key=lambda row: place[row[0]])}

    def chunks_of_sentences(self, sentence_ids: list[str]) -> dict[str, tuple[str, ...]]:
        rows = self._all(
            "SELECT s.id, c.id FROM chunks c, unnest(c.sentence_ids) AS s(id)"
            " WHERE c.gen = %s AND c.doc_id = ANY(%s) AND s.id = ANY(%s) ORDER BY c.doc_id, c.n",
            sorted({sid.rsplit(":", 1)[0] for sid in sentence_ids}),
            sentence_ids,
        )
        found: dict[str, list[str]] = {}
        for sentence_id, chunk_id in rows:
            found.setdefault(sentence_id, []).append(chunk_id)
        return {k: tuple(v) for k, v in found.items()}

    def nearest(self, table: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Cosine search; the generation and the dimension are written into the SQL so that the planner can use
        the generation's own HNSW index (``change.HNSW``)."""
        if k <= 0:
            return []
        distance = f"embedding::halfvec({self.dim}) <=> %s"
        vector = HalfVector(np.asarray(vector, dtype=np.float32))
        rows = self.db.execute(
            f"SELECT id, 1 - ({distance}) FROM {table} WHERE gen = {self.gen} ORDER BY {distance} LIMIT %s",
            (vector, vector, k),
        ).fetchall()
        return [(chunk_id, float(cosine)) for chunk_id, cosine in rows]

    def vectors_by_id(self, table: str, ids: list[str]) -> dict[str, np.ndarray]:
        rows = self._all(f"SELECT id, embedding FROM {table} WHERE gen = %s AND id = ANY(%s)", ids)
        return {row_id: vector.to_numpy().astype(np.float32) for row_id, vector in rows}

    def bm25(self, terms: list[str], k: int, language: str | None, chunks: int, average: float):
        params = {
            "gen": self.gen,
            "terms": terms,
            "chunks": chunks,
            "average": average,
            "k1": lexical.K1,
            "b": lexical.B,
            "limit": k,
            "language": language,
        }
        rows = self.db.execute(lexical.ranking_query(language), params).fetchall()
        return [(chunk_id, float(score)) for chunk_id, score in rows]

    def term_counts(self, terms: list[str]) -> dict[str, int]:
        known = dict(self._all("SELECT term, chunks FROM term_counts WHERE gen = %s AND term = ANY(%s)", terms))
        return {t: known.get(t, 0) for t in terms}
