"""Writes over HTTP with API keys: add, update, upload, remove; answered by the running service in seconds."""

import time

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dalil.cli import app as cli
from dalil.index.stores import load_store
from dalil.service.app import create_app
from dalil.service.main import server_options
from dalil.testing.server import serving
from tests.news_site import page, write_warc

HERDERS = "Zebracorn herders\n\nThe zebracorn herders of Balkhash counted 4,211 animals this spring."
FERRY = "Ferry timetable\n\nThe night ferry to Aktau leaves at nine and arrives before the morning market opens."


@pytest.fixture
def keys(writable_settings):
    store = load_store(writable_settings).keys()
    return {scope: store.create(f"{scope} key", scope)[1] for scope in ("read", "write", "admin")}


@pytest.fixture
def client(writable_settings):
    with TestClient(create_app(writable_settings)) as test_client:
        yield test_client


def _as(key):
    return {"Authorization": f"Bearer {key}"}


def _eventually(check, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not seen by the service in time"
        time.sleep(0.05)


def _listed(client, doc_id):
    return doc_id in {d["id"] for d in client.get("/v1/documents").json()["documents"]}


def test_writes_need_a_key_with_the_write_scope(client, keys):
    body = {"text": HERDERS}
    refused = client.post("/v1/documents", json=body)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert "write scope" in refused.json()["detail"]
    assert client.post("/v1/documents", json=body, headers=_as("dalil_0000_nope")).status_code == 401
    assert client.post("/v1/documents", json=body, headers={"Authorization": keys["write"]}).status_code == 401
    too_small = client.post("/v1/documents", json=body, headers=_as(keys["read"]))
    assert too_small.status_code == 403 and "read scope" in too_small.json()["detail"]
    for method, path in (("PUT", "/v1/documents/x"), ("DELETE", "/v1/documents/x"), ("GET", "/v1/jobs/x")):
        assert client.request(method, path).status_code == 401
    assert client.post("/v1/documents", json=body, headers=_as(keys["admin"])).status_code == 200


def test_an_added_article_is_searchable_and_sending_it_again_changes_nothing(client, keys):
    added = client.post("/v1/documents", json={"id": "herders-1", "text": HERDERS}, headers=_as(keys["write"]))
    assert added.status_code == 200
    job = added.json()
    assert job["status"] == "done" and job["total"] == job["done"] == 1
    assert job["results"] == [{"input": "0", "status": "indexed", "id": "herders-1", "detail": None}]
    _eventually(lambda: _listed(client, "herders-1"))
    found = client.post("/v1/search", json={"query": "zebracorn herders Balkhash"}).json()["results"]
    assert found[0]["doc_id"] == "herders-1"
    again = client.post("/v1/documents", json=[{"id": "herders-1", "text": HERDERS}], headers=_as(keys["write"]))
    assert again.json()["results"][0]["status"] == "unchanged"


def test_a_list_reports_each_article(client, keys):
    demo_text = client.get(f"/v1/documents/{client.get('/v1/documents').json()['documents'][0]['id']}").json()
    articles = [
        {"text": FERRY, "published": "2026-11-20", "source": "Wire"},
        {"text": FERRY},  # the same text again in one request
        {"id": "copy", "title": demo_text["title"], "text": demo_text["text"]},  # a near-duplicate of the demo
    ]
    results = client.post("/v1/documents", json=articles, headers=_as(keys["write"])).json()["results"]
    assert [r["status"] for r in results] == ["indexed", "rejected", "aliased"]
    assert "same text as an earlier article" in results[1]["detail"]
    assert demo_text["id"] in results[2]["detail"]


def test_bad_articles_are_422_with_the_field(client, keys):
    for body, field in (
        ({"title": "no text"}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x", "id": "a/b"}, "id"),
        ({"text": "x", "colour": "red"}, "colour"),
        ([{"text": "x"}, {"text": 5}], "1.text"),
    ):
        response = client.post("/v1/documents", json=body, headers=_as(keys["write"]))
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert client.post("/v1/documents", content=b"{", headers=_as(keys["write"])).status_code == 400
    assert client.post("/v1/documents", json=[], headers=_as(keys["write"])).status_code == 422


def test_put_adds_then_updates_and_delete_removes(client, keys):
    url = "/v1/documents/ferry"
    assert client.put(url, json={"text": FERRY}, headers=_as(keys["write"])).json()["results"][0]["status"] == "indexed"
    changed = client.put(url, json={"text": FERRY.replace("nine", "ten")}, headers=_as(keys["write"]))
    assert changed.json()["results"][0]["status"] == "updated"
    mismatch = client.put(url, json={"id": "other", "text": FERRY}, headers=_as(keys["write"]))
    assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["field"] == "id"
    _eventually(lambda: "ten" in client.get(url).json().get("text", ""))
    removed = client.delete(url, headers=_as(keys["write"]))
    assert removed.status_code == 200 and removed.json()["results"][0]["status"] == "removed"
    _eventually(lambda: client.get(url).status_code == 404)
    assert client.delete(url, headers=_as(keys["write"])).status_code == 404


def test_uploaded_files_are_read_by_their_readers(client, keys):
    files = [
        ("files", ("herders.txt", HERDERS.encode(), "text/plain")),
        (
            "files",
            (
                "wire.jsonl",
                b'{"id": "w1", "text": "%s"}\n{"id": 3}\n' % FERRY.replace("\n", "\\n").encode(),
                "application/json",
            ),
        ),
        ("files", ("scan.pdf", b"%PDF-1.4", "application/pdf")),
    ]
    results = client.post("/v1/documents", files=files, headers=_as(keys["write"])).json()["results"]
    by_input = {r["input"]: r for r in results}
    assert by_input["herders.txt"]["status"] == "indexed"
    assert by_input["wire.jsonl#L1"]["status"] == "indexed" and by_input["wire.jsonl#L1"]["id"] == "w1"
    assert by_input["wire.jsonl"]["status"] == "rejected" and "line 2" in by_input["wire.jsonl"]["detail"]
    assert by_input["scan.pdf"]["status"] == "rejected" and ".txt" in by_input["scan.pdf"]["detail"]


def test_a_long_write_answers_202_and_is_followed_as_a_job(writable_settings, keys):
    patient = writable_settings.model_copy(update={"write_wait_s": 0})
    with TestClient(create_app(patient)) as client:
        started = client.post("/v1/documents", json={"text": HERDERS}, headers=_as(keys["write"]))
        assert started.status_code == 202 and started.headers["location"] == started.json()["status_url"]
        job_url = started.json()["status_url"]
        _eventually(lambda: client.get(job_url, headers=_as(keys["write"])).json()["status"] == "done")
        assert client.get(job_url, headers=_as(keys["write"])).json()["results"][0]["status"] == "indexed"
        assert client.get("/v1/jobs/nope", headers=_as(keys["write"])).status_code == 404


def test_private_reads_need_a_read_key_and_a_revoked_key_stops_at_once(writable_settings, keys):
    private = writable_settings.model_copy(update={"public_read": False})
    with TestClient(create_app(private)) as client:
        assert client.get("/v1/documents").status_code == 401
        assert client.post("/v1/search", json={"query": "روسيا"}).status_code == 401
        assert client.get("/v1/documents", headers=_as(keys["read"])).status_code == 200
        assert client.get("/healthz").status_code == 200 and client.get("/widget.js").status_code == 200
        load_store(private).keys().revoke("read key")
        assert client.get("/v1/documents", headers=_as(keys["read"])).status_code == 401


def test_each_key_has_its_own_rate_limit(writable_settings, keys):
    limited = writable_settings.model_copy(update={"rate_limit": "2/minute"})
    with TestClient(create_app(limited)) as client:
        for key in (keys["read"], keys["write"]):
            codes = [client.post("/v1/search", json={"query": "x"}, headers=_as(key)).status_code for _ in range(3)]
            assert codes == [200, 200, 429]
        assert client.post("/v1/search", json={"query": "x"}).status_code == 200  # the address has its own


def test_a_cli_key_adds_over_http_and_the_service_follows(writable_settings):
    created = CliRunner().invoke(
        cli,
        ["keys", "create", "--name", "cms", "--scope", "write", "--index", str(writable_settings.index_dir)],
        env={"DALIL_EMBEDDER": "hash"},
    )
    assert created.exit_code == 0
    key = created.stdout.strip().splitlines()[-1]
    with serving(create_app(writable_settings), **server_options(writable_settings)) as url:
        assert httpx.post(f"{url}/v1/documents", json={"id": "z", "text": HERDERS}).status_code == 401
        huge = httpx.post(f"{url}/v1/documents", content=b"x" * 20_000_000, headers=_as(key))
        assert huge.status_code == 413
        assert httpx.post(f"{url}/v1/documents", json={"id": "z", "text": HERDERS}, headers=_as(key)).status_code == 200
        _eventually(lambda: httpx.get(f"{url}/v1/documents/z").status_code == 200)
        assert httpx.delete(f"{url}/v1/documents/z", headers=_as(key)).status_code == 200
        _eventually(lambda: httpx.get(f"{url}/v1/documents/z").status_code == 404)


def test_an_uploaded_web_page_is_read_with_its_date_and_citations_carry_it(writable_settings, keys):
    # The hash embedder is sure of little: answer whatever it finds, to see the citations.
    settings = writable_settings.model_copy(update={"abstain_threshold": 0.0})
    with TestClient(create_app(settings)) as client:
        _web_page_is_read_and_cited(client, keys)


def _web_page_is_read_and_cited(client, keys):
    page = (
        "<html><head><title>Zebracorn census | Steppe Herald</title>"
        '<meta property="og:site_name" content="Steppe Herald">'
        '<meta property="article:published_time" content="2024-03-05T08:00:00+05:00">'
        '<meta name="author" content="Aigerim Nurlanova"></head><body>'
        "<nav>Home · Herds · Weather</nav><article><h1>Zebracorn census</h1><p>The zebracorn herders of Balkhash "
        "counted 4,211 animals this spring, the most since the census began.</p>"
        "<p>Herders said the mild winter helped the foals survive.</p></article>"
        '<section class="comments"><p>Reader comment: great news for the steppe!</p></section></body></html>'
    )
    files = [("files", ("census.html", page.encode(), "text/html"))]
    result = client.post("/v1/documents", files=files, headers=_as(keys["write"])).json()["results"][0]
    assert result["status"] == "indexed"
    _eventually(lambda: _listed(client, result["id"]))
    stored = client.get(f"/v1/documents/{result['id']}").json()
    assert (stored["title"], stored["published"], stored["source"], stored["author"]) == (
        "Zebracorn census",
        "2024-03-05",
        "Steppe Herald",
        "Aigerim Nurlanova",
    )
    assert "Reader comment" not in stored["text"] and "Herds · Weather" not in stored["text"]
    answer = client.post(
        "/v1/ask", json={"question": "How many animals did the zebracorn herders of Balkhash count this spring?"}
    )
    cited = [c for c in answer.json()["citations"] if c["doc_id"] == result["id"]]
    assert cited and all(c["published"] == "2024-03-05" for c in cited)


def test_the_web_over_http_reaches_no_local_address_unless_allowed(writable_settings, keys, news_site):
    page = f"{news_site.base}/news/1.html"
    with TestClient(create_app(writable_settings)) as client:
        assert client.post("/v1/documents/web", json={"urls": [page]}).status_code == 401
        for bad in ({"urls": ["ftp://news.example/x"]}, {"urls": []}, {"url": page}):
            assert client.post("/v1/documents/web", json=bad, headers=_as(keys["write"])).status_code == 422
        refused = client.post("/v1/documents/web", json={"urls": [page]}, headers=_as(keys["write"])).json()
        assert [(r["input"], r["status"]) for r in refused["results"]] == [(page, "rejected")]
        assert "local or private address" in refused["results"][0]["detail"]
    assert news_site.requests == []  # not even its robots.txt

    allowed = writable_settings.model_copy(update={"fetch_private_networks": True, "fetch_host_delay_s": 0})
    with TestClient(create_app(allowed)) as client:
        feed = {"urls": [f"{news_site.base}/feed.xml"]}
        first = client.post("/v1/documents/web", json=feed, headers=_as(keys["write"])).json()["results"]
        assert sorted(r["status"] for r in first) == ["indexed", "indexed", "rejected"]  # robots.txt forbids one
        _eventually(lambda: all(_listed(client, r["id"]) for r in first if r["status"] == "indexed"))
        found = client.post("/v1/search", json={"query": "zebracorn herders Balkhash"}).json()["results"]
        assert found[0]["title"] == "Zebracorn census"
        again = client.post("/v1/documents/web", json=feed, headers=_as(keys["write"])).json()["results"]
        assert sorted(r["status"] for r in again) == ["rejected", "unchanged", "unchanged"]


def test_uploaded_warc_and_url_files_are_read_in_the_same_job(writable_settings, keys, news_site, tmp_path):
    body = page("Grain harvest", "The wheat harvest in Kostanay reached a record this autumn, farmers said.")
    archive = write_warc(tmp_path / "crawl.warc.gz", [("https://news.example/grain", "text/html", body)])
    files = [
        ("files", ("crawl.warc.gz", archive.read_bytes(), "application/warc")),
        ("files", ("today.urls", f"{news_site.base}/news/3.html\n".encode(), "text/plain")),
        ("files", ("herders.txt", HERDERS.encode(), "text/plain")),
    ]
    allowed = writable_settings.model_copy(update={"fetch_private_networks": True, "fetch_host_delay_s": 0})
    with TestClient(create_app(allowed)) as client:
        results = client.post("/v1/documents", files=files, headers=_as(keys["write"])).json()["results"]
    by_input = {r["input"]: r["status"] for r in results}
    assert by_input == {
        "crawl.warc.gz#https://news.example/grain": "indexed",
        f"{news_site.base}/news/3.html": "indexed",
        "herders.txt": "indexed",
    }
    assert not any("dalil-upload-" in r["input"] or (r["detail"] or "").count("/tmp/") for r in results)
