"""``DALIL_STORE=faiss``: the index as files on one machine, FAISS for vectors beside SQLite for the rest.

A build writes a new generation folder and publishes it by swapping a symlink (``generations.py``). A later
change is one SQLite transaction in the published generation: rows, fingerprints and the vectors' delta
(``delta.py``) together, so its cost follows the change, not the index. A reader holds one read transaction
and keeps the state it opened; a writer that dies leaves the last committed state.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dalil.index.manifest import MANIFEST_FILE, Manifest, ManifestMismatch, now
from dalil.index.protocols import IndexUnavailable, QuestionEmbedder, UnknownDocument
from dalil.index.stores.faiss_sqlite import delta, layouts
from dalil.index.stores.faiss_sqlite.fingerprints import SqliteFingerprints
from dalil.index.stores.faiss_sqlite.generations import (
    Lease,
    changed_generation,
    current_generation,
    file_lease_name,
    new_generation,
    open_generation,
    remove_unleased,
)
from dalil.index.stores.faiss_sqlite.jobs import SqliteJobs
from dalil.index.stores.faiss_sqlite.keys import SqliteKeys
from dalil.index.stores.faiss_sqlite.tables import Tables
from dalil.index.stores.faiss_sqlite.vectors import StagedVectors, VectorIndex
from dalil.index.types import Article, Chunk, DocumentInfo, Sentence
from dalil.index.web.seen import SeenPages
from dalil.settings import Settings

NAME = "faiss"
TABLES_FILE = "store.sqlite"
CHECKPOINT = "checkpoint.json"
FORMAT = "2"  # tables in WAL mode, changed in place, with the vectors' delta and articles' fingerprints
# Opening retries when a change replaced a file the snapshot was about to read (a compaction's old base).
OPEN_ATTEMPTS = 3

logger = logging.getLogger("dalil.index")


class FaissStore:
    """Generations under ``root`` (``DALIL_INDEX_DIR``); new vector indexes are made with the FAISS ``factory``."""

    name = NAME

    def __init__(self, root: Path, factory: str = "auto") -> None:
        if not isinstance(factory, str) or not factory.strip():
            raise ValueError("DALIL_FAISS_FACTORY must be a FAISS factory string such as 'Flat' or 'HNSW32'")
        self.root = Path(root)
        self.factory = factory
        # Base vector files as loaded, shared by every open snapshot that reads the same file.
        self._bases: weakref.WeakValueDictionary[tuple, VectorIndex] = weakref.WeakValueDictionary()
        self._bases_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "FaissStore":
        return cls(settings.index_dir, settings.faiss_factory)

    def open(self) -> "FaissSnapshot":
        for attempt in range(OPEN_ATTEMPTS):
            token = self.published()
            opened = open_generation(self.root)
            if opened is None:
                raise IndexUnavailable(f"no index at {self.root}: build one with `dalil index build`")
            folder, lease = opened
            try:
                return FaissSnapshot(folder, lease, self._load_base)
            except IndexUnavailable:
                lease.release()
                if attempt + 1 == OPEN_ATTEMPTS or self.published() == token:
                    raise  # damaged, not merely changed while it was opened
            except BaseException:
                lease.release()
                raise
        raise AssertionError("unreachable")

    def _load_base(self, path: Path) -> VectorIndex:
        """A base vector file, loaded once for all the snapshots reading it; leased while it is read."""
        with Lease(self.root, file_lease_name(path)):
            stat = path.stat()
            key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
            with self._bases_lock:
                loaded = self._bases.get(key)
                if loaded is None:
                    loaded = self._bases[key] = VectorIndex.load(path)
            return loaded

    def keys(self) -> SqliteKeys:
        return SqliteKeys(self.root)

    def jobs(self) -> SqliteJobs:
        return SqliteJobs(self.root)

    def fetched(self) -> SeenPages:
        return SeenPages(self.root)

    def published(self) -> str | None:
        folder = current_generation(self.root)
        if folder is None:
            return None
        try:
            return _token(folder, _published_state(folder))
        except sqlite3.Error:
            return folder.name  # opening it will say what is wrong

    @contextmanager
    def change(
        self, fresh: Manifest | None = None, resume: str | None = None, questions: QuestionEmbedder | None = None
    ) -> Iterator["FaissChange"]:
        if fresh is not None:
            with new_generation(self.root, resume=resume) as folder:
                yield from _run(FaissChange(folder, fresh, self.factory, questions))
            return
        try:
            with changed_generation(self.root, _changes_in_place) as folder:
                yield from _run(FaissChange(folder, None, self.factory))
                self._remove_unused_bases(folder)
        except FileNotFoundError as exc:
            if current_generation(self.root) is None:
                raise IndexUnavailable(f"no index at {self.root}: run `dalil index build` first") from exc
            raise

    def _remove_unused_bases(self, folder: Path) -> None:
        """Base vector files no longer named by the state (replaced by a compaction, or left by a writer that
        died while writing one), unless a snapshot is loading them."""
        state = _published_state(folder)
        used = {delta.base_file(state, kind) for kind in delta.KINDS}
        for path in folder.glob("*.faiss"):
            if path.name not in used:
                remove_unleased(self.root, file_lease_name(path), path)
        for partial in folder.glob(".*.faiss"):
            partial.unlink(missing_ok=True)  # under the writers' lock: no writer is making it


def _run(change: "FaissChange") -> Iterator["FaissChange"]:
    try:
        yield change
    except BaseException:
        change.abandon()
        raise
    change.save()


def _changes_in_place(folder: Path) -> bool:
    """Whether a change may be written inside this published generation: its tables say so. Older ones are
    changed once in a copy, which takes up the format."""
    try:
        return _published_state(folder).get("format") == FORMAT
    except sqlite3.Error:
        return False


def _published_state(folder: Path) -> dict[str, str]:
    """The state table as last committed."""
    tables = Tables(folder / TABLES_FILE, readonly=True)
    try:
        return tables.state()
    finally:
        tables.close()


def _token(folder: Path, state: dict[str, str]) -> str:
    return f"{folder.name}.{state.get('version', '0')}"


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
    """The published state as of opening: one read transaction on the tables, the base vector files as loaded
    (``load_base``) and the delta since them."""

    def __init__(self, folder: Path, lease: Lease | None = None, load_base=VectorIndex.load) -> None:
        self.folder = folder
        self.location = str(folder)
        self._lease = lease
        self.manifest = _opened(folder, MANIFEST_FILE, lambda path: Manifest.load(path.parent))
        self.tables = _opened(folder, TABLES_FILE, lambda path: Tables(path, readonly=True))
        try:
            # The first read fixes the snapshot; an empty or truncated file fails here.
            state = _opened(folder, TABLES_FILE, lambda _: self.tables.state())
            self.published = _token(folder, state)
            self._counts = _opened(folder, TABLES_FILE, lambda _: self.tables.counts())
            if "counts" in state:  # changes since the build are in the tables, not in manifest.json
                self.manifest.counts, self.manifest.updated = json.loads(state["counts"]), state["updated"]
            self.chunk_vectors = self._vectors(state, "chunks", load_base)
            self.sentence_vectors = self._vectors(state, "sentences", load_base)
            self._check_vectors()
        except BaseException:
            self.tables.close()
            raise

    def _vectors(self, state: dict[str, str], kind: str, load_base) -> delta.LiveVectors:
        base = _opened(self.folder, delta.base_file(state, kind), load_base)
        if state.get("format") != FORMAT:  # written before changes were made in place: no delta
            return delta.LiveVectors.of(base)
        added_ids, added, removed = _opened(
            self.folder, TABLES_FILE, lambda _: delta.read_delta(self.tables.db, kind, base.dim)
        )
        return delta.LiveVectors(base, added_ids, added, removed)

    def _check_vectors(self) -> None:
        """Each kind's vectors belong with these tables: the manifest's dimension and one vector per row."""
        for kind, vectors in (("chunks", self.chunk_vectors), ("sentences", self.sentence_vectors)):
            if vectors.dim != self.manifest.dim or len(vectors) != self._counts[kind]:
                raise _damaged(
                    self.folder,
                    f"{vectors.base.name} holds {len(vectors):,} vectors (with the changes since it was written) of "
                    f"dimension {vectors.dim}, where the tables have {self._counts[kind]:,} {kind} and the manifest "
                    f"says dimension {self.manifest.dim}",
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

    def _search(self, vectors: delta.LiveVectors, table: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        hits = vectors.search(vector, k)
        ids = self.tables.ids_of_rowids(table, [rowid for rowid, _ in hits])
        return [(ids[rowid], score) for rowid, score in hits if rowid in ids]

    def sentence_vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self._stored_vectors(self.sentence_vectors, "sentences", ids)

    def chunk_vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self._stored_vectors(self.chunk_vectors, "chunks", ids)

    def _stored_vectors(self, vectors: delta.LiveVectors, table: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        rowids = self.tables.rowids_of_ids(table, ids)
        known = [row_id for row_id in ids if row_id in rowids]
        matrix = vectors.reconstruct([rowids[row_id] for row_id in known])
        return dict(zip(known, matrix, strict=True))

    def lexical_search(self, terms: Sequence[str], k: int, language: str | None = None) -> list[tuple[str, float]]:
        return self.tables.lexical_search(terms, k, language)

    def term_document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        return self.tables.term_document_frequency(terms)


class FaissChange(_Reads):
    """A change being written: a build from scratch (``fresh`` manifest) into a new generation, or a change to
    the published state, in one transaction in its generation (``folder``).

    A build stages its vectors on disk and makes the FAISS indexes when it is saved, when their size is known;
    a later change logs its vectors beside the rows (``delta.VectorLog``), folded into new base files now and then.
    """

    def __init__(
        self, folder: Path, fresh: Manifest | None, factory: str, questions: QuestionEmbedder | None = None
    ) -> None:
        self.folder = folder
        self.questions = questions
        self.building = fresh is not None  # from scratch, vectors staged; else a change in place, vectors logged
        self.vectors: dict[str, delta.VectorLog | StagedVectors]
        checkpoint = _read_checkpoint(folder) if fresh is not None else None
        if fresh is not None and checkpoint is None:
            for leftover in folder.iterdir():  # a resumable folder whose writer died before its first checkpoint
                leftover.unlink()
        self.tables = Tables(folder / TABLES_FILE)
        self.fingerprints = SqliteFingerprints(self.tables.db)
        if checkpoint is not None:
            self.manifest = Manifest.from_dict(checkpoint["manifest"], str(folder))
            self.vectors = {}
            for name, state in checkpoint["vectors"].items():
                kind = name.removesuffix(".faiss")  # checkpoints written before kinds were named alone
                staged = StagedVectors(folder / delta.base_file({}, kind), self.manifest.dim)
                staged.truncate(state["rows"])
                staged.removed = set(state["removed"])
                self.vectors[kind] = staged
        elif fresh is not None:
            fresh.store, fresh.store_options = NAME, {"faiss_factory": factory}
            self.manifest = fresh
            self.vectors = {kind: StagedVectors(folder / delta.base_file({}, kind), fresh.dim) for kind in delta.KINDS}
        else:
            self.manifest = Manifest.load(folder)
            if self.tables.state().get("format") != FORMAT:
                self._take_up_format()
            self.vectors = {kind: delta.VectorLog(self.tables, kind, self.manifest.dim) for kind in delta.KINDS}

    def _take_up_format(self) -> None:
        """A generation written before changes were made in place: its vector files are the bases, holding every
        row, and its articles are fingerprinted (once, in the copy this change is written in)."""
        self.tables.set_state(_every_row_in_the_bases(self.tables))
        self.fingerprints.backfill()
        self.tables.set_state({"format": FORMAT})

    def exact_duplicate(self, exact: bytes) -> str | None:
        return self.fingerprints.exact_duplicate(exact)

    def shared_shingles(self, shingles: Collection[int]) -> list[tuple[str, int, int]]:
        return self.fingerprints.shared_shingles(shingles)

    def add_document(
        self,
        article: Article,
        sentences: Sequence[Sentence],
        chunks: Sequence[Chunk],
        sentence_vectors: np.ndarray,
        chunk_vectors: np.ndarray,
    ) -> None:
        sentence_rows, chunk_rows = self.tables.add_document(article, sentences, chunks)
        self.fingerprints.add(article.doc_id, article.text)
        self.vectors["sentences"].add(sentence_rows, sentence_vectors)
        self.vectors["chunks"].add(chunk_rows, chunk_vectors)

    def remove_document(self, doc_id: str) -> None:
        article = self.tables.document(doc_id)
        if article is None:
            raise UnknownDocument(doc_id)
        self.fingerprints.remove(doc_id, article.text)
        sentence_rows, chunk_rows = self.tables.remove_document(doc_id)
        self.vectors["sentences"].remove(sentence_rows)
        self.vectors["chunks"].remove(chunk_rows)

    def add_alias(self, alias_id: str, doc_id: str, path: str | None) -> None:
        self.tables.add_alias(alias_id, doc_id, path)

    def checkpoint(self) -> None:
        """A build from scratch can be taken up again from here if this process dies; a change in place is one
        transaction, committed only when it is published."""
        if not self.building:
            return
        self.tables.commit()
        state = {
            "manifest": self.manifest.to_dict(),
            "vectors": {kind: {"rows": len(v), "removed": sorted(v.removed)} for kind, v in self.vectors.items()},
        }
        partial = self.folder / f".{CHECKPOINT}"
        partial.write_text(json.dumps(state))
        os.replace(partial, self.folder / CHECKPOINT)

    def abandon(self) -> None:
        self.tables.rollback()
        self.tables.close()

    def save(self) -> None:
        """Commit everything; for a build, publishing the folder is the generation's swap."""
        counts = self.tables.counts()
        version = int(self.tables.state().get("version", 0)) + 1
        self.tables.set_state({"version": version, "counts": json.dumps(counts), "updated": now()})
        if self.building:
            self._save_build(counts)
            return
        self.tables.commit()
        if delta.needs_compaction(self.vectors.values(), counts):  # the change's logs
            try:
                delta.compact(self.folder, self.tables, self.manifest.dim)
                self.tables.set_state({"version": version + 1})
                self.tables.commit()
            except Exception:  # the change itself is committed; the next one tries again
                self.tables.rollback()
                logger.exception("folding the vectors' delta into new files failed")
        self.tables.close()

    def _save_build(self, counts: dict[str, int]) -> None:
        self.tables.set_state(
            delta.base_state(self.tables, {kind: delta.base_file({}, kind) for kind in delta.KINDS})
            | {"format": FORMAT}
        )
        self.tables.commit()
        self.manifest.touch(counts)
        rng = np.random.default_rng(0)  # a build's index is the same every time it is built from the same data
        probes = self._question_probes(rng)
        self.tables.close()
        for kind in list(self.vectors):
            staged = self.vectors.pop(kind)
            assert isinstance(staged, StagedVectors)
            vectors, layout = staged.build(self.manifest.store_options["faiss_factory"], rng, probes)
            self.manifest.store_options.update(layout.as_options(kind))
            staged.discard()
            vectors.save(self.folder / delta.base_file({}, kind))
            del vectors  # one final index in memory at a time: at 1M sentences each is hundreds of MB
        self.manifest.save(self.folder)
        (self.folder / CHECKPOINT).unlink(missing_ok=True)

    def _question_probes(self, rng: np.random.Generator) -> Callable[[], np.ndarray] | None:
        """Question-like probes for tuning approximate search, embedded only if an index asks for them (once)."""
        if self.questions is None:
            return None
        texts = self.tables.sample_texts("sentences", layouts.PROBE_QUERIES, rng)
        return functools.cache(lambda: layouts.question_probes(texts, self.questions))


def _every_row_in_the_bases(tables: Tables) -> dict[str, object]:
    return delta.base_state(tables, {kind: delta.base_file({}, kind) for kind in delta.KINDS})


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
