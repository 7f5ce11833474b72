"""BM25 in PostgreSQL over dalil's own search terms, scored as SQLite's FTS5 scores them in the file store.

A chunk's terms (``normalize.search_terms``: Arabic-normalized, stemmed, no stopwords) are kept as postings,
one row per term and chunk with the term's frequency there and the chunk's length (``chunk_terms``), so
PostgreSQL neither splits nor stems them again, and a question's terms are looked up in the postings' primary key
alone. The score is FTS5's BM25 (k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6) from
those frequencies and lengths and each term's chunk count (``term_counts``). ``bench/postgres.py`` measures it
against PostgreSQL's own ``arabic`` text search configuration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

K1, B = 1.2, 0.75
MAX_TERM_BYTES = 2000  # a B-tree entry must fit in a third of a page

BM25_RANKING = """
WITH weights AS (
    -- float8 throughout: in numeric (the type of 0.5 here), scoring 12,000 postings took 24 ms instead of 7
    SELECT term, GREATEST(ln((%(chunks)s - chunks + 0.5)::float8 / (chunks + 0.5)), 1e-6::float8) AS idf
    FROM term_counts WHERE gen = %(gen)s AND term = ANY(%(terms)s)
), ranked AS (
    SELECT p.chunk,
           SUM(w.idf * p.tf * (%(k1)s + 1) / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.length / %(average)s))) AS score
    FROM chunk_terms p JOIN weights w ON w.term = p.term
    WHERE p.gen = %(gen)s AND p.term = ANY(%(terms)s) {language}
    GROUP BY p.chunk
    ORDER BY score DESC, p.chunk
    LIMIT %(limit)s
)
SELECT c.id, r.score FROM ranked r JOIN chunks c ON c.key = r.chunk ORDER BY r.score DESC, r.chunk
"""


def usable(terms: Sequence[str]) -> list[str]:
    """Distinct terms, in order, that a posting can hold."""
    return [t for t in dict.fromkeys(terms) if t and len(t.encode()) <= MAX_TERM_BYTES]


def postings(terms: Sequence[str]) -> Counter[str]:
    """Each usable term of a chunk with its frequency there."""
    kept = set(usable(terms))
    return Counter(t for t in terms if t in kept)


def ranking_query(language: str | None) -> str:
    return BM25_RANKING.format(language="AND p.language = %(language)s" if language else "")
