"""A change to the PostgreSQL store: one transaction in the published generation, or a build of a new one.

Writers take turns through a session advisory lock, which PostgreSQL releases when a writer's connection ends,
however its process died. A change to the published generation commits once, when published: readers never see
half of it. A build writes a generation nobody reads yet, committing at its checkpoints so that it can be taken up
again (``resume``), makes its HNSW indexes in bulk, and is published by one update of ``dalil_state``; the replaced
generation's rows are then deleted (readers still on it keep their snapshot: PostgreSQL keeps old row versions for
open transactions) and its indexes dropped once no reader uses them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import psycopg
from pgvector import HalfVector
from psycopg.types.json import Jsonb

from dalil.index.dedup import fingerprint
from dalil.index.manifest import Manifest
from dalil.index.normalize import search_terms
from dalil.index.protocols import IndexUnavailable, UnknownDocument
from dalil.index.stores.postgres import lexical
from dalil.index.stores.postgres.rows import ARTICLE, Rows
from dalil.index.types import Article, Chunk, Sentence

NAME = "postgres"
WRITER_LOCK = 0x64616C696C02
GENERATION_TABLES = (
    *("documents", "sentences", "chunks", "chunk_terms", "aliases", "term_counts", "fingerprints", "shingles"),
    "builds",
)
# Each generation's vectors get HNSW indexes of their own, made in bulk when a build is published (pgvector builds
# an index in parallel and several times faster than it inserts rows one by one), then kept up to date by changes.
HNSW = (
    "CREATE INDEX IF NOT EXISTS {table}_hnsw_g{gen} ON {table}"
    " USING hnsw ((embedding::halfvec({dim})) halfvec_cosine_ops) WHERE gen = {gen}"
)
HNSW_NAME = re.compile(r"^(sentences|chunks)_hnsw_g(\d+)$")
# How long dropping a replaced generation's index waits for the readers still on it; then it is left for later.
DROP_WAIT = "2s"
# A chunk's share of term_counts, added (sign 1) or taken away (-1) with its article.
TERM_COUNTS = """
INSERT INTO term_counts (gen, term, chunks)
SELECT %(gen)s, term, %(sign)s * count(*) FROM chunk_terms
WHERE gen = %(gen)s AND chunk IN (SELECT key FROM chunks WHERE gen = %(gen)s AND doc_id = %(doc)s)
GROUP BY term
ON CONFLICT (gen, term) DO UPDATE SET chunks = term_counts.chunks + EXCLUDED.chunks
"""

CHUNK_KEYS = "SELECT nextval('chunk_keys') FROM generate_series(1, %s)"

logger = logging.getLogger("dalil.index")


@contextmanager
def writer_lock(db: psycopg.Connection) -> Iterator[None]:
    db.execute("SELECT pg_advisory_lock(%s)", (WRITER_LOCK,))
    db.commit()
    try:
        yield
    finally:
        if not db.closed:
            db.rollback()
            db.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK,))
            db.commit()


class PostgresChange:
    def __init__(
        self, db: psycopg.Connection, gen: int, manifest: Manifest, building: bool, replaces: int | None, memory: str
    ):
        self.db, self.gen, self.manifest, self.building = db, gen, manifest, building
        self.replaces = replaces  # the generation a build publishes over
        self.build_memory = memory  # maintenance_work_mem while a build's vector indexes are made
        self.rows = Rows(db, gen, manifest.dim)

    @classmethod
    def start(
        cls, db: psycopg.Connection, fresh: Manifest | None, resume: str | None, location: str, build_memory: str
    ) -> "PostgresChange":
        published = db.execute("SELECT gen FROM dalil_state").fetchone()[0]
        if fresh is None:
            if published is None:
                raise IndexUnavailable(f"no index in the database at {location}: run `dalil index build` first")
            manifest = db.execute("SELECT manifest FROM builds WHERE gen = %s", (published,)).fetchone()[0]
            return cls(db, published, Manifest.from_dict(manifest, location), False, None, build_memory)
        taken = None
        if resume is not None:
            taken = db.execute(
                "SELECT gen, manifest FROM builds WHERE resume = %s AND gen IS DISTINCT FROM %s ORDER BY gen DESC",
                (resume, published),
            ).fetchone()
        leftovers = db.execute(
            "SELECT gen FROM builds WHERE gen IS DISTINCT FROM %s AND gen IS DISTINCT FROM %s",
            (published, taken[0] if taken else None),
        ).fetchall()
        for (gen,) in leftovers:  # builds whose writers died, not to be taken up
            _delete_generation(db, gen)
        if taken is not None:
            gen, manifest = taken[0], Manifest.from_dict(taken[1], location)
        else:
            fresh.store, fresh.store_options = NAME, {"vectors": "halfvec", "vector_index": "hnsw, cosine"}
            gen, manifest = db.execute("SELECT nextval('dalil_generations')").fetchone()[0], fresh
            db.execute(
                "INSERT INTO builds (gen, resume, manifest) VALUES (%s, %s, %s)",
                (gen, resume, Jsonb(manifest.to_dict())),
            )
        db.commit()
        return cls(db, gen, manifest, True, published, build_memory)

    # ---- reads of the change's own state ------------------------------------------------------------

    def document(self, doc_id: str) -> Article | None:
        return self.rows.document(doc_id)

    def canonical_id(self, doc_id: str) -> str | None:
        return self.rows.canonical_id(doc_id)

    def counts(self) -> dict[str, int]:
        return self.rows.counts()

    def exact_duplicate(self, exact: bytes) -> str | None:
        row = self.db.execute(
            "SELECT f.doc_id FROM fingerprints f JOIN documents d ON d.gen = f.gen AND d.id = f.doc_id"
            " WHERE f.gen = %s AND f.exact = %s ORDER BY d.seq LIMIT 1",
            (self.gen, exact),
        ).fetchone()
        return row[0] if row else None

    def shared_shingles(self, shingles: Collection[int]) -> list[tuple[str, int, int]]:
        rows = self.db.execute(
            """
            SELECT s.doc_id, count(*), f.size FROM shingles s
            JOIN fingerprints f ON f.gen = s.gen AND f.doc_id = s.doc_id
            JOIN documents d ON d.gen = s.gen AND d.id = s.doc_id
            WHERE s.gen = %s AND s.hash = ANY(%s)
            GROUP BY s.doc_id, f.size, d.seq ORDER BY d.seq
            """,
            (self.gen, list(shingles)),
        ).fetchall()
        return [(doc_id, int(shared), int(size)) for doc_id, shared, size in rows]

    # ---- writing ------------------------------------------------------------------------------------

    def add_document(
        self,
        article: Article,
        sentences: Sequence[Sentence],
        chunks: Sequence[Chunk],
        sentence_vectors: np.ndarray,
        chunk_vectors: np.ndarray,
    ) -> None:
        gen, db = self.gen, self.db
        db.execute(
            f"INSERT INTO documents (gen, {ARTICLE}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                gen,
                *(article.doc_id, article.title, article.text, article.path, article.url, article.published),
                *(article.source, article.language, article.author),
            ),
        )
        with db.cursor() as cursor:
            with cursor.copy('COPY sentences (gen, id, doc_id, n, start, "end", text, embedding) FROM STDIN') as copy:
                for s, vector in zip(sentences, sentence_vectors, strict=True):
                    copy.write_row((gen, s.id, s.doc_id, s.n, s.start, s.end, s.text, HalfVector(vector)))
            keys = [key for (key,) in cursor.execute(CHUNK_KEYS, (len(chunks),))]
            terms = [search_terms(c.text) for c in chunks]
            with cursor.copy(
                'COPY chunks (gen, key, id, doc_id, n, start, "end", text, sentence_ids, language, length, embedding)'
                " FROM STDIN"
            ) as copy:
                for c, key, chunk_terms, vector in zip(chunks, keys, terms, chunk_vectors, strict=True):
                    copy.write_row(
                        (
                            *(gen, key, c.id, c.doc_id, c.n, c.start, c.end, c.text, list(c.sentence_ids)),
                            *(article.language, len(chunk_terms), HalfVector(vector)),
                        )
                    )
            with cursor.copy("COPY chunk_terms (gen, term, chunk, tf, length, language) FROM STDIN") as copy:
                for key, chunk_terms in zip(keys, terms, strict=True):
                    for term, frequency in lexical.postings(chunk_terms).items():
                        copy.write_row((gen, term, key, frequency, len(chunk_terms), article.language))
        printed = fingerprint(article.text)
        db.execute(
            "INSERT INTO fingerprints (gen, doc_id, exact, size) VALUES (%s, %s, %s, %s)",
            (gen, article.doc_id, printed.exact, len(printed.shingles)),
        )
        with db.cursor() as cursor, cursor.copy("COPY shingles (gen, hash, doc_id) FROM STDIN") as copy:
            for shingle in printed.shingles:
                copy.write_row((gen, shingle, article.doc_id))
        if not self.building:  # a build counts every chunk's terms once, when it is saved
            self._count_terms(article.doc_id, 1)

    def remove_document(self, doc_id: str) -> None:
        if self.rows.document(doc_id) is None:
            raise UnknownDocument(doc_id)
        if not self.building:
            self._count_terms(doc_id, -1)
        self.db.execute(
            "DELETE FROM chunk_terms WHERE gen = %(gen)s"
            " AND chunk IN (SELECT key FROM chunks WHERE gen = %(gen)s AND doc_id = %(doc)s)",
            {"gen": self.gen, "doc": doc_id},
        )
        for table, column in (
            ("aliases", "doc_id"),
            ("shingles", "doc_id"),
            ("fingerprints", "doc_id"),
            ("sentences", "doc_id"),
            ("chunks", "doc_id"),
            ("documents", "id"),
        ):
            self.db.execute(f"DELETE FROM {table} WHERE gen = %s AND {column} = %s", (self.gen, doc_id))

    def _count_terms(self, doc_id: str, sign: int) -> None:
        """Keep BM25's statistics (chunks per term, terms in all chunks) with an article added or removed."""
        self.db.execute(TERM_COUNTS, {"gen": self.gen, "doc": doc_id, "sign": sign})
        self.db.execute(
            "UPDATE builds SET chunk_terms = chunk_terms + %(sign)s * (SELECT COALESCE(SUM(length), 0) FROM chunks"
            " WHERE gen = %(gen)s AND doc_id = %(doc)s) WHERE gen = %(gen)s",
            {"gen": self.gen, "doc": doc_id, "sign": sign},
        )
        if sign < 0:
            self.db.execute("DELETE FROM term_counts WHERE gen = %s AND chunks <= 0", (self.gen,))

    def add_alias(self, alias_id: str, doc_id: str, path: str | None) -> None:
        self.db.execute(
            "INSERT INTO aliases (gen, alias_id, doc_id, path) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (gen, alias_id) DO UPDATE SET doc_id = EXCLUDED.doc_id, path = EXCLUDED.path",
            (self.gen, alias_id, doc_id, path),
        )

    def checkpoint(self) -> None:
        """A build keeps what it wrote so far; a change to the published state commits only when published."""
        if self.building:
            self.db.commit()

    def abandon(self) -> None:
        self.db.rollback()

    def save(self) -> None:
        gen, db = self.gen, self.db
        if self.building:  # the vector indexes and BM25's statistics, made once
            db.execute("SELECT set_config('maintenance_work_mem', %s, true)", (self.build_memory,))
            for table in ("sentences", "chunks"):
                db.execute(HNSW.format(table=table, dim=int(self.manifest.dim), gen=int(gen)))
            db.execute(
                "INSERT INTO term_counts (gen, term, chunks) SELECT %s, term, count(*) FROM chunk_terms"
                " WHERE gen = %s GROUP BY term",
                (gen, gen),
            )
            db.execute(
                "UPDATE builds SET chunk_terms = (SELECT COALESCE(SUM(length), 0) FROM chunks WHERE gen = %s)"
                " WHERE gen = %s",
                (gen, gen),
            )
        counts = self.rows.counts()
        self.manifest.touch(counts)
        db.execute(
            "UPDATE builds SET counts = %s, updated = %s, resume = NULL, manifest = %s WHERE gen = %s",
            (Jsonb(counts), self.manifest.updated, Jsonb(self.manifest.to_dict()), gen),
        )
        db.execute("UPDATE dalil_state SET gen = %s, version = version + 1", (gen,))
        db.commit()
        if self.building and self.replaces is not None:
            _delete_generation(db, self.replaces)
            db.commit()
        drop_unused_indexes(db)


def drop_unused_indexes(db: psycopg.Connection) -> None:
    """Drop the vector indexes of generations gone (replaced, or of a build that died), without blocking anyone:
    each waits at most ``DROP_WAIT`` for readers still on it, else it is tried again after the next change."""
    kept = {gen for (gen,) in db.execute("SELECT gen FROM builds")}
    names = [
        name
        for (name,) in db.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('sentences', 'chunks')")
        if (match := HNSW_NAME.match(name)) and int(match.group(2)) not in kept
    ]
    db.commit()
    if not names:  # the usual case after a change in place
        return
    db.autocommit = True  # CONCURRENTLY: readers go on using the table meanwhile
    try:
        db.execute(f"SET lock_timeout = '{DROP_WAIT}'")
        for name in names:
            try:
                db.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled):
                logger.info("index %s is still in use; it is dropped after a later change", name)
        db.execute("RESET lock_timeout")
    finally:
        db.autocommit = False


def _delete_generation(db: psycopg.Connection, gen: int) -> None:
    for table in GENERATION_TABLES:
        db.execute(f"DELETE FROM {table} WHERE gen = %s", (gen,))
