"""Reciprocal rank fusion: merge rankings by rank, not by score, since BM25 and cosine don't share a scale."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hashable]], weights: Sequence[float], k: int = 60
) -> list[tuple[Hashable, float]]:
    """Fuse best-first rankings: score(item) = sum of weight / (k + rank), rank starting at 1.

    Ties keep the order in which items were first seen, so the result is deterministic.
    """
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking is required")
    if k < 1:
        raise ValueError("k must be at least 1")
    scores: dict[Hashable, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
