"""Edges that keep one client from hurting the others: body size and pace, busy answering, response headers.

- ``BodyGuard`` answers 413 as soon as a body is known to be larger than ``DALIL_MAX_BODY_BYTES`` (by its
  Content-Length, or counted as it streams in) and 408 when a client stops sending its body for
  ``DALIL_BODY_TIMEOUT_S``: a body is never read whole before it is judged, and a half-sent one is not held open.
- ``question_slot`` lets ``DALIL_MAX_CONCURRENT_QUESTIONS`` questions be answered at once; one more gets 503 with
  Retry-After at once, instead of waiting in an unbounded queue while every answer slows down.
- ``SecurityHeaders`` puts ``X-Content-Type-Options: nosniff`` and a referrer policy on every response.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        setting = "DALIL_MAX_BODY_BYTES; DALIL_MAX_UPLOAD_BYTES for uploads"
        detail = f"The request body is larger than {max_bytes:,} bytes ({setting})."
        # The rest of the body is left unread, so the connection cannot carry another request.
        super().__init__(413, detail, headers={"Connection": "close"})


class BodyTimeout(HTTPException):
    def __init__(self, timeout_s: float) -> None:
        super().__init__(408, f"The request body did not arrive within {timeout_s:g} s.", {"Connection": "close"})


class Busy(HTTPException):
    """Every question slot is taken."""

    def __init__(self) -> None:
        message = "The service is answering as many questions as it can; please try again in a moment."
        super().__init__(503, message, headers={"Retry-After": "1"})


class HttpMiddleware:
    """ASGI middleware for HTTP requests (``handle``); anything else (lifespan, websockets) passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class BodyGuard(HttpMiddleware):
    """A cap on request body size and a limit on the wait for each part of a body."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, timeout_s: float, upload_path: str = "", max_upload_bytes: int = 0
    ) -> None:
        super().__init__(app)
        self.default_max_bytes, self.timeout_s = max_bytes, timeout_s
        self.upload_path, self.max_upload_bytes = upload_path, max_upload_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        upload = scope.get("path") == self.upload_path and headers.get(b"content-type", b"").startswith(b"multipart/")
        max_bytes = self.max_upload_bytes if upload else self.default_max_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > max_bytes:
            refusal = BodyTooLarge(max_bytes)
            response = JSONResponse({"detail": refusal.detail}, refusal.status_code, refusal.headers)
            await response(scope, receive, send)
            return
        received, complete = 0, False

        async def guarded_receive() -> Message:
            # Raised as HTTP errors, these reach the app's error handlers from wherever the body is read.
            nonlocal received, complete
            if complete:  # later calls wait for a disconnect (a streaming response listens for one): no limit
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                raise BodyTimeout(self.timeout_s) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, guarded_receive, send)


class SecurityHeaders(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


class QuestionSlots:
    """At most ``size`` questions answered at once in this process; the next is refused, not queued."""

    def __init__(self, size: int) -> None:
        self._slots = threading.BoundedSemaphore(size)

    def __enter__(self) -> None:
        if not self._slots.acquire(blocking=False):
            raise Busy

    def __exit__(self, *exc: object) -> None:
        self._slots.release()


def question_slot(request: Request) -> Iterator[None]:
    """Route dependency: hold one of the app's question slots while the route runs."""
    with request.app.state.question_slots:
        yield
