"""A finished answer told as a stream: its text in word-sized tokens, its citations, then the answer itself."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qa.events import AnswerEvent, CitationEvent, DoneEvent, TokenEvent
from qa.types import Answer

if TYPE_CHECKING:
    from qa.answer import Prepared

_WORD_WITH_SPACE = re.compile(r"\s*\S+")


def replay(answer: Answer) -> Iterator[AnswerEvent]:
    for word in _WORD_WITH_SPACE.findall(answer.answer):
        yield TokenEvent(word)
    for number, citation in enumerate(answer.citations, start=1):
        yield CitationEvent(number, citation)
    yield DoneEvent(answer)


def timings(prepared: Prepared) -> dict[str, float]:
    finished = time.perf_counter()
    return {
        "retrieve": round((prepared.retrieved - prepared.started) * 1000, 2),
        "answer": round((finished - prepared.retrieved) * 1000, 2),
        "total": round((finished - prepared.started) * 1000, 2),
    }
