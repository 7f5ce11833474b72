"""BM25 in PostgreSQL over dalil's own search terms, scored as SQLite's FTS5 scores them in the file store.

A chunk's terms (``normalize.search_terms``: Arabic-normalized, stemmed, no stopwords) are stored as tsvector text
with their positions, so PostgreSQL neither splits nor stems them again; a GIN index finds the chunks holding any
query term, and the score is FTS5's BM25 (k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6)
from the chunks' term frequencies, their lengths and each term's chunk count (``term_counts``). Measured against
PostgreSQL's own ``arabic`` configuration in ``bench/postgres.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

K1, B = 1.2, 0.75
MAX_LEXEME_BYTES = 2046  # PostgreSQL's limit for one lexeme
MAX_POSITION = 16383  # and for a position: later ones are kept at this value

BM25_RANKING = """
WITH weights AS (
    SELECT term, GREATEST(ln((%(chunks)s - chunks + 0.5) / (chunks + 0.5)), 1e-6) AS idf
    FROM term_counts WHERE gen = %(gen)s AND term = ANY(%(terms)s)
)
SELECT c.id, SUM(w.idf * f.tf * (%(k1)s + 1) / (f.tf + %(k1)s * (1 - %(b)s + %(b)s * c.length / %(average)s))) AS score
FROM chunks c
CROSS JOIN LATERAL (
    SELECT lexeme, cardinality(positions) AS tf FROM unnest(c.terms) WHERE lexeme = ANY(%(terms)s)
) f
JOIN weights w ON w.term = f.lexeme
WHERE c.gen = %(gen)s AND c.terms @@ %(query)s::tsquery {language}
GROUP BY c.id
ORDER BY score DESC, c.id
LIMIT %(limit)s
"""


def usable(terms: Sequence[str]) -> list[str]:
    """Distinct terms, in order, that PostgreSQL can hold as lexemes."""
    return [t for t in dict.fromkeys(terms) if t and len(t.encode()) <= MAX_LEXEME_BYTES]


def term_positions(terms: Sequence[str]) -> str:
    """tsvector text of ``terms`` in order: ``'term':1,4 'other':2``."""
    positions: dict[str, list[int]] = defaultdict(list)
    for place, term in enumerate(terms, start=1):
        if term and len(term.encode()) <= MAX_LEXEME_BYTES:
            positions[term].append(min(place, MAX_POSITION))
    return " ".join(f"{_quoted(term)}:{','.join(map(str, dict.fromkeys(at)))}" for term, at in positions.items())


def any_of(terms: Sequence[str]) -> str:
    """tsquery text matching a chunk holding any of ``terms``."""
    return " | ".join(_quoted(t) for t in terms)


def chunk_counts(chunk_terms: Sequence[Sequence[str]]) -> Counter[str]:
    """How many of these chunks hold each term: their share of ``term_counts``."""
    return Counter(term for terms in chunk_terms for term in set(usable(terms)))


def ranking_query(language: str | None) -> str:
    return BM25_RANKING.format(language="AND c.language = %(language)s" if language else "")


def _quoted(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
