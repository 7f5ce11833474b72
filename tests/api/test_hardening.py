"""The service's edges: oversized and stalled bodies, text that is not Unicode, a full house, forged client
addresses, leaking error messages, response headers and documentation that needs no CDN."""

import asyncio
import re
import select
import socket
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from dalil.index.protocols import IndexUnavailable
from dalil.service.app import create_app
from dalil.service.guards import BodyGuard
from dalil.service.main import server_options
from dalil.service.snapshots import public_reason
from dalil.testing.server import serving

LONE_SURROGATE = '{"%s": "x \\udc00 y"}'


@pytest.fixture
def client(settings_for_tests, demo_index):
    settings = settings_for_tests.model_copy(update={"max_body_bytes": 4096, "max_concurrent_questions": 1})
    with TestClient(create_app(settings, index=demo_index)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "field"), [("/v1/ask", "question"), ("/v1/search", "query"), ("/v1/ask/stream", "question")]
)
def test_a_lone_surrogate_is_a_422_naming_the_field(client, path, field):
    response = client.post(path, content=LONE_SURROGATE % field, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert "lone surrogate at character 2" in response.json()["detail"]


def test_a_lone_surrogate_in_the_backend_name_is_a_422_too(client):
    body = '{"question": "روسيا", "backend": "llm\\ud800"}'
    response = client.post("/v1/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "backend"


def test_a_body_declared_too_large_is_refused_before_it_is_read(client):
    response = client.post("/v1/ask", content=b"{" + b" " * 5000 + b"}", headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than 4,096 bytes" in response.json()["detail"]
    assert response.headers["connection"] == "close"


def test_a_streamed_body_is_cut_off_once_it_passes_the_cap(client):
    sent = []

    def chunks():
        for _ in range(100):
            sent.append(1)
            yield b" " * 1000

    response = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert client.post("/v1/search", json={"query": "روسيا"}).status_code == 200


def test_a_stalled_body_gets_408_and_a_complete_one_passes():
    seen = {}

    async def app(scope, receive, send):
        try:
            while (message := await receive())["more_body"]:
                pass
            seen["body"] = message["body"]
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        except Exception as exc:  # the guard's HTTP error, as a route would raise it
            seen["error"] = exc

    async def run(parts):
        queue = list(parts)

        async def receive():
            part = queue.pop(0)
            if part is None:
                await asyncio.sleep(5)
            return {"type": "http.request", "body": part or b"", "more_body": bool(queue)}

        sent = []

        async def send(message):
            sent.append(message)

        await BodyGuard(app, max_bytes=100, timeout_s=0.05)({"type": "http", "headers": []}, receive, send)
        return sent

    assert asyncio.run(run([b"ab", b"cd"]))[0]["status"] == 200 and seen["body"] == b"cd"
    asyncio.run(run([b"ab", None]))
    assert seen["error"].status_code == 408


def test_every_slot_busy_answers_503_with_retry_after_and_frees_up(client):
    slots = client.app.state.question_slots
    with slots:
        refused = client.post("/v1/ask", json={"question": "روسيا"})
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert "try again" in refused.json()["detail"]
        assert client.get("/healthz").status_code == 200  # only questions take a slot
    assert client.post("/v1/ask", json={"question": "روسيا"}).status_code == 200


def test_every_response_carries_the_security_headers(client):
    responses = [
        client.get("/healthz"),
        client.get("/v1/documents/nope"),
        client.post("/v1/ask", content=b"{" + b" " * 5000 + b"}"),
        client.get("/widget.js"),
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_api_docs_load_their_assets_from_this_service(client):
    page = client.get("/docs").text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert assets and all(asset.startswith("/") for asset in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200


def test_an_unusable_index_is_explained_without_folders_or_library_internals(make_settings, tmp_path):
    with TestClient(create_app(make_settings(index_dir=tmp_path / "nowhere" / "index"))) as test_client:
        body = test_client.get("/healthz").json()
    assert "nowhere" not in str(body) and str(tmp_path) not in str(body)
    assert "dalil index build" in str(body)
    faiss_error = RuntimeError("Error in faiss::read_index at /project/faiss/faiss/impl/index_read.cpp:1234")
    assert "faiss" not in public_reason(faiss_error) and "could not be read" in public_reason(faiss_error)
    assert public_reason(IndexUnavailable("no index at /srv/news/var/index")).startswith("no index at …/index")


def test_a_forwarded_address_does_not_escape_the_rate_limit(settings_for_tests):
    settings = settings_for_tests.model_copy(update={"rate_limit": "2/minute"})
    with serving(create_app(settings), **server_options(settings)) as url:
        codes = [
            httpx.post(f"{url}/v1/search", json={"query": "روسيا"}, headers={"X-Forwarded-For": f"10.0.0.{n}"})
            for n in range(3)
        ]
    assert [r.status_code for r in codes] == [200, 200, 429]


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(settings_for_tests):
    untrusting = server_options(settings_for_tests)
    assert untrusting["proxy_headers"] is False and "forwarded_allow_ips" not in untrusting
    trusted = settings_for_tests.model_copy(update={"trusted_proxies": ["10.1.0.0/16", "127.0.0.1"]})
    assert server_options(trusted) | {"http": None} == {
        "http": None,
        "proxy_headers": True,
        "forwarded_allow_ips": "10.1.0.0/16,127.0.0.1",
    }


def _read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received


def test_headers_that_arrive_too_slowly_get_408_and_the_connection_is_closed(settings_for_tests):
    settings = settings_for_tests.model_copy(update={"header_timeout_s": 1.0})
    with serving(create_app(settings), **server_options(settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as silent,
            socket.create_connection(("127.0.0.1", port), timeout=10) as trickling,
        ):
            for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: never ending":  # never completed
                if select.select([trickling], [], [], 0.05)[0]:
                    break  # the server answered
                trickling.sendall(bytes([byte]))
            answers = [_read_all(trickling), _read_all(silent)]  # a server that waited on would time these out
        assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), answers
        assert httpx.get(f"{url}/healthz").status_code == 200  # a prompt request is served as before
        with httpx.Client() as kept_alive:  # and a connection kept alive between prompt requests is not cut
            assert kept_alive.get(f"{url}/healthz").status_code == 200
            time.sleep(1.5)
            assert kept_alive.get(f"{url}/healthz").status_code == 200
