"""``DALIL_STORE=faiss``: the index as files on one machine, FAISS for vectors beside SQLite for the rest.

Every change is written into a new generation folder and published by swapping a symlink (``generations.py``),
so a reader keeps the snapshot it opened and a writer that dies leaves the published index untouched.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dalil.index.manifest import MANIFEST_FILE, Manifest, ManifestMismatch
from dalil.index.protocols import IndexUnavailable, UnknownDocument
from dalil.index.stores.faiss_sqlite.generations import Lease, current_generation, new_generation, open_generation
from dalil.index.stores.faiss_sqlite.jobs import SqliteJobs
from dalil.index.stores.faiss_sqlite.keys import SqliteKeys
from dalil.index.stores.faiss_sqlite.tables import Tables
from dalil.index.stores.faiss_sqlite.vectors import StagedVectors, VectorIndex
from dalil.index.types import Article, Chunk, DocumentInfo, Sentence
from dalil.settings import Settings

NAME = "faiss"
TABLES_FILE = "store.sqlite"
CHUNK_VECTORS = "chunks.faiss"
SENTENCE_VECTORS = "sentences.faiss"
CHECKPOINT = "checkpoint.json"


class FaissStore:
    """Generations under ``root`` (``DALIL_INDEX_DIR``); new vector indexes are made with the FAISS ``factory``."""

    name = NAME

    def __init__(self, root: Path, factory: str = "auto") -> None:
        if not isinstance(factory, str) or not factory.strip():
            raise ValueError("DALIL_FAISS_FACTORY must be a FAISS factory string such as 'Flat' or 'HNSW32'")
        self.root = Path(root)
        self.factory = factory

    @classmethod
    def from_settings(cls, settings: Settings) -> "FaissStore":
        return cls(settings.index_dir, settings.faiss_factory)

    def open(self) -> "FaissSnapshot":
        opened = open_generation(self.root)
        if opened is None:
            raise IndexUnavailable(f"no index at {self.root}: build one with `dalil index build`")
        folder, lease = opened
        try:
            return FaissSnapshot(folder, lease)
        except BaseException:
            lease.release()
            raise

    def keys(self) -> SqliteKeys:
        return SqliteKeys(self.root)

    def jobs(self) -> SqliteJobs:
        return SqliteJobs(self.root)

    def published(self) -> str | None:
        folder = current_generation(self.root)
        return folder.name if folder is not None else None

    @contextmanager
    def change(self, fresh: Manifest | None = None, resume: str | None = None) -> Iterator["FaissChange"]:
        if fresh is None and current_generation(self.root) is None:
            raise IndexUnavailable(f"no index at {self.root}: run `dalil index build` first")
        resume = resume if fresh is not None else None  # only a build from scratch is resumable here
        with new_generation(self.root, start_from_current=fresh is None, resume=resume) as folder:
            change = FaissChange(folder, fresh, self.factory)
            try:
                yield change
            except BaseException:
                change.abandon()
                raise
            change.save()


class _Reads:
    """Reads both a snapshot and a change answer from the generation's tables."""

    tables: Tables

    def document(self, doc_id: str) -> Article | None:
        return self.tables.document(doc_id)

    def canonical_id(self, doc_id: str) -> str | None:
        return self.tables.canonical_id(doc_id)

    def counts(self) -> dict[str, int]:
        return self.tables.counts()


