"""Find articles that are already indexed: exact copies and lightly edited wire copies of the same story.

Two texts are near-duplicates when the Jaccard similarity of their word 5-gram sets ("shingles", over
normalized tokens) reaches the threshold. Each edited word changes at most five shingles, so a copy of a
150-word story with one or two words changed scores about 0.87-0.93, and a copy that only adds or drops an
agency line scores above 0.99. Different stories on the same topic share almost no five-word runs: the demo
articles, all on Russian defence cooperation, score 0.002 or less against each other. The default of 0.8
lets through about one edited word in every 45.

The similarity is exact, not a MinHash estimate: an inverted index from shingle to article finds the
articles sharing any shingle, and only those are compared. The store keeps that index for the articles it holds
(``IndexedTexts``), updated with each article added or removed, so checking a new article costs lookups of its own
shingles, not a pass over the archive. Articles of the same batch are compared in a private temporary SQLite
file, not in Python objects: a million-sentence archive has some 25 million shingles, about 150 bytes each as
dict entries (3.7 GB), and a few dozen on disk.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dalil.index.normalize import normalize, tokenize
from dalil.index.types import Article

SHINGLE_WORDS = 5
DEFAULT_THRESHOLD = 0.8
LOOKUP_BATCH = 500  # values per query, well under SQLite's limit on bound parameters


@dataclass(frozen=True)
class Fingerprint:
    """What finding duplicates needs of a text: a hash of its normalized whole, and its shingles' hashes."""

    exact: bytes
    shingles: frozenset[int]


def fingerprint(text: str) -> Fingerprint:
    return Fingerprint(_exact_key(text), frozenset(_shingles(text)))


class IndexedTexts(Protocol):
    """The fingerprints of the articles a store holds, kept by the store."""

    def exact_duplicate(self, exact: bytes) -> str | None:
        """The id of the first indexed article with this ``Fingerprint.exact``."""
        ...

    def shared_shingles(self, shingles: Collection[int]) -> list[tuple[str, int, int]]:
        """(article id, shingles shared with ``shingles``, the article's own count), in the order indexed."""
        ...


class DuplicateFinder:
    def __init__(self, threshold: float = DEFAULT_THRESHOLD, indexed: IndexedTexts | None = None) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"duplicate threshold must be above 0 and at most 1, got {threshold}")
        self.threshold = threshold
        self._indexed = indexed
        self._by_exact_text: dict[bytes, str] = {}
        self._ids: list[str] = []  # article number -> id; numbers follow the order articles were added
        self._sizes: list[int] = []  # article number -> count of its shingles
        self._numbers: dict[str, int] = {}
        # An empty file name is SQLite's private temporary database: on disk, deleted when closed.
        self._db = sqlite3.connect("")
        self._db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;"
            "CREATE TABLE shingles (hash INTEGER, article INTEGER, PRIMARY KEY (hash, article)) WITHOUT ROWID;"
        )

    def add(self, doc_id: str, text: str) -> None:
        """Remember an article; adding an id a second time keeps the first text (first seen wins)."""
        self.add_printed(doc_id, fingerprint(text))

    def add_printed(self, doc_id: str, printed: Fingerprint) -> None:
        if doc_id in self._numbers:
            return
        number = len(self._ids)
        self._numbers[doc_id] = number
        self._ids.append(doc_id)
        self._by_exact_text.setdefault(printed.exact, doc_id)
        shingles = printed.shingles
        self._sizes.append(len(shingles))
        self._db.executemany("INSERT INTO shingles VALUES (?, ?)", ((shingle, number) for shingle in shingles))

    def find(self, text: str) -> str | None:
        """The id of an indexed or added article that ``text`` duplicates (the most similar one), or None."""
        return self.find_printed(fingerprint(text))

    def find_printed(self, printed: Fingerprint) -> str | None:
        exact = self._indexed.exact_duplicate(printed.exact) if self._indexed else None
        exact = exact or self._by_exact_text.get(printed.exact)
        if exact is not None:
            return exact
        candidates = self._indexed.shared_shingles(printed.shingles) if self._indexed else []
        candidates += self._shared_with_added(printed.shingles)
        best, best_similarity = None, 0.0
        for doc_id, overlap, size in candidates:  # indexed first, then in the order added: a tie keeps the earlier
            similarity = overlap / (len(printed.shingles) + size - overlap)
            if similarity >= self.threshold and similarity > best_similarity:
                best, best_similarity = doc_id, similarity
        return best

    def _shared_with_added(self, shingles: Collection[int]) -> list[tuple[str, int, int]]:
        shared = count_shared(self._db, shingles, "article")
        return [(self._ids[number], shared[number], self._sizes[number]) for number in sorted(shared)]

    def close(self) -> None:
        self._db.close()


