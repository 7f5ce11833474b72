"""``DALIL_STORE=postgres``: the index in PostgreSQL with pgvector, shared by any number of dalil processes.

Everything lives in one database (``schema.py``): articles, sentences with offsets, chunks with their search terms,
vectors as ``halfvec``, aliases, fingerprints, API keys and write jobs. A reader is one repeatable-read transaction,
so it sees one published state, whole, for as long as it is open; ``published()`` is the generation and version
any process can poll to follow changes made by any other. Vectors are searched by an HNSW index per generation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import psycopg

from dalil.index.keys import KeyStore
from dalil.index.manifest import Manifest
from dalil.index.protocols import IndexUnavailable, QuestionEmbedder
from dalil.index.stores.postgres import lexical, schema
from dalil.index.stores.postgres.change import NAME, PostgresChange, writer_lock
from dalil.index.stores.postgres.connection import Database
from dalil.index.stores.postgres.records import PostgresFetchedPages, PostgresJobs, PostgresKeys
from dalil.index.stores.postgres.rows import Rows
from dalil.index.types import DocumentInfo
from dalil.settings import Settings

LOST = "lost"  # the ``published`` of a snapshot whose connection ended


class PostgresStore:
    name = NAME

    def __init__(self, url: str, pool_size: int = 10, ef_search: int = 200, build_memory: str = "1GB") -> None:
        self.database = Database(url, pool_size)
        self.ef_search, self.build_memory = ef_search, build_memory

    @classmethod
    def from_settings(cls, settings: Settings) -> "PostgresStore":
        if settings.database_url is None or not settings.database_url.get_secret_value().strip():
            raise ValueError(
                "DALIL_STORE=postgres needs DALIL_DATABASE_URL, e.g. postgresql://dalil:secret@db.example:5432/dalil"
            )
        return cls(
            settings.database_url.get_secret_value(),
            settings.database_pool_size,
            settings.database_ef_search,
            settings.database_build_memory,
        )

    def migrate(self) -> list[int]:
        """Bring the database's schema up to this dalil's (``dalil store migrate``); the migrations applied."""
        with self.database.connection() as db:
            done = schema.migrate(db)
        return done

    def open(self) -> "PostgresSnapshot":
        db = self.database.take()
        try:
            return PostgresSnapshot(db, self, self.database.location)
        except BaseException:
            self.database.give_back(db)
            raise

    def keys(self) -> KeyStore:
        return PostgresKeys(self.database)

    def jobs(self) -> PostgresJobs:
        return PostgresJobs(self.database)

    def fetched(self) -> PostgresFetchedPages:
        return PostgresFetchedPages(self.database)

    def published(self) -> str | None:
        """Polled every second by each replica: one query. Nothing counts as published until the schema is up to
        date, so that a service waiting on a migration opens the index once it is applied."""
        try:
            with self.database.connection() as db:
                applied, gen, version = db.execute(
                    "SELECT (SELECT max(number) FROM dalil_migrations), gen, version FROM dalil_state"
                ).fetchone()
        except (IndexUnavailable, psycopg.Error):
            return None  # no schema yet, or no database: opening says what is wrong
        return None if gen is None or applied < schema.LATEST else _token(gen, version)

    @contextmanager
    def change(
        self, fresh: Manifest | None = None, resume: str | None = None, questions: QuestionEmbedder | None = None
    ) -> Iterator[PostgresChange]:
        """``questions`` is not needed: HNSW searches as wide as ``DALIL_DATABASE_EF_SEARCH`` says."""
        db = self.database.take()
        try:
            schema.check(db, self.database.location)
            with writer_lock(db):
                change = PostgresChange.start(db, fresh, resume, self.database.location, self.build_memory)
                try:
                    yield change
                except BaseException:
                    change.abandon()
                    raise
                change.save()
        finally:
            self.database.give_back(db)

    def close(self) -> None:
        self.database.close()


def _token(gen: int, version: int) -> str:
    return f"{gen}.{version}"


class PostgresSnapshot:
    """The published state as of opening, read through one repeatable-read transaction on its own connection."""

    def __init__(self, db: psycopg.Connection, store: PostgresStore, location: str) -> None:
        self._db, self._store, self.location = db, store, location
        self._lock = threading.Lock()  # one connection: a statement at a time, whichever thread asks
        db.isolation_level, db.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
        schema.check(db, location)
        row = db.execute(
            "SELECT s.gen, s.version, b.manifest, b.counts, b.chunk_terms, b.updated"
            " FROM dalil_state s LEFT JOIN builds b ON b.gen = s.gen"
        ).fetchone()
        if row[0] is None:
            raise IndexUnavailable(f"no index in the database at {location}: build one with `dalil index build`")
        gen, version, manifest, counts, chunk_terms, updated = row
        self.gen = int(gen)
        self.published = _token(gen, version)
        self.manifest = Manifest.from_dict(manifest, location)
        self.manifest.counts, self.manifest.updated = counts, updated or self.manifest.updated
        self.rows = Rows(db, self.gen, self.manifest.dim)
        self._counts = dict(counts)
        self._chunk_terms = int(chunk_terms)
        # Iterative scans keep going until the k asked for are found; strict order returns them best first.
        db.execute(f"SET LOCAL hnsw.ef_search = {int(store.ef_search)}")
        db.execute("SET LOCAL hnsw.iterative_scan = strict_order")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._store.database.give_back(self._db)
                self._db = None

    def _read(self, method, *args):
        with self._lock:
            if self._db is None:
                raise IndexUnavailable("this snapshot of the index was closed")
            try:
                return method(*args)
            except psycopg.OperationalError as exc:
                if not self._db.closed and not self._db.broken:
                    raise
                # The server restarted, failed over or ended the session: the snapshot is gone with its
                # connection. It no longer shows any published state, so a service following the store opens
                # the current one as soon as the database answers again.
                self.published = LOST
                raise IndexUnavailable(f"the connection to the database at {self.location} was lost") from exc

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def list_documents(self) -> list[DocumentInfo]:
        return self._read(self.rows.list_documents)

    def document(self, doc_id):
        return self._read(self.rows.document, doc_id)

    def canonical_id(self, doc_id):
        return self._read(self.rows.canonical_id, doc_id)

    def titles(self, doc_ids: Iterable[str]):
        return self._read(self.rows.titles, list(doc_ids))

    def sentences(self, doc_id):
        return self._read(self.rows.sentences, doc_id)

    def sentences_by_id(self, ids: Sequence[str]):
        return self._read(self.rows.sentences_by_id, list(ids))

    def chunks_by_id(self, ids: Sequence[str]):
        return self._read(self.rows.chunks_by_id, list(ids))

    def chunks_of_sentences(self, sentence_ids: Sequence[str]):
        return self._read(self.rows.chunks_of_sentences, list(sentence_ids))

    def search_chunks(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return self._read(self.rows.nearest, "chunks", vector, k)

    def search_sentences(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return self._read(self.rows.nearest, "sentences", vector, k)

    def sentence_vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self._read(self.rows.vectors_by_id, "sentences", list(ids))

    def chunk_vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self._read(self.rows.vectors_by_id, "chunks", list(ids))

    def lexical_search(self, terms: Sequence[str], k: int, language: str | None = None) -> list[tuple[str, float]]:
        wanted = lexical.usable(terms)
        if not wanted or k <= 0 or not self._counts.get("chunks"):
            return []
        average = max(self._chunk_terms / self._counts["chunks"], 1e-9)
        return self._read(self.rows.bm25, wanted, k, language, self._counts["chunks"], average)

    def term_document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        return self._read(self.rows.term_counts, sorted(set(terms)))
