import os
import subprocess
import sys

import pytest

from dalil.index.stores.faiss_sqlite.generations import CURRENT, current_generation, new_generation, open_generation


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
    assert generations == [current_generation(tmp_path)]  # no reader holds the older ones
    assert os.readlink(tmp_path / CURRENT) == current_generation(tmp_path).name


def test_a_leased_generation_outlives_any_number_of_changes_and_goes_once_released(tmp_path):
    with new_generation(tmp_path, start_from_current=False) as folder:
        (folder / "data.txt").write_text("old")
    opened, lease = open_generation(tmp_path)
    for value in ("new", "newer", "newest"):
        with new_generation(tmp_path, start_from_current=True) as folder:
            (folder / "data.txt").write_text(value)
    assert (opened / "data.txt").read_text() == "old"
    assert (current_generation(tmp_path) / "data.txt").read_text() == "newest"
    assert sorted(p for p in tmp_path.iterdir() if p.name.startswith("gen-")) == sorted([opened, folder])
    lease.release()
    with new_generation(tmp_path, start_from_current=True):
        pass
    assert not opened.exists()


def test_a_lease_held_by_another_process_protects_its_generation_until_that_process_dies(tmp_path):
    with new_generation(tmp_path, start_from_current=False) as folder:
        (folder / "data.txt").write_text("old")
    script = (
        "import sys, time; from pathlib import Path; "
        "from dalil.index.stores.faiss_sqlite.generations import open_generation; "
        "held = open_generation(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)"
    )
    reader = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "held"
        with new_generation(tmp_path, start_from_current=True):
            pass
        assert folder.exists()
    finally:
        reader.kill()
        reader.wait()
    with new_generation(tmp_path, start_from_current=True):
        pass
    assert not folder.exists()
