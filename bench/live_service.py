"""`dalil serve` in a child process on a free loopback port, for the benchmarks that time it over HTTP."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from dalil.testing.server import free_port


@contextmanager
def running_service(
    args: list[str], env: dict, *, start_timeout_s: float, cwd: Path | None = None
) -> Iterator[tuple[httpx.Client, subprocess.Popen]]:
    """A client for the service (``dalil serve`` with ``args``) once /healthz answers, and its process."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dalil.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            deadline = time.monotonic() + start_timeout_s
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"service did not become ready: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
            yield client, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def rss_mb(pid: int) -> dict[str, float]:
    """A process's resident memory now and at its peak, in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"], 1), "peak_rss_mb": round(fields["VmHWM"], 1)}
