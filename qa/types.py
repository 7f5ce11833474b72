"""What an answer is, independent of HTTP. The service maps these onto its wire schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dalil.index.types import Passage

Language = Literal["ar", "en"]


@dataclass(frozen=True)
class Citation:
    id: str  # sentence id "<doc_id>:<n>"
    doc_id: str
    title: str
    start: int
    end: int
    quote: str  # == article text[start:end]
    published: str | None = None  # the article's publication date (ISO 8601), when known
    # The model's translation of the quote, when it answered in another language than the source's.
    translation: str | None = None


@dataclass(frozen=True)
class ShortAnswer:
    """The words of a cited sentence that answer the question: ``text == article[start:end]``."""

    text: str
    doc_id: str
    start: int
    end: int
    english: str | None = None  # the same in English, when dalil can write it (numbers, dates)


@dataclass(frozen=True)
class UnsupportedClaim:
    """A sentence the model wrote that verification removed, and why."""

    text: str
    reason: str


@dataclass
class Answer:
    answer: str
    language: Language
    abstained: bool
    confidence: float
    citations: list[Citation]
    passages: list[Passage]
    backend: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    # True when the LLM was asked but its answer could not be used, so the extractive answer stands in.
    degraded: bool = False
    degraded_reason: str | None = None
    unsupported: list[UnsupportedClaim] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    short_answer: ShortAnswer | None = None
