"""``POST /v1/ask/stream``: the answer as Server-Sent Events, for chat widgets that show it as it comes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from dalil.qa import stream_answer
from dalil.qa.events import AnswerEvent, CitationEvent, RetrievalEvent, TokenEvent
from dalil.service.deps import QUESTION_GUARDS, AnswerersDep, IndexDep, SettingsDep
from dalil.service.schemas import AskRequest, AskResponse, CitationOut, ErrorBody, PassageOut

router = APIRouter(
    prefix="/v1",
    dependencies=QUESTION_GUARDS,
    tags=["answers"],
)
logger = logging.getLogger("dalil.service")

STREAM_DESCRIPTION = """Events, in order (each `data` is JSON):

* `retrieval`: `{"passages": [...]}`, the passages the answer is drawn from;
* `token`: `{"text": "..."}`, the next piece of the answer; only verified sentences are sent;
* `citation`: `{"number": n, "citation": {...}}`, once the citation behind marker `[n]` is verified;
* `done`: the final answer, exactly the `/v1/ask` response;
* `error`: `{"detail": "..."}` if the answer failed after the stream began.

Problems with the request itself are ordinary JSON errors (4xx), sent before any event.
"""


@router.post(
    "/ask/stream",
    summary="Answer a question, streamed as Server-Sent Events",
    description=STREAM_DESCRIPTION,
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The event stream"},
        400: {"model": ErrorBody},
        422: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
)
def ask_stream(
    body: AskRequest, index: IndexDep, settings: SettingsDep, answerers: AnswerersDep
) -> EventSourceResponse:
    # Retrieval runs here, so a bad question is refused with a JSON error before the stream opens.
    events = stream_answer(
        body.question, index, top_k=body.top_k, settings=settings, backend=body.backend, answerers=answerers
    )
    return EventSourceResponse(_server_sent(events), ping=15)


def _server_sent(events: Iterator[AnswerEvent]) -> Iterator[ServerSentEvent]:
    try:
        for event in events:
            name, payload = _wire(event)
            yield ServerSentEvent(event=name, data=json.dumps(payload, ensure_ascii=False))
    except Exception:  # the stream has begun: the client hears about it as an event, the service keeps serving
        logger.exception("an answer stream failed")
        yield ServerSentEvent(
            event="error", data=json.dumps({"detail": "the answer failed part-way; please ask again"})
        )


def _wire(event: AnswerEvent) -> tuple[str, dict]:
    """The event's name and its JSON payload, in the wire schemas."""
    if isinstance(event, RetrievalEvent):
        return "retrieval", {"passages": [PassageOut.model_validate(p).model_dump() for p in event.passages]}
    if isinstance(event, TokenEvent):
        return "token", {"text": event.text}
    if isinstance(event, CitationEvent):
        return "citation", {"number": event.number, "citation": CitationOut.model_validate(event.citation).model_dump()}
    return "done", AskResponse.model_validate(event.answer).model_dump()
