"""Find articles that are already indexed: exact copies and lightly edited wire copies of the same story.

Two texts are near-duplicates when the Jaccard similarity of their word 5-gram sets ("shingles", over
normalized tokens) reaches the threshold. Each edited word changes at most five shingles, so a copy of a
150-word story with one or two words changed scores about 0.87-0.93, and a copy that only adds or drops an
agency line scores above 0.99. Different stories on the same topic share almost no five-word runs: the demo
articles, all on Russian defence cooperation, score 0.002 or less against each other. The default of 0.8
lets through about one edited word in every 45.

The similarity is exact, not a MinHash estimate: an inverted index from shingle to article finds the
articles sharing any shingle, and only those are compared. The index lives in a private temporary SQLite file,
not in Python objects: a million-sentence archive has some 25 million shingles, about 150 bytes each as dict
entries (3.7 GB), and a few dozen on disk.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence

from dalil.index.normalize import normalize, tokenize
from dalil.index.types import Article

SHINGLE_WORDS = 5
DEFAULT_THRESHOLD = 0.8
LOOKUP_BATCH = 500  # shingles per query, well under SQLite's limit on bound parameters


class DuplicateFinder:
    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"duplicate threshold must be above 0 and at most 1, got {threshold}")
        self.threshold = threshold
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
        if doc_id in self._numbers:
            return
        number = len(self._ids)
        self._numbers[doc_id] = number
        self._ids.append(doc_id)
        self._by_exact_text.setdefault(_exact_key(text), doc_id)
        shingles = _shingles(text)
        self._sizes.append(len(shingles))
        self._db.executemany("INSERT INTO shingles VALUES (?, ?)", ((shingle, number) for shingle in shingles))

    def find(self, text: str) -> str | None:
        """The id of an added article that ``text`` duplicates (the most similar one), or None."""
        exact = self._by_exact_text.get(_exact_key(text))
        if exact is not None:
            return exact
        shingles = _shingles(text)
        listed = list(shingles)
        shared: Counter[int] = Counter()
        for group in (listed[i : i + LOOKUP_BATCH] for i in range(0, len(listed), LOOKUP_BATCH)):
            rows = self._db.execute(
                f"SELECT article, COUNT(*) FROM shingles WHERE hash IN ({','.join('?' * len(group))}) GROUP BY article",
                group,
            )
            shared.update(dict(rows.fetchall()))
        best, best_similarity = None, 0.0
        for number in sorted(shared):  # in the order added: on a tie the earlier article wins
            overlap = shared[number]
            similarity = overlap / (len(shingles) + self._sizes[number] - overlap)
            if similarity >= self.threshold and similarity > best_similarity:
                best, best_similarity = self._ids[number], similarity
        return best

    def close(self) -> None:
        self._db.close()


def deduplicate(
    articles: Sequence[Article], existing: Iterable[tuple[str, str]] = ()
) -> tuple[list[Article], dict[str, str]]:
    """Articles to index, and aliases ``{duplicate id: canonical id}`` for the rest.

    ``existing`` holds ``(doc_id, text)`` of articles already indexed; they and earlier articles in
    ``articles`` win over later copies. An article whose id is already taken by the article it copies is
    the same article read twice and gets no alias.
    """
    finder = DuplicateFinder()
    try:
        for doc_id, text in existing:
            finder.add(doc_id, text)
        kept: list[Article] = []
        aliases: dict[str, str] = {}
        for article in articles:
            canonical = finder.find(article.text)
            if canonical is None:
                finder.add(article.doc_id, article.text)
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

    Python's string hashes differ from one process to the next; these never leave the process that made them.
    """
    tokens = tokenize(text)
    if len(tokens) < SHINGLE_WORDS:
        return {hash(tuple(tokens))} if tokens else set()
    return {hash(tuple(tokens[i : i + SHINGLE_WORDS])) for i in range(len(tokens) - SHINGLE_WORDS + 1)}
