"""Evaluate a running dalil service: the same metrics, over HTTP."""

from __future__ import annotations

from functools import lru_cache

import httpx

from dalil.eval.runner import CURVE_DEPTH, Answerer, ArticleText


class ServiceError(RuntimeError):
    """The service answered with an error or could not be reached."""


def http_answerer(client: httpx.Client, *, k: int, backend: str | None = None) -> Answerer:
    def ask(question: str) -> dict:
        body = {"question": question, "top_k": max(k, CURVE_DEPTH)}
        if backend and backend != "extractive":
            body["backend"] = backend
        try:
            response = client.post("/v1/ask", json=body)
        except httpx.TransportError as exc:
            raise ServiceError(f"cannot reach {client.base_url}: {exc}") from exc
        if response.status_code != 200:
            raise ServiceError(f"{client.base_url}/v1/ask answered {response.status_code}: {response.text[:300]}")
        return response.json()

    return ask


def http_articles(client: httpx.Client) -> ArticleText:
    @lru_cache(maxsize=4096)
    def text(doc_id: str) -> str | None:
        response = client.get(f"/v1/documents/{doc_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ServiceError(f"{client.base_url}/v1/documents/{doc_id} answered {response.status_code}")
        return response.json()["text"]

    return text
