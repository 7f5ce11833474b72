"""A finished answer told as a stream: its text in word-sized tokens, its citations, then the answer itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dalil.qa.events import AnswerEvent, CitationEvent, DoneEvent, TokenEvent
from dalil.qa.types import Answer

_WORD_WITH_SPACE = re.compile(r"\s*\S+")


def replay(answer: Answer) -> Iterator[AnswerEvent]:
    for word in _WORD_WITH_SPACE.findall(answer.answer):
        yield TokenEvent(word)
    for number, citation in enumerate(answer.citations, start=1):
        yield CitationEvent(number, citation)
    yield DoneEvent(answer)
