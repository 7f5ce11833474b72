"""Stateless replicas on one PostgreSQL database: what one of them (or the command line) changes, every other one
answers from, without a restart; a replica killed mid-write leaves the database as last published."""

import os
import signal
import subprocess
import sys
import time
from contextlib import closing

import httpx
import pytest

from dalil.index.builder import build_index
from dalil.index.check import check_index
from dalil.index.embedders import load_embedder
from dalil.index.stores import load_store
from dalil.settings import Settings
from dalil.testing.postgres import end_every_session
from dalil.testing.server import free_port, serve_process, wait_for
from tests.conftest import DEMO_ARTICLES

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ARTICLE = {
    "id": "lake-balkhash",
    "title": "Balkhash survey",
    "text": "Balkhash survey\n\nScientists measured the salinity of Lake Balkhash in the spring of 2024.",
}
CRASH = [{"id": f"crash-{n}", "text": f"Crash test {n}\n\nArticle {n} of a write cut short."} for n in range(400)]


@pytest.fixture
def database(postgres_url, tmp_path):
    """A migrated database holding the demo index (hash embedder) and a write key: the environment for replicas."""
    env = {
        "DALIL_STORE": "postgres",
        "DALIL_DATABASE_URL": postgres_url,
        "DALIL_EMBEDDER": "hash",
        "DALIL_INDEX_DIR": str(tmp_path / "unused"),  # nothing may be written here
        "DALIL_RELOAD_INTERVAL_S": "0.5",
    }
    settings = Settings(store="postgres", database_url=postgres_url, embedder="hash", index_dir=tmp_path / "unused")
    store = load_store(settings)
    store.migrate()
    build_index(settings, load_embedder(settings), [DEMO_ARTICLES], store=store)
    key = store.keys().create("cms", "write")[1]
    yield env, settings, store, {"Authorization": f"Bearer {key}"}
    store.close()
    assert not (tmp_path / "unused").exists()


def _found(url: str, query: str, doc_id: str) -> bool:
    results = httpx.post(f"{url}/v1/search", json={"query": query, "k": 3}).json()["results"]
    return any(r["doc_id"] == doc_id for r in results)


def _finished(url: str, job: dict, headers: dict) -> dict:
    while job["status"] in ("queued", "running"):
        time.sleep(0.1)
        job = httpx.get(f"{url}{job['status_url']}", headers=headers).json()
    return job


def test_a_change_through_one_replica_or_the_cli_is_answered_by_every_other(database):
    env, settings, _, headers = database
    one, other = free_port(), free_port()
    replicas = [serve_process(port, env) for port in (one, other)]
    first, second = (f"http://127.0.0.1:{port}" for port in (one, other))
    try:
        assert not _found(second, "Balkhash salinity", ARTICLE["id"])
        added = httpx.post(f"{first}/v1/documents", json=ARTICLE, headers=headers, timeout=30)
        assert added.status_code == 200 and added.json()["results"][0]["status"] == "indexed"
        wait_for(lambda: _found(second, "Balkhash salinity", ARTICLE["id"]), 10, "the other replica finding it")
        answer = httpx.post(
            f"{second}/v1/ask", json={"question": "When did scientists measure the salinity of Lake Balkhash?"}
        )
        assert ARTICLE["id"] in {c["doc_id"] for c in answer.json()["citations"]}
        # Removed through the second replica: gone from the first.
        assert httpx.delete(f"{second}/v1/documents/{ARTICLE['id']}", headers=headers, timeout=30).status_code == 200
        wait_for(lambda: not _found(first, "Balkhash salinity", ARTICLE["id"]), 10, "the first replica forgetting it")
        # A change from the command line, on no replica at all.
        demo_id = httpx.get(f"{first}/v1/documents").json()["documents"][0]["id"]
        subprocess.run(
            [sys.executable, "-m", "dalil.cli", "index", "remove", demo_id],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        for url in (first, second):
            wait_for(lambda url=url: httpx.get(f"{url}/v1/documents/{demo_id}").status_code == 404, 10, "removal")
    finally:
        for replica in replicas:
            replica.terminate()
            replica.wait(timeout=30)


def test_a_replica_killed_mid_write_leaves_the_database_consistent(database):
    env, settings, store, headers = database
    with closing(store.open()) as before:
        published, counts = before.published, before.counts()
    one, other = free_port(), free_port()
    writer = serve_process(one, env | {"DALIL_WRITE_WAIT_S": "0"})
    survivor = serve_process(other, env)
    second = f"http://127.0.0.1:{other}"
    try:
        job = httpx.post(f"http://127.0.0.1:{one}/v1/documents", json=CRASH, headers=headers).json()
        while httpx.get(f"{second}{job['status_url']}", headers=headers).json()["status"] == "queued":
            time.sleep(0.01)  # the other replica reads the job's progress from the database
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        assert store.published() == published  # killed before it could publish
        with closing(store.open()) as after:
            assert after.counts() == counts
            assert not any(d.id.startswith("crash-") for d in after.list_documents())
            assert check_index(after) == []
        failed = httpx.get(f"{second}{job['status_url']}", headers=headers).json()
        assert failed["status"] == "failed" and "send the request again" in failed["detail"]
        # The dead writer's lock went with its connection: the survivor writes the same request whole.
        retried = _finished(
            second, httpx.post(f"{second}/v1/documents", json=CRASH, headers=headers, timeout=120).json(), headers
        )
        assert retried["status"] == "done" and {r["status"] for r in retried["results"]} == {"indexed"}
        with closing(store.open()) as after:
            assert after.counts()["documents"] == counts["documents"] + len(CRASH)
            assert check_index(after) == []
    finally:
        survivor.terminate()
        survivor.wait(timeout=30)
        if writer.poll() is None:
            writer.kill()


def test_a_replica_outlives_the_database_ending_its_connections(database):
    from dalil.service.app import create_app
    from dalil.testing.server import serving

    _, settings, _, _ = database
    with serving(create_app(settings.model_copy(update={"reload_interval_s": 0.2}))) as url:
        question = {"question": "Where did Medvedev hold his Russia-NATO Council talks?"}
        assert httpx.post(f"{url}/v1/ask", json=question).status_code == 200
        end_every_session(settings.database_url.get_secret_value())
        first = httpx.post(f"{url}/v1/ask", json=question)
        assert first.status_code == 503 and first.headers["retry-after"] == "1"
        assert "try again" in first.json()["detail"]
        wait_for(lambda: httpx.post(f"{url}/v1/ask", json=question).status_code == 200, 10, "answering again")
