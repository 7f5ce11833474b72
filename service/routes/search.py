from __future__ import annotations

from fastapi import APIRouter

from dalil.limits import check_length
from dalil.service.deps import QUESTION_GUARDS, IndexDep, SettingsDep
from dalil.service.schemas import ErrorBody, PassageOut, SearchRequest, SearchResponse

router = APIRouter(
    prefix="/v1",
    dependencies=QUESTION_GUARDS,
    tags=["search"],
)


@router.post(
    "/search",
    summary="Find the passages most relevant to a query",
    responses={400: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
def search(body: SearchRequest, index: IndexDep, settings: SettingsDep) -> SearchResponse:
    """Passages (windows of whole sentences) ranked by relevance, best first, with their sentences."""
    check_length("query", body.query, settings.max_question_chars)
    return SearchResponse(results=[PassageOut.model_validate(p) for p in index.search(body.query, k=body.k)])
