"""The FAISS + SQLite store passes the store contract, plus what is particular to it."""

import pytest

from dalil.index.protocols import IndexUnavailable
from dalil.index.stores.faiss_sqlite.generations import current_generation
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
        assert change.manifest.store_options == {"faiss_factory": factory}


def test_a_published_generation_is_opened_without_writing_to_it(tmp_path):
    from dalil.index.stores.faiss_sqlite import FaissStore

    store = FaissStore(tmp_path / "index")
    with store.change(fresh_manifest()) as change:
        add(change, ARABIC)
    folder = current_generation(tmp_path / "index")
    before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    reader = store.open()
    reader.close()
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == before


def test_a_missing_index_says_what_to_run(tmp_path):
    from dalil.index.stores.faiss_sqlite import FaissStore

    with pytest.raises(IndexUnavailable, match="dalil index build"):
        FaissStore(tmp_path / "nowhere").open()
