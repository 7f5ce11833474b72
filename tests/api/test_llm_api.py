"""/v1/ask with a backend, /v1/ask/stream (Server-Sent Events) and /healthz, with a fake model server."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from dalil.service.app import create_app
from dalil.testing import Reply
from dalil.testing.llm_scripts import prompt_sources

QUESTION = "متى وقع وزير الدفاع الروسي اتفاق الدفاع الجوي مع أرمينيا؟"
SIGNING = "23 ديسمبر"


def cite_signing(request: dict) -> Reply:
    n, text = next((n, t) for n, t in prompt_sources(request).items() if SIGNING in t)
    content = f"{text} [{n}]"
    return Reply(content, chunks=[content[i : i + 9] for i in range(0, len(content), 9)])


@pytest.fixture
def client(settings_for_tests, demo_index, fake_llm, llm_for):
    app = create_app(settings_for_tests, index=demo_index, answerers={"llm": llm_for(fake_llm.base_url)})
    with TestClient(app) as test_client:
        yield test_client


def server_sent_events(response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            events.append((name, json.loads(line.removeprefix("data:").strip())))
    return events


def without_timings(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "timings_ms"}


def test_ask_with_the_llm_backend(client, fake_llm):
    fake_llm.responder = cite_signing
    body = client.post("/v1/ask", json={"question": QUESTION, "backend": "llm"}).json()
    assert body["backend"] == "llm" and body["degraded"] is False and body["degraded_reason"] is None
    assert body["unsupported"] == [] and body["warnings"] == []
    citation = body["citations"][0]
    assert SIGNING in citation["quote"] and citation["translation"] is None
    assert body["answer"].endswith("[1].")


def test_a_failing_model_gives_a_degraded_200_and_the_service_keeps_serving(client, fake_llm):
    fake_llm.script(Reply("boom", status=500))
    response = client.post("/v1/ask", json={"question": QUESTION, "backend": "llm"})
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True and body["backend"] == "extractive" and "HTTP 500" in body["degraded_reason"]
    assert client.get("/healthz").json()["llm"] == {"model": "fake-model", "healthy": False}
    fake_llm.responder = cite_signing
    assert client.post("/v1/ask", json={"question": QUESTION, "backend": "llm"}).json()["backend"] == "llm"


def test_backend_must_be_known(client):
    response = client.post("/v1/ask", json={"question": QUESTION, "backend": "gpt"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "backend"


def test_llm_backend_without_a_model_is_a_400_naming_the_settings(settings_for_tests, demo_index):
    with TestClient(create_app(settings_for_tests, index=demo_index)) as plain:
        response = plain.post("/v1/ask", json={"question": QUESTION, "backend": "llm"})
        assert response.status_code == 400
        assert response.json()["errors"] == [{"field": "backend", "message": response.json()["detail"]}]
        assert "DALIL_LLM_BASE_URL" in response.json()["detail"]
        health = plain.get("/healthz").json()
        assert health["llm"] is None and health["backend"] == "auto"
        # auto without a model answers extractively
        assert plain.post("/v1/ask", json={"question": QUESTION}).json()["backend"] == "extractive"


@pytest.mark.parametrize("backend", ["extractive", "llm"])
def test_stream_events_end_with_the_same_answer_as_ask(client, fake_llm, backend):
    fake_llm.responder = cite_signing
    request = {"question": QUESTION, "backend": backend}
    with client.stream("POST", "/v1/ask/stream", json=request) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = server_sent_events(response)
    names = [name for name, _ in events]
    assert names[0] == "retrieval" and names[-1] == "done" and "token" in names
    done = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "token") == done["answer"]
    assert [data["citation"] for name, data in events if name == "citation"] == done["citations"]
    assert [data["number"] for name, data in events if name == "citation"] == list(range(1, len(done["citations"]) + 1))
    assert events[0][1]["passages"] == done["passages"]
    asked = client.post("/v1/ask", json=request).json()
    assert without_timings(asked) == without_timings(done)


def test_stream_refuses_a_bad_request_with_json_before_streaming(client):
    response = client.post("/v1/ask/stream", json={"question": "   "})
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["field"] == "question"


def test_a_stream_that_fails_mid_way_ends_with_an_error_event(client, monkeypatch):
    from dalil.qa.extractive_answerer import ExtractiveAnswerer

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ExtractiveAnswerer, "answer", broken)
    with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION, "backend": "extractive"}) as response:
        events = server_sent_events(response)
    assert [name for name, _ in events] == ["retrieval", "error"]
    assert "ask again" in events[-1][1]["detail"] and "disk" not in events[-1][1]["detail"]
    assert client.get("/healthz").status_code == 200


def test_a_broken_prompt_template_stops_start_up(settings_for_tests, tmp_path):
    from dalil.prompts import PromptError

    (tmp_path / "answer.v1.toml").write_text('description = "x"\n', encoding="utf-8")
    with pytest.raises(PromptError, match="answer.v1.toml"):
        create_app(settings_for_tests.model_copy(update={"prompt_dir": tmp_path}))


def test_stream_over_a_real_server_delivers_events_one_by_one(settings_for_tests, fake_llm, llm_for):
    import httpx

    from dalil.testing.server import serving

    def slow(request):
        reply = cite_signing(request)
        return Reply(reply.content, chunks=reply.chunks, chunk_delay_s=0.02)

    fake_llm.responder = slow
    app = create_app(settings_for_tests, answerers={"llm": llm_for(fake_llm.base_url)})
    arrivals = []
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        request = {"question": QUESTION, "backend": "llm"}
        with http.stream("POST", "/v1/ask/stream", json=request) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith("event:"):
                    arrivals.append(line.removeprefix("event:").strip())
    assert arrivals[0] == "retrieval" and arrivals[-1] == "done"
    assert arrivals.count("token") >= 1 and arrivals.count("citation") == 1
