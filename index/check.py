"""``dalil index check``: read back everything a store holds and say what does not add up.

Opening an index already refuses missing or unreadable files and vector files that do not match the tables.
This goes further, through the ``StoreReader`` seam, so it checks any store: every sentence is the article text
at its offsets, every sentence has its vector and that vector has unit length, and the counts are the manifest's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dalil.index.protocols import StoreReader

MAX_LISTED = 10  # problems of one kind listed one by one; the rest are counted
NORM_TOLERANCE = 0.01  # float16 storage moves a unit vector's length by far less


def check_index(reader: StoreReader, progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Problems found, in words (none for a sound index)."""
    problems: dict[str, list[str]] = {}

    def found(kind: str, where: str) -> None:
        problems.setdefault(kind, []).append(where)

    counts = reader.counts()
    if reader.manifest.counts and reader.manifest.counts != counts:
        found("the counts differ from the manifest's", f"manifest {reader.manifest.counts}, tables {counts}")
    documents = reader.list_documents()
    for done, info in enumerate(documents, start=1):
        article = reader.document(info.id)
        sentences = reader.sentences(info.id)
        if article is None:
            found("listed articles that cannot be read", info.id)
            continue
        for sentence in sentences:
            if article.text[sentence.start : sentence.end] != sentence.text:
                found("sentences that are not the article text at their offsets", sentence.id)
        vectors = reader.sentence_vectors_by_id([s.id for s in sentences])
        for sentence in sentences:
            vector = vectors.get(sentence.id)
            if vector is None:
                found("sentences without a vector", sentence.id)
            elif abs(float(np.linalg.norm(vector)) - 1.0) > NORM_TOLERANCE:
                found("sentence vectors that are not of unit length", sentence.id)
        if progress:
            progress(done, len(documents))
    return [_summary(kind, where) for kind, where in problems.items()]


def _summary(kind: str, where: list[str]) -> str:
    listed = ", ".join(where[:MAX_LISTED]) + (
        f" and {len(where) - MAX_LISTED:,} more" if len(where) > MAX_LISTED else ""
    )
    return f"{len(where):,} {kind}: {listed}"
