"""A deterministic embedder from hashed word and character-trigram features. No model, no downloads."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from dalil.settings import Settings

DEFAULT_DIM = 256
MIN_DIM = 8
# Words carry more meaning than any one of their trigrams; trigrams let inflected forms
# (e.g. Arabic prefixes such as "وال") still overlap with the bare word.
WORD_WEIGHT = 1.0
TRIGRAM_WEIGHT = 0.5
# Texts with no word characters get this one feature, so every row can still be unit length.
EMPTY_FEATURE = "\x00empty"

_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Signed feature hashing of lower-cased words and of the character 3-grams of each word.

    Texts sharing words or word pieces get similar vectors. Queries and passages are embedded
    the same way. Hashing uses BLAKE2b, not Python's ``hash()``, so vectors are identical across
    processes and machines.
    """

    def __init__(self, dim: int = DEFAULT_DIM) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < MIN_DIM:
            raise ValueError(
                f"HashEmbedder dim must be a whole number >= {MIN_DIM}, got {dim!r}; "
                f"set DALIL_EMBEDDER=hash:{DEFAULT_DIM}"
            )
        self.dim = dim
        # The feature recipe is part of the identity: change "v1" when the recipe changes.
        self.name = f"hash/v1-words-char3-{dim}"

    @classmethod
    def from_settings(cls, settings: Settings, option: str | None = None) -> "HashEmbedder":
        """``DALIL_EMBEDDER=hash`` or ``hash:<dim>``."""
        if option is None:
            return cls()
        try:
            return cls(dim=int(option))
        except ValueError:
            raise ValueError(
                f'DALIL_EMBEDDER="hash:{option}": the part after "hash:" must be a whole number of dimensions, '
                f"e.g. DALIL_EMBEDDER=hash:{DEFAULT_DIM}"
            ) from None

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.casefold())
            if not words:
                bucket, sign = _bucket(EMPTY_FEATURE, self.dim)
                out[row, bucket] = sign
                continue
            for word in words:
                for feature, weight in _word_features(word):
                    bucket, sign = _bucket(feature, self.dim)
                    out[row, bucket] += sign * weight
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:
                # Every feature cancelled out by sign collisions; fall back so the row stays unit length.
                bucket, sign = _bucket(EMPTY_FEATURE, self.dim)
                out[row, bucket] = sign
            else:
                out[row] /= norm
        return out


@lru_cache(maxsize=65536)
def _word_features(word: str) -> tuple[tuple[str, float], ...]:
    padded = f"<{word}>"  # boundary markers make prefixes and suffixes distinct features
    trigrams = [padded[i : i + 3] for i in range(len(padded) - 2)]
    return (("w:" + word, WORD_WEIGHT),) + tuple(("c:" + t, TRIGRAM_WEIGHT) for t in trigrams)


@lru_cache(maxsize=262144)
def _bucket(feature: str, dim: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    # The lowest bit picks the sign so colliding features cancel on average instead of piling up.
    return (value >> 1) % dim, (1.0 if value & 1 else -1.0)
