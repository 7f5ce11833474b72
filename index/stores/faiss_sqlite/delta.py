"""Changes to a published index without rewriting its FAISS files.

A generation's vectors of each kind (chunks, sentences) are a *base*, one FAISS file written by a build or a
compaction and never changed afterwards, plus what changed since, kept in the tables and written in the same
transaction as the rows: vectors added (``vector_log``) and base rows removed (``vector_removed``). Rowids are
never reused, so a row belongs to the base exactly when its rowid is at most the base's ``base_max``.

A reader loads the base (one copy in memory for every reader of the same file) and its snapshot's delta, which
is small: once the delta outgrows ``COMPACT_FRACTION`` of the index, the writer folds it into new base files and
empties it in one transaction. An old base file is removed once no reader is loading it.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import faiss
import numpy as np

from dalil.index.stores.faiss_sqlite.tables import Tables
from dalil.index.stores.faiss_sqlite.vectors import VectorIndex

KINDS = ("chunks", "sentences")
# A delta is folded into a new base when it holds more rows (added plus removed) than this share of the kind's
# rows, or than COMPACT_MIN_ROWS where that is more: every reader loads and scans the delta, the base is searched
# by its index.
COMPACT_FRACTION = 0.02
COMPACT_MIN_ROWS = 2_000


def base_file(state: dict[str, str], kind: str) -> str:
    return state.get(f"file:{kind}", f"{kind}.faiss")


def base_state(tables: Tables, files: dict[str, str]) -> dict[str, object]:
    """State naming ``files`` as the bases, holding every row the tables have now."""
    return {f"file:{kind}": name for kind, name in files.items()} | {
        f"base_max:{kind}": tables.next_rowid(kind) - 1 for kind in files
    }


class VectorLog:
    """A writer's side of one kind's delta."""

    def __init__(self, tables: Tables, kind: str, dim: int) -> None:
        self.db, self.kind, self.dim = tables.db, kind, dim
        self.base_max = int(tables.state().get(f"base_max:{kind}", 0))

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected {len(ids)} vectors of dimension {self.dim}, got shape {vectors.shape}")
        self.db.executemany(
            "INSERT INTO vector_log (kind, rowid, vector) VALUES (?, ?, ?)",
            [(self.kind, int(rowid), vector.tobytes()) for rowid, vector in zip(ids, vectors, strict=True)],
        )

    def remove(self, ids: Sequence[int]) -> None:
        ids = [int(rowid) for rowid in ids]
        self.db.executemany(
            "DELETE FROM vector_log WHERE kind = ? AND rowid = ?", [(self.kind, r) for r in ids if r > self.base_max]
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO vector_removed (kind, rowid) VALUES (?, ?)",
            [(self.kind, r) for r in ids if r <= self.base_max],
        )

    def pending(self) -> int:
        return sum(
            self.db.execute(f"SELECT COUNT(*) FROM {table} WHERE kind = ?", (self.kind,)).fetchone()[0]
            for table in ("vector_log", "vector_removed")
        )


def read_delta(db: sqlite3.Connection, kind: str, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(added ids, added vectors, removed base ids) of one kind, as the connection's transaction sees them."""
    rows = db.execute("SELECT rowid, vector FROM vector_log WHERE kind = ? ORDER BY rowid", (kind,)).fetchall()
    ids = np.array([rowid for rowid, _ in rows], dtype=np.int64)
    vectors = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32).reshape(len(rows), dim)
    removed = db.execute("SELECT rowid FROM vector_removed WHERE kind = ?", (kind,)).fetchall()
    return ids, vectors, np.array([rowid for (rowid,) in removed], dtype=np.int64)


