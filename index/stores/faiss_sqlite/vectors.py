"""FAISS vector index: inner product on L2-normalized vectors (= cosine), ids are the tables' rowids."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def create(cls, dim: int, factory: str) -> "VectorIndex":
        try:
            inner = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise ValueError(f"DALIL_FAISS_FACTORY={factory!r} is not a valid FAISS factory string: {exc}") from exc
        # IDMap2 keeps vectors reconstructable by id, which sentence scoring and removals need.
        return cls(faiss.IndexIDMap2(inner))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        return cls(faiss.read_index(str(path)))

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
        """Some FAISS structures (HNSW) cannot delete: rebuild one from the vectors that remain."""
        kept = [int(i) for i in faiss.vector_to_array(self.index.id_map) if int(i) not in dropped]
        vectors = self.reconstruct(kept)
        inner = faiss.clone_index(faiss.downcast_index(self.index.index))
        inner.reset()
        self.index = faiss.IndexIDMap2(inner)
        self.add(kept, vectors)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]).astype(np.float32)
