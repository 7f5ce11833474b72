"""A fake word aligner for tests: a term matches the words its dictionary entry lists, nothing else."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class DictionaryAligner:
    """Scores 0.9 where a term's entry lists one of the words, 0.2 otherwise; remembers what it was asked."""

    def __init__(self, entries: dict[str, set[str]]) -> None:
        self.entries = entries
        self.asked: list[tuple[list[str], list[str]]] = []

    def best_matches(self, terms: Sequence[str], words: Sequence[str]) -> np.ndarray:
        self.asked.append((list(terms), list(words)))
        return np.array([0.9 if self.entries.get(t, set()) & set(words) else 0.2 for t in terms])
