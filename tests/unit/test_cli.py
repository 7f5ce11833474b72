"""The `dalil` command line end to end on the hash embedder."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dalil.cli import app

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("DALIL_EMBEDDER", "hash")
    monkeypatch.setenv("DALIL_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("COLUMNS", "300")  # keep rich from wrapping the lines the tests read
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_build_info_search_ask(run):
    built = run("index", "build", "--source", str(DEMO_ARTICLES))
    assert built.exit_code == 0, built.output
    assert "indexed 4 articles" in built.output

    info = run("index", "info", "--json")
    manifest = json.loads(info.output)
    assert manifest["embedder"].startswith("hash/") and manifest["counts"]["documents"] == 4

    found = run("search", "مباحثاته في لشبونة", "--k", "2")
    assert found.exit_code == 0 and "لشبونة" in found.output

    asked = run("ask", "في أي مدينة أجرى ميدفيديف مباحثاته؟", "--json")
    answer = json.loads(asked.output)
    assert set(answer) >= {"answer", "language", "abstained", "confidence", "citations", "passages", "timings_ms"}
    assert answer["language"] == "ar"


def test_add_and_remove(run, tmp_path):
    run("index", "build", "--source", str(DEMO_ARTICLES))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "lisbon-1", "title": "Lisbon talks", "text": "Leaders met in Lisbon."}) + "\n")
    added = run("index", "add", str(feed))
    assert added.exit_code == 0 and "index now holds 5 articles" in added.output
    assert "lisbon-1#0" in run("search", "Leaders met in Lisbon", "--k", "1").output

    removed = run("index", "remove", "lisbon-1")
    assert removed.exit_code == 0 and "index now holds 4 articles" in removed.output
    assert json.loads(run("index", "info", "--json").output)["counts"]["documents"] == 4


def test_errors_are_messages_not_tracebacks(run, tmp_path):
    missing = run("ask", "anything")
    assert missing.exit_code == 1 and "dalil index build" in missing.output

    run("index", "build", "--source", str(DEMO_ARTICLES))
    assert "must not be empty" in run("ask", "   ").output
    unknown = run("index", "remove", "no-such-doc")
    assert unknown.exit_code == 1 and "no document with id" in unknown.output
    nowhere = run("index", "build", "--source", str(tmp_path / "nowhere"))
    assert nowhere.exit_code == 1 and "source not found" in nowhere.output


def test_extract_shows_what_would_be_indexed_or_why_not_and_leaves_no_index(run, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "story.html").write_text(
        '<html><head><title>Budget vote | Daily</title><meta property="og:site_name" content="Daily">'
        '<meta name="date" content="2020-05-01"></head><body><nav>Home</nav><article>'
        "<p>The budget passed on Friday after a long debate in parliament.</p></article></body></html>"
    )
    (pages / "menu.html").write_text("<html><body><nav>Home · World · Sport</nav></body></html>")
    (pages / "arabic.txt").write_text(
        DEMO_ARTICLES.joinpath(sorted(p.name for p in DEMO_ARTICLES.iterdir())[0]).read_text()
    )
    shown = run("extract", "--jsonl", str(pages))
    assert shown.exit_code == 0, shown.output
    items = {Path(item["path"]).name: item for item in map(json.loads, shown.output.splitlines())}
    story = items["story.html"]
    assert story["text"] == "The budget passed on Friday after a long debate in parliament."
    assert (story["title"], story["published"], story["source"], story["language"]) == (
        "Budget vote",
        "2020-05-01",
        "Daily",
        "en",
    )
    assert items["menu.html"] == {
        "path": str(pages / "menu.html"),
        "text": None,
        "problem": "no article text found in the file",
    }
    assert items["arabic.txt"]["language"] == "ar" and items["arabic.txt"]["id"]
    assert not (tmp_path / "index").exists()


def test_index_add_reads_a_feed_and_says_what_was_unchanged(run, news_site, monkeypatch):
    monkeypatch.setenv("DALIL_FETCH_HOST_DELAY_S", "0")
    assert run("index", "build", "--source", str(DEMO_ARTICLES)).exit_code == 0
    feed = f"{news_site.base}/feed.xml"
    added = run("index", "add", feed)
    assert added.exit_code == 0, added.output
    assert "indexed 2 articles" in added.output and "robots.txt" in added.output  # the forbidden entry, by URL
    again = run("index", "add", feed)
    assert "indexed 0 articles" in again.output and "2 pages unchanged since they were last fetched" in again.output
