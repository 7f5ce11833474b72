"""32 readers ask over loopback while articles are added and removed over HTTP: no errors, every citation is
the text at its offsets, and no generation is left behind once the readers are done."""

import os
import shutil
import threading
import time
from collections import Counter

import httpx
import pytest

from dalil.index.builder import add_articles
from dalil.index.embedders import load_embedder
from dalil.index.stores import load_store
from dalil.index.stores.faiss_sqlite.generations import current_generation
from dalil.index.types import RawArticle
from dalil.service.app import create_app
from dalil.service.main import server_options
from dalil.settings import Settings
from dalil.testing.server import serving
from tests.conftest import DEMO_ARTICLES

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("DALIL_LIVE_LOAD_S", "60"))
READERS = 32
QUESTIONS = [
    "في أي مدينة أجرى ميدفيديف مباحثاته؟",
    "Which years does the border security programme cover?",
    "How many animals did the zebracorn herders count?",
    "ما المشروع الذي تبناه مجلس وزراء دفاع الرابطة؟",
]


def _herders(n: int) -> str:
    return f"Zebracorn herders {n}\n\nThe zebracorn herders of camp {n} counted {4000 + n} animals this spring."


def test_readers_during_adds_and_removes_see_whole_snapshots(_demo_index_dir, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(_demo_index_dir, folder, symlinks=True)
    settings = Settings(
        index_dir=folder,
        source_dir=DEMO_ARTICLES,
        embedder="hash",
        reload_interval_s=0.2,
        max_concurrent_questions=READERS * 2,
    )
    key = load_store(settings).keys().create("load test", "write")[1]
    texts: dict[str, str] = {}  # every article that may be cited, by id: the demo's and those added here
    stop = threading.Event()
    outcomes: Counter[str] = Counter()
    problems: list[str] = []

    with serving(create_app(settings), **server_options(settings)) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            for summary in client.get("/v1/documents").json()["documents"]:
                texts[summary["id"]] = client.get(f"/v1/documents/{summary['id']}").json()["text"]

        def write() -> None:
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=url, timeout=60, headers=headers) as writer:
                n = 0
                while not stop.is_set():
                    n += 1
                    texts[f"herders-{n}"] = _herders(n)
                    added = writer.put(f"/v1/documents/herders-{n}", json={"text": _herders(n)})
                    outcomes[f"add {added.status_code}"] += 1
                    if n > 2:
                        removed = writer.delete(f"/v1/documents/herders-{n - 2}")
                        outcomes[f"remove {removed.status_code}"] += 1

        def read(reader: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as asker:
                asked = 0
                while not stop.is_set():
                    question = QUESTIONS[(reader + asked) % len(QUESTIONS)]
                    asked += 1
                    response = asker.post("/v1/ask", json={"question": question})
                    outcomes[f"ask {response.status_code}"] += 1
                    if response.status_code != 200:
                        problems.append(f"{response.status_code}: {response.text[:200]}")
                        continue
                    for citation in response.json()["citations"]:
                        text = texts.get(citation["doc_id"])
                        if text is None or text[citation["start"] : citation["end"]] != citation["quote"]:
                            problems.append(f"citation {citation['id']} is not the text at its offsets")

        threads = [threading.Thread(target=write)] + [threading.Thread(target=read, args=(r,)) for r in range(READERS)]
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    assert problems == []
    assert set(outcomes) <= {"ask 200", "add 200", "remove 200"}, outcomes
    assert outcomes["ask 200"] >= READERS and outcomes["add 200"] >= 3 and outcomes["remove 200"] >= 1
    # The service has stopped, releasing every snapshot: the next change leaves its own generation alone.
    add_articles(settings, load_embedder(settings), [RawArticle(path="last", text=_herders(0))])
    assert [p for p in folder.iterdir() if p.name.startswith("gen-")] == [current_generation(folder)]
