"""The FAISS + SQLite store passes the store contract, plus what is particular to it."""

import faiss
import numpy as np
import pytest

from dalil.index.protocols import IndexUnavailable
from dalil.index.stores.faiss_sqlite import layouts
from dalil.index.stores.faiss_sqlite import vectors as vectors_module
from dalil.index.stores.faiss_sqlite.generations import current_generation
from dalil.index.stores.faiss_sqlite.vectors import StagedVectors
from dalil.settings import Settings
from dalil.testing.store_contract import ARABIC, StoreContract, add, fresh_manifest


class TestFaissStore(StoreContract):
    @pytest.fixture
    def store_settings(self, tmp_path):
        return Settings(index_dir=tmp_path / "index", store="faiss", embedder="hash:32")


@pytest.mark.parametrize("factory", ["Flat", "HNSW16"])
def test_the_factory_is_recorded_and_kept_for_later_changes(tmp_path, factory):
    from dalil.index.stores.faiss_sqlite import FaissStore

    store = FaissStore(tmp_path / "index", factory)
    with store.change(fresh_manifest()) as change:
        add(change, ARABIC)
    with FaissStore(tmp_path / "index", "IVF4,Flat").change() as change:  # settings changed since the build
        assert change.manifest.store_options["faiss_factory"] == factory
        assert change.manifest.store_options["sentences_factory"] == factory


def test_a_published_generation_is_opened_without_writing_to_it(tmp_path):
    from dalil.index.stores.faiss_sqlite import FaissStore

    store = FaissStore(tmp_path / "index")
    with store.change(fresh_manifest()) as change:
        add(change, ARABIC)
    folder = current_generation(tmp_path / "index")
    before = _modified(folder)
    reader = store.open()
    reader.close()
    assert _modified(folder) == before


def _modified(folder):
    """When each of the index's files last changed; SQLite's -shm and -wal files are how a reader of a WAL
    database coordinates with writers, and a reader writes no data into them."""
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if not p.name.endswith(("-shm", "-wal"))}


def test_a_missing_index_says_what_to_run(tmp_path):
    from dalil.index.stores.faiss_sqlite import FaissStore

    with pytest.raises(IndexUnavailable, match="dalil index build"):
        FaissStore(tmp_path / "nowhere").open()


def _clustered(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    vectors = centres[rng.integers(0, 40, count)] + 0.3 * rng.normal(size=(count, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_staged_vectors_come_back_in_blocks_with_their_ids_and_without_removed_rows(tmp_path):
    staged = StagedVectors(tmp_path / "v", 32)
    vectors = _clustered(250)
    staged.add(list(range(100, 350)), vectors)
    staged.remove([100, 205, 349])
    blocks = list(staged.blocks(size=60))
    assert [len(ids) for ids, _ in blocks] == [59, 59, 60, 60, 9]
    ids = np.concatenate([ids for ids, _ in blocks])
    assert ids.tolist() == [i for i in range(100, 350) if i not in (100, 205, 349)]
    np.testing.assert_allclose(np.vstack([v for _, v in blocks]), vectors[ids - 100], atol=1e-3)


def test_staged_rows_are_read_at_any_positions_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(vectors_module, "BLOCK", 64)
    staged = StagedVectors(tmp_path / "v", 32)
    vectors = _clustered(250)
    staged.add(list(range(1000, 1250)), vectors)
    positions = np.array([0, 3, 63, 64, 65, 190, 249])
    ids, rows = staged.rows(positions)
    assert ids.tolist() == (positions + 1000).tolist()
    np.testing.assert_allclose(rows, vectors[positions], atol=1e-3)
    assert staged.rows(np.array([], dtype=np.int64))[1].shape == (0, 32)


def test_exact_neighbours_over_blocks_match_one_brute_force_ranking():
    vectors = _clustered(500)
    ids = np.arange(500) * 3 + 7
    queries = vectors[[5, 77, 410]]
    blocks = [(ids[i : i + 37], vectors[i : i + 37]) for i in range(0, 500, 37)]
    scores, found = layouts.exact_neighbours(queries, blocks, 11)
    plain = queries @ vectors.T
    np.testing.assert_allclose(scores, -np.sort(-plain, axis=1)[:, :11], atol=1e-5)
    assert found[:, 0].tolist() == ids[[5, 77, 410]].tolist()
    assert set(found[1].tolist()) == set(ids[np.argsort(-plain[1])[:11]].tolist())


def test_a_small_build_is_exact_with_float16_storage(tmp_path):
    staged = StagedVectors(tmp_path / "v", 32)
    vectors = _clustered(300)
    staged.add(list(range(1, 301)), vectors)
    index, layout = staged.build("auto", np.random.default_rng(0))
    assert layout.factory == "SQfp16" and layout.nprobe is None
    np.testing.assert_allclose(index.reconstruct([7])[0], vectors[6], atol=1e-3)
    assert index.search(vectors[41], 1)[0][0] == 42


def test_a_large_build_gets_an_inverted_file_trained_on_all_of_it_and_tuned(tmp_path, monkeypatch):
    monkeypatch.setattr(layouts, "EXACT_UP_TO", 1000)
    staged = StagedVectors(tmp_path / "v", 32)
    vectors, queries = np.split(_clustered(6200), [6000])
    staged.add(list(range(6000)), vectors)
    staged.remove([5, 6])
    index, layout = staged.build("auto", np.random.default_rng(0))
    assert layout.factory.startswith("IVF") and layout.factory.endswith(",SQfp16")
    assert layout.recall_at_10 >= layouts.TARGET_RECALL
    assert len(index) == 5998
    # Recall measured independently, on queries from the same stories that the tuning never saw.
    exact = np.argsort(-(queries @ np.delete(vectors, [5, 6], axis=0).T), axis=1)[:, :10]
    exact_ids = np.delete(np.arange(6000), [5, 6])[exact]
    found = [[i for i, _ in index.search(q, 10)] for q in queries]
    recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact_ids, strict=True)])
    assert recall >= 0.9
    np.testing.assert_allclose(index.reconstruct([100])[0], vectors[100], atol=1e-3)
    index.remove([100])
    assert len(index) == 5997


