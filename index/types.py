"""Domain types shared by ingestion, storage and retrieval. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawArticle:
    """An article as read from a file, before cleaning."""

    path: str  # file it came from (plus ``#line`` for jsonl)
    text: str
    doc_id: str | None = None  # given id, if the source had one
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Article:
    """A cleaned article. ``text`` is what is stored; every offset points into it."""

    doc_id: str
    title: str
    text: str
    path: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    language: str = "ar"
    author: str | None = None


@dataclass(frozen=True)
class Sentence:
    id: str  # "<doc_id>:<n>"
    doc_id: str
    n: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    id: str  # "<doc_id>#<n>"
    doc_id: str
    n: int
    start: int
    end: int
    text: str
    sentence_ids: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article title and the sentences it is made of."""

    doc_id: str
    chunk_id: str
    title: str
    score: float
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed article as listed by ``/v1/documents``."""

    id: str
    title: str
    published: str | None
    source: str | None
    url: str | None
    language: str
    sentences: int
    chunks: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestProblem:
    """A file (or line) that could not be indexed, with a message a person understands."""

    path: str
    message: str


def sentence_id(doc_id: str, n: int) -> str:
    return f"{doc_id}:{n}"


def chunk_id(doc_id: str, n: int) -> str:
    return f"{doc_id}#{n}"
