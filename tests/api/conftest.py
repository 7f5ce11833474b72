"""A real uvicorn server on 127.0.0.1 over the hash-embedder demo index."""

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn

from service.app import create_app


@contextmanager
def serving(app, port: int | None = None):
    """Run ``app`` under uvicorn on loopback (a free port unless given); yields its base URL."""
    if port is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "service did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_service(settings_for_tests):
    with serving(create_app(settings_for_tests)) as url:
        yield url
