"""An opened index: the read side used by ``qa``, the service and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dalil.settings import Settings
from index.embedder import Embedder, load_embedder
from index.fusion import reciprocal_rank_fusion
from index.generations import current_generation
from index.layout import CHUNK_VECTORS, SENTENCE_VECTORS, STORE_FILE
from index.manifest import Manifest
from index.normalize import detect_language, search_terms
from index.store import Store, StoredChunk
from index.types import Article, DocumentInfo, Passage, Sentence
from index.vectors import VectorIndex


class IndexUnavailable(RuntimeError):
    """No usable index at the configured location; the message says what to run."""


@dataclass(frozen=True)
class Retrieval:
    """Passages for a query, plus what the answer step reuses (the query vector, the query language)."""

    query: str
    language: str
    vector: np.ndarray
    passages: list[Passage]
    # Best cosine of any chunk holding each sentence: the context a sentence's own vector misses.
    context_similarity: dict[str, float]


def open_index(settings: Settings, embedder: Embedder | None = None) -> "LoadedIndex":
    folder = current_generation(settings.index_dir)
    if folder is None:
        raise IndexUnavailable(f"no index at {settings.index_dir}: build one with `dalil index build`")
    manifest = Manifest.load(folder)
    embedder = embedder or load_embedder(settings)
    manifest.check_embedder(embedder.name, embedder.dim)
    return LoadedIndex(folder, manifest, embedder, settings)


class LoadedIndex:
    def __init__(self, folder, manifest: Manifest, embedder: Embedder, settings: Settings) -> None:
        self.folder = folder
        self.manifest = manifest
        self.embedder = embedder
        self.settings = settings
        self.store = Store(folder / STORE_FILE)
        self.chunk_vectors = VectorIndex.load(folder / CHUNK_VECTORS)
        self.sentence_vectors = VectorIndex.load(folder / SENTENCE_VECTORS)
        # A published generation never changes, so what is derived from it is computed once, here.
        self._chunks_by_sentence_rowid = self.store.chunks_by_sentence_rowid()
        self._counts = self.store.counts()

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

    def as_retriever(self, k: int = 5) -> "DalilRetriever":  # noqa: F821 - imported below, langchain is optional
        """This index as a LangChain retriever returning the top ``k`` passages."""
        from index.langchain_retriever import DalilRetriever

        return DalilRetriever(index=self, k=k)

    def retrieve(self, query: str, k: int, mode: str | None = None) -> Retrieval:
        mode = mode or self.settings.retrieval_mode
        language = detect_language(query)
        vector = self.embedder.embed_queries([query])[0]
        pool = max(k, self.settings.candidate_pool)
        rankings, weights = [], []
        dense = self.chunk_vectors.search(vector, pool)
        dense_scores = dict(dense)
        if mode in ("dense", "hybrid"):
            rankings.append([rowid for rowid, _ in dense])
            weights.append(self.settings.dense_weight)
            # A chunk is also as good as its best sentence: one precise sentence can be diluted in a chunk vector.
            rankings.append(self._chunks_of_best_sentences(vector, pool))
            weights.append(self.settings.sentence_weight)
        if mode in ("lexical", "hybrid"):
            # BM25 only matches within a script, so it ranks the articles in the question's language.
            lexical = self.store.lexical_search(search_terms(query), pool, language=language)
            rankings.append([rowid for rowid, _ in lexical])
            weights.append(self.settings.lexical_weight)
        fused = reciprocal_rank_fusion(rankings, weights, k=self.settings.rrf_k)[:k]
        score_of = dense_scores if mode == "dense" else dict(fused)
        stored = self.store.chunks_by_rowid(list(dense_scores.keys() | dict(fused).keys()))
        passages = self._passages([rowid for rowid, _ in fused], score_of, stored)
        return Retrieval(query, language, vector, passages, self._context_similarity(dense_scores, stored))

    def _chunks_of_best_sentences(self, vector: np.ndarray, k: int) -> list[int]:
        ranking: dict[int, None] = {}
        for rowid, _ in self.sentence_vectors.search(vector, k):
            for chunk_rowid in self._chunks_by_sentence_rowid.get(rowid, ()):
                ranking.setdefault(chunk_rowid, None)
        return list(ranking)

    @staticmethod
    def _context_similarity(dense_scores: dict[int, float], stored: dict[int, StoredChunk]) -> dict[str, float]:
        best: dict[str, float] = {}
        for rowid, score in dense_scores.items():
            for sid in stored[rowid].chunk.sentence_ids:
                best[sid] = max(best.get(sid, -1.0), score)
        return best

    def _passages(self, rowids: list[int], score_of: dict, stored: dict[int, StoredChunk]) -> list[Passage]:
        found = [(rowid, stored[rowid].chunk) for rowid in rowids if rowid in stored]
        sentence_ids = [sid for _, chunk in found for sid in chunk.sentence_ids]
        sentences = {sid: s for sid, (_, s) in self.store.sentences_by_id(sentence_ids).items()}
        titles = self.store.titles(chunk.doc_id for _, chunk in found)
        passages = []
        for rowid, chunk in found:
            passages.append(
                Passage(
                    doc_id=chunk.doc_id,
                    chunk_id=chunk.id,
                    title=titles.get(chunk.doc_id, ""),
                    score=float(score_of.get(rowid, 0.0)),
                    text=chunk.text,
                    start=chunk.start,
                    end=chunk.end,
                    sentences=tuple(sentences[sid] for sid in chunk.sentence_ids if sid in sentences),
                )
            )
        return passages

    def sentence_similarities(self, vector: np.ndarray, sentence_ids: list[str]) -> dict[str, float]:
        """Cosine between a query vector and stored sentence vectors (no re-embedding)."""
        found = self.store.sentences_by_id(sentence_ids)
        ids = [sid for sid in sentence_ids if sid in found]
        if not ids:
            return {}
        matrix = self.sentence_vectors.reconstruct([found[sid][0] for sid in ids])
        return dict(zip(ids, (matrix @ vector).tolist(), strict=True))

    def search_sentences(self, vector: np.ndarray, k: int) -> list[tuple[Sentence, float]]:
        hits = self.sentence_vectors.search(vector, k)
        by_rowid = self.store.sentences_by_rowid([rowid for rowid, _ in hits])
        return [(by_rowid[rowid], score) for rowid, score in hits if rowid in by_rowid]

    def term_document_frequency(self, terms: list[str]) -> dict[str, int]:
        return self.store.term_document_frequency(terms)
