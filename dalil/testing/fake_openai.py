"""A tiny OpenAI-compatible chat server on loopback, for tests that need a model without the network.

Replies are scripted (``FakeOpenAI.script``) or computed by a responder from the request body; either can
ask for errors, delays, stalled streams or garbage bodies to exercise a client's failure handling.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Long enough to outlast any client timeout a test sets; ``stop()`` cuts it short.
STALL_S = 60.0

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


@dataclass
class Reply:
    """What the fake answers to one chat-completions request."""

    content: str = ""  # the assistant message text (the error message when status is not 200)
    status: int = 200  # non-200 → OpenAI-style JSON error body
    delay_s: float = 0.0  # sleep before responding (to provoke client timeouts)
    chunks: list[str] | None = None  # streamed pieces; default: ``content`` split into words keeping spaces
    chunk_delay_s: float = 0.0  # sleep between streamed chunks
    stall_after: int | None = None  # stream: go silent after this many chunks (mid-stream timeout)
    raw_body: str | None = None  # sent verbatim as the body, with ``status``
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers, e.g. {"retry-after-ms": "1"}


Responder = Callable[[dict], Reply]


def word_pieces(text: str) -> list[str]:
    """Split into word-sized pieces that join back to ``text`` exactly."""
    return re.findall(r"\s*\S+\s*|\s+", text)


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def count_tokens(text: str) -> int:
    # Words stand in for tokens: usage only has to be plausible.
    return len(text.split())


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping must not keep the process (or stop()) waiting
    block_on_close = False
    fake: FakeOpenAI

    def handle_error(self, request, client_address) -> None:
        # Clients that time out hang up mid-reply; that is expected here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        if self.path.split("?")[0].rstrip("/") == "/v1/models":
            self._send_json(200, {"object": "list", "data": [fake.model_card()]})
        else:
            self._send_error(404, f"unknown path {self.path}")

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            self._send_error(404, f"unknown path {self.path}")
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._send_error(400, "request body is not a JSON object")
            return
        fake.record(body)
        reply = fake.next_reply(body)
        if reply.delay_s and fake.sleep(reply.delay_s):
            return  # stopped while sleeping: just hang up
        if reply.raw_body is not None:
            self._send(reply.status, reply.raw_body.encode(), "application/json", reply.headers)
        elif reply.status != 200:
            self._send_error(reply.status, reply.content or status_phrase(reply.status), reply.headers)
        elif body.get("stream"):
            self._stream(fake, body, reply)
        else:
            self._send_json(200, fake.completion(body, reply), reply.headers)

    def _stream(self, fake: FakeOpenAI, body: dict, reply: Reply) -> None:
        self.send_response(200)
        merged = {"content-type": "text/event-stream", "cache-control": "no-cache"}
        merged.update((name.lower(), value) for name, value in reply.headers.items())
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()
        header = fake.header(body, "chat.completion.chunk")  # every chunk of one reply shares id and created
        # The role comes first with empty content, as the real API does.
        self._event(fake.chunk(header, {"role": "assistant", "content": ""}))
        pieces = reply.chunks if reply.chunks is not None else word_pieces(reply.content)
        for sent, piece in enumerate(pieces):
            if reply.stall_after is not None and sent >= reply.stall_after:
                fake.sleep(STALL_S)
                return
            if sent and reply.chunk_delay_s and fake.sleep(reply.chunk_delay_s):
                return
            self._event(fake.chunk(header, {"content": piece}))
        self._event(fake.chunk(header, {}, finish_reason="stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event(fake.chunk(header, None, usage=fake.usage(body, "".join(pieces))))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, payload: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()

    def _send_error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        error_type = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        self._send_json(status, {"error": {"message": message, "type": error_type, "code": None}}, headers)

    def _send_json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None) -> None:
        self.send_response(status)
        # A reply's own headers win, so a test can send garbage under any content type.
        merged = {"content-type": content_type, **{name.lower(): value for name, value in (headers or {}).items()}}
        merged["content-length"] = str(len(data))
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


class FakeOpenAI:
    """Context manager. Serves /v1/models and /v1/chat/completions on 127.0.0.1 (ephemeral port)."""

    def __init__(self, responder: Responder | None = None, model: str = "fake-model") -> None:
        self.responder = responder
        self.model = model
        self.requests: list[dict] = []
        self._scripted: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies, served in order before the responder is asked."""
        with self._lock:
            self._scripted.extend(replies)

    def start(self) -> FakeOpenAI:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in delays and stalls
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- used by the handler threads -------------------------------------------------------

    def record(self, body: dict) -> None:
        with self._lock:
            self.requests.append(body)

    def next_reply(self, body: dict) -> Reply:
        with self._lock:
            scripted = self._scripted.popleft() if self._scripted else None
        if scripted is not None:
            return scripted
        if self.responder is None:
            return Reply(status=500, content="no reply scripted")
        try:
            return self.responder(body)
        except Exception as exc:  # the test's responder is broken: say so in the reply instead of hanging up
            return Reply(status=500, content=f"responder failed: {exc!r}")

    def sleep(self, seconds: float) -> bool:
        """Sleep unless stopped meanwhile; True when stopped."""
        return self._stopping.wait(seconds)

    def model_card(self) -> dict:
        return {"id": self.model, "object": "model", "created": 0, "owned_by": "dalil-tests"}

    def header(self, body: dict, kind: str) -> dict:
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": kind,
            "created": int(time.time()),
            "model": body.get("model") or self.model,
        }

    def completion(self, body: dict, reply: Reply) -> dict:
        message = {"role": "assistant", "content": reply.content}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
        return {**self.header(body, "chat.completion"), "choices": [choice], "usage": self.usage(body, reply.content)}

    @staticmethod
    def chunk(header: dict, delta: dict | None, finish_reason: str | None = None, usage: dict | None = None) -> dict:
        # The usage chunk the real API sends last has no choices at all.
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
        payload = {**header, "choices": choices}
        if usage is not None:
            payload["usage"] = usage
        return payload

    @staticmethod
    def usage(body: dict, content: str) -> dict:
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        prompt = sum(count_tokens(str(m.get("content") or "")) for m in messages)
        completion = count_tokens(content)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
