"""dalil retrieval as a LangChain retriever, so users can put it in their own chains."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from dalil.index.loaded import LoadedIndex
from dalil.index.types import Passage
from dalil.limits import MAX_RESULTS, MIN_RESULTS


class DalilRetriever(BaseRetriever):
    """Top-``k`` passages of a dalil index as Documents, with offsets into the article text for citing."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: LoadedIndex
    k: int = Field(default=5, ge=MIN_RESULTS, le=MAX_RESULTS)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        passages = self.index.search(query, self.k)
        published: dict[str, str | None] = {}
        for doc_id in dict.fromkeys(p.doc_id for p in passages):  # one article read per document, not per passage
            article = self.index.get_document(doc_id)
            published[doc_id] = article.published if article else None
        return [to_document(passage, published[passage.doc_id]) for passage in passages]


def to_document(passage: Passage, published: str | None) -> Document:
    return Document(
        id=passage.chunk_id,
        page_content=passage.text,
        metadata={
            "doc_id": passage.doc_id,
            "chunk_id": passage.chunk_id,
            "title": passage.title,
            "score": passage.score,
            "start": passage.start,
            "end": passage.end,
            "published": published,
            "sentences": [{"id": s.id, "start": s.start, "end": s.end, "text": s.text} for s in passage.sentences],
        },
    )