def deduplicate(
    articles: Sequence[Article], indexed: IndexedTexts | None = None
) -> tuple[list[Article], dict[str, str]]:
    """Articles to index, and aliases ``{duplicate id: canonical id}`` for the rest.

    Articles already ``indexed`` and earlier articles in ``articles`` win over later copies. An article whose id
    is already taken by the article it copies is the same article read twice and gets no alias.
    """
    finder = DuplicateFinder(indexed=indexed)
    try:
        kept: list[Article] = []
        aliases: dict[str, str] = {}
        for article in articles:
            printed = fingerprint(article.text)
            canonical = finder.find_printed(printed)
            if canonical is None:
                finder.add_printed(article.doc_id, printed)
                kept.append(article)
            elif canonical != article.doc_id:
                aliases[article.doc_id] = canonical
        return kept, aliases
    finally:
        finder.close()


def _exact_key(text: str) -> bytes:
    return hashlib.sha256(normalize(text).encode("utf-8")).digest()


def _shingles(text: str) -> set[int]:
    """Hashes of the word 5-grams; a text shorter than five words is one shingle.

    Stable hashes (not Python's, which change with each process), since the store keeps them: each word's
    64-bit BLAKE2 hash (words recur, so they are cached), combined over each window as a polynomial in
    ``_BASE`` modulo 2^64, for all windows at once.
    """
    tokens = tokenize(text)
    if not tokens:
        return set()
    words = np.fromiter((_word_hash(token) for token in tokens), dtype=np.uint64, count=len(tokens))
    if len(tokens) < SHINGLE_WORDS:
        combined = np.array([words @ _POWERS[-len(tokens) :]], dtype=np.uint64)
    else:
        combined = sliding_window_view(words, SHINGLE_WORDS) @ _POWERS
    return set(combined.view(np.int64).tolist())  # as SQLite's signed 64-bit integers


@functools.lru_cache(maxsize=1 << 18)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


_BASE = 0x100000001B3  # the 64-bit FNV prime: odd, so each power is invertible modulo 2^64
_POWERS = np.array([pow(_BASE, SHINGLE_WORDS - 1 - i, 1 << 64) for i in range(SHINGLE_WORDS)], dtype=np.uint64)


def count_shared(db: sqlite3.Connection, shingles: Collection[int], owner: str) -> Counter[int]:
    """How many of ``shingles`` each owner holds, in a ``shingles (hash, <owner>)`` table: the finder's own and
    the store's (``faiss_sqlite.fingerprints``)."""
    shared: Counter[int] = Counter()
    for group in in_groups(list(shingles)):
        marks = ",".join("?" * len(group))
        shared.update(
            dict(db.execute(f"SELECT {owner}, COUNT(*) FROM shingles WHERE hash IN ({marks}) GROUP BY {owner}", group))
        )
    return shared


def in_groups(items: list) -> list[list]:
    """``items`` in groups of ``LOOKUP_BATCH``, each a query's bound parameters."""
    return [items[i : i + LOOKUP_BATCH] for i in range(0, len(items), LOOKUP_BATCH)]
