"""What a streamed answer is made of, in order: retrieval, then tokens and citations, then done."""

from __future__ import annotations

from dataclasses import dataclass

from dalil.index.types import Passage
from dalil.qa.types import Answer, Citation


@dataclass(frozen=True)
class RetrievalEvent:
    passages: list[Passage]


@dataclass(frozen=True)
class TokenEvent:
    """Answer text, only ever text that has passed verification."""

    text: str


@dataclass(frozen=True)
class CitationEvent:
    number: int  # the marker "[number]" in the answer text
    citation: Citation


@dataclass(frozen=True)
class DoneEvent:
    answer: Answer


AnswerEvent = RetrievalEvent | TokenEvent | CitationEvent | DoneEvent
