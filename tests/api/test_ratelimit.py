"""DALIL_RATE_LIMIT: questions over the allowance get a 429 saying when to come back; other routes stay open."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from dalil.service.app import create_app
from dalil.settings import Settings


def test_questions_over_the_limit_get_429_with_retry_after(settings_for_tests, demo_index):
    settings = settings_for_tests.model_copy(update={"rate_limit": "2/minute"})
    with TestClient(create_app(settings, index=demo_index)) as client:
        assert client.post("/v1/ask", json={"question": "روسيا"}).status_code == 200
        assert client.post("/v1/search", json={"query": "روسيا"}).status_code == 200
        for path, body in (("/v1/ask", {"question": "روسيا"}), ("/v1/ask/stream", {"question": "روسيا"})):
            refused = client.post(path, json=body)
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert "try again in" in refused.json()["detail"]
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/documents").status_code == 200


def test_no_limit_by_default(settings_for_tests, demo_index):
    with TestClient(create_app(settings_for_tests, index=demo_index)) as client:
        assert all(client.post("/v1/search", json={"query": "روسيا"}).status_code == 200 for _ in range(5))


def test_a_malformed_limit_is_refused_at_start():
    with pytest.raises(ValidationError, match="DALIL_RATE_LIMIT must look like"):
        Settings(rate_limit="lots")
