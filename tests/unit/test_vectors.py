import numpy as np
import pytest

from dalil.index.stores.faiss_sqlite.vectors import VectorIndex


def unit_rows(seed: int, n: int, dim: int = 8) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("factory", ["Flat", "HNSW8"])
def test_search_remove_and_reload(tmp_path, factory):
    vectors = unit_rows(0, 20)
    index = VectorIndex.create(8, factory)
    ids = list(range(100, 120))
    index.add(ids, vectors)
    best_id, best_score = index.search(vectors[3], 1)[0]
    assert best_id == 103 and best_score == pytest.approx(1.0, abs=1e-5)

    index.remove([103, 104])
    assert len(index) == 18
    assert all(i not in (103, 104) for i, _ in index.search(vectors[3], 18))

    index.save(tmp_path / "v.faiss")
    reloaded = VectorIndex.load(tmp_path / "v.faiss")
    np.testing.assert_allclose(reloaded.reconstruct([105]), vectors[5:6], atol=1e-6)


def test_wrong_shape_is_refused():
    index = VectorIndex.create(8, "Flat")
    with pytest.raises(ValueError, match="dimension 8"):
        index.add([1, 2], unit_rows(1, 2, dim=4))


def test_bad_factory_string_names_the_setting():
    with pytest.raises(ValueError, match="DALIL_FAISS_FACTORY"):
        VectorIndex.create(8, "NotAnIndex42")


def test_empty_index_search_returns_nothing():
    assert VectorIndex.create(8, "Flat").search(unit_rows(2, 1)[0], 5) == []
