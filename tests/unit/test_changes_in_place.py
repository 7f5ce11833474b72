"""Changes to a published FAISS index are written in place, in proportion to the change: the vector files stay
as they are, a reader keeps its state, the delta is folded into new files now and then, and a writer killed at
any point leaves the last committed state."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from dataclasses import replace

import numpy as np
import pytest

from dalil.index.dedup import fingerprint
from dalil.index.stores.faiss_sqlite import FaissStore, delta
from dalil.index.stores.faiss_sqlite.delta import LiveVectors
from dalil.index.stores.faiss_sqlite.generations import current_generation, open_generation
from dalil.index.stores.faiss_sqlite.vectors import VectorIndex
from dalil.testing.store_contract import ARABIC, EMBEDDER, ENGLISH, THIRD, add, fresh_manifest


def _articles(count, start=0):
    return [
        replace(THIRD, doc_id=f"story-{n}", text=f"Story {n} opened in city {n}. Talks number {n} ended on day {n}.")
        for n in range(start, start + count)
    ]


@pytest.fixture
def store(tmp_path):
    store = FaissStore(tmp_path / "index")
    with store.change(fresh_manifest()) as change:
        for article in [ARABIC, ENGLISH, *_articles(40)]:
            add(change, article)
    return store


def _files(folder):
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if p.suffix == ".faiss"}


def _everything_found(reader):
    """Every sentence is found first by its own vector, and the counts hold."""
    for info in reader.list_documents():
        for sentence in reader.sentences(info.id):
            vector = EMBEDDER.embed_passages([sentence.text])[0]
            assert reader.search_sentences(vector, 1)[0][0] == sentence.id


def test_a_change_writes_in_the_published_generation_and_leaves_the_vector_files_alone(store):
    folder = current_generation(store.root)
    files, before = _files(folder), store.published()
    with store.change() as change:
        add(change, THIRD)
        change.remove_document(ENGLISH.doc_id)
    assert current_generation(store.root) == folder and _files(folder) == files
    assert store.published() != before
    with closing(store.open()) as reader:
        assert reader.published == store.published()
        assert reader.document(THIRD.doc_id) is not None and reader.document(ENGLISH.doc_id) is None
        assert reader.counts()["documents"] == 42 and reader.manifest.counts == reader.counts()
        _everything_found(reader)
        english = EMBEDDER.embed_passages([ENGLISH.text.split(". ")[0]])[0]
        assert all(not sid.startswith(ENGLISH.doc_id) for sid, _ in reader.search_sentences(english, 200))


def test_rowids_are_never_reused_so_a_removed_vector_never_comes_back(store):
    def rowids(doc_id):
        with closing(sqlite3.connect(current_generation(store.root) / "store.sqlite")) as db:
            return [r for (r,) in db.execute("SELECT rowid FROM sentences WHERE doc_id = ?", (doc_id,))]

    highest = rowids("story-39")  # the last article added holds the highest rowids
    with store.change() as change:
        change.remove_document("story-39")
        add(change, replace(THIRD, doc_id="story-39"))
    assert min(rowids("story-39")) > max(highest)
    with store.change() as change:
        change.remove_document("story-39")
    with closing(store.open()) as reader:
        _everything_found(reader)
        assert reader.counts()["sentences"] == len(reader.sentence_vectors)


def test_a_reader_keeps_its_state_while_changes_are_made_and_folded(store, monkeypatch):
    monkeypatch.setattr(delta, "COMPACT_MIN_ROWS", 0)
    early = store.open()
    try:
        with store.change() as change:
            add(change, THIRD)
            change.remove_document(ARABIC.doc_id)
        assert early.document(THIRD.doc_id) is None and early.document(ARABIC.doc_id) is not None
        _everything_found(early)
        with closing(store.open()) as later:
            _everything_found(later)
            assert later.counts()["documents"] == early.counts()["documents"]
    finally:
        early.close()


def test_the_delta_is_folded_into_new_vector_files_and_the_old_ones_go_once_unused(store, monkeypatch):
    folder = current_generation(store.root)
    old = _files(folder)
    with store.change() as change:  # below the threshold: logged only
        add(change, THIRD)
    assert _files(folder) == old
    reading = store.open()
    with closing(sqlite3.connect(folder / "store.sqlite")) as db:
        assert db.execute("SELECT COUNT(*) FROM vector_log").fetchone()[0] > 0

    monkeypatch.setattr(delta, "COMPACT_MIN_ROWS", 0)
    with store.change() as change:
        for article in _articles(5, start=100):
            add(change, article)
    new = _files(folder)
    assert len(new) == 2 and not set(new) & set(old)
    with closing(sqlite3.connect(folder / "store.sqlite")) as db:
        assert db.execute("SELECT COUNT(*) FROM vector_log").fetchone()[0] == 0
    with closing(store.open()) as reader:
        assert reader.counts()["documents"] == 48
        assert len(reader.sentence_vectors.base) == reader.counts()["sentences"]
        _everything_found(reader)
    _everything_found(reading)  # its files were loaded whole; they are gone from disk now
    reading.close()


def test_a_file_leased_by_a_reader_is_kept_until_the_next_change_after_it(store, monkeypatch):
    from dalil.index.stores.faiss_sqlite.generations import Lease, file_lease_name

    folder = current_generation(store.root)
    monkeypatch.setattr(delta, "COMPACT_MIN_ROWS", 0)
    held = Lease(store.root, file_lease_name(folder / "sentences.faiss"))
    with store.change() as change:
        add(change, THIRD)
    assert (folder / "sentences.faiss").exists() and not (folder / "chunks.faiss").exists()
    held.release()
    with store.change() as change:
        change.remove_document(THIRD.doc_id)
    assert not (folder / "sentences.faiss").exists()


def test_an_index_of_the_earlier_format_is_copied_once_then_changed_in_place(store):
    folder = current_generation(store.root)
    with closing(sqlite3.connect(folder / "store.sqlite")) as db:  # as written before changes were in place
        db.executescript(
            "DROP TABLE state; DROP TABLE vector_log; DROP TABLE vector_removed; DROP TABLE fingerprints;"
            "DROP TABLE shingles; ALTER TABLE documents DROP COLUMN author; PRAGMA journal_mode = DELETE;"
        )
    with closing(store.open()) as reader:  # read as it is
        assert reader.counts()["documents"] == 42
        assert reader.document(ARABIC.doc_id).author is None
        _everything_found(reader)
    with store.change() as change:
        assert change.exact_duplicate(fingerprint(ARABIC.text).exact) == ARABIC.doc_id  # fingerprints made
        add(change, THIRD)
    copy = current_generation(store.root)
    assert copy != folder
    with store.change() as change:
        change.remove_document(THIRD.doc_id)
        add(change, replace(_articles(1, start=300)[0], doc_id="signed", author="Aaron Humes"))
    assert current_generation(store.root) == copy
    with closing(store.open()) as reader:
        assert reader.counts()["documents"] == 43 and reader.document("signed").author == "Aaron Humes"
        _everything_found(reader)


@pytest.mark.parametrize("factory", ["Flat", "SQfp16", "HNSW16", "IVF4,Flat", "L2norm,Flat"])
def test_live_vectors_rank_as_an_index_holding_exactly_the_live_rows(factory):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    base = VectorIndex.create(16, factory)
    base.add(list(range(1, 301)), vectors[:300])
    if factory.startswith("IVF"):
        base.index.nprobe = 4  # every list: exact, so the ranking is comparable
    removed = np.arange(1, 301, 3, dtype=np.int64)
    live = LiveVectors(base, np.arange(301, 401, dtype=np.int64), vectors[300:], removed)
    kept = [i for i in range(1, 401) if i not in set(removed.tolist())]
    for query in vectors[:20]:
        scores = np.sort(vectors[np.array(kept) - 1] @ query)[::-1][:10]
        hits = live.search(query, 10)
        assert {rowid for rowid, _ in hits} <= set(kept)  # nothing removed comes back
        assert np.allclose([score for _, score in hits], scores, atol=2e-3)  # float16 storage rounds a little
    assert len(live) == len(kept)
    assert np.allclose(live.reconstruct([2, 350]), vectors[[1, 349]], atol=1e-3)


WRITER = """
import sys, time
from dalil.index.stores.faiss_sqlite import FaissStore, delta, vectors
from dalil.testing.store_contract import THIRD, add

