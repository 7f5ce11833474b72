from __future__ import annotations

from fastapi import APIRouter, Depends

from dalil.service.auth import require
from dalil.service.deps import IndexDep
from dalil.service.errors import DocumentNotFound
from dalil.service.schemas import DocumentList, DocumentOut, DocumentSummary, ErrorBody

router = APIRouter(prefix="/v1", tags=["documents"])


READ = [Depends(require("read"))]


@router.get("/documents", summary="List the indexed articles", dependencies=READ, responses={503: {"model": ErrorBody}})
def list_documents(index: IndexDep) -> DocumentList:
    return DocumentList(documents=[DocumentSummary.model_validate(d) for d in index.list_documents()])


@router.get(
    "/documents/{doc_id}",
    summary="One article: its stored text and sentence offsets",
    dependencies=READ,
    responses={404: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
def get_document(doc_id: str, index: IndexDep) -> DocumentOut:
    """The text every citation and passage offset points into, with the span of each sentence."""
    article = index.get_document(doc_id)
    if article is None or article.doc_id != doc_id:
        raise DocumentNotFound(doc_id)
    return DocumentOut.of(article, index.sentences(doc_id))
