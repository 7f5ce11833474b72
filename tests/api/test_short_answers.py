"""/v1/ask and its stream carry the short answer: offsets into the article, inside a cited sentence, null without."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from dalil.index.protocols import EmbedderUnavailable, Span
from dalil.qa.extractive_answerer import ExtractiveAnswerer
from dalil.service.app import create_app

QUESTION = "متى وقعت روسيا وأرمينيا اتفاق الدفاع الجوي؟"


class LastWord:
    """Answers with each sentence's last word; surest for the longest sentence."""

    def read(self, question, sentences):
        ends = [len(sentence.rstrip(" .")) for sentence in sentences]
        return [Span(s.rfind(" ", 0, end) + 1, end, float(len(s))) for s, end in zip(sentences, ends)]


def _client(settings, index, reader):
    index.span_reader = reader
    app = create_app(settings, index=index, answerers={"extractive": ExtractiveAnswerer(abstain_threshold=0)})
    return TestClient(app)


def test_ask_returns_a_short_answer_that_points_into_a_cited_sentence(settings_for_tests, demo_index):
    with _client(settings_for_tests, demo_index, LastWord()) as client:
        body = client.post("/v1/ask", json={"question": QUESTION, "backend": "extractive"}).json()
        short = body["short_answer"]
        assert set(short) == {"text", "doc_id", "start", "end", "english"}
        article = client.get(f"/v1/documents/{short['doc_id']}").json()["text"]
        assert article[short["start"] : short["end"]] == short["text"]
        assert any(
            c["doc_id"] == short["doc_id"] and c["start"] <= short["start"] < short["end"] <= c["end"]
            for c in body["citations"]
        )
        assert body["answer"].startswith(short["text"] + " [")
        streamed = client.post("/v1/ask/stream", json={"question": QUESTION, "backend": "extractive"}).text
        done = streamed.split("event: done")[1].split("data: ", 1)[1].split("\n")[0]
        assert json.loads(done)["short_answer"] == short


def test_short_answer_is_null_when_the_reader_finds_none(settings_for_tests, demo_index):
    class Nothing:
        def read(self, question, sentences):
            return [None] * len(sentences)

    with _client(settings_for_tests, demo_index, Nothing()) as client:
        body = client.post("/v1/ask", json={"question": QUESTION, "backend": "extractive"}).json()
        assert body["short_answer"] is None and body["citations"] and not body["abstained"]


class Unloadable:
    """A reader whose model cannot be loaded (e.g. a model folder that cannot be written)."""

    def warm_up(self):
        raise EmbedderUnavailable("could not build the e5 model files")

    def read(self, question, sentences):
        raise EmbedderUnavailable("could not build the e5 model files")


def test_answers_still_come_when_the_reader_cannot_load(settings_for_tests, demo_index):
    with _client(settings_for_tests, demo_index, Unloadable()) as client:
        body = client.post("/v1/ask", json={"question": QUESTION, "backend": "extractive"}).json()
        assert body["short_answer"] is None and body["citations"] and not body["abstained"]


def test_a_service_whose_reader_cannot_load_serves_without_short_answers(writable_settings, monkeypatch):
    monkeypatch.setattr("dalil.index.loaded.E5SpanReader", lambda *args: Unloadable())
    settings = writable_settings.model_copy(update={"short_answers": True, "abstain_threshold": 0.0})
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        body = client.post("/v1/ask", json={"question": QUESTION}).json()
        assert body["short_answer"] is None and body["citations"]
