import os
import subprocess
import sys

import pytest

from dalil.index.stores.faiss_sqlite.generations import (
    CURRENT,
    changed_generation,
    current_generation,
    new_generation,
    open_generation,
)


def copied(root):
    return changed_generation(root, in_place=lambda folder: False)


def test_no_index_means_no_generation(tmp_path):
    assert current_generation(tmp_path / "nowhere") is None


def test_a_generation_is_published_only_when_the_block_succeeds(tmp_path):
    with new_generation(tmp_path) as folder:
        (folder / "data.txt").write_text("one")
        assert current_generation(tmp_path) is None  # not visible while being written
    assert (current_generation(tmp_path) / "data.txt").read_text() == "one"

    with pytest.raises(RuntimeError):
        with copied(tmp_path) as folder:
            (folder / "data.txt").write_text("half-written")
            raise RuntimeError("crash in the middle of an update")
    assert (current_generation(tmp_path) / "data.txt").read_text() == "one"
    assert not folder.exists()


def test_updates_start_from_the_current_generation_and_old_ones_are_pruned(tmp_path):
    with new_generation(tmp_path):
        pass
    seen = []
    for value in ("one", "two", "three"):
        with copied(tmp_path) as folder:
            previous = folder / "data.txt"
            seen.append(previous.read_text() if previous.exists() else None)
            previous.write_text(value)
    assert seen == [None, "one", "two"]
    generations = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert generations == [current_generation(tmp_path)]  # no reader holds the older ones
    assert os.readlink(tmp_path / CURRENT) == current_generation(tmp_path).name


def test_a_change_in_place_writes_in_the_published_generation_and_prunes_older_ones(tmp_path):
    with new_generation(tmp_path) as first:
        (first / "data.txt").write_text("one")
    _, lease = open_generation(tmp_path)
    with copied(tmp_path) as second:
        (second / "data.txt").write_text("two")
    assert first.exists()  # leased
    lease.release()
    with changed_generation(tmp_path, in_place=lambda folder: folder == second) as folder:
        assert folder == second
        (folder / "data.txt").write_text("three")
    assert current_generation(tmp_path) == second and (second / "data.txt").read_text() == "three"
    assert not first.exists()


def test_a_change_needs_a_published_generation(tmp_path):
    with pytest.raises(FileNotFoundError):
        with copied(tmp_path):
            pass


def test_a_leased_generation_outlives_any_number_of_changes_and_goes_once_released(tmp_path):
    with new_generation(tmp_path) as folder:
        (folder / "data.txt").write_text("old")
    opened, lease = open_generation(tmp_path)
    for value in ("new", "newer", "newest"):
        with copied(tmp_path) as folder:
            (folder / "data.txt").write_text(value)
    assert (opened / "data.txt").read_text() == "old"
    assert (current_generation(tmp_path) / "data.txt").read_text() == "newest"
    assert sorted(p for p in tmp_path.iterdir() if p.name.startswith("gen-")) == sorted([opened, folder])
    lease.release()
    with copied(tmp_path):
        pass
    assert not opened.exists()


def test_a_lease_held_by_another_process_protects_its_generation_until_that_process_dies(tmp_path):
    with new_generation(tmp_path) as folder:
        (folder / "data.txt").write_text("old")
    script = (
        "import sys, time; from pathlib import Path; "
        "from dalil.index.stores.faiss_sqlite.generations import open_generation; "
        "held = open_generation(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)"
    )
    reader = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "held"
        with copied(tmp_path):
            pass
        assert folder.exists()
    finally:
        reader.kill()
        reader.wait()
    with copied(tmp_path):
        pass
    assert not folder.exists()
