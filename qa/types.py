"""What an answer is, independent of HTTP. The service maps these onto its wire schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from index.types import Passage

Language = Literal["ar", "en"]


@dataclass(frozen=True)
class Citation:
    id: str  # sentence id "<doc_id>:<n>"
    doc_id: str
    title: str
    start: int
    end: int
    quote: str  # == article text[start:end]


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
