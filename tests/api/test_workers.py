"""`dalil serve --workers 2`: the workers share one rate limit through a real Redis (started here), any of
them reports on a write job another ran, and all of them answer from what was written."""

import shutil
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from dalil.index.stores import load_store
from dalil.settings import Settings
from dalil.testing.server import free_port, serve_process, wait_for

SERVER_DOWN = (httpx.HTTPError, OSError)  # not up yet: polled again
pytestmark = pytest.mark.slow
REDIS = Path("/usr/bin/redis-server")


@pytest.fixture
def redis_url(tmp_path):
    assert REDIS.is_file(), "Debian's redis-server is needed (make test installs it)"
    port = free_port()
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
        wait_for(
            lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() is None, 20, "redis", SERVER_DOWN
        )
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_two_workers_share_the_rate_limit_and_the_write_jobs(_demo_index_dir, tmp_path, redis_url):
    folder = tmp_path / "index"
    shutil.copytree(_demo_index_dir, folder, symlinks=True)
    key = load_store(Settings(index_dir=folder, embedder="hash")).keys().create("cms", "write")[1]
    port = free_port()
    env = {
        "DALIL_EMBEDDER": "hash",
        "DALIL_RATE_LIMIT": "6/minute",
        "DALIL_RATE_LIMIT_STORAGE": redis_url,
        "DALIL_WRITE_WAIT_S": "0",
        "DALIL_RELOAD_INTERVAL_S": "0.2",
    }
    service = serve_process(port, env, "--workers", "2", "--index", str(folder))
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            started = client.post("/v1/documents", json={"id": "w", "text": "Workers\n\nTwo workers, one index."})
            assert started.status_code == 202
            job = started.json()["status_url"]
            # Fresh connections spread over both workers; each must know the job.
            for _ in range(10):
                assert httpx.get(f"{url}{job}", headers=client.headers).status_code == 200
            wait_for(lambda: client.get(job).json()["status"] == "done", 30, "the write job", SERVER_DOWN)
            wait_for(
                lambda: all(httpx.get(f"{url}/v1/documents/w").status_code == 200 for _ in range(10)),
                10,
                "w",
                SERVER_DOWN,
            )
        codes = [httpx.post(f"{url}/v1/search", json={"query": "workers"}).status_code for _ in range(12)]
        assert codes.count(200) == 6 and codes.count(429) == 6  # one count for both workers
    finally:
        service.terminate()
        service.wait(timeout=30)
