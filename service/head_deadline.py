"""A time limit on a request's head (request line and headers), which uvicorn does not have.

uvicorn closes idle keep-alive connections and ``guards.BodyGuard`` times out a stalled body, but a client that
opens connections and sends its headers a byte at a time would hold each one open for as long as it likes
("slowloris"). ``HeadDeadline`` is uvicorn's httptools protocol with a timer from the moment a connection opens,
or a new request on it begins, until its headers are complete: past ``DALIL_HEADER_TIMEOUT_S`` the client gets
408 and the connection is closed. The limit comes from the app's lifespan state, so every worker of a
``--workers N`` service reads it from its own settings.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

STATE_KEY = "dalil_header_timeout_s"
DEFAULT_TIMEOUT_S = 10.0
_MESSAGE = b"The request headers took too long to arrive.\n"
TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
    b"content-length: " + str(len(_MESSAGE)).encode() + b"\r\n\r\n" + _MESSAGE
)


class HeadDeadline(HttpToolsProtocol):
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            timeout_s = float(self.app_state.get(STATE_KEY, DEFAULT_TIMEOUT_S))
            self._head_timer = self.loop.call_later(timeout_s, self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.write(TIMED_OUT)
            self.transport.close()
