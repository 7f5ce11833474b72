"""The contract every ``Store`` passes, as a pytest class to inherit (like haystack's document-store test mixins).

A store's own tests subclass ``StoreContract`` and provide one fixture, ``store_settings``: the ``Settings`` of a
new, empty store of that kind. Every test below then runs against it unchanged::

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store_settings(self, tmp_path):
            return Settings(store="my-store", ..., embedder="hash:32")

The articles and vectors are made by dalil's own segmenter, chunker and hashing embedder, so a store is tested on
what it will really be given.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace

import numpy as np
import pytest
from pydantic import SecretStr

from dalil.index.chunking import make_chunks
from dalil.index.dedup import fingerprint
from dalil.index.embedders.hashing import HashEmbedder
from dalil.index.fetched import Fetched, Validators
from dalil.index.jobs import ArticleOutcome, Job
from dalil.index.keys import UnknownKey, split_key
from dalil.index.manifest import Manifest
from dalil.index.normalize import search_terms
from dalil.index.protocols import IndexUnavailable, Store, StoreChange, StoreReader, UnknownDocument
from dalil.index.segment import sentences_for
from dalil.index.stores import load_store
from dalil.index.types import Article
from dalil.settings import Settings

DIM = 32
EMBEDDER = HashEmbedder(dim=DIM)
CHUNK_SENTENCES, CHUNK_OVERLAP = 2, 1

ARABIC = Article(
    doc_id="air-defence",
    title="اتفاق الدفاع الجوي",
    text=(
        "وقع وزير الدفاع الروسي ونظيره الأرميني اتفاقا حول الدفاع الجوي. "
        "ويشمل الاتفاق إنشاء نظام إقليمي موحد في القوقاز.\n"
        "وقال الوزير إن الاتفاق يعزز الأمن. وستبدأ التدريبات المشتركة في الربيع."
    ),
    language="ar",
    source="وكالات",
)
ENGLISH = Article(
    doc_id="border-programme",
    title="Border security programme",
    text=(
        "The ministers adopted a border security programme for 2021 to 2025. "
        "It covers the southern frontier of the alliance.\n"
        "Kazakhstan will host the next summit in Almaty."
    ),
    language="en",
    published="2021-11-09",
)
THIRD = Article(
    doc_id="summit",
    title="Summit in Moscow",
    text="Leaders met in Moscow on Tuesday. Belarus will chair the organisation next year.",
    language="en",
)


def fresh_manifest() -> Manifest:
    return Manifest(embedder=EMBEDDER.name, dim=DIM, chunk_sentences=CHUNK_SENTENCES, chunk_overlap=CHUNK_OVERLAP)


def pieces(article: Article) -> tuple[list, list]:
    """The sentences and chunks the builder makes of ``article``."""
    sentences = sentences_for(article.doc_id, article.text)
    return sentences, make_chunks(article.doc_id, article.text, sentences, CHUNK_SENTENCES, CHUNK_OVERLAP)


def add(change: StoreChange, article: Article) -> None:
    """Add ``article`` the way the builder does: its sentences, chunks and their vectors."""
    sentences, chunks = pieces(article)
    change.add_document(
        article,
        sentences,
        chunks,
        EMBEDDER.embed_passages([s.text for s in sentences]),
        EMBEDDER.embed_passages([c.text for c in chunks]),
    )


class StoreContract:
    """What every store must do; subclasses provide the ``store_settings`` fixture."""

    @pytest.fixture
    def store(self, store_settings: Settings) -> Iterator[Store]:
        store = load_store(store_settings)
        yield store
        if hasattr(store, "close"):  # stores holding connections let them go
            store.close()

    @pytest.fixture
    def filled(self, store: Store) -> Store:
        with store.change(fresh_manifest()) as change:
            add(change, ARABIC)
            add(change, ENGLISH)
        return store

    # ---- nothing published yet --------------------------------------------------------------------

    def test_is_a_store(self, store):
        assert isinstance(store, Store)
        assert isinstance(store.name, str) and store.name

    def test_an_empty_store_has_nothing_to_read_or_change(self, store):
        with pytest.raises(IndexUnavailable):
            store.open()
        with pytest.raises(IndexUnavailable):
            with store.change():
                pass

    # ---- adding ------------------------------------------------------------------------------------

    def test_added_articles_are_read_back_whole(self, filled):
        with closing(filled.open()) as reader:
            assert isinstance(reader, StoreReader)
            (arabic_sentences, arabic_chunks), (english_sentences, english_chunks) = pieces(ARABIC), pieces(ENGLISH)
            assert reader.counts() == {
                "documents": 2,
                "sentences": len(arabic_sentences) + len(english_sentences),
                "chunks": len(arabic_chunks) + len(english_chunks),
                "aliases": 0,
            }
            assert replace(reader.document(ARABIC.doc_id), path=None) == ARABIC
            assert reader.document(ENGLISH.doc_id).published == "2021-11-09"
            assert reader.document("nope") is None
            assert [d.id for d in reader.list_documents()] == sorted([ARABIC.doc_id, ENGLISH.doc_id])
            assert reader.titles([ARABIC.doc_id, "nope"]) == {ARABIC.doc_id: ARABIC.title}
            assert isinstance(reader.location, str) and reader.location

    def test_the_manifest_is_kept_with_the_counts(self, filled):
        with closing(filled.open()) as reader:
            manifest = reader.manifest
            assert (manifest.embedder, manifest.dim) == (EMBEDDER.name, DIM)
            assert (manifest.chunk_sentences, manifest.chunk_overlap) == (CHUNK_SENTENCES, CHUNK_OVERLAP)
            assert manifest.store == filled.name
            assert manifest.counts == reader.counts()

    def test_offsets_round_trip(self, filled):
        with closing(filled.open()) as reader:
            for article in (ARABIC, ENGLISH):
                text = reader.document(article.doc_id).text
                sentences = reader.sentences(article.doc_id)
                assert [s.n for s in sentences] == list(range(len(sentences)))
                assert sentences == sentences_for(article.doc_id, article.text)
                for sentence in sentences:
                    assert text[sentence.start : sentence.end] == sentence.text
                by_id = reader.sentences_by_id([s.id for s in sentences] + ["nope:0"])
                assert by_id == {s.id: s for s in sentences}
                expected = make_chunks(article.doc_id, text, sentences, CHUNK_SENTENCES, CHUNK_OVERLAP)
                chunks = reader.chunks_by_id([c.id for c in expected])
                assert list(chunks.values()) == expected
                for chunk in chunks.values():
                    assert text[chunk.start : chunk.end] == chunk.text

    def test_chunks_of_sentences_follow_the_overlapping_windows(self, filled):
        with closing(filled.open()) as reader:
            sentences = reader.sentences(ARABIC.doc_id)
            holding = reader.chunks_of_sentences([s.id for s in sentences] + ["nope:0"])
            chunks = reader.chunks_by_id([c for ids in holding.values() for c in ids])
            assert set(holding) == {s.id for s in sentences}
            for sentence_id, chunk_ids in holding.items():
                assert chunk_ids and all(sentence_id in chunks[c].sentence_ids for c in chunk_ids)
            assert max(len(ids) for ids in holding.values()) == 2  # an overlap sentence sits in two windows

    # ---- vectors -----------------------------------------------------------------------------------

    def test_vector_search_finds_each_text_by_its_own_vector(self, filled):
        with closing(filled.open()) as reader:
            for sentence in reader.sentences(ENGLISH.doc_id):
                vector = EMBEDDER.embed_passages([sentence.text])[0]
                hits = reader.search_sentences(vector, 3)
                assert len(hits) == 3 and hits[0][0] == sentence.id
                assert hits[0][1] == pytest.approx(1.0, abs=1e-3)
                assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
            chunk = next(iter(reader.chunks_by_id([f"{ARABIC.doc_id}#0"]).values()))
            ((best, cosine),) = reader.search_chunks(EMBEDDER.embed_passages([chunk.text])[0], 1)
            assert best == chunk.id and cosine == pytest.approx(1.0, abs=1e-3)
            assert len(reader.search_chunks(EMBEDDER.embed_queries(["x"])[0], 1000)) == reader.counts()["chunks"]

    def test_stored_sentence_vectors_are_the_given_ones(self, filled):
        with closing(filled.open()) as reader:
            sentences = reader.sentences(ARABIC.doc_id)
            stored = reader.sentence_vectors_by_id([s.id for s in sentences] + ["nope:0"])
            assert set(stored) == {s.id for s in sentences}
            expected = EMBEDDER.embed_passages([s.text for s in sentences])
            np.testing.assert_allclose(np.vstack([stored[s.id] for s in sentences]), expected, atol=1e-3)
            chunks = pieces(ARABIC)[1]
            stored = reader.chunk_vectors_by_id([c.id for c in chunks] + ["nope#0"])
            assert set(stored) == {c.id for c in chunks}
            expected = EMBEDDER.embed_passages([c.text for c in chunks])
            np.testing.assert_allclose(np.vstack([stored[c.id] for c in chunks]), expected, atol=1e-3)

    # ---- lexical search ----------------------------------------------------------------------------

    def test_lexical_search_ranks_chunks_holding_the_terms(self, filled):
        with closing(filled.open()) as reader:
            hits = reader.lexical_search(search_terms("Almaty summit"), 5)
            assert hits and all(score > 0 for _, score in hits)
            top = reader.chunks_by_id([hits[0][0]])[hits[0][0]]
            assert "Almaty" in top.text
            arabic = reader.lexical_search(search_terms("الدفاع الجوي"), 5, language="ar")
            assert arabic and all(chunk.startswith(f"{ARABIC.doc_id}#") for chunk, _ in arabic)
            assert reader.lexical_search(search_terms("الدفاع الجوي"), 5, language="en") == []
            assert reader.lexical_search([], 5) == []

    def test_lexical_search_in_one_language_reaches_past_better_matches_in_another(self, store):
        # Twelve English articles rank above the one Arabic article for the number they share.
        english = [
            Article(f"en-{i}", "Budget", f"The 2024 budget. In 2024 it grew. The 2024 plan {i}.", language="en")
            for i in range(12)
        ]
        arabic = Article("ar-budget", "ميزانية", "أقرت الحكومة ميزانية عام 2024 بعد نقاش طويل.", language="ar")
        with store.change(fresh_manifest()) as change:
            for article in [*english, arabic]:
                add(change, article)
        with closing(store.open()) as reader:
            (year,) = search_terms("2024")
            everywhere = [chunk.split("#")[0] for chunk, _ in reader.lexical_search([year], 50)]
            assert set(everywhere) == {a.doc_id for a in [*english, arabic]}
            assert everywhere[-1] == arabic.doc_id
            assert [chunk.split("#")[0] for chunk, _ in reader.lexical_search([year], 1, language="ar")] == [
                arabic.doc_id
            ]

    def test_term_document_frequency_counts_chunks(self, filled):
        with closing(filled.open()) as reader:
            (almaty,) = search_terms("Almaty")
            frequency = reader.term_document_frequency([almaty, "neverseenterm"])
            every_chunk = reader.search_chunks(EMBEDDER.embed_queries(["x"])[0], 100)
            chunks = reader.chunks_by_id([chunk for chunk, _ in every_chunk])
            holding = sum(almaty in search_terms(c.text) for c in chunks.values())
            assert frequency == {almaty: holding, "neverseenterm": 0}
            assert holding >= 1

    # ---- changing ----------------------------------------------------------------------------------

    def test_upsert_by_id_replaces_the_article_in_one_change(self, filled):
        updated = replace(ENGLISH, text="Kazakhstan will host the next summit in Astana. The date is not set.")
        with filled.change() as change:
            assert change.document(ENGLISH.doc_id).text == ENGLISH.text
            change.remove_document(ENGLISH.doc_id)
            add(change, updated)
            assert change.document(ENGLISH.doc_id).text == updated.text
        with closing(filled.open()) as reader:
            assert reader.document(ENGLISH.doc_id).text == updated.text
            assert [s.text for s in reader.sentences(ENGLISH.doc_id)] == [
                "Kazakhstan will host the next summit in Astana.",
                "The date is not set.",
            ]
            assert reader.counts()["documents"] == 2
            (almaty,) = search_terms("Almaty")
            assert reader.lexical_search([almaty], 5) == []

    def test_remove_takes_everything_of_the_article(self, filled):
        with filled.change() as change:
            change.add_alias("wire-copy", ARABIC.doc_id, "wire.txt")
        with closing(filled.open()) as reader:
            old_sentences = reader.sentences(ARABIC.doc_id)
        with filled.change() as change:
            change.remove_document(ARABIC.doc_id)
            with pytest.raises(UnknownDocument):
                change.remove_document("nope")
        english_sentences, english_chunks = pieces(ENGLISH)
        with closing(filled.open()) as reader:
            assert reader.document(ARABIC.doc_id) is None
            assert reader.canonical_id("wire-copy") is None
            assert reader.sentences(ARABIC.doc_id) == []
            assert reader.sentences_by_id([s.id for s in old_sentences]) == {}
            assert reader.sentence_vectors_by_id([s.id for s in old_sentences]) == {}
            assert reader.lexical_search(search_terms("الدفاع الجوي"), 5) == []
            everything = reader.search_sentences(EMBEDDER.embed_queries(["x"])[0], 1000)
            assert sorted(sid for sid, _ in everything) == sorted(s.id for s in english_sentences)
            for removed in old_sentences:  # no stale vector takes a place among the k nearest
                vector = EMBEDDER.embed_passages([removed.text])[0]
                assert len(reader.search_sentences(vector, len(english_sentences))) == len(english_sentences)
                assert len(reader.search_chunks(vector, len(english_chunks))) == len(english_chunks)
            assert reader.counts() == {
                "documents": 1,
                "sentences": len(english_sentences),
                "chunks": len(english_chunks),
                "aliases": 0,
            }

    def test_aliases_lead_to_their_article(self, filled):
        with filled.change() as change:
            change.add_alias("wire-copy", ARABIC.doc_id, "wire.txt")
            assert change.canonical_id("wire-copy") == ARABIC.doc_id
        with closing(filled.open()) as reader:
            assert reader.canonical_id("wire-copy") == ARABIC.doc_id
            assert reader.canonical_id(ARABIC.doc_id) == ARABIC.doc_id
            assert reader.canonical_id("nope") is None
            listed = {d.id: d for d in reader.list_documents()}
            assert listed[ARABIC.doc_id].aliases == ("wire-copy",)
            assert listed[ENGLISH.doc_id].aliases == ()
            assert reader.counts()["aliases"] == 1

    def test_a_fresh_change_replaces_everything(self, filled):
        with filled.change(fresh_manifest()) as change:
            assert change.counts()["documents"] == 0
            add(change, THIRD)
        with closing(filled.open()) as reader:
            assert [d.id for d in reader.list_documents()] == [THIRD.doc_id]

    def test_fingerprints_follow_the_articles_for_deduplication(self, filled):
        arabic = fingerprint(ARABIC.text)
        with filled.change() as change:
            assert change.exact_duplicate(arabic.exact) == ARABIC.doc_id
            shared = {doc_id: (overlap, size) for doc_id, overlap, size in change.shared_shingles(arabic.shingles)}
            assert shared[ARABIC.doc_id] == (len(arabic.shingles), len(arabic.shingles))
            assert ENGLISH.doc_id not in shared
            change.remove_document(ARABIC.doc_id)
            assert change.exact_duplicate(arabic.exact) is None
            assert change.shared_shingles(arabic.shingles) == []
            add(change, THIRD)
            third = fingerprint(THIRD.text)
            assert change.exact_duplicate(third.exact) == THIRD.doc_id
        with filled.change() as change:  # kept with the change that made them
            assert change.exact_duplicate(third.exact) == THIRD.doc_id
            assert change.exact_duplicate(arabic.exact) is None

    # ---- atomic publishing -------------------------------------------------------------------------

    def test_a_change_is_seen_whole_or_not_at_all(self, filled):
        with filled.change() as change:
            add(change, THIRD)
            with closing(filled.open()) as during:
                assert during.document(THIRD.doc_id) is None
                assert during.counts()["documents"] == 2
        with closing(filled.open()) as after:
            assert after.document(THIRD.doc_id) is not None
            assert after.counts()["documents"] == 3

    def test_a_failed_change_publishes_nothing_and_the_store_goes_on(self, filled):
        with pytest.raises(RuntimeError, match="writer failed"):
            with filled.change() as change:
                add(change, THIRD)
                change.remove_document(ENGLISH.doc_id)
                raise RuntimeError("writer failed")
        with closing(filled.open()) as reader:
            assert reader.document(THIRD.doc_id) is None
            assert reader.document(ENGLISH.doc_id) is not None
        with filled.change() as change:
            add(change, THIRD)
        with closing(filled.open()) as reader:
            assert reader.counts()["documents"] == 3

    def test_a_writer_killed_mid_change_leaves_the_last_state(self, filled, store_settings):
        # A separate process opens a change, writes into it, says so, and waits to be killed.
        script = textwrap.dedent(
            """
            import sys, time
            from dalil.index.stores import load_store
            from dalil.settings import Settings
            from dalil.testing.store_contract import THIRD, add

            store = load_store(Settings.model_validate_json(sys.argv[1]))
            with store.change() as change:
                change.remove_document("border-programme")
                add(change, THIRD)
                print("written", flush=True)
                time.sleep(60)
            """
        )
        _kill_once_written(script, store_settings)
        with closing(filled.open()) as reader:
            assert {d.id for d in reader.list_documents()} == {ARABIC.doc_id, ENGLISH.doc_id}
            assert reader.document(THIRD.doc_id) is None
        with filled.change() as change:  # the dead writer holds nothing
            add(change, THIRD)
        with closing(filled.open()) as reader:
            assert reader.counts()["documents"] == 3

    def test_an_interrupted_build_is_taken_up_again_from_its_last_checkpoint(self, store, store_settings):
        script = textwrap.dedent(
            """
            import sys, time
            from dalil.index.stores import load_store
            from dalil.settings import Settings
            from dalil.testing.store_contract import ARABIC, ENGLISH, THIRD, add, fresh_manifest

            store = load_store(Settings.model_validate_json(sys.argv[1]))
            with store.change(fresh_manifest(), resume="build-1") as change:
                add(change, ARABIC)
                add(change, ENGLISH)
                change.checkpoint()
                add(change, THIRD)  # written, never checkpointed
                print("written", flush=True)
                time.sleep(60)
            """
        )
        _kill_once_written(script, store_settings)
        with pytest.raises(IndexUnavailable):  # nothing was published
            store.open()
        with store.change(fresh_manifest(), resume="build-1") as change:
            assert change.counts()["documents"] == 2
            assert change.document(THIRD.doc_id) is None
            add(change, THIRD)
        with closing(store.open()) as reader:
            assert {d.id for d in reader.list_documents()} == {ARABIC.doc_id, ENGLISH.doc_id, THIRD.doc_id}
            every = reader.search_sentences(EMBEDDER.embed_queries(["x"])[0], 1000)
            assert (
                len(every) == reader.counts()["sentences"] == sum(len(pieces(a)[0]) for a in (ARABIC, ENGLISH, THIRD))
            )
        with store.change(fresh_manifest(), resume="build-2") as change:  # another key starts from nothing
            assert change.counts()["documents"] == 0
            add(change, ARABIC)

    # ---- API keys ----------------------------------------------------------------------------------

    def test_a_key_is_shown_once_and_verified_by_its_secret(self, store):
        keys = store.keys()
        record, key = keys.create("newsroom CMS", "write")
        assert key.startswith("dalil_") and record.scope == "write" and record.name == "newsroom CMS"
        assert keys.verify(key) == record
        assert keys.list() == [record]
        # The whole secret: it may itself hold "_", so a split on the last one could leave a fragment of 1 character.
        assert split_key(key)[1] not in repr(keys.list())
        for wrong in (key[:-1] + ("A" if key[-1] != "A" else "B"), "dalil_", "Bearer " + key, "", key + "x"):
            assert keys.verify(wrong) is None

    def test_scopes_include_the_smaller_ones(self, store):
        read, _ = store.keys().create("widget", "read")
        admin, _ = store.keys().create("ops", "admin")
        assert read.allows("read") and not read.allows("write") and not read.allows("admin")
        assert admin.allows("read") and admin.allows("write") and admin.allows("admin")
        with pytest.raises(ValueError, match="scope is one of read, write, admin"):
            store.keys().create("x", "root")

    def test_a_revoked_key_no_longer_verifies_and_keys_outlive_a_rebuild(self, filled):
        keep, kept_key = filled.keys().create("kept", "read")
        gone, gone_key = filled.keys().create("gone", "write")
        assert filled.keys().revoke("gone").revoked is not None
        assert filled.keys().verify(gone_key) is None
        with pytest.raises(UnknownKey):
            filled.keys().revoke("gone")  # already revoked
        with pytest.raises(UnknownKey):
            filled.keys().revoke("nobody")
        with filled.change(fresh_manifest()) as change:
            add(change, THIRD)
        assert filled.keys().verify(kept_key) == keep
        assert filled.keys().revoke(keep.id).id == keep.id

    # ---- write jobs --------------------------------------------------------------------------------

    def test_a_job_is_kept_as_last_saved_and_outlives_a_rebuild(self, filled):
        job = Job("job-1", "add", 2)
        filled.jobs().save(job)
        assert filled.jobs().get("job-1") == job
        job.status, job.done = "done", 2
        job.outcomes = [ArticleOutcome("0", "indexed", "a"), ArticleOutcome("1", "rejected", None, "empty")]
        filled.jobs().save(job)
        with filled.change(fresh_manifest()) as change:
            add(change, THIRD)
        assert filled.jobs().get("job-1") == job
        assert filled.jobs().get("nope") is None

    # ---- fetched web pages -------------------------------------------------------------------------

    def test_fetched_pages_are_remembered_and_outlive_a_rebuild(self, filled):
        page = Fetched("https://news.example/a", "https://news.example/a", "text/html", b"<p>a</p>", '"v1"', None)
        fetched = filled.fetched()
        assert fetched.validators(page.url) is None and not fetched.unchanged(page)
        fetched.remember([page, replace(page, url="https://news.example/b", not_modified=True, body=b"")])
        with filled.change(fresh_manifest()) as change:
            add(change, THIRD)
        assert filled.fetched().validators(page.url) == Validators('"v1"', None)
        assert filled.fetched().validators("https://news.example/b") is None  # a 304 has no body to remember
        assert filled.fetched().unchanged(page) and not filled.fetched().unchanged(replace(page, body=b"<p>b</p>"))
        filled.fetched().remember([replace(page, etag='"v2"', body=b"<p>b</p>")])
        assert filled.fetched().validators(page.url) == Validators('"v2"', None)


def _kill_once_written(script: str, store_settings) -> None:
    """Run ``script`` (given the settings as JSON) in another process and SIGKILL it once it prints "written"."""
    writer = subprocess.Popen(
        [sys.executable, "-c", script, _revealed_json(store_settings)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert writer.stdout.readline().strip() == "written"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)


def _revealed_json(settings: Settings) -> str:
    """The settings as JSON for another process, secrets (a database URL's password) included."""
    data = settings.model_dump(mode="json")
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            data[name] = value.get_secret_value()
    return json.dumps(data)
