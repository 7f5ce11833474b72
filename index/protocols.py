"""The index's seams: what an embedder, a reader and a store must do. No implementation is imported here.

Implementations are registered by name under the entry-point groups ``dalil.embedders``, ``dalil.readers`` and
``dalil.stores`` (dalil's own ones too, in its pyproject.toml) and chosen by the settings; see ``dalil.plugins``.
Each entry point names a factory that takes the ``Settings`` (embedders also get the text after ``name:`` in
``DALIL_EMBEDDER``) and returns an object of the protocol below. The registries are at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dalil.plugins import Registry

if TYPE_CHECKING:
    import numpy as np

    from dalil.index.fetched import FetchedPages
    from dalil.index.jobs import JobStore
    from dalil.index.keys import KeyStore
    from dalil.index.manifest import Manifest
    from dalil.index.types import Article, Chunk, DocumentInfo, IngestProblem, RawArticle, Sentence


# Texts to question vectors: an embedder's ``embed_queries``.
QuestionEmbedder = Callable[[Sequence[str]], "np.ndarray"]


class EmbedderUnavailable(RuntimeError):
    """The configured embedder cannot be loaded; the message says what is missing and what to set."""


class IndexUnavailable(RuntimeError):
    """No usable index at the configured location; the message says what to run."""


class UnknownDocument(KeyError):
    """No article (and no alias) with this id in the index."""

    def __str__(self) -> str:
        return f"no document with id {self.args[0]!r} in the index"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors; queries and passages may be embedded differently (e.g. e5 prefixes).

    Both methods return float32 arrays of shape ``(len(texts), dim)`` whose rows have L2 norm 1, so a
    dot product is the cosine. An empty input gives shape ``(0, dim)``.

    An embedder holding a large model may also define ``release()``: free the model's memory, to be loaded again
    on next use. A build from scratch calls it once the texts are embedded, before it makes the final index.
    It may define ``prepare_passages()``: load what embedding passages needs; a build calls it in a background
    thread while it reads its sources, so the two overlap.
    """

    # Stable identity recorded in the index manifest: an index built with one embedder must not be
    # searched with another.
    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` of a sentence read for a question; ``score`` > 0 when a span reader prefers it to "no
    answer" (its start + end logits over those of the leading ``<s>``)."""

    start: int
    end: int
    score: float


class SpanReader(Protocol):
    """Finds the words that answer a question in each sentence (``index.embedders.span_reader``). May also
    define ``warm_up()``: load its model now."""

    def read(self, question: str, sentences: Sequence[str]) -> list[Span | None]:
        """For each sentence, its best span (None when it has no word to offer)."""
        ...


@runtime_checkable
class Reader(Protocol):
    """One input format: the bytes of a file become raw articles, or problems a person can act on.

    ``suffixes`` are the lower-case file endings it reads, with their dot (``(".txt",)``). ``path`` is the
    file's name for messages and for the articles' ``path``. A reader never raises for bad content: it
    returns an ``IngestProblem`` instead, so one bad file never stops the others.
    """

    name: str
    suffixes: tuple[str, ...]

    def read(self, path: str, data: bytes) -> tuple[list[RawArticle], list[IngestProblem]]: ...


@runtime_checkable
class StoreReader(Protocol):
    """A consistent view of everything the index keeps. Ids are the articles', sentences' and chunks' own.

    What it shows does not change while it is open, whatever writers do meanwhile, or it follows published
    changes only as whole changes: a reader never sees half of one.
    """

    manifest: Manifest
    location: str  # where the index lives, for people (a folder, a database)
    published: str  # the store's ``published()`` token of the state this reader shows

    def counts(self) -> dict[str, int]: ...

    def list_documents(self) -> list[DocumentInfo]: ...

    def document(self, doc_id: str) -> Article | None: ...

    def canonical_id(self, doc_id: str) -> str | None:
        """The indexed id for ``doc_id``, following an alias; None when neither exists."""
        ...

    def titles(self, doc_ids: Iterable[str]) -> dict[str, str]: ...

    def sentences(self, doc_id: str) -> list[Sentence]:
        """An article's sentences in reading order."""
        ...

    def sentences_by_id(self, ids: Sequence[str]) -> dict[str, Sentence]: ...

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, Chunk]: ...

    def chunks_of_sentences(self, sentence_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Sentence id -> ids of the chunks holding it (overlapping windows give several)."""
        ...

    def search_chunks(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` chunks nearest ``vector`` by cosine: (chunk id, cosine), best first."""
        ...

    def search_sentences(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...

    def sentence_vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these sentences (unknown ids are left out)."""
        ...

    def chunk_vectors_by_id(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these chunks (unknown ids are left out): what copying an index to another store
        takes instead of embedding it again."""
        ...

    def lexical_search(self, terms: Sequence[str], k: int, language: str | None = None) -> list[tuple[str, float]]:
        """BM25 over chunks' search terms (``normalize.search_terms``): (chunk id, score > 0), best first.

        With ``language``, only chunks of articles in that language are ranked.
        """
        ...

    def term_document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        """How many chunks contain each search term (0 for unseen terms)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class StoreChange(Protocol):
    """One change to the index, published as a whole when its block ends without an error, or not at all.

    Reads inside the change see the change's own state.
    """

    manifest: Manifest

    def document(self, doc_id: str) -> Article | None: ...

    def canonical_id(self, doc_id: str) -> str | None: ...

    def exact_duplicate(self, exact: bytes) -> str | None:
        """The first article whose ``dedup.fingerprint`` has this ``exact`` hash (``dedup.IndexedTexts``)."""
        ...

    def shared_shingles(self, shingles: Collection[int]) -> list[tuple[str, int, int]]:
        """(article id, shingles it shares with ``shingles``, its own count), in the order indexed; the store keeps
        every article's ``dedup.fingerprint`` so that this costs lookups of ``shingles`` only."""
        ...

    def add_document(
        self,
        article: Article,
        sentences: Sequence[Sentence],
        chunks: Sequence[Chunk],
        sentence_vectors: np.ndarray,
        chunk_vectors: np.ndarray,
    ) -> None:
        """Add an article whose id is not indexed yet, with one vector row per sentence and per chunk."""
        ...

    def remove_document(self, doc_id: str) -> None:
        """Remove an article with its sentences, chunks, vectors and aliases; ``UnknownDocument`` if absent."""
        ...

    def add_alias(self, alias_id: str, doc_id: str, path: str | None) -> None: ...

    def counts(self) -> dict[str, int]: ...

    def checkpoint(self) -> None:
        """Keep what this change wrote so far if the process dies: a build from scratch opened again with the same
        ``resume`` key carries on from here. Nothing is published. Stores that cannot keep partial work may only
        commit what they can."""
        ...


@runtime_checkable
class Store(Protocol):
    """Where an index lives (``DALIL_STORE``): articles, sentences with offsets, chunks, aliases, vectors and
    lexical search, changed only through atomic changes."""

    name: str

    def open(self) -> StoreReader:
        """A reader of the published state; ``IndexUnavailable`` when nothing was ever published."""
        ...

    def keys(self) -> KeyStore:
        """The API keys kept with this index (``index.keys``)."""
        ...

    def jobs(self) -> JobStore:
        """The write jobs run on this index, as any process serving it reports them (``index.jobs``)."""
        ...

    def fetched(self) -> FetchedPages:
        """What web pages looked like when last indexed (``index.web.seen``), so that adding them again fetches
        and indexes only the ones that changed."""
        ...

    def published(self) -> str | None:
        """A cheap token naming the published state (None before the first): it changes with every published
        change, and equals the ``published`` of a reader opened on that state. A service polls it to follow."""
        ...

    def change(
        self, fresh: Manifest | None = None, resume: str | None = None, questions: QuestionEmbedder | None = None
    ) -> AbstractContextManager[StoreChange]:
        """A change to publish. With ``fresh``, it starts empty and replaces everything (a build); without,
        it starts from the published state (``IndexUnavailable`` when there is none).

        With ``resume`` (a build's key: its sources and settings), a build from scratch whose writer died after a
        checkpoint is taken up where it stopped; the change's ``counts()`` then show what it already holds.
        ``questions`` embeds texts as questions (the embedder's ``embed_queries``): a store that tunes an
        approximate search when it publishes a build may use it to measure recall on question-like vectors.
        """
        ...


EMBEDDERS: Registry[Embedder] = Registry("embedder", "dalil.embedders", Embedder, "DALIL_EMBEDDER")
READERS: Registry[Reader] = Registry("reader", "dalil.readers", Reader, "DALIL_READERS")
STORES: Registry[Store] = Registry("store", "dalil.stores", Store, "DALIL_STORE")
