"""``answer(question, index)``: the one question-answering entry point, shared by the service, the CLI and eval.

``stream_answer`` is the same answer as a stream of events; ``answer`` is its last event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dalil.index.loaded import LoadedIndex
from dalil.qa.backends import Answerers
from dalil.qa.events import AnswerEvent, DoneEvent, RetrievalEvent
from dalil.qa.extractive import ScoringWeights
from dalil.qa.prepare import Prepared, prepare
from dalil.qa.protocols import Answerer
from dalil.qa.types import Answer
from dalil.settings import Settings


def answer(
    question: str,
    index: LoadedIndex,
    *,
    top_k: int = 5,
    settings: Settings | None = None,
    weights: ScoringWeights = ScoringWeights(),
    backend: str | None = None,
    answerers: Answerers | Mapping[str, Answerer] | None = None,
) -> Answer:
    """Answer ``question`` from ``index`` with the answerer named by ``backend`` (default ``DALIL_BACKEND``).

    ``answerers`` are those the caller built once (the service does, at start-up), or answerers by name to use
    beside (or instead of) those built from the settings, e.g. ``{"llm": my_model}``. Raises ``QuestionError``
    for a question that cannot be asked, ``BackendUnavailable`` for an answerer that cannot answer.
    """
    for event in stream_answer(
        question, index, top_k=top_k, settings=settings, weights=weights, backend=backend, answerers=answerers
    ):
        if isinstance(event, DoneEvent):
            return event.answer
    raise AssertionError("an answer stream always ends with its answer")


def stream_answer(
    question: str,
    index: LoadedIndex,
    *,
    top_k: int = 5,
    settings: Settings | None = None,
    weights: ScoringWeights = ScoringWeights(),
    backend: str | None = None,
    answerers: Answerers | Mapping[str, Answerer] | None = None,
) -> Iterator[AnswerEvent]:
    """The answer as events: retrieval, verified tokens and citations, then the final answer.

    Problems with the question or the backend are raised before the first event, so a caller can still refuse
    the request.
    """
    settings = settings or index.settings
    if not isinstance(answerers, Answerers):
        answerers = Answerers.from_settings(settings, answerers)
    chosen = answerers.choose(backend)
    prepared = prepare(question, index, top_k, settings, weights)
    return _events(prepared, index, chosen)


def _events(prepared: Prepared, index: LoadedIndex, chosen: Answerer) -> Iterator[AnswerEvent]:
    yield RetrievalEvent(prepared.passages)
    yield from chosen.stream(prepared, index)
