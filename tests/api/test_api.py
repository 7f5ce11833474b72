"""The HTTP contract: shapes of every endpoint, cited offsets, readable errors, and degraded start-up."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from dalil.qa import QuestionError
from dalil.service.app import create_app

ASK_KEYS = {
    *("answer", "language", "abstained", "confidence", "backend", "citations", "passages", "timings_ms"),
    *("degraded", "degraded_reason", "unsupported", "warnings", "short_answer"),
}
CITATION_KEYS = {"id", "doc_id", "title", "start", "end", "quote", "published", "translation"}
PASSAGE_KEYS = {"doc_id", "chunk_id", "title", "score", "text", "start", "end", "sentences"}
SENTENCE_KEYS = {"id", "start", "end", "text"}
SUMMARY_KEYS = {"id", "title", "published", "source", "url", "language", "sentences", "chunks", "aliases"}
DOCUMENT_KEYS = {"id", "title", "published", "source", "url", "author", "language", "text", "sentences"}

# Questions about the demo articles (Russian defence agreements with Armenia, Kazakhstan and CIS states).
QUESTIONS = [
    "متى وقع وزير الدفاع الروسي ونظيره الأرميني اتفاق إنشاء نظام إقليمي موحد للدفاع الجوي؟",
    "ما هو برنامج الشراكة الاستراتيجية في المجال الدفاعي بين روسيا وكازاخستان؟",
    "ماذا تبنى قادة رابطة الدول المستقلة بشأن مكافحة الإرهاب الدولي؟",
    "Which defence agreement did Russia and Armenia sign?",
]

GOOD_SEARCH = {"query": "الدفاع الجوي", "k": 2}


@pytest.fixture
def client(settings_for_tests, demo_index):
    with TestClient(create_app(settings_for_tests, index=demo_index)) as test_client:
        yield test_client


def _assert_still_serving(client: TestClient) -> None:
    response = client.post("/v1/search", json=GOOD_SEARCH)
    assert response.status_code == 200, response.text
    assert response.json()["results"]


def _assert_sentence(sentence: dict) -> None:
    assert set(sentence) == SENTENCE_KEYS
    assert isinstance(sentence["id"], str) and ":" in sentence["id"]
    assert isinstance(sentence["start"], int) and isinstance(sentence["end"], int)
    assert 0 <= sentence["start"] < sentence["end"]
    assert isinstance(sentence["text"], str)


# ---- contract shapes -------------------------------------------------------------------------


@pytest.mark.parametrize("question", QUESTIONS, ids=["ar-armenia", "ar-kazakhstan", "ar-cis", "en-armenia"])
def test_ask_contract(client, question):
    response = client.post("/v1/ask", json={"question": question, "top_k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ASK_KEYS
    assert isinstance(body["answer"], str) and body["answer"]
    assert body["language"] in ("ar", "en")
    assert isinstance(body["abstained"], bool)
    assert isinstance(body["confidence"], float)
    assert body["backend"] == "extractive"
    assert set(body["timings_ms"]) == {"retrieve", "answer", "total"}
    assert all(isinstance(v, (int, float)) and v >= 0 for v in body["timings_ms"].values())
    assert body["abstained"] == (not body["citations"])
    for citation in body["citations"]:
        assert set(citation) == CITATION_KEYS
        assert citation["id"].startswith(citation["doc_id"] + ":")
    assert 0 < len(body["passages"]) <= 3
    for passage in body["passages"]:
        assert set(passage) == PASSAGE_KEYS
        assert passage["chunk_id"].startswith(passage["doc_id"] + "#")
        assert isinstance(passage["score"], float)
        for sentence in passage["sentences"]:
            _assert_sentence(sentence)


def test_ask_language_follows_the_question(client):
    assert client.post("/v1/ask", json={"question": QUESTIONS[0]}).json()["language"] == "ar"
    assert client.post("/v1/ask", json={"question": QUESTIONS[3]}).json()["language"] == "en"


def test_ask_top_k_defaults_to_five(client):
    body = client.post("/v1/ask", json={"question": QUESTIONS[1]}).json()
    assert 0 < len(body["passages"]) <= 5


def test_every_citation_quote_is_the_document_text_at_its_offsets(client):
    cited = 0
    documents: dict[str, dict] = {}
    for question in QUESTIONS:
        body = client.post("/v1/ask", json={"question": question}).json()
        for citation in body["citations"]:
            if citation["doc_id"] not in documents:
                response = client.get(f"/v1/documents/{citation['doc_id']}")
                assert response.status_code == 200, response.text
                documents[citation["doc_id"]] = response.json()
            document = documents[citation["doc_id"]]
            assert document["text"][citation["start"] : citation["end"]] == citation["quote"]
            assert citation["title"] == document["title"]
            spans = {s["id"]: (s["start"], s["end"]) for s in document["sentences"]}
            assert spans[citation["id"]] == (citation["start"], citation["end"])
            cited += 1
        for passage in body["passages"]:
            text = client.get(f"/v1/documents/{passage['doc_id']}").json()["text"]
            assert text[passage["start"] : passage["end"]] == passage["text"]
            for sentence in passage["sentences"]:
                assert text[sentence["start"] : sentence["end"]] == sentence["text"]
    assert cited > 0, "no demo question was answered with a citation"


def test_search_contract(client):
    response = client.post("/v1/search", json={"query": "وزير الدفاع الروسي", "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"results"}
    assert 0 < len(body["results"]) <= 3
    for hit in body["results"]:
        assert set(hit) == PASSAGE_KEYS
        assert hit["chunk_id"].startswith(hit["doc_id"] + "#")
        assert isinstance(hit["score"], float)
        assert hit["sentences"]
        for sentence in hit["sentences"]:
            _assert_sentence(sentence)
            assert sentence["text"] in hit["text"]


def test_search_k_defaults_to_ten(client):
    response = client.post("/v1/search", json={"query": "روسيا"})
    assert response.status_code == 200
    assert 0 < len(response.json()["results"]) <= 10


def test_list_documents(client, demo_index):
    response = client.get("/v1/documents")
    assert response.status_code == 200
    documents = response.json()["documents"]
    assert len(documents) == demo_index.stats()["documents"] == 4
    for document in documents:
        assert set(document) == SUMMARY_KEYS
        assert document["sentences"] > 0 and document["chunks"] > 0
        assert isinstance(document["aliases"], list)
        assert document["language"] in ("ar", "en")


def test_get_document(client):
    doc_id = client.get("/v1/documents").json()["documents"][0]["id"]
    response = client.get(f"/v1/documents/{doc_id}")
    assert response.status_code == 200
    document = response.json()
    assert set(document) == DOCUMENT_KEYS
    assert document["id"] == doc_id
    assert document["sentences"]
    previous_end = 0
    for n, sentence in enumerate(document["sentences"]):
        assert set(sentence) == {"id", "start", "end"}
        assert sentence["id"] == f"{doc_id}:{n}" or sentence["id"].startswith(f"{doc_id}:")
        assert previous_end <= sentence["start"] < sentence["end"] <= len(document["text"])
        assert document["text"][sentence["start"] : sentence["end"]].strip()
        previous_end = sentence["end"]


def test_unknown_document_is_404(client):
    response = client.get("/v1/documents/no-such-article")
    assert response.status_code == 404
    assert response.json() == {"detail": "No document with id 'no-such-article'"}
    _assert_still_serving(client)


def test_unknown_route_is_json_404(client):
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_healthz_ok(client, demo_index):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    index = body["index"]
    for count in ("documents", "sentences", "chunks", "aliases"):
        assert index[count] == demo_index.stats()[count]
    assert index["embedder"] == demo_index.manifest.embedder


def test_lifespan_opens_and_closes_the_index(settings_for_tests):
    app = create_app(settings_for_tests)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert len(client.get("/v1/documents").json()["documents"]) == 4
    assert app.state.snapshots.current is None


def test_docs_and_openapi_are_served(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "dalil"
    assert schema["info"]["description"]
    for path in ("/v1/ask", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}", "/healthz"):
        assert path in schema["paths"]
    ask_body = schema["components"]["schemas"]["AskRequest"]["properties"]
    assert ask_body["top_k"]["minimum"] == 1 and ask_body["top_k"]["maximum"] == 50


# ---- bad input -------------------------------------------------------------------------------

BAD_REQUESTS = [
    # (path, json body or raw text, status, expected message fragment)
    ("/v1/ask", "{not json", 400, "Request body is not valid JSON"),
    ("/v1/ask", '{"question": "x",}', 400, "Request body is not valid JSON"),
    ("/v1/ask", {"question": ""}, 422, "question must not be empty"),
    ("/v1/ask", {"question": "   \n\t "}, 422, "question must not be empty"),
    ("/v1/ask", {"question": "س" * 2001}, 422, "question is longer than 2000 characters"),
    ("/v1/ask", {"question": 42}, 422, "question must be a string"),
    ("/v1/ask", {"question": None}, 422, "question must be a string"),
    ("/v1/ask", {}, 422, "question is required"),
    ("/v1/ask", [], 422, "request body must be a JSON object"),
    ("/v1/ask", {"question": "روسيا", "top_k": 0}, 422, "top_k must be between 1 and 50"),
    ("/v1/ask", {"question": "روسيا", "top_k": 51}, 422, "top_k must be between 1 and 50"),
    ("/v1/ask", {"question": "روسيا", "top_k": -3}, 422, "top_k must be between 1 and 50"),
    ("/v1/ask", {"question": "روسيا", "top_k": True}, 422, "top_k must be a whole number"),
    ("/v1/ask", {"question": "روسيا", "top_k": 5.0}, 422, "top_k must be a whole number"),
    ("/v1/ask", {"question": "روسيا", "top_k": "5"}, 422, "top_k must be a whole number"),
    ("/v1/ask", {"question": "روسيا", "topk": 5}, 422, "topk is not a known field"),
    ("/v1/search", "[", 400, "Request body is not valid JSON"),
    ("/v1/search", {"query": ""}, 422, "query must not be empty"),
    ("/v1/search", {"query": "  "}, 422, "query must not be empty"),
    ("/v1/search", {"query": "a" * 2001}, 422, "query is longer than 2000 characters"),
    ("/v1/search", {"query": ["روسيا"]}, 422, "query must be a string"),
    ("/v1/search", {"query": "روسيا", "k": 0}, 422, "k must be between 1 and 50"),
    ("/v1/search", {"query": "روسيا", "k": 1000}, 422, "k must be between 1 and 50"),
    ("/v1/search", {"query": "روسيا", "k": False}, 422, "k must be a whole number"),
    ("/v1/search", {"query": "روسيا", "k": 2.5}, 422, "k must be a whole number"),
]


@pytest.mark.parametrize(("path", "payload", "status", "message"), BAD_REQUESTS, ids=[c[3] for c in BAD_REQUESTS])
def test_bad_input_is_refused_readably_and_the_service_goes_on(client, path, payload, status, message):
    if isinstance(payload, str):
        response = client.post(path, content=payload, headers={"content-type": "application/json"})
    else:
        response = client.post(path, json=payload)
    assert response.status_code == status, response.text
    body = response.json()
    assert message in body["detail"]
    assert "Traceback" not in response.text
    if status == 422:
        assert body["errors"] and all(set(e) == {"field", "message"} for e in body["errors"])
        assert any(message in e["message"] for e in body["errors"])
    _assert_still_serving(client)


def test_question_at_the_length_limit_is_accepted(client):
    response = client.post("/v1/ask", json={"question": "روسيا " * 333 + "ab"})  # 2000 characters
    assert response.status_code == 200, response.text


def test_missing_body_is_422(client):
    response = client.post("/v1/ask")
    assert response.status_code == 422
    assert "request body is required" in response.json()["detail"]


def test_question_error_from_the_answer_step_is_422(client, monkeypatch):
    import dalil.service.routes.ask as ask_route

    def refuse(*args, **kwargs):
        raise QuestionError("question must not be empty")

    monkeypatch.setattr(ask_route, "answer_question", refuse)
    response = client.post("/v1/ask", json={"question": "?"})
    assert response.status_code == 422
    assert response.json()["detail"] == "question must not be empty"


# ---- failures --------------------------------------------------------------------------------


class _ExplodingSearch:
    """The demo index, except that search fails the way an unforeseen bug would."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def search(self, query: str, k: int = 10):
        raise RuntimeError("secret internal state /srv/index/x.faiss")

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_unexpected_error_is_a_logged_500_and_the_service_goes_on(settings_for_tests, demo_index, caplog):
    app = create_app(settings_for_tests, index=_ExplodingSearch(demo_index))
    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="dalil.service"):
        response = client.post("/v1/search", json={"query": "روسيا"})
        assert response.status_code == 500
        body = response.json()
        assert set(body) == {"detail"}
        assert "secret" not in body["detail"] and "Traceback" not in response.text
        assert any("secret internal state" in (r.exc_text or "") for r in caplog.records)

        assert client.get("/v1/documents").status_code == 200
        assert client.post("/v1/ask", json={"question": QUESTIONS[0]}).status_code == 200


def test_missing_index_gives_503_with_what_to_run(make_settings, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with TestClient(create_app(make_settings(index_dir=empty))) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        assert "dalil index build" in health.json()["detail"]

        for method, path, payload in [
            ("post", "/v1/ask", {"question": "روسيا"}),
            ("post", "/v1/search", {"query": "روسيا"}),
            ("get", "/v1/documents", None),
            ("get", "/v1/documents/anything", None),
        ]:
            response = client.request(method.upper(), path, json=payload)
            assert response.status_code == 503, (path, response.text)
            assert "dalil index build" in response.json()["detail"]

        assert client.get("/docs").status_code == 200
