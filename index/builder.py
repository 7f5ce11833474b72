"""Build, extend and shrink an index through the ``Store`` seam: every operation is one atomic store change."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dalil.index.chunking import make_chunks
from dalil.index.cleaning import clean_article
from dalil.index.dedup import deduplicate
from dalil.index.manifest import Manifest
from dalil.index.protocols import Embedder, QuestionEmbedder, Store, StoreChange, UnknownDocument
from dalil.index.readers import Readers, load_readers, read_articles
from dalil.index.segment import sentences_for
from dalil.index.stores import load_store
from dalil.index.types import Article, Chunk, IngestProblem, RawArticle, Sentence
from dalil.index.web.fetch import Fetcher
from dalil.index.web.sources import WebRead, read_sources
from dalil.settings import Settings

# progress(stage, done, total): lets the CLI draw bars without the builder knowing about terminals.
Progress = Callable[[str, int, int], None]
# Sentences embedded per call, with their chunks: the engine sorts a call's texts by length, and the larger the
# pool, the more alike its batches (real corpus: 2,048 builds 10% faster than 512); a checkpoint follows each call.
BATCH_SENTENCES = 2048


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
    # Articles an earlier, interrupted run of the same build had already indexed.
    resumed: int = 0
    # Articles given again with the same id and text: nothing to do.
    unchanged: list[str] = field(default_factory=list)
    # The id each read article got (given, or from its text), by the path it was read from.
    ids_by_path: dict[str, str] = field(default_factory=dict)
    # URLs whose page had not changed since it was last fetched: not fetched again in full.
    not_modified: list[str] = field(default_factory=list)

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds if self.seconds > 0 else 0.0


def build_index(
    settings: Settings,
    embedder: Embedder,
    sources: Sequence[Path],
    progress: Progress | None = None,
    *,
    store: Store | None = None,
    readers: Readers | None = None,
) -> BuildReport:
    """Index ``sources`` (files or folders) from scratch and publish the result."""
    fresh = Manifest(
        embedder=embedder.name,
        dim=embedder.dim,
        chunk_sentences=settings.chunk_sentences,
        chunk_overlap=settings.chunk_overlap,
        chunk_vectors=settings.chunk_vectors,
    )
    readers = readers if readers is not None else load_readers(settings)
    resume = build_key(fresh, sources, readers)
    return _write(settings, embedder, lambda: read_articles(sources, readers), progress, store, fresh, resume)


def build_key(manifest: Manifest, sources: Sequence[Path], readers: Readers) -> str:
    """What makes two builds the same: settings, readers, and every source file's path, size and time.

    An interrupted build is resumed only by a build with the same key; a changed file starts it anew.
    """
    digest = hashlib.sha256()
    fixed = (manifest.embedder, manifest.dim, manifest.chunk_sentences, manifest.chunk_overlap, manifest.chunk_vectors)
    digest.update(json.dumps([fixed, sorted((s, r.name) for s, r in readers.items())]).encode())
    for source in sources:
        files = [Path(source)] if Path(source).is_file() else sorted(p for p in Path(source).rglob("*") if p.is_file())
        for path in files:
            stat = path.stat()
            digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def add_files(
    settings: Settings,
    embedder: Embedder,
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    store: Store | None = None,
    readers: Readers | None = None,
) -> BuildReport:
    """Add articles to the existing index; an article whose id is already indexed replaces it."""
    readers = readers if readers is not None else load_readers(settings)
    return _write(settings, embedder, lambda: read_articles(paths, readers), progress, store)


def add_sources(
    settings: Settings,
    embedder: Embedder,
    inputs: Sequence[str],
    progress: Progress | None = None,
    *,
    store: Store | None = None,
    readers: Readers | None = None,
    public_only: bool = False,
    given: Sequence[RawArticle] = (),
) -> BuildReport:
    """Add articles from files and the web: URLs of pages, feeds and sitemaps, URL lists, WARC archives
    (``web.sources``), in one change with the articles ``given`` as data. A page fetched before is fetched in
    full, and indexed, only when it changed. With ``public_only``, no request reaches a local or private address."""
    readers = readers if readers is not None else load_readers(settings)
    store = store or load_store(settings)
    seen = store.fetched()
    web = WebRead()

    def read() -> tuple[list[RawArticle], list[IngestProblem]]:
        nonlocal web
        web = read_sources(inputs, readers, fetcher, seen)
        return [*given, *web.articles], web.problems

    with contextlib.closing(Fetcher(settings, public_only=public_only)) as fetcher:
        report = _write(settings, embedder, read, progress, store)
    seen.remember(web.fetched)  # only now that what they gave is published
    report.not_modified = web.not_modified
    return report


def add_articles(
    settings: Settings,
    embedder: Embedder,
    raws: Sequence[RawArticle],
    progress: Progress | None = None,
    *,
    store: Store | None = None,
) -> BuildReport:
    """Add articles given as data (not files), e.g. over HTTP; an id already indexed is an update."""
    return _write(settings, embedder, lambda: (list(raws), []), progress, store)


def remove_document(settings: Settings, doc_id: str, *, store: Store | None = None) -> BuildReport:
    """Remove one article (an alias id removes its canonical article) without a rebuild."""
    started = time.perf_counter()
    with (store or load_store(settings)).change() as change:
        canonical = change.canonical_id(doc_id)
        if canonical is None:
            raise UnknownDocument(doc_id)
        change.remove_document(canonical)
        report = BuildReport(replaced=[canonical], counts=change.counts())
    report.seconds = time.perf_counter() - started
    return report


def _write(
    settings: Settings,
    embedder: Embedder,
    read: Callable[[], tuple[list[RawArticle], list[IngestProblem]]],
    progress: Progress | None,
    store: Store | None,
    fresh: Manifest | None = None,
    resume: str | None = None,
) -> BuildReport:
    """``read()`` gives the articles and the problems met reading them; it runs while the model loads."""
    store = store or load_store(settings)
    started = time.perf_counter()
    report = BuildReport()
    preparing = _prepare_in_background(embedder)
    raws, report.problems = read()
    articles = _clean(raws, report)
    with store.change(fresh, resume=resume, questions=_questions_then_release(embedder)) as change:
        change.manifest.check_embedder(embedder.name, embedder.dim)
        report.resumed = change.counts()["documents"] if fresh is not None else 0
        articles = _replace_existing(change, articles, report)
        indexed = change if fresh is None or report.resumed else None  # a new build has nothing to ask about
        kept, aliases = deduplicate(articles, indexed=indexed)
        preparing.join()
        _index_articles(change, embedder, kept, progress, report)
        if fresh is not None and hasattr(embedder, "release"):
            embedder.release()  # the final index of a large build needs the memory the model held
        for alias, canonical in aliases.items():
            change.add_alias(alias, canonical, _path_of(articles, alias))
        report.aliases = aliases
        report.counts = change.counts()
    report.seconds = time.perf_counter() - started
    return report


def _prepare_in_background(embedder: Embedder) -> threading.Thread:
    """Load the embedder's model while the sources are read and deduplicated.

    A loading error is not raised here: the first texts to embed load the model again and report it.
    """

    def prepare() -> None:
        if hasattr(embedder, "prepare_passages"):
            with contextlib.suppress(Exception):
                embedder.prepare_passages()

    thread = threading.Thread(target=prepare, name="dalil-load-model", daemon=True)
    thread.start()
    return thread


def _clean(raws: Sequence[RawArticle], report: BuildReport) -> list[Article]:
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
            report.ids_by_path[raw.path] = cleaned.doc_id
    return articles


def _replace_existing(change: StoreChange, articles: list[Article], report: BuildReport) -> list[Article]:
    """An article given with an id that is already indexed is an update: drop the old version first.

    Articles identified by content hash that are already indexed are unchanged: skip them.
    """
    remaining = []
    for article in articles:
        stored = change.document(article.doc_id)
        if stored is None:
            remaining.append(article)
            continue
        if stored.text == article.text:
            report.unchanged.append(article.doc_id)
            continue
        change.remove_document(article.doc_id)
        report.replaced.append(article.doc_id)
        remaining.append(article)
    return remaining


def _index_articles(
    change: StoreChange,
    embedder: Embedder,
    articles: Iterable[Article],
    progress: Progress | None,
    report: BuildReport,
) -> None:
    """Embed articles in batches of about ``BATCH_SENTENCES`` sentences: the embedder sees many texts at once
    (sorting them by length pays off only in large batches), and the store gets whole articles."""
    articles = list(articles)
    done = 0
    for batch in _batches(articles, change.manifest):
        sentences = [s for _, article_sentences, _ in batch for s in article_sentences]
        chunks = [c for _, _, article_chunks in batch for c in article_chunks]
        if change.manifest.chunk_vectors == "sentence-mean":
            sentence_matrix = _embed(embedder, [s.text for s in sentences])
            chunk_matrix = _mean_of_sentences(chunks, sentences, sentence_matrix)
        else:
            sentence_matrix, chunk_matrix = _embed_sentences_and_chunks(embedder, sentences, chunks)
        first_sentence = first_chunk = 0
        for article, article_sentences, article_chunks in batch:
            last_sentence, last_chunk = first_sentence + len(article_sentences), first_chunk + len(article_chunks)
            change.add_document(
                article,
                article_sentences,
                article_chunks,
                sentence_matrix[first_sentence:last_sentence],
                chunk_matrix[first_chunk:last_chunk],
            )
            first_sentence, first_chunk = last_sentence, last_chunk
            report.added.append(article.doc_id)
        report.sentences += len(sentences)
        report.chunks += len(chunks)
        change.checkpoint()
        done += len(batch)
        if progress:
            progress("embedding", done, len(articles))


def _questions_then_release(embedder: Embedder) -> QuestionEmbedder:
    """``embed_queries`` for a store's probes, made while it makes its final index: the query model (570 MB for
    e5 on ONNX Runtime) is released again at once, as the passage model was."""

    def questions(texts: Sequence[str]) -> np.ndarray:
        try:
            return embedder.embed_queries(texts)
        finally:
            if hasattr(embedder, "release"):
                embedder.release()

    return questions


def _batches(
    articles: list[Article], manifest: Manifest
) -> Iterator[list[tuple[Article, list[Sentence], list[Chunk]]]]:
    batch: list[tuple[Article, list[Sentence], list[Chunk]]] = []
    size = 0
    for article in articles:
        sentences = sentences_for(article.doc_id, article.text)
        chunks = make_chunks(article.doc_id, article.text, sentences, manifest.chunk_sentences, manifest.chunk_overlap)
        batch.append((article, sentences, chunks))
        size += len(sentences)
        if size >= BATCH_SENTENCES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    vectors = embedder.embed_passages(texts)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), embedder.dim)


def _embed_sentences_and_chunks(
    embedder: Embedder, sentences: Sequence[Sentence], chunks: Sequence[Chunk]
) -> tuple[np.ndarray, np.ndarray]:
    """Sentence and chunk vectors from one call: the engine sorts all the texts by length together, so its
    batches hold texts of like length (two calls, sentences then chunks, ran 20% slower on the real corpus).
    A one-sentence chunk is its sentence, whose vector is already known."""
    longer = [i for i, c in enumerate(chunks) if len(c.sentence_ids) > 1]
    matrix = _embed(embedder, [s.text for s in sentences] + [chunks[i].text for i in longer])
    sentence_matrix, longer_matrix = matrix[: len(sentences)], matrix[len(sentences) :]
    row_of = {s.id: i for i, s in enumerate(sentences)}
    chunk_matrix = np.zeros((len(chunks), matrix.shape[1]), dtype=np.float32)
    for i, chunk in enumerate(chunks):
        if len(chunk.sentence_ids) == 1:
            chunk_matrix[i] = sentence_matrix[row_of[chunk.sentence_ids[0]]]
    chunk_matrix[longer] = longer_matrix
    return sentence_matrix, chunk_matrix


def _mean_of_sentences(chunks: Sequence[Chunk], sentences: Sequence[Sentence], matrix: np.ndarray) -> np.ndarray:
    """A chunk's vector as the mean of its sentences' unit vectors, renormalized.

    Each sentence counts once, whatever its length: weighting by length let one long sentence stand for the chunk
    (dev_qa answer accuracy 0.812 weighted, 0.875 unweighted, as when each chunk's text is embedded).
    """
    row_of = {s.id: i for i, s in enumerate(sentences)}
    rows = []
    for chunk in chunks:
        vector = matrix[[row_of[sid] for sid in chunk.sentence_ids]].sum(axis=0)
        rows.append(vector / (np.linalg.norm(vector) or 1.0))
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, matrix.shape[1]), dtype=np.float32)


def _path_of(articles: Sequence[Article], doc_id: str) -> str | None:
    return next((a.path for a in articles if a.doc_id == doc_id), None)