class FaissSnapshot(_Reads):
    """A published generation, opened read-only; it never changes, so what derives from it is computed once."""

    def __init__(self, folder: Path, lease: Lease | None = None) -> None:
        self.folder = folder
        self.location = str(folder)
        self.published = folder.name
        self._lease = lease
        self.manifest = _opened(folder, MANIFEST_FILE, lambda path: Manifest.load(path.parent))
        self.tables = _opened(folder, TABLES_FILE, lambda path: Tables(path, readonly=True))
        try:
            # Opening reads nothing (read-only, immutable): an empty or truncated file fails at this first read.
            self._counts = _opened(folder, TABLES_FILE, lambda _: self.tables.counts())
            self.chunk_vectors = _opened(folder, CHUNK_VECTORS, VectorIndex.load)
            self.sentence_vectors = _opened(folder, SENTENCE_VECTORS, VectorIndex.load)
            self._check_vectors()
        except BaseException:
            self.tables.close()
            raise

    def _check_vectors(self) -> None:
        """Each vector file belongs with these tables: the manifest's dimension and one vector per row."""
        for name, vectors, table in (
            (CHUNK_VECTORS, self.chunk_vectors, "chunks"),
            (SENTENCE_VECTORS, self.sentence_vectors, "sentences"),
        ):
            if vectors.dim != self.manifest.dim or len(vectors) != self._counts[table]:
                raise _damaged(
                    self.folder,
                    f"{name} holds {len(vectors):,} vectors of dimension {vectors.dim}, where the tables have "
                    f"{self._counts[table]:,} {table} and the manifest says dimension {self.manifest.dim}",
                )

    def close(self) -> None:
        self.tables.close()
        if self._lease is not None:
            self._lease.release()

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def list_documents(self) -> list[DocumentInfo]:
        return self.tables.list_documents()

    def titles(self, doc_ids: Iterable[str]) -> dict[str, str]:
        return self.tables.titles(doc_ids)

    def sentences(self, doc_id: str) -> list[Sentence]:
        return self.tables.sentences(doc_id)

    def sentences_by_id(self, ids: Sequence[str]) -> dict[str, Sentence]:
        return self.tables.sentences_by_id(ids)

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        return self.tables.chunks_by_id(ids)

    def chunks_of_sentences(self, sentence_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return self.tables.chunks_of_sentences(sentence_ids)

    def search_chunks(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return self._search(self.chunk_vectors, "chunks", vector, k)

    def search_sentences(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return self._search(self.sentence_vectors, "sentences", vector, k)

    def _search(self, vectors: VectorIndex, table: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        hits = vectors.search(vector, k)
        ids = self.tables.ids_of_rowids(table, [rowid for rowid, _ in hits])
        return [(ids[rowid], score) for rowid, score in hits if rowid in ids]

    def sentence_vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        rowids = self.tables.rowids_of_ids("sentences", ids)
        known = [sid for sid in ids if sid in rowids]
        matrix = self.sentence_vectors.reconstruct([rowids[sid] for sid in known])
        return dict(zip(known, matrix, strict=True))

    def lexical_search(self, terms: Sequence[str], k: int, language: str | None = None) -> list[tuple[str, float]]:
        return self.tables.lexical_search(terms, k, language)

    def term_document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        return self.tables.term_document_frequency(terms)


class FaissChange(_Reads):
    """A generation being written: from scratch (``fresh`` manifest) or from a copy of the published one.

    A fresh build stages its vectors on disk and makes the FAISS indexes when it is saved, when their size is
    known; a change to a published index adds to and removes from its indexes as they are.
    """

    def __init__(self, folder: Path, fresh: Manifest | None, factory: str) -> None:
        self.folder = folder
        self.vectors: dict[str, VectorIndex | StagedVectors]
        checkpoint = _read_checkpoint(folder) if fresh is not None else None
        if fresh is not None and checkpoint is None:
            for leftover in folder.iterdir():  # a resumable folder whose writer died before its first checkpoint
                leftover.unlink()
        self.tables = Tables(folder / TABLES_FILE)
        if checkpoint is not None:
            self.manifest = Manifest.from_dict(checkpoint["manifest"], str(folder))
            self.vectors = {}
            for name, state in checkpoint["vectors"].items():
                staged = StagedVectors(folder / name, self.manifest.dim)
                staged.truncate(state["rows"])
                staged.removed = set(state["removed"])
                self.vectors[name] = staged
        elif fresh is not None:
            fresh.store, fresh.store_options = NAME, {"faiss_factory": factory}
            self.manifest = fresh
            self.vectors = {name: StagedVectors(folder / name, fresh.dim) for name in (CHUNK_VECTORS, SENTENCE_VECTORS)}
        else:
            self.manifest = Manifest.load(folder)
            self.vectors = {name: VectorIndex.load(folder / name) for name in (CHUNK_VECTORS, SENTENCE_VECTORS)}

    def document_texts(self) -> Iterable[tuple[str, str]]:
        return self.tables.document_texts()

    def add_document(
        self,
        article: Article,
        sentences: Sequence[Sentence],
        chunks: Sequence[Chunk],
        sentence_vectors: np.ndarray,
        chunk_vectors: np.ndarray,
    ) -> None:
        sentence_rows, chunk_rows = self.tables.add_document(article, sentences, chunks)
        self.vectors[SENTENCE_VECTORS].add(sentence_rows, sentence_vectors)
        self.vectors[CHUNK_VECTORS].add(chunk_rows, chunk_vectors)

    def remove_document(self, doc_id: str) -> None:
        if not self.tables.has_document(doc_id):
            raise UnknownDocument(doc_id)
        sentence_rows, chunk_rows = self.tables.remove_document(doc_id)
        self.vectors[SENTENCE_VECTORS].remove(sentence_rows)
        self.vectors[CHUNK_VECTORS].remove(chunk_rows)

    def add_alias(self, alias_id: str, doc_id: str, path: str | None) -> None:
        self.tables.add_alias(alias_id, doc_id, path)

    def checkpoint(self) -> None:
        """A build from scratch can be taken up again from here if this process dies; other changes are not."""
        self.tables.commit()
        if not all(isinstance(vectors, StagedVectors) for vectors in self.vectors.values()):
            return
        state = {
            "manifest": self.manifest.to_dict(),
            "vectors": {name: {"rows": len(v), "removed": sorted(v.removed)} for name, v in self.vectors.items()},
        }
        partial = self.folder / f".{CHECKPOINT}"
        partial.write_text(json.dumps(state))
        os.replace(partial, self.folder / CHECKPOINT)

    def abandon(self) -> None:
        self.tables.close()

    def save(self) -> None:
        """Write everything into the generation folder; publishing it is the generation's swap."""
        self.tables.commit()
        self.manifest.touch(self.tables.counts())
        self.tables.close()
        rng = np.random.default_rng(0)  # a build's index is the same every time it is built from the same data
        for name in list(self.vectors):
            vectors = self.vectors.pop(name)
            if isinstance(vectors, StagedVectors):
                staged = vectors
                vectors, layout = staged.build(self.manifest.store_options["faiss_factory"], rng)
                self.manifest.store_options.update(layout.as_options(name.split(".")[0]))
                staged.discard()
            vectors.save(self.folder / name)
            del vectors  # one final index in memory at a time: at 1M sentences each is hundreds of MB
        self.manifest.save(self.folder)
        (self.folder / CHECKPOINT).unlink(missing_ok=True)


def _opened(folder: Path, name: str, load):
    """``load(folder / name)``, with a missing or unreadable file reported as a damaged index."""
    path = folder / name
    if not path.is_file():
        raise _damaged(folder, f"{name} is missing")
    try:
        return load(path)
    except ManifestMismatch:
        raise
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, sqlite3.DatabaseError) as exc:
        raise _damaged(folder, f"{name} cannot be read ({type(exc).__name__})") from exc


def _damaged(folder: Path, problem: str) -> IndexUnavailable:
    return IndexUnavailable(
        f"the index at {folder} is damaged: {problem}; run `dalil index check`, then rebuild with `dalil index build`"
    )


def _read_checkpoint(folder: Path) -> dict | None:
    path = folder / CHECKPOINT
    return json.loads(path.read_text()) if path.is_file() else None
