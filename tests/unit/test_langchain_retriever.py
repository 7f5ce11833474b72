"""dalil retrieval through LangChain's retriever interface, on the demo index."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda
from pydantic import ValidationError

from dalil.index.langchain_retriever import DalilRetriever

QUERY = "اتفاق وزير الدفاع الروسي حول الدفاع الجوي في القوقاز"


def test_documents_point_back_into_their_articles(demo_index):
    documents = DalilRetriever(index=demo_index, k=3).invoke(QUERY)

    assert len(documents) == 3
    for document in documents:
        assert isinstance(document, Document)
        meta = document.metadata
        article = demo_index.get_document(meta["doc_id"])
        assert document.page_content == article.text[meta["start"] : meta["end"]]
        assert meta["title"] == article.title
        assert meta["published"] == article.published
        assert meta["chunk_id"].startswith(f"{meta['doc_id']}#")
        assert meta["sentences"]
        for sentence in meta["sentences"]:
            assert article.text[sentence["start"] : sentence["end"]] == sentence["text"]
            assert meta["start"] <= sentence["start"] < sentence["end"] <= meta["end"]
    scores = [document.metadata["score"] for document in documents]
    assert scores == sorted(scores, reverse=True)


def test_the_query_finds_its_article(demo_index):
    top = DalilRetriever(index=demo_index, k=1).invoke(QUERY)[0]
    assert "القوقاز" in demo_index.get_document(top.metadata["doc_id"]).text


@pytest.mark.parametrize("k", [0, 51])
def test_k_out_of_range_is_rejected(demo_index, k):
    with pytest.raises(ValidationError):
        DalilRetriever(index=demo_index, k=k)
    with pytest.raises(ValidationError):
        DalilRetriever(index=demo_index, k=k)


def test_composes_in_a_chain(demo_index):
    chain = DalilRetriever(index=demo_index, k=3) | RunnableLambda(lambda docs: [d.metadata["chunk_id"] for d in docs])
    chunk_ids = chain.invoke(QUERY)
    assert chunk_ids == [passage.chunk_id for passage in demo_index.search(QUERY, 3)]


def test_async_path_matches_the_sync_one(demo_index):
    retriever = DalilRetriever(index=demo_index, k=3)
    documents = asyncio.run(retriever.ainvoke(QUERY))
    assert [d.metadata["chunk_id"] for d in documents] == [d.metadata["chunk_id"] for d in retriever.invoke(QUERY)]
