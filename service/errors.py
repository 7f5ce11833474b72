"""Every error leaves the service as JSON ``{"detail": "<readable message>"}`` (plus ``errors`` for bad input).

- body that is not JSON                      -> 400
- request that fails validation              -> 422, one readable message per field
- question the answering step refuses        -> 422 (too long, empty, top_k out of range)
- a backend no answerer has                  -> 422
- an answerer that cannot answer here        -> 400, saying what to configure
- no API key where one is needed, or a bad one -> 401; a key with too small a scope -> 403
- over the rate limit                        -> 429 with Retry-After
- every question slot busy                   -> 503 with Retry-After
- body too large / too slow                  -> 413 / 408 (``guards``)
  (these, the 401/403 and unknown jobs are raised as HTTP exceptions, rendered by ``_http_error``)
- unknown document or write job              -> 404
- index not loaded                           -> 503, saying what to run
- anything unexpected                        -> 500, logged with its traceback, no traceback on the wire
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from dalil.index.protocols import IndexUnavailable
from dalil.limits import TextTooLong
from dalil.qa import BackendUnavailable, QuestionError, UnknownBackend
from dalil.service.guards import HttpMiddleware
from dalil.service.ratelimit import RateLimited

logger = logging.getLogger("dalil.service")

_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class IndexNotLoaded(Exception):
    """The service started without a usable index; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return (
            f"The search index is not loaded: {self.reason}. Once it is built, the service takes it up by itself "
            "(unless DALIL_RELOAD_INTERVAL_S is 0: then restart it)."
        )


class BadRequest(Exception):
    """A request the service cannot use as sent (400, or 422 for a valid body with a wrong value)."""

    def __init__(self, message: str, field: str = "body", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


class JobNotFound(StarletteHTTPException):
    def __init__(self, job_id: str) -> None:
        super().__init__(404, f"No write job with id '{job_id}' (the last 1,000 jobs are kept)")


class DocumentNotFound(LookupError):
    def __init__(self, doc_id: str) -> None:
        super().__init__(doc_id)
        self.doc_id = doc_id

    @property
    def message(self) -> str:
        return f"No document with id '{self.doc_id}'"


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return body


# ---- validation messages ---------------------------------------------------------------------


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for i, p in enumerate(loc) if not (i == 0 and p in _LOCATIONS)]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    field = _field_name(error.get("loc", ()))
    if field == "body":
        if kind == "missing":
            return "request body is required: send a JSON object"
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return "request body must be a JSON object"
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"{field} is not a known field"
    if kind in ("string_type", "string_unicode"):
        return f"{field} must be a string"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_strict"):
        return f"{field} must be a whole number (a JSON integer)"
    if kind in ("out_of_range", "blank", "unicode"):
        return f"{field} {error.get('msg', '')}"
    return f"{field}: {error.get('msg', 'is not valid')}"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "could not be parsed")
            loc = error.get("loc", ())
            where = f" (at character {loc[1]})" if len(loc) > 1 and isinstance(loc[1], int) else ""
            return JSONResponse(error_body(f"Request body is not valid JSON: {reason}{where}"), status_code=400)
    items = [{"field": _field_name(e.get("loc", ())), "message": _message(e)} for e in errors]
    detail = "; ".join(dict.fromkeys(item["message"] for item in items)) or "The request is not valid"
    return JSONResponse(error_body(detail, items), status_code=422)


async def _question_error(request: Request, exc: QuestionError) -> JSONResponse:
    message = str(exc) or "The question cannot be answered as asked"
    return JSONResponse(error_body(message, [{"field": "question", "message": message}]), status_code=422)


async def _text_too_long(request: Request, exc: TextTooLong) -> JSONResponse:
    return JSONResponse(error_body(str(exc), [{"field": exc.field, "message": str(exc)}]), status_code=422)


async def _backend_unavailable(request: Request, exc: BackendUnavailable) -> JSONResponse:
    # An unknown name is a bad request body (422); a known answerer that cannot answer here is a 400.
    status = 422 if isinstance(exc, UnknownBackend) else 400
    return JSONResponse(error_body(str(exc), [{"field": "backend", "message": str(exc)}]), status_code=status)


async def _rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
    return JSONResponse(error_body(str(exc)), status_code=429, headers={"Retry-After": str(exc.retry_after_s)})


async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
    return JSONResponse(error_body(exc.message, [{"field": exc.field, "message": exc.message}]), exc.status)


async def _document_not_found(request: Request, exc: DocumentNotFound) -> JSONResponse:
    return JSONResponse(error_body(exc.message), status_code=404)


async def _index_not_loaded(request: Request, exc: IndexNotLoaded) -> JSONResponse:
    return JSONResponse(error_body(exc.message), status_code=503)


async def _index_unreadable(request: Request, exc: IndexUnavailable) -> JSONResponse:
    """The index went away under a request (a database connection lost): the service opens it again."""
    logger.warning("a request could not read the index: %s", exc)
    message = "The search index could not be read just now; try again in a moment."
    return JSONResponse(error_body(message), status_code=503, headers={"Retry-After": "1"})


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


class CatchUnexpected(HttpMiddleware):
    """ASGI middleware: an exception no handler knows becomes a logged 500 JSON response.

    Sits inside Starlette's outermost error middleware, so the exception stops here instead of being
    re-raised into the server, and the next request is served as usual.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("unexpected error serving %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late to send a different response
                raise
            response = JSONResponse(
                error_body("Internal server error: the problem has been logged. Please try again later."),
                status_code=500,
            )
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QuestionError, _question_error)
    app.add_exception_handler(TextTooLong, _text_too_long)
    app.add_exception_handler(BackendUnavailable, _backend_unavailable)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(BadRequest, _bad_request)
    app.add_exception_handler(DocumentNotFound, _document_not_found)
    app.add_exception_handler(IndexNotLoaded, _index_not_loaded)
    app.add_exception_handler(IndexUnavailable, _index_unreadable)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(CatchUnexpected)
