"""`dalil serve --workers 2`: the workers share one rate limit through a real Redis (started here), any of
them reports on a write job another ran, and all of them answer from what was written."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dalil.index.stores import load_store
from dalil.settings import Settings

pytestmark = pytest.mark.slow
REDIS = Path("/usr/bin/redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(check, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        assert time.monotonic() < deadline, f"{what} did not come up"
        time.sleep(0.1)


@pytest.fixture
def redis_url(tmp_path):
    assert REDIS.is_file(), "Debian's redis-server is needed (make test installs it)"
    port = _free_port()
    server = subprocess.Popen(
        [
            str(REDIS),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() is None, 20, "redis")
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_two_workers_share_the_rate_limit_and_the_write_jobs(_demo_index_dir, tmp_path, redis_url):
    folder = tmp_path / "index"
    shutil.copytree(_demo_index_dir, folder, symlinks=True)
    key = load_store(Settings(index_dir=folder, embedder="hash")).keys().create("cms", "write")[1]
    port = _free_port()
    env = {
        **os.environ,
        "DALIL_EMBEDDER": "hash",
        "DALIL_RATE_LIMIT": "6/minute",
        "DALIL_RATE_LIMIT_STORAGE": redis_url,
        "DALIL_WRITE_WAIT_S": "0",
        "DALIL_RELOAD_INTERVAL_S": "0.2",
    }
    command = [
        sys.executable,
        "-m",
        "dalil.cli",
        "serve",
        "--workers",
        "2",
        "--port",
        str(port),
        "--index",
        str(folder),
    ]
    service = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: httpx.get(f"{url}/healthz").status_code == 200, 60, "the service")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            started = client.post("/v1/documents", json={"id": "w", "text": "Workers\n\nTwo workers, one index."})
            assert started.status_code == 202
            job = started.json()["status_url"]
            # Fresh connections spread over both workers; each must know the job.
            for _ in range(10):
                assert httpx.get(f"{url}{job}", headers=client.headers).status_code == 200
            _wait_for(lambda: client.get(job).json()["status"] == "done", 30, "the write job")
            _wait_for(lambda: all(httpx.get(f"{url}/v1/documents/w").status_code == 200 for _ in range(10)), 10, "w")
        codes = [httpx.post(f"{url}/v1/search", json={"query": "workers"}).status_code for _ in range(12)]
        assert codes.count(200) == 6 and codes.count(429) == 6  # one count for both workers
    finally:
        service.terminate()
        service.wait(timeout=30)
