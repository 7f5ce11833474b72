"""The HTTP skin: wire schemas in, ``qa.answer`` and the index facade behind, wire schemas out.

Launch with ``uvicorn --factory dalil.service.main:create_app`` (settings come from ``DALIL_*`` variables).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from dalil.index.loaded import LoadedIndex, open_index
from dalil.index.protocols import EmbedderUnavailable, Store
from dalil.index.readers import load_readers
from dalil.index.stores import load_store
from dalil.qa import Answerer, Answerers
from dalil.service import errors
from dalil.service.guards import BodyGuard, QuestionSlots, SecurityHeaders
from dalil.service.head_deadline import STATE_KEY as HEAD_TIMEOUT_KEY
from dalil.service.ratelimit import QuestionLimiter
from dalil.service.routes import ask, documents, health, search, stream, widget, writes
from dalil.service.snapshots import Snapshots, follow_published, public_reason
from dalil.service.writes import WriteJobs
from dalil.settings import Settings

logger = logging.getLogger("dalil.service")

DESCRIPTION = """
Questions over Arabic and English news articles, answered with the source sentences that support them.

* `POST /v1/ask` answers a question. Each citation gives the article, character offsets `start`/`end`
  into its text, and the quoted sentence; when the sources do not support an answer the service abstains.
* `POST /v1/ask/stream` streams the same answer as Server-Sent Events: `retrieval`, `token`, `citation`,
  then `done` (the `/v1/ask` response) or `error`. Only verified text is streamed.
* With `"backend": "llm"` (or `auto` and a configured model) an OpenAI-compatible model writes the answer;
  every sentence must cite a source sentence that supports it, or it is removed and listed in `unsupported`.
  If the model fails, the extractive answer is returned with `degraded: true` and the reason.
* `POST /v1/search` returns the most relevant passages without answering.
* `GET /v1/documents` lists the indexed articles; `GET /v1/documents/{doc_id}` returns one article's text,
  which every offset points into.
* `GET /` is a demo page with the chat widget; `GET /widget.js` is the widget for any site
  (`<script src="https://HOST/widget.js" defer></script>`; allow the site in `DALIL_CORS_ORIGINS`).
* `GET /healthz` is 200 once the index is loaded, 503 otherwise.

Errors are JSON: `{"detail": "<message>"}`, with `errors` listing per-field problems for invalid requests.
"""


def _open_snapshot(settings: Settings, store: Store, current: LoadedIndex | None = None) -> LoadedIndex:
    """The published index of the app's one ``store`` (its loaded vector files, its database connections); a
    later one reuses the loaded embedder. The first question should not pay for loading the query engine (or
    making its model files), so the first snapshot warms it up."""
    if current is not None:
        return open_index(
            settings, embedder=current.embedder, store=store, aligner=current.aligner, span_reader=current.span_reader
        )
    index = open_index(settings, store=store)
    index.embedder.embed_queries(["warm-up"])
    if hasattr(index.aligner, "warm_up"):
        index.aligner.warm_up()
    if hasattr(index.span_reader, "warm_up"):
        try:
            index.span_reader.warm_up()
        except EmbedderUnavailable as exc:  # answers still come, without their short answer
            logger.error("short answers are off: %s", exc)
            index.span_reader = None
    return index


def _load(settings: Settings, store: Store) -> tuple[LoadedIndex | None, str | None]:
    try:
        return _open_snapshot(settings, store), None
    except Exception as exc:  # the service still starts, says why it cannot answer, and waits for an index
        logger.error("the index could not be loaded from %s: %s", settings.index_dir, exc, exc_info=True)
        return None, public_reason(exc)


def create_app(
    settings: Settings | None = None,
    index: LoadedIndex | None = None,
    answerers: dict[str, Answerer] | None = None,
) -> FastAPI:
    """Build the application. ``index``, when given, is used as is and left open on shutdown; ``answerers``,
    when given, replace those of the same names built from the settings (e.g. a model under test as ``llm``).

    Answerers are built here, prompt templates loaded and checked with them, so a broken template stops the
    service before it serves.
    """
    settings = settings or Settings()
    usable = Answerers.from_settings(settings, answerers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict]:
        snapshots: Snapshots = app.state.snapshots
        snapshots.replace(*((index, None) if index is not None else _load(settings, store)))
        follower = None
        if index is None and settings.reload_interval_s > 0:
            follower = asyncio.create_task(
                follow_published(
                    snapshots,
                    store,
                    lambda current: _open_snapshot(settings, store, current),
                    settings.reload_interval_s,
                )
            )
        try:
            yield {HEAD_TIMEOUT_KEY: settings.header_timeout_s}  # read by the server's protocol (head_deadline)
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
            app.state.jobs.shutdown()  # a write under way is finished, not cut off
            snapshots.replace(None, "the service is shutting down", close_old=index is None)
            if index is None and hasattr(store, "close"):  # a store holding connections lets them go
                store.close()

    app = FastAPIOffline(  # FastAPI with /docs and /redoc assets served from package files, not a CDN
        title="dalil",
        summary="Cited question answering over Arabic and English news articles",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.snapshots = Snapshots()
    store = load_store(settings)
    app.state.keys = store.keys()
    app.state.readers = load_readers(settings)
    app.state.jobs = WriteJobs(store.jobs())
    app.state.answerers = usable
    app.state.limiter = (
        QuestionLimiter(settings.rate_limit, settings.rate_limit_storage) if settings.rate_limit else None
    )
    app.state.question_slots = QuestionSlots(settings.max_concurrent_questions)
    errors.install(app)
    app.add_middleware(
        BodyGuard,
        max_bytes=settings.max_body_bytes,
        timeout_s=settings.body_timeout_s,
        upload_path="/v1/documents",
        max_upload_bytes=settings.max_upload_bytes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type"],
            expose_headers=["retry-after"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)  # outermost: every response carries them
    for module in (ask, stream, search, documents, writes, health, widget):
        app.include_router(module.router)
    return app
