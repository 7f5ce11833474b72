"""FAISS vector index: inner product on L2-normalized vectors (= cosine), ids are the tables' rowids.

A fresh build stages its vectors on disk as float16 (``StagedVectors``), so memory stays flat however large the
build, and the index is made at the end, when its size is known (``layouts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import faiss
import numpy as np

from dalil.index.stores.faiss_sqlite import layouts

BLOCK = 50_000  # vectors added or compared at a time when building from staged vectors


class StagedVectors:
    """Vectors appended to two files (float16 rows, int64 ids) while a build runs; removals are remembered."""

    def __init__(self, path: Path, dim: int) -> None:
        self.dim = dim
        self._vectors, self._ids = path.with_suffix(".f16"), path.with_suffix(".ids")
        self._vectors.touch()
        self._ids.touch()
        self.removed: set[int] = set()

    def __len__(self) -> int:
        return self._ids.stat().st_size // 8

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected {len(ids)} vectors of dimension {self.dim}, got shape {vectors.shape}")
        with self._vectors.open("ab") as handle:
            handle.write(vectors.astype(np.float16).tobytes())
        with self._ids.open("ab") as handle:
            handle.write(np.asarray(ids, dtype=np.int64).tobytes())

    def remove(self, ids: Sequence[int]) -> None:
        self.removed.update(int(i) for i in ids)

    def truncate(self, rows: int) -> None:
        """Forget rows written after the ``rows``-th (by a writer that died before its next checkpoint)."""
        for path, width in ((self._vectors, 2 * self.dim), (self._ids, 8)):
            with path.open("r+b") as handle:
                handle.truncate(rows * width)

    def blocks(self, size: int = BLOCK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, float32 vectors) of the rows not removed, ``size`` rows at a time.

        Read block by block, not through one memory map: the pages of a map stay resident until it closes, so a
        map over a million staged vectors added their 750 MB to the build's peak memory.
        """
        count = len(self)
        removed = np.fromiter(self.removed, dtype=np.int64, count=len(self.removed))
        with self._ids.open("rb") as ids_file, self._vectors.open("rb") as vectors_file:
            for start in range(0, count, size):
                rows = min(size, count - start)
                block_ids = np.fromfile(ids_file, dtype=np.int64, count=rows)
                block = np.fromfile(vectors_file, dtype=np.float16, count=rows * self.dim).reshape(rows, self.dim)
                keep = ~np.isin(block_ids, removed) if len(removed) else slice(None)
                yield block_ids[keep], np.asarray(block[keep], dtype=np.float32)

    def rows(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, float32 vectors) at the sorted row ``positions``, read block by block (see ``blocks``)."""
        ids = np.zeros(len(positions), dtype=np.int64)
        vectors = np.zeros((len(positions), self.dim), dtype=np.float32)
        done = 0
        with self._ids.open("rb") as ids_file, self._vectors.open("rb") as vectors_file:
            for start in range(0, len(self), BLOCK):
                wanted = positions[(positions >= start) & (positions < start + BLOCK)] - start
                if len(wanted) == 0:
                    continue
                ids_file.seek(start * 8)
                vectors_file.seek(start * 2 * self.dim)
                rows = int(wanted[-1]) + 1
                ids[done : done + len(wanted)] = np.fromfile(ids_file, dtype=np.int64, count=rows)[wanted]
                block = np.fromfile(vectors_file, dtype=np.float16, count=rows * self.dim).reshape(rows, self.dim)
                vectors[done : done + len(wanted)] = block[wanted]
                done += len(wanted)
        return ids, vectors

    def discard(self) -> None:
        self._vectors.unlink(missing_ok=True)
        self._ids.unlink(missing_ok=True)

    def build(
        self, requested: str, rng: np.random.Generator, probes: Callable[[], np.ndarray] | None = None
    ) -> tuple["VectorIndex", layouts.Layout]:
        """The final index: the layout ``requested`` (``auto``: chosen by size), trained on a sample of all rows.

        An approximate index is tuned with ``probes()`` (question vectors) where given, else with stored rows.
        """
        live = len(self) - len(self.removed)
        layout = (
            layouts.choose(live) if requested == "auto" else layouts.Layout(requested, "set by DALIL_FAISS_FACTORY")
        )
        index = VectorIndex.create(self.dim, layout.factory)
        ivf = faiss.try_extract_index_ivf(index.index)
        if ivf is not None and live:
            positions = layouts.train_sample(len(self), ivf.nlist, rng)
            index.index.train(self.rows(positions)[1])
        probe = ivf is not None and live > layouts.PROBE_QUERIES
        if probe:  # the exact neighbours are found before the index fills memory, so the two never add up
            if probes is not None:
                queries, probed_with, target = probes(), "question-like probes", layouts.PROBE_TARGET_RECALL
                query_ids = np.full(len(queries), -1, dtype=np.int64)
            else:
                positions = np.sort(rng.choice(len(self), size=layouts.PROBE_QUERIES, replace=False))
                (query_ids, queries), probed_with = self.rows(positions), "stored vectors as probes"
                target = layouts.TARGET_RECALL
            exact = layouts.exact_neighbours(queries, self.blocks(), 11)
        for ids, vectors in self.blocks():
            index.add(ids, vectors)
        if probe:
            nprobe, recall = layouts.tune_nprobe(index.index, query_ids, queries, exact, target)
            layout = layouts.Layout(layout.factory, layout.reason, nprobe, recall, probed_with)
        return index, layout


class VectorIndex:
    def __init__(self, index: faiss.Index, name: str = "") -> None:
        self.index = index
        self.name = name  # the file it was loaded from

    @classmethod
    def create(cls, dim: int, factory: str) -> "VectorIndex":
        try:
            inner = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise ValueError(f"DALIL_FAISS_FACTORY={factory!r} is not a valid FAISS factory string: {exc}") from exc
        ivf = faiss.try_extract_index_ivf(inner)
        if ivf is not None:
            # An inverted file keeps its own ids; a hash table from id to entry makes them reconstructable.
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
            return cls(inner)
        # IDMap2 keeps vectors reconstructable by id, which sentence scoring and removals need.
        return cls(faiss.IndexIDMap2(inner))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        return cls(faiss.read_index(str(path)), path.name)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @property
    def dim(self) -> int:
        return self.index.d

    def __len__(self) -> int:
        return self.index.ntotal

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected {len(ids)} vectors of dimension {self.dim}, got shape {vectors.shape}")
        if not self.index.is_trained:
            self.index.train(vectors)
        self.index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids) == 0:
            return
        try:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))
        except RuntimeError:
            self._rebuild_without(set(ids))

    def _rebuild_without(self, dropped: set[int]) -> None:
        """Some FAISS structures (HNSW) cannot delete: rebuild one from the vectors that remain (kept by IDMap2)."""
        kept = [int(i) for i in faiss.vector_to_array(self.index.id_map) if int(i) not in dropped]
        vectors = self.reconstruct(kept)
        inner = faiss.clone_index(faiss.downcast_index(self.index.index))
        inner.reset()
        self.index = faiss.IndexIDMap2(inner)
        self.add(kept, vectors)

    def search(
        self, query: np.ndarray, k: int, params: faiss.SearchParameters | None = None
    ) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self.index.search(query, k) if params is None else self.index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]).astype(np.float32)