delta.COMPACT_MIN_ROWS = 0
saved = vectors.VectorIndex.save
def save_then_wait(self, path):
    saved(self, path)
    if "{when}" == "folding":
        print("written", flush=True); time.sleep(60)
vectors.VectorIndex.save = save_then_wait
with FaissStore(sys.argv[1]).change() as change:
    change.remove_document("story-3")
    add(change, THIRD)
    if "{when}" == "writing":
        print("written", flush=True); time.sleep(60)
"""


@pytest.mark.parametrize("when", ["writing", "folding"])
def test_a_writer_killed_while_writing_or_folding_leaves_the_last_committed_state(store, when):
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER.replace("{when}", when)), str(store.root)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "written"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    committed = when == "folding"  # the change was committed before its delta was folded
    with closing(store.open()) as reader:
        assert (reader.document(THIRD.doc_id) is not None) is committed
        assert (reader.document("story-3") is None) is committed
        _everything_found(reader)
    with store.change() as change:  # the dead writer holds nothing, and what it left half-made is cleared
        add(change, _articles(1, start=200)[0])
    folder = current_generation(store.root)
    assert not list(folder.glob(".*.faiss")) and len(list(folder.glob("*.faiss"))) == 2
    with closing(store.open()) as reader:
        _everything_found(reader)


def test_opening_retries_when_a_change_replaced_the_file_it_was_about_to_read(store, monkeypatch):
    monkeypatch.setattr(delta, "COMPACT_MIN_ROWS", 0)
    loads = []
    real_load = store._load_base

    def load_after_a_change(path):
        if not loads:  # the first open races a change that folds the delta and removes this file
            with store.change() as change:
                add(change, THIRD)
        loads.append(path.name)
        return real_load(path)

    monkeypatch.setattr(store, "_load_base", load_after_a_change)
    with closing(store.open()) as reader:
        assert reader.document(THIRD.doc_id) is not None
        _everything_found(reader)
    assert open_generation(store.root) is not None