class LiveVectors:
    """A reader's vectors of one kind: the base as loaded, less the rows removed since, plus the rows added since."""

    def __init__(self, base: VectorIndex, added_ids: np.ndarray, added: np.ndarray, removed: np.ndarray) -> None:
        self.base, self._added_ids, self._added = base, added_ids, added
        self._removed = frozenset(removed.tolist())
        self._row_of_added = {int(rowid): row for row, rowid in enumerate(added_ids)}
        # FAISS parameters skipping the removed ids, and the selectors they point at (kept alive with them).
        self._skip_removed, self._selectors = _search_parameters(base, removed)

    @classmethod
    def of(cls, base: VectorIndex) -> "LiveVectors":
        """A base with nothing changed since it was written."""
        nothing = np.zeros(0, dtype=np.int64)
        return cls(base, nothing, np.zeros((0, base.dim), dtype=np.float32), nothing)

    @property
    def dim(self) -> int:
        return self.base.dim

    def __len__(self) -> int:
        return len(self.base) - len(self._removed) + len(self._added_ids)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self._skip_removed is not None:
            hits = self.base.search(query, k, self._skip_removed)
        elif self._removed:  # a layout without such parameters: fetch past the removed rows
            hits = [hit for hit in self.base.search(query, k + len(self._removed)) if hit[0] not in self._removed]
        else:
            hits = self.base.search(query, k)
        if len(self._added_ids) and k > 0:
            scores = self._added @ np.asarray(query, dtype=np.float32).reshape(-1)
            hits += [(int(self._added_ids[i]), float(scores[i])) for i in np.argsort(-scores, kind="stable")[:k]]
            hits.sort(key=lambda hit: -hit[1])
        return hits[:k]

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        ids = [int(i) for i in ids]
        in_base = [i for i in ids if i not in self._row_of_added]
        from_base = dict(zip(in_base, self.base.reconstruct(in_base), strict=True))
        rows = [self._added[self._row_of_added[i]] if i in self._row_of_added else from_base[i] for i in ids]
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, self.dim), dtype=np.float32)


def _search_parameters(base: VectorIndex, removed: np.ndarray) -> tuple[faiss.SearchParameters | None, tuple]:
    """FAISS search parameters that skip the ``removed`` ids, with the selectors they point at; None for a layout
    that takes no such parameters, or when nothing is removed."""
    if not len(removed):
        return None, ()
    batch = faiss.IDSelectorBatch(removed)
    selector = faiss.IDSelectorNot(batch)
    ivf = faiss.try_extract_index_ivf(base.index)
    inner = faiss.downcast_index(base.index.index) if isinstance(base.index, faiss.IndexIDMap2) else base.index
    if ivf is not None and ivf is base.index:
        return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe), (selector, batch)
    if isinstance(inner, faiss.IndexHNSW):
        return faiss.SearchParametersHNSW(sel=selector, efSearch=inner.hnsw.efSearch), (selector, batch)
    if isinstance(inner, faiss.IndexFlatCodes):  # exact search, float32 or float16 storage
        return faiss.SearchParameters(sel=selector), (selector, batch)
    return None, ()


def needs_compaction(logs: Iterable[VectorLog], counts: dict[str, int]) -> bool:
    return any(log.pending() > max(COMPACT_MIN_ROWS, COMPACT_FRACTION * counts[log.kind]) for log in logs)


def compact(folder: Path, tables: Tables, dim: int) -> dict[str, str]:
    """Write each kind's base with its delta folded in, under a new name, and point the state at it; the caller
    commits. Returns the new base files by kind."""
    state = tables.state()
    files = {}
    for kind in KINDS:
        base = VectorIndex.load(folder / base_file(state, kind))
        added_ids, added, removed = read_delta(tables.db, kind, dim)
        base.remove(removed.tolist())
        base.add(added_ids.tolist(), added)
        files[kind] = f"{kind}-{secrets.token_hex(4)}.faiss"
        partial = folder / f".{files[kind]}"
        base.save(partial)
        del base
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, folder / files[kind])
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    tables.db.execute("DELETE FROM vector_log")
    tables.db.execute("DELETE FROM vector_removed")
    tables.set_state(base_state(tables, files))
    return files
