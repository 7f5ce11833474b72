from __future__ import annotations

from fastapi import APIRouter

from dalil.qa import answer as answer_question
from dalil.service.deps import QUESTION_GUARDS, AnswerersDep, IndexDep, SettingsDep
from dalil.service.schemas import AskRequest, AskResponse, ErrorBody

router = APIRouter(
    prefix="/v1",
    dependencies=QUESTION_GUARDS,
    tags=["answers"],
)


@router.post(
    "/ask",
    summary="Answer a question with cited source sentences",
    responses={400: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
def ask(body: AskRequest, index: IndexDep, settings: SettingsDep, answerers: AnswerersDep) -> AskResponse:
    """Retrieve passages for the question and answer from their sentences.

    Every citation's `start`/`end` are character offsets into the article text returned by
    `GET /v1/documents/{doc_id}`, and `quote` is exactly that slice. When the sources do not support
    an answer, `abstained` is true and `answer` says so. `backend` says which answerer ran; a model answer
    that could not be used falls back to the extractive one with `degraded: true`.
    """
    answer = answer_question(
        body.question, index, top_k=body.top_k, settings=settings, backend=body.backend, answerers=answerers
    )
    return AskResponse.model_validate(answer)
