"""Run an ASGI app under a real uvicorn on loopback, for tests of the service and of plug-ins."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def serving(app, port: int | None = None, start_timeout_s: float = 60.0, **options) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port unless given) in a thread; yields its base URL, stops on exit.

    ``options`` go to ``uvicorn.Config`` (e.g. the service's ``server_options``). Start-up loads and warms the
    models, which on two busy cores can take well over the usual few seconds: the limit is generous."""
    import uvicorn

    if port is None:
        port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the service on 127.0.0.1:{port} stopped while starting (see the log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the service did not start on 127.0.0.1:{port} within {start_timeout_s:.0f} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout_s: float, what: str, tolerating: tuple[type[BaseException], ...] = ()) -> None:
    """Poll ``check()`` every 50 ms until it is true; an assertion error naming ``what`` after ``timeout_s``.
    Errors of the ``tolerating`` kinds count as not yet (a server still starting refuses connections)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if check():
                return
        except tolerating:
            pass
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout_s} s"
        time.sleep(0.05)


def serve_process(port: int, env: dict[str, str], *args: str, start_timeout_s: float = 60.0):
    """``dalil serve --port PORT ARGS…`` in a process of its own, with ``env`` added to this one's environment;
    returned once /healthz answers 200 (the ``subprocess.Popen``, to stop or kill)."""
    import os
    import subprocess
    import sys

    import httpx

    command = [sys.executable, "-m", "dalil.cli", "serve", "--port", str(port), *args]
    service = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + start_timeout_s
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or service.poll() is not None:
            service.kill()
            raise RuntimeError(f"the service on 127.0.0.1:{port} did not start")
        time.sleep(0.1)
