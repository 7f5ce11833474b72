import os

import pytest

from dalil.index.stores.faiss_sqlite.generations import CURRENT, current_generation, new_generation


def test_no_index_means_no_generation(tmp_path):
    assert current_generation(tmp_path / "nowhere") is None


def test_a_generation_is_published_only_when_the_block_succeeds(tmp_path):
    with new_generation(tmp_path, start_from_current=False) as folder:
        (folder / "data.txt").write_text("one")
        assert current_generation(tmp_path) is None  # not visible while being written
    assert (current_generation(tmp_path) / "data.txt").read_text() == "one"

    with pytest.raises(RuntimeError):
        with new_generation(tmp_path, start_from_current=True) as folder:
            (folder / "data.txt").write_text("half-written")
            raise RuntimeError("crash in the middle of an update")
    assert (current_generation(tmp_path) / "data.txt").read_text() == "one"
    assert not folder.exists()


def test_updates_start_from_the_current_generation_and_old_ones_are_pruned(tmp_path):
    seen = []
    for value in ("one", "two", "three"):
        with new_generation(tmp_path, start_from_current=True) as folder:
            previous = folder / "data.txt"
            seen.append(previous.read_text() if previous.exists() else None)
            previous.write_text(value)
    assert seen == [None, "one", "two"]
    generations = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 2  # the current one and the one before it, for readers mid-request
    assert os.readlink(tmp_path / CURRENT) == current_generation(tmp_path).name


def test_a_reader_keeps_its_snapshot_during_a_swap(tmp_path):
    with new_generation(tmp_path, start_from_current=False) as folder:
        (folder / "data.txt").write_text("old")
    opened = current_generation(tmp_path)
    with new_generation(tmp_path, start_from_current=True) as folder:
        (folder / "data.txt").write_text("new")
    assert (opened / "data.txt").read_text() == "old"
    assert (current_generation(tmp_path) / "data.txt").read_text() == "new"
