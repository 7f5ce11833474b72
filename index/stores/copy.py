"""Copy an index from one store to another (``dalil store copy``) with its vectors, so nothing is embedded again.

Any store's reader gives what any store's change takes; the copy is a build of the target, published whole when
it ends, and taken up where it stopped if it is interrupted and run again on the same source state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dalil.index.manifest import Manifest
from dalil.index.protocols import Store, StoreReader
from dalil.index.types import chunk_id

CHECKPOINT_EVERY = 200  # articles


def copy_index(
    source: StoreReader, target: Store, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Copy everything ``source`` shows into ``target``, replacing what it held; the target's counts."""
    old = source.manifest
    manifest = Manifest(
        embedder=old.embedder,
        dim=old.dim,
        chunk_sentences=old.chunk_sentences,
        chunk_overlap=old.chunk_overlap,
        chunk_vectors=old.chunk_vectors,
    )
    documents = source.list_documents()
    with target.change(manifest, resume=f"copy of {source.location} as published {source.published}") as change:
        for done, info in enumerate(documents, start=1):
            if change.document(info.id) is None:  # else copied before an interruption
                sentences = source.sentences(info.id)
                chunks = source.chunks_by_id([chunk_id(info.id, n) for n in range(info.chunks)])
                sentence_vectors = source.sentence_vectors_by_id([s.id for s in sentences])
                chunk_vectors = source.chunk_vectors_by_id(list(chunks))
                change.add_document(
                    source.document(info.id),
                    sentences,
                    list(chunks.values()),
                    _matrix([sentence_vectors[s.id] for s in sentences], old.dim),
                    _matrix([chunk_vectors[c] for c in chunks], old.dim),
                )
            if done % CHECKPOINT_EVERY == 0:
                change.checkpoint()
            if progress is not None:
                progress(done, len(documents))
        for info in documents:
            for alias in info.aliases:
                if change.canonical_id(alias) is None:
                    change.add_alias(alias, info.id, None)
        return change.counts()


def _matrix(rows: list[np.ndarray], dim: int) -> np.ndarray:
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), dtype=np.float32)
