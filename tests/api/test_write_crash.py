"""A service killed with SIGKILL in the middle of a write: the index is the last published one, the job says it
failed, and sending the same request again completes it, without duplicates."""

import os
import shutil
import signal
import time

import httpx
import pytest

from dalil.index.stores import load_store
from dalil.settings import Settings
from dalil.testing.server import free_port, serve_process

pytestmark = pytest.mark.slow
ARTICLES = [{"id": f"crash-{n}", "text": f"Crash test {n}\n\nArticle {n} of a write cut short."} for n in range(400)]


def _serve(folder, port):
    env = {"DALIL_EMBEDDER": "hash", "DALIL_WRITE_WAIT_S": "0", "DALIL_RELOAD_INTERVAL_S": "0.2"}
    return serve_process(port, env, "--index", str(folder))


def test_a_write_killed_midway_publishes_nothing_and_a_retry_completes(_demo_index_dir, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(_demo_index_dir, folder, symlinks=True)
    key = load_store(Settings(index_dir=folder, embedder="hash")).keys().create("cms", "write")[1]
    headers = {"Authorization": f"Bearer {key}"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    published = os.readlink(folder / "CURRENT")

    service = _serve(folder, port)
    try:
        job_url = httpx.post(f"{url}/v1/documents", json=ARTICLES, headers=headers).json()["status_url"]
        while httpx.get(f"{url}{job_url}", headers=headers).json()["status"] == "queued":
            time.sleep(0.01)
    finally:
        os.kill(service.pid, signal.SIGKILL)
        service.wait(timeout=30)
    assert os.readlink(folder / "CURRENT") == published  # killed before it could publish

    service = _serve(folder, port)
    try:
        failed = httpx.get(f"{url}{job_url}", headers=headers).json()
        assert failed["status"] == "failed" and "send the request again" in failed["detail"]
        assert not any(d["id"].startswith("crash-") for d in httpx.get(f"{url}/v1/documents").json()["documents"])
        retried = httpx.post(f"{url}/v1/documents", json=ARTICLES, headers=headers, timeout=120)
        job = retried.json()
        while job["status"] in ("queued", "running"):
            time.sleep(0.1)
            job = httpx.get(f"{url}{job['status_url']}", headers=headers).json()
        assert job["status"] == "done" and {r["status"] for r in job["results"]} == {"indexed"}
        again = httpx.post(f"{url}/v1/documents", json=ARTICLES[:5], headers=headers, timeout=60).json()
        while again["status"] in ("queued", "running"):
            time.sleep(0.1)
            again = httpx.get(f"{url}{again['status_url']}", headers=headers).json()
        assert {r["status"] for r in again["results"]} == {"unchanged"}
    finally:
        service.terminate()
        service.wait(timeout=30)
