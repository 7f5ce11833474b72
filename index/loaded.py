"""An opened index: retrieval over a store's reader, the read side used by ``qa``, the service and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dalil.index.embedders import load_embedder
from dalil.index.embedders.span_reader import E5SpanReader
from dalil.index.embedders.word_aligner import UseAligner, WordAligner
from dalil.index.fusion import reciprocal_rank_fusion
from dalil.index.normalize import detect_language, search_terms
from dalil.index.protocols import Embedder, SpanReader, Store, StoreReader
from dalil.index.stores import load_store
from dalil.index.types import Article, Chunk, DocumentInfo, Passage, Sentence
from dalil.settings import Settings


@dataclass(frozen=True)
class Retrieval:
    """Passages for a query, plus what the answer step reuses (the query vector, the query language)."""

    query: str
    language: str
    vector: np.ndarray
    passages: list[Passage]
    # Best cosine of any chunk holding each sentence: the context a sentence's own vector misses.
    context_similarity: dict[str, float]
    # The nearest sentences by their own vectors, best first (empty when the mode searched no vectors).
    sentence_hits: list[tuple[str, float]]


def open_index(
    settings: Settings,
    embedder: Embedder | None = None,
    store: Store | None = None,
    aligner: WordAligner | None = None,
    span_reader: SpanReader | None = None,
) -> "LoadedIndex":
    """Open the published index of the configured store (``IndexUnavailable`` when there is none) and check that
    it was built with the configured embedder (``ManifestMismatch`` otherwise).

    ``aligner`` (``index.embedders.word_aligner``) is kept with the index for the answers read from it, like the
    embedder; by default one is made, loading its model on first use, unless ``DALIL_CROSS_LINGUAL_CHECK`` is off.
    So is ``span_reader`` (``index.embedders.span_reader``), for short answers, unless ``DALIL_SHORT_ANSWERS`` is off.
    """
    reader = (store or load_store(settings)).open()
    try:
        embedder = embedder or load_embedder(settings)
        reader.manifest.check_embedder(embedder.name, embedder.dim)
    except BaseException:
        reader.close()
        raise
    if aligner is None and settings.cross_lingual_check:
        aligner = UseAligner()
    if span_reader is None and settings.short_answers:
        span_reader = E5SpanReader(settings.model_dir, settings.embedder_query_threads)
    return LoadedIndex(reader, embedder, settings, aligner, span_reader)


class LoadedIndex:
    def __init__(
        self,
        store: StoreReader,
        embedder: Embedder,
        settings: Settings,
        aligner: WordAligner | None = None,
        span_reader: SpanReader | None = None,
    ) -> None:
        self.store = store
        self.manifest = store.manifest
        self.embedder = embedder
        self.aligner = aligner
        self.span_reader = span_reader
        self.settings = settings
        self._counts = store.counts()

    def close(self) -> None:
        self.store.close()

    # ---- documents -------------------------------------------------------------------------

    def list_documents(self) -> list[DocumentInfo]:
        return self.store.list_documents()

    def get_document(self, doc_id: str) -> Article | None:
        return self.store.document(doc_id)

    def sentences(self, doc_id: str) -> list[Sentence]:
        return self.store.sentences(doc_id)

    def stats(self) -> dict[str, int]:
        return dict(self._counts)

    # ---- retrieval -------------------------------------------------------------------------

    def search(self, query: str, k: int = 10) -> list[Passage]:
        return self.retrieve(query, k).passages

    def retrieve(self, query: str, k: int, mode: str | None = None) -> Retrieval:
        mode = mode or self.settings.retrieval_mode
        language = detect_language(query)
        vector = self.embedder.embed_queries([query])[0]
        pool = max(k, self.settings.candidate_pool)
        rankings, weights = [], []
        dense = self.store.search_chunks(vector, pool)
        dense_scores = dict(dense)
        sentence_hits: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            rankings.append([chunk for chunk, _ in dense])
            weights.append(self.settings.dense_weight)
            # A chunk is also as good as its best sentence: one precise sentence can be diluted in a chunk vector.
            sentence_hits = self.store.search_sentences(vector, pool)
            rankings.append(self._chunks_holding(sentence_hits))
            weights.append(self.settings.sentence_weight)
        if mode in ("lexical", "hybrid"):
            # BM25 only matches within a script, so it ranks the articles in the question's language.
            lexical = self.store.lexical_search(search_terms(query), pool, language=language)
            rankings.append([chunk for chunk, _ in lexical])
            weights.append(self.settings.lexical_weight)
        fused = reciprocal_rank_fusion(rankings, weights, k=self.settings.rrf_k)[:k]
        score_of = dense_scores if mode == "dense" else dict(fused)
        chunks = self.store.chunks_by_id(list(dense_scores.keys() | dict(fused).keys()))
        passages = self._passages([chunk for chunk, _ in fused], score_of, chunks)
        context = _context_similarity(dense_scores, chunks)
        return Retrieval(query, language, vector, passages, context, sentence_hits)

    def _chunks_holding(self, hits: list[tuple[str, float]]) -> list[str]:
        holding = self.store.chunks_of_sentences([sentence for sentence, _ in hits])
        ranking: dict[str, None] = {}
        for sentence, _ in hits:
            for chunk in holding.get(sentence, ()):
                ranking.setdefault(chunk, None)
        return list(ranking)

    def _passages(self, ids: list[str], score_of: dict[str, float], chunks: dict[str, Chunk]) -> list[Passage]:
        found = [(chunk_id, chunks[chunk_id]) for chunk_id in ids if chunk_id in chunks]
        sentences = self.store.sentences_by_id([sid for _, chunk in found for sid in chunk.sentence_ids])
        titles = self.store.titles(chunk.doc_id for _, chunk in found)
        return [
            Passage(
                doc_id=chunk.doc_id,
                chunk_id=chunk.id,
                title=titles.get(chunk.doc_id, ""),
                score=float(score_of.get(chunk_id, 0.0)),
                text=chunk.text,
                start=chunk.start,
                end=chunk.end,
                sentences=tuple(sentences[sid] for sid in chunk.sentence_ids if sid in sentences),
            )
            for chunk_id, chunk in found
        ]

    def sentence_similarities(self, vector: np.ndarray, sentence_ids: list[str]) -> dict[str, float]:
        """Cosine between a query vector and stored sentence vectors (no re-embedding)."""
        stored = self.store.sentence_vectors_by_id(sentence_ids)
        ids = [sid for sid in sentence_ids if sid in stored]
        if not ids:
            return {}
        return dict(zip(ids, (np.vstack([stored[sid] for sid in ids]) @ vector).tolist(), strict=True))

    def nearest_sentences(self, retrieval: Retrieval, k: int) -> list[Sentence]:
        """The ``k`` sentences nearest the query by their own vectors, reusing the retrieval's search."""
        hits = (
            retrieval.sentence_hits[:k] if retrieval.sentence_hits else self.store.search_sentences(retrieval.vector, k)
        )
        found = self.store.sentences_by_id([sentence for sentence, _ in hits])
        return [found[sentence] for sentence, _ in hits if sentence in found]

    def term_document_frequency(self, terms: list[str]) -> dict[str, int]:
        return self.store.term_document_frequency(terms)


def _context_similarity(dense_scores: dict[str, float], chunks: dict[str, Chunk]) -> dict[str, float]:
    best: dict[str, float] = {}
    for chunk_id, score in dense_scores.items():
        for sid in chunks[chunk_id].sentence_ids:
            best[sid] = max(best.get(sid, -1.0), score)
    return best
