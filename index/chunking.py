"""Chunks: overlapping windows of whole sentences, the unit of retrieval."""

from __future__ import annotations

from collections.abc import Sequence

from dalil.index.types import Chunk, Sentence, chunk_id


def make_chunks(doc_id: str, text: str, sentences: Sequence[Sentence], size: int, overlap: int) -> list[Chunk]:
    """Windows of ``size`` consecutive sentences, each starting ``size - overlap`` sentences after the previous.

    The last window is moved back to end at the last sentence: every sentence is in a chunk, every chunk is
    full-sized, and no tiny tail window repeats what the chunk before it holds. A document with fewer
    sentences than ``size`` is a single chunk.
    """
    if size < 1:
        raise ValueError(f"chunk size must be at least 1 sentence, got {size}")
    if not 0 <= overlap < size:
        raise ValueError(f"chunk overlap must be between 0 and size - 1 ({size - 1}), got {overlap}")
    if not sentences:
        return []
    last_start = max(len(sentences) - size, 0)
    starts = [*range(0, last_start, size - overlap), last_start]
    chunks = []
    for n, first in enumerate(starts):
        window = sentences[first : first + size]
        start, end = window[0].start, window[-1].end
        chunks.append(
            Chunk(
                id=chunk_id(doc_id, n),
                doc_id=doc_id,
                n=n,
                start=start,
                end=end,
                text=text[start:end],
                sentence_ids=tuple(sentence.id for sentence in window),
            )
        )
    return chunks
