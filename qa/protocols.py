"""The answering seam: what an answerer must do. No implementation is imported here.

Answerers are registered by name under the entry-point group ``dalil.answerers`` (dalil's ``extractive`` and
``llm`` too) and picked per request by ``backend`` or ``DALIL_BACKEND``; ``auto`` is a policy over them
(``qa.backends``). Each entry point names a factory that takes the ``Settings`` and returns an ``Answerer``, or
raises ``BackendUnavailable`` saying what to configure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dalil.plugins import Registry

if TYPE_CHECKING:
    import numpy as np

    from dalil.index.protocols import Embedder, SpanReader
    from dalil.index.types import Article
    from dalil.qa.events import AnswerEvent
    from dalil.qa.prepare import Prepared


class BackendUnavailable(ValueError):
    """The answerer asked for is not configured or could not be loaded; the message says what to do."""


class UnknownBackend(BackendUnavailable):
    """No answerer has the name asked for."""


class AnswerSources(Protocol):
    """What an answerer may use of the index besides the prepared question (``LoadedIndex`` is one)."""

    embedder: Embedder
    span_reader: SpanReader | None  # for short answers; None when they are turned off

    def get_document(self, doc_id: str) -> Article | None: ...

    def sentence_similarities(self, vector: np.ndarray, sentence_ids: list[str]) -> dict[str, float]:
        """Cosine between a vector and stored sentence vectors."""
        ...


@runtime_checkable
class Answerer(Protocol):
    """Answers a prepared question (retrieved passages, scored sentences) as a stream of events.

    The stream holds only verified text (``TokenEvent``), the citations behind its markers (``CitationEvent``)
    and ends with the whole answer (``DoneEvent``). Failures become a degraded answer, not an exception.
    """

    name: str
    # What it answers with, for /healthz (a model name), or None.
    model: str | None

    def available(self) -> bool:
        """Whether ``auto`` may pick it now (a model in its cool-down after a failure is not)."""
        ...

    def stream(self, prepared: Prepared, index: AnswerSources) -> Iterator[AnswerEvent]: ...


ANSWERERS: Registry[Answerer] = Registry("answerer", "dalil.answerers", Answerer, "DALIL_BACKEND")
