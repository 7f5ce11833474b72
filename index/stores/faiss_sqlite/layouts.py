"""Which FAISS index a build gets, chosen by its size, and how wide an approximate one searches.

Up to ``EXACT_UP_TO`` vectors the index is exact (every vector compared); vectors are stored as float16, which
halves memory and moves cosines by less than 0.001. Beyond, an inverted-file index (IVF) with float16 storage:
``nlist ≈ 4·√n`` clusters trained on a sample of the whole build, searched through the fewest clusters that keep
recall@10 at or above ``TARGET_RECALL`` against exact search, measured at build time.

Recall is measured with question-like probes where the build can embed questions: the first ``PROBE_WORDS``
words of sampled sentences, embedded as questions. Stored vectors make poor probes: each finds itself and its
near-copies in its own cluster. On the 1M-sentence e5 index (bench/ivf_probes.py), stored vectors reached 0.961
at nprobe 2, where 200 real XQuAD-ar questions found 0.654 of their exact ten; five-word probes reach 0.982 at
nprobe 128, where the real questions find 0.983 (chunks: 0.987 at 256, real questions 0.977).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np

EXACT_UP_TO = 100_000
TARGET_RECALL = 0.95
# Question-like probes are tuned to a little more than the target: on the 1M e5 index they ran 0.01-0.015 above
# real questions at the same nprobe (bench/ivf_probes.py), so the target holds for the questions themselves.
PROBE_TARGET_RECALL = 0.975
TRAIN_PER_CLUSTER = 64
PROBE_QUERIES = 500
PROBE_WORDS = 5
SCORE_TOLERANCE = 1e-3  # float16 storage moves a cosine by less than this
EXACT = "SQfp16"


@dataclass(frozen=True)
class Layout:
    factory: str
    reason: str
    nprobe: int | None = None
    recall_at_10: float | None = None
    probes: str | None = None  # what recall was measured with

    def as_options(self, prefix: str) -> dict[str, str]:
        options = {f"{prefix}_factory": self.factory, f"{prefix}_why": self.reason}
        if self.nprobe is not None:
            options[f"{prefix}_nprobe"] = str(self.nprobe)
            options[f"{prefix}_recall@10"] = f"{self.recall_at_10:.3f} ({self.probes})"
        return options


def choose(count: int) -> Layout:
    if count <= EXACT_UP_TO:
        return Layout(EXACT, f"{count:,} vectors ≤ {EXACT_UP_TO:,}: exact search, float16 storage")
    nlist = 2 ** round(math.log2(4 * math.sqrt(count)))
    return Layout(
        f"IVF{nlist},SQfp16",
        f"{count:,} vectors > {EXACT_UP_TO:,}: {nlist} clusters (≈ 4·√n), float16 storage",
    )


def train_sample(count: int, nlist: int, rng: np.random.Generator) -> np.ndarray:
    """Row numbers to train the clusters on, spread over the whole build (not its first batch)."""
    size = min(count, nlist * TRAIN_PER_CLUSTER)
    return np.sort(rng.choice(count, size=size, replace=False))


def question_probes(texts: Sequence[str], questions: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    """Sentences cut to their first words and embedded as questions: short like a question, in its vector space."""
    cut = [" ".join(text.split()[:PROBE_WORDS]) for text in texts]
    return np.ascontiguousarray(questions([text for text in cut if text]), dtype=np.float32)


def exact_neighbours(queries: np.ndarray, blocks, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ids of the exact top ``k`` by inner product, over ``(ids, vectors)`` blocks read one at a time.

    Each block's top ``k`` comes from FAISS's brute-force search, so memory holds ``k`` results per query, not a
    score for every (query, vector) pair of the block.
    """
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ids = np.full((len(queries), k), -1, dtype=np.int64)
    for ids, vectors in blocks:
        if len(ids) == 0:
            continue
        scores, rows = faiss.knn(queries, np.ascontiguousarray(vectors), min(k, len(ids)), faiss.METRIC_INNER_PRODUCT)
        all_scores = np.hstack([best_scores, scores])
        all_ids = np.hstack([best_ids, np.where(rows >= 0, ids[np.maximum(rows, 0)], -1)])
        top = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(all_scores, top, axis=1)
        best_ids = np.take_along_axis(all_ids, top, axis=1)
    return best_scores, best_ids


def recall_at_10(query_ids: np.ndarray, found: tuple[np.ndarray, np.ndarray], exact: tuple[np.ndarray, np.ndarray]):
    """Share of the exact ten nearest neighbours found, each query's own vector (if stored) left out of both lists.

    A found vector counts when it scores as high as the exact tenth (within float16 rounding): among copies that
    tie, any ten are right. An archive holds many near-identical sentences (wire copies, boilerplate), and counting
    by id alone would call an equally close copy a miss.
    """
    hits = []
    for own, found_scores, found_ids, exact_scores, exact_ids in zip(query_ids, *found, *exact, strict=True):
        wanted = exact_scores[exact_ids != own][:10]
        got = found_scores[(found_ids != own) & (found_ids != -1)][:10]
        if len(wanted) == 0:
            continue
        hits.append(min(len(wanted), int(np.sum(got >= wanted[-1] - SCORE_TOLERANCE))) / len(wanted))
    return float(np.mean(hits)) if hits else 1.0


def tune_nprobe(
    index: faiss.Index, query_ids: np.ndarray, queries: np.ndarray, exact, target: float = TARGET_RECALL
) -> tuple[int, float]:
    """The smallest power-of-two nprobe whose recall@10 against the exact neighbours reaches ``target``.

    ``queries`` have ids ``query_ids`` (-1 for probes not stored); ``exact`` is their exact (scores, ids) top 11.
    """
    ivf = faiss.extract_index_ivf(index)
    nprobe = 1
    while True:
        ivf.nprobe = nprobe
        recall = recall_at_10(query_ids, index.search(queries, 11), exact)
        if recall >= target or nprobe >= ivf.nlist:
            return nprobe, recall
        nprobe *= 2
