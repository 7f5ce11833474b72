"""Build, extend and shrink an index. Every operation writes a new generation and swaps it in atomically."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dalil.settings import Settings
from index.chunking import make_chunks
from index.cleaning import clean_article
from index.dedup import deduplicate
from index.embedder import Embedder
from index.generations import current_generation, new_generation
from index.layout import CHUNK_VECTORS, SENTENCE_VECTORS, STORE_FILE
from index.loaders import read_articles
from index.manifest import Manifest
from index.segment import sentences_for
from index.store import Store
from index.types import Article, Chunk, IngestProblem, Sentence
from index.vectors import VectorIndex

# progress(stage, done, total): lets the CLI draw bars without the builder knowing about terminals.
Progress = Callable[[str, int, int], None]


class IndexMissing(RuntimeError):
    """There is no index at the configured location."""


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    problems: list[IngestProblem] = field(default_factory=list)
    sentences: int = 0
    chunks: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds if self.seconds > 0 else 0.0


def build_index(
    settings: Settings, embedder: Embedder, sources: Sequence[Path], progress: Progress | None = None
) -> BuildReport:
    """Index ``sources`` (files or folders) from scratch and publish the result."""
    return _write(settings, embedder, sources, progress, fresh=True)


def add_files(
    settings: Settings, embedder: Embedder, paths: Sequence[Path], progress: Progress | None = None
) -> BuildReport:
    """Add articles to the existing index; an article whose id is already indexed replaces it."""
    return _write(settings, embedder, paths, progress, fresh=False)


def remove_document(settings: Settings, doc_id: str) -> BuildReport:
    """Remove one article (an alias id removes its canonical article) without a rebuild."""
    root = settings.index_dir
    if current_generation(root) is None:
        raise IndexMissing(f"no index at {root}: run `dalil index build` first")
    started = time.perf_counter()
    with new_generation(root, start_from_current=True) as folder:
        manifest = Manifest.load(folder)
        store = Store(folder / STORE_FILE)
        try:
            canonical = store.canonical_id(doc_id)
            if canonical is None:
                raise KeyError(f"no document with id {doc_id!r} in the index")
            sentence_rows, chunk_rows = store.remove_document(canonical)
            store.commit()
            _drop_vectors(folder, sentence_rows, chunk_rows)
            report = BuildReport(replaced=[canonical], counts=store.counts())
        finally:
            store.close()
        manifest.touch(report.counts)
        manifest.save(folder)
    report.seconds = time.perf_counter() - started
    return report


def _write(
    settings: Settings, embedder: Embedder, sources: Sequence[Path], progress: Progress | None, *, fresh: bool
) -> BuildReport:
    root = settings.index_dir
    if not fresh and current_generation(root) is None:
        raise IndexMissing(f"no index at {root}: run `dalil index build` first")
    started = time.perf_counter()
    report = BuildReport()
    articles = _read_and_clean(sources, report)
    with new_generation(root, start_from_current=not fresh) as folder:
        manifest = _open_manifest(folder, settings, embedder, fresh)
        store = Store(folder / STORE_FILE)
        chunk_vectors = _open_vectors(folder / CHUNK_VECTORS, embedder.dim, settings.faiss_factory)
        sentence_vectors = _open_vectors(folder / SENTENCE_VECTORS, embedder.dim, settings.faiss_factory)
        try:
            articles = _replace_existing(store, chunk_vectors, sentence_vectors, articles, report)
            kept, aliases = deduplicate(articles, existing=list(store.document_texts()))
            _index_articles(store, chunk_vectors, sentence_vectors, embedder, kept, manifest, progress, report)
            for alias, canonical in aliases.items():
                store.add_alias(alias, canonical, _path_of(articles, alias))
            report.aliases = aliases
            store.commit()
            report.counts = store.counts()
        finally:
            store.close()
        chunk_vectors.save(folder / CHUNK_VECTORS)
        sentence_vectors.save(folder / SENTENCE_VECTORS)
        manifest.touch(report.counts)
        manifest.save(folder)
    report.seconds = time.perf_counter() - started
    return report


def _read_and_clean(sources: Sequence[Path], report: BuildReport) -> list[Article]:
    raws, problems = read_articles(sources)
    report.problems.extend(problems)
    articles: list[Article] = []
    seen: set[str] = set()
    for raw in raws:
        cleaned = clean_article(raw)
        if isinstance(cleaned, IngestProblem):
            report.problems.append(cleaned)
        elif cleaned.doc_id in seen:
            why = "has the same id as" if raw.doc_id else "has the same text as"
            report.problems.append(
                IngestProblem(raw.path, f"{why} an earlier article in this batch ({cleaned.doc_id}); indexed once")
            )
        else:
            seen.add(cleaned.doc_id)
            articles.append(cleaned)
    return articles


def _replace_existing(
    store: Store,
    chunk_vectors: VectorIndex,
    sentence_vectors: VectorIndex,
    articles: list[Article],
    report: BuildReport,
) -> list[Article]:
    """An article given with an id that is already indexed is an update: drop the old version first.

    Articles identified by content hash that are already indexed are unchanged: skip them.
    """
    remaining = []
    for article in articles:
        if not store.has_document(article.doc_id):
            remaining.append(article)
            continue
        stored = store.document(article.doc_id)
        if stored is not None and stored.text == article.text:
            continue
        sentence_rows, chunk_rows = store.remove_document(article.doc_id)
        sentence_vectors.remove(sentence_rows)
        chunk_vectors.remove(chunk_rows)
        report.replaced.append(article.doc_id)
        remaining.append(article)
    return remaining


def _index_articles(
    store: Store,
    chunk_vectors: VectorIndex,
    sentence_vectors: VectorIndex,
    embedder: Embedder,
    articles: Iterable[Article],
    manifest: Manifest,
    progress: Progress | None,
    report: BuildReport,
) -> None:
    articles = list(articles)
    for done, article in enumerate(articles, start=1):
        sentences = sentences_for(article.doc_id, article.text)
        chunks = make_chunks(article.doc_id, article.text, sentences, manifest.chunk_sentences, manifest.chunk_overlap)
        sentence_rows, chunk_rows = store.add_document(article, sentences, chunks)
        sentence_matrix = _embed(embedder, [s.text for s in sentences])
        sentence_vectors.add(sentence_rows, sentence_matrix)
        if manifest.chunk_vectors == "sentence-mean":
            chunk_vectors.add(chunk_rows, _mean_of_sentences(chunks, sentences, sentence_matrix))
        else:
            chunk_vectors.add(chunk_rows, _embed_chunks(embedder, chunks, sentences, sentence_matrix))
        report.added.append(article.doc_id)
        report.sentences += len(sentences)
        report.chunks += len(chunks)
        if progress:
            progress("embedding", done, len(articles))


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    vectors = embedder.embed_passages(texts)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), embedder.dim)


def _embed_chunks(
    embedder: Embedder, chunks: Sequence[Chunk], sentences: Sequence[Sentence], sentence_matrix: np.ndarray
) -> np.ndarray:
    """Embed chunk texts; a one-sentence chunk is its sentence, whose vector is already known."""
    row_of = {s.id: i for i, s in enumerate(sentences)}
    matrix = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    longer = [i for i, c in enumerate(chunks) if len(c.sentence_ids) > 1]
    for i, chunk in enumerate(chunks):
        if len(chunk.sentence_ids) == 1:
            matrix[i] = sentence_matrix[row_of[chunk.sentence_ids[0]]]
    if longer:
        matrix[longer] = _embed(embedder, [chunks[i].text for i in longer])
    return matrix


def _mean_of_sentences(chunks: Sequence[Chunk], sentences: Sequence[Sentence], matrix: np.ndarray) -> np.ndarray:
    """A chunk's vector as the length-weighted mean of its sentences' vectors, renormalized.

    Mean pooling over a chunk's tokens is close to this, and it saves embedding every text twice.
    """
    row_of = {s.id: i for i, s in enumerate(sentences)}
    rows = []
    for chunk in chunks:
        members = [row_of[sid] for sid in chunk.sentence_ids]
        weights = np.array([len(sentences[i].text) for i in members], dtype=np.float32)
        vector = weights @ matrix[members]
        rows.append(vector / (np.linalg.norm(vector) or 1.0))
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, matrix.shape[1]), dtype=np.float32)


def _open_manifest(folder: Path, settings: Settings, embedder: Embedder, fresh: bool) -> Manifest:
    if fresh:
        return Manifest(
            embedder=embedder.name,
            dim=embedder.dim,
            faiss_factory=settings.faiss_factory,
            chunk_sentences=settings.chunk_sentences,
            chunk_overlap=settings.chunk_overlap,
            chunk_vectors=settings.chunk_vectors,
        )
    manifest = Manifest.load(folder)
    manifest.check_embedder(embedder.name, embedder.dim)
    return manifest


def _open_vectors(path: Path, dim: int, factory: str) -> VectorIndex:
    return VectorIndex.load(path) if path.exists() else VectorIndex.create(dim, factory)


def _drop_vectors(folder: Path, sentence_rows: list[int], chunk_rows: list[int]) -> None:
    for name, rows in ((SENTENCE_VECTORS, sentence_rows), (CHUNK_VECTORS, chunk_rows)):
        vectors = VectorIndex.load(folder / name)
        vectors.remove(rows)
        vectors.save(folder / name)


def _path_of(articles: Sequence[Article], doc_id: str) -> str | None:
    return next((a.path for a in articles if a.doc_id == doc_id), None)
