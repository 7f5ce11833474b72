"""The running service follows what is published: adds and removals are answered without a restart, a
request finishes on the snapshot it began with, and a replaced snapshot is freed once nobody uses it."""

import time

from fastapi.testclient import TestClient

from dalil.index.builder import add_files, build_index, remove_document
from dalil.index.embedders import load_embedder
from dalil.index.stores import load_store
from dalil.index.stores.faiss_sqlite import delta
from dalil.index.stores.faiss_sqlite.generations import current_generation
from dalil.service.app import create_app
from tests.conftest import DEMO_ARTICLES

NEW_ARTICLE = "Zebracorn herders\n\nThe zebracorn herders of Balkhash counted 4,211 animals this spring."


def _article(tmp_path):
    path = tmp_path / "zebracorn.txt"
    path.write_text(NEW_ARTICLE)
    return path


def _eventually(check, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the service did not follow the published index"
        time.sleep(0.05)


def _ids(client):
    return {d["id"] for d in client.get("/v1/documents").json()["documents"]}


def test_an_added_article_is_answered_and_a_removed_one_gone_without_a_restart(writable_settings, tmp_path):
    with TestClient(create_app(writable_settings)) as client:
        before = _ids(client)
        added = add_files(writable_settings, load_embedder(writable_settings), [_article(tmp_path)]).added[0]
        _eventually(lambda: added in _ids(client))
        found = client.post("/v1/search", json={"query": "zebracorn herders Balkhash"}).json()["results"]
        assert found[0]["doc_id"] == added
        remove_document(writable_settings, added)
        _eventually(lambda: client.get(f"/v1/documents/{added}").status_code == 404)
        assert _ids(client) == before


def test_a_request_keeps_its_snapshot_and_the_old_generation_goes_when_it_ends(
    writable_settings, tmp_path, monkeypatch
):
    monkeypatch.setattr(delta, "COMPACT_MIN_ROWS", 0)  # each change also replaces the FAISS files
    app = create_app(writable_settings)
    embedder = load_embedder(writable_settings)
    with TestClient(app) as client:
        snapshots = app.state.snapshots
        with snapshots.use() as in_flight:
            old_generation = current_generation(writable_settings.index_dir)
            listed = in_flight.list_documents()
            found = [p.chunk_id for p in in_flight.search("Shoigu air defence", k=5)]
            added = add_files(writable_settings, embedder, [_article(tmp_path)]).added[0]
            _eventually(lambda: snapshots.current is not in_flight)
            remove_document(writable_settings, added)
            build_index(writable_settings, embedder, [DEMO_ARTICLES])  # a new generation replaces the old
            assert old_generation.exists()  # the in-flight request still holds it
            assert in_flight.get_document(added) is None  # the in-flight request sees its own snapshot
            assert in_flight.list_documents() == listed
            assert [p.chunk_id for p in in_flight.search("Shoigu air defence", k=5)] == found
        store = load_store(writable_settings)
        _eventually(lambda: snapshots.current.store.published == store.published())
        add_files(writable_settings, embedder, [_article(tmp_path)])
        assert not old_generation.exists()  # released, then pruned by the next change
        assert client.get("/healthz").status_code == 200


def test_a_service_started_before_any_index_serves_the_first_one_built(writable_settings, tmp_path):
    empty = writable_settings.model_copy(update={"index_dir": tmp_path / "later"})
    with TestClient(create_app(empty)) as client:
        assert client.get("/healthz").status_code == 503
        build_index(empty, load_embedder(empty), [DEMO_ARTICLES])
        _eventually(lambda: client.get("/healthz").status_code == 200)
        assert len(_ids(client)) == 4


def test_a_published_index_that_cannot_be_opened_leaves_the_previous_one_serving(writable_settings, tmp_path, caplog):
    with TestClient(create_app(writable_settings)) as client:
        before = _ids(client)
        add_files(writable_settings, load_embedder(writable_settings), [_article(tmp_path)])
        broken = current_generation(writable_settings.index_dir) / "sentences.faiss"
        broken.write_bytes(b"not a faiss index")
        time.sleep(0.5)
        assert client.get("/healthz").status_code == 200
        assert _ids(client) == before
    assert "could not be opened" in caplog.text


def test_reloading_can_be_turned_off(writable_settings, tmp_path):
    fixed = writable_settings.model_copy(update={"reload_interval_s": 0})
    with TestClient(create_app(fixed)) as client:
        before = _ids(client)
        add_files(fixed, load_embedder(fixed), [_article(tmp_path)])
        time.sleep(0.3)
        assert _ids(client) == before