def test_question_probes_widen_the_search_that_stored_vectors_would_call_enough(tmp_path, monkeypatch):
    # An archive repeats itself (wire copies, boilerplate): a stored vector's ten nearest are its own near-copies,
    # in its own cluster, found at nprobe 1. A question's nearest are spread over clusters: tuning on questions
    # must search wider, and unseen questions then find their exact ten.
    monkeypatch.setattr(layouts, "EXACT_UP_TO", 1000)
    rng = np.random.default_rng(1)
    stories = rng.normal(size=(600, 32))
    vectors = np.repeat(stories, 10, axis=0) + 0.05 * rng.normal(size=(6000, 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def questions(count: int) -> np.ndarray:
        asked = stories[rng.integers(0, 600, count)] + rng.normal(size=(count, 32))
        return (asked / np.linalg.norm(asked, axis=1, keepdims=True)).astype(np.float32)

    staged = StagedVectors(tmp_path / "v", 32)
    staged.add(list(range(6000)), vectors)
    _, by_stored = staged.build("auto", np.random.default_rng(0))
    index, by_questions = staged.build("auto", np.random.default_rng(0), probes=lambda: questions(500))
    assert by_questions.nprobe > by_stored.nprobe
    assert by_questions.recall_at_10 >= layouts.TARGET_RECALL
    assert by_questions.as_options("sentences")["sentences_recall@10"].endswith("(question-like probes)")
    unseen = questions(100)
    exact = np.argsort(-(unseen @ vectors.T), axis=1)[:, :10]
    found = [[i for i, _ in index.search(q, 10)] for q in unseen]
    assert np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)]) >= 0.9
    faiss.extract_index_ivf(index.index).nprobe = by_stored.nprobe  # what stored vectors chose: too narrow
    found = [[i for i, _ in index.search(q, 10)] for q in unseen]
    assert np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)]) < 0.9


def test_question_probes_are_sentences_cut_to_their_first_words_embedded_as_questions():
    asked = []

    def questions(texts):
        asked.extend(texts)
        return np.ones((len(texts), 4))

    probes = layouts.question_probes(["one two three four five six seven", "قصير جدا", "   "], questions)
    assert asked == ["one two three four five", "قصير جدا"]
    assert probes.shape == (2, 4) and probes.dtype == np.float32


def test_recall_counts_an_equally_close_copy_as_found_and_a_farther_vector_as_missed():
    own = np.array([0])
    exact = (np.array([[1.0] + [0.9] * 12]), np.array([[0, *range(1, 13)]]))  # twelve copies tie for nearest
    other_copies = (np.array([[1.0] + [0.9] * 10]), np.array([[0, *range(3, 13), 1][:11]]))
    assert layouts.recall_at_10(own, other_copies, exact) == 1.0
    one_farther = (np.array([[1.0] + [0.9] * 9 + [0.85]]), np.array([[0, *range(3, 12), 99]]))
    assert layouts.recall_at_10(own, one_farther, exact) == 0.9
