from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dalil.service.schemas import AnswererHealth, HealthOk, HealthUnavailable, IndexHealth, LLMHealth

router = APIRouter(tags=["health"])


def _embedder_name(manifest: Any) -> str | None:
    if isinstance(manifest, dict):
        return manifest.get("embedder")
    return getattr(manifest, "embedder", None)


@router.get(
    "/healthz",
    summary="Whether the index is loaded",
    response_model=HealthOk,
    responses={503: {"model": HealthUnavailable, "description": "The index is not loaded"}},
)
def healthz(request: Request) -> HealthOk | JSONResponse:
    snapshots = request.app.state.snapshots
    index = snapshots.current
    if index is None:
        body = HealthUnavailable(detail=snapshots.error or "the service has not started")
        return JSONResponse(body.model_dump(), status_code=503)
    answerers = request.app.state.answerers
    llm = answerers.usable.get("llm")
    return HealthOk(
        index=IndexHealth(**index.stats(), embedder=_embedder_name(index.manifest)),
        backend=request.app.state.settings.backend,
        answerers=[
            AnswererHealth(name=name, available=answerer.available(), model=answerer.model)
            for name, answerer in answerers.usable.items()
        ],
        llm=LLMHealth(model=llm.model, healthy=llm.available()) if llm is not None else None,
    )
