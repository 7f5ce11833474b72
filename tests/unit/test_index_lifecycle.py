"""Build, reopen, add, update, remove: the index round-trips through disk and stays consistent."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from dalil.index.builder import add_files, build_index, remove_document
from dalil.index.embedders import load_embedder
from dalil.index.loaded import open_index
from dalil.index.manifest import ManifestMismatch
from dalil.index.protocols import IndexUnavailable
from dalil.index.stores.faiss_sqlite import layouts
from dalil.index.stores.faiss_sqlite.generations import current_generation

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"

STORY = (
    "Officials met in Lisbon on Tuesday. They signed a trade agreement worth 3.5 billion euros.\n"
    "The talks lasted two days."
)


def build(settings, *sources):
    return build_index(settings, load_embedder(settings), list(sources))


def test_round_trip_keeps_every_sentence_offset_true(make_settings):
    settings = make_settings()
    report = build(settings, DEMO_ARTICLES)
    assert len(report.added) == 4 and report.problems == []
    loaded = open_index(settings)
    try:
        assert loaded.stats()["documents"] == 4
        assert loaded.stats()["sentences"] == report.sentences > 40
        for info in loaded.list_documents():
            article = loaded.get_document(info.id)
            sentences = loaded.sentences(info.id)
            assert len(sentences) == info.sentences
            assert all(article.text[s.start : s.end] == s.text for s in sentences)
            assert [s.id for s in sentences] == [f"{info.id}:{n}" for n in range(len(sentences))]
    finally:
        loaded.close()


def test_search_finds_the_article_that_holds_the_words(make_settings):
    settings = make_settings()
    build(settings, DEMO_ARTICLES)
    loaded = open_index(settings)
    try:
        passages = loaded.search("مباحثاته في لشبونة", k=3)
        assert any("لشبونة" in p.text for p in passages)
        top = passages[0]
        numbers = [s.n for s in top.sentences]
        assert all(s.doc_id == top.doc_id for s in top.sentences)
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        assert top.text == loaded.get_document(top.doc_id).text[top.start : top.end]
    finally:
        loaded.close()


def test_add_update_and_remove_without_rebuild(make_settings, tmp_path):
    settings = make_settings()
    build(settings, DEMO_ARTICLES)
    embedder = load_embedder(settings)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "lisbon-1", "title": "Talks", "text": STORY}) + "\n")
    report = add_files(settings, embedder, [feed])
    assert report.added == ["lisbon-1"]

    loaded = open_index(settings)
    assert loaded.stats()["documents"] == 5
    assert loaded.search("trade agreement in Lisbon", k=1)[0].doc_id == "lisbon-1"
    loaded.close()

    feed.write_text(json.dumps({"id": "lisbon-1", "title": "Talks", "text": STORY.replace("two", "three")}) + "\n")
    report = add_files(settings, embedder, [feed])
    assert report.replaced == ["lisbon-1"] and report.added == ["lisbon-1"]
    loaded = open_index(settings)
    assert "three days" in loaded.get_document("lisbon-1").text
    assert loaded.stats()["documents"] == 5
    loaded.close()

    remove_document(settings, "lisbon-1")
    loaded = open_index(settings)
    assert loaded.get_document("lisbon-1") is None
    assert loaded.stats()["documents"] == 4
    assert all(p.doc_id != "lisbon-1" for p in loaded.search("trade agreement in Lisbon", k=10))
    loaded.close()


def test_unchanged_article_added_again_is_skipped(make_settings):
    settings = make_settings()
    build(settings, DEMO_ARTICLES)
    report = add_files(settings, load_embedder(settings), [DEMO_ARTICLES])
    assert report.added == [] and report.replaced == []


def test_duplicate_copy_is_recorded_as_alias(make_settings, tmp_path):
    settings = make_settings()
    source = tmp_path / "articles"
    shutil.copytree(DEMO_ARTICLES, source)
    original = sorted(source.glob("*.txt"))[0]
    text = original.read_text(encoding="utf-8")
    (source / "same-text.txt").write_text(text, encoding="utf-8")
    # A wire copy: one word edited and an agency line added.
    (source / "wire-copy.txt").write_text(text.replace("الأربعاء", "الخميس", 1) + "\nرويترز\n", encoding="utf-8")
    report = build(settings, source)
    assert len(report.added) == 4
    assert len(report.aliases) == 1
    assert [p.path.rsplit("/", 1)[-1] for p in report.problems] == ["same-text.txt"]
    loaded = open_index(settings)
    ((alias, canonical),) = report.aliases.items()
    assert {d.id: d.aliases for d in loaded.list_documents()}[canonical] == (alias,)
    loaded.close()


def test_removing_an_unknown_document_changes_nothing(make_settings):
    settings = make_settings()
    build(settings, DEMO_ARTICLES)
    before = current_generation(settings.index_dir)
    with pytest.raises(KeyError, match="no document"):
        remove_document(settings, "nope")
    assert current_generation(settings.index_dir) == before


def test_bad_files_are_reported_and_the_rest_is_indexed(make_settings, tmp_path):
    source = tmp_path / "mixed"
    shutil.copytree(DEMO_ARTICLES, source)
    (source / "broken.txt").write_bytes(b"\xff\xfe\xfa not text \x81")
    (source / "empty.txt").write_text("   \n")
    report = build(make_settings(), source)
    assert len(report.added) == 4
    assert {p.path.rsplit("/", 1)[-1] for p in report.problems} == {"broken.txt", "empty.txt"}


def test_opening_with_another_embedder_is_a_clear_error(make_settings):
    settings = make_settings()
    build(settings, DEMO_ARTICLES)
    with pytest.raises(ManifestMismatch, match="DALIL_EMBEDDER"):
        open_index(settings.model_copy(update={"embedder": "hash:32"}))


def test_missing_index_is_a_clear_error(make_settings):
    settings = make_settings()
    with pytest.raises(IndexUnavailable, match="dalil index build"):
        open_index(settings)
    with pytest.raises(IndexUnavailable, match="dalil index build"):
        add_files(settings, load_embedder(settings), [DEMO_ARTICLES])


def test_a_failed_update_leaves_the_published_index_untouched(make_settings, monkeypatch):
    settings = make_settings()
    build(settings, DEMO_ARTICLES)
    before = current_generation(settings.index_dir)
    embedder = load_embedder(settings)

    def explode(texts):
        raise RuntimeError("embedding backend died")

    monkeypatch.setattr(embedder, "embed_passages", explode)
    with pytest.raises(RuntimeError, match="died"):
        build_index(settings, embedder, [DEMO_ARTICLES])
    assert current_generation(settings.index_dir) == before
    loaded = open_index(settings)
    assert loaded.stats()["documents"] == 4
    loaded.close()


@pytest.mark.parametrize("factory", ["Flat", "HNSW16"])
def test_faiss_factory_from_settings(make_settings, factory):
    settings = make_settings(faiss_factory=factory)
    build(settings, DEMO_ARTICLES)
    remove_document(settings, open_index(settings).list_documents()[0].id)
    loaded = open_index(settings)
    options = loaded.manifest.store_options
    assert (options["faiss_factory"], options["chunks_factory"], options["sentences_factory"]) == (factory,) * 3
    assert loaded.stats()["documents"] == 3
    assert len(loaded.search("الدفاع الجوي", k=3)) == 3
    loaded.close()


def test_sentence_mean_chunk_vectors_are_means_of_their_sentences(make_settings):
    settings = make_settings(chunk_vectors="sentence-mean")
    build(settings, DEMO_ARTICLES)
    loaded = open_index(settings)
    try:
        assert loaded.manifest.chunk_vectors == "sentence-mean"
        passage = loaded.search("الدفاع الجوي", k=1)[0]
        stored = loaded.store.sentence_vectors_by_id([s.id for s in passage.sentences])
        sentence_matrix = np.vstack([stored[s.id] for s in passage.sentences])
        assert len(passage.sentences) > 1 and len({len(s.text) for s in passage.sentences}) > 1
        expected = sentence_matrix.sum(axis=0)
        expected /= np.linalg.norm(expected)
        ((nearest, cosine),) = loaded.store.search_chunks(expected, 1)
        assert nearest == passage.chunk_id
        assert cosine == pytest.approx(1.0, abs=1e-3)  # vectors are stored as float16
    finally:
        loaded.close()


def test_one_sentence_chunks_reuse_the_sentence_vector(make_settings, monkeypatch):
    settings = make_settings(chunk_sentences=1, chunk_overlap=0)
    embedder = load_embedder(settings)
    embedded = []
    original = embedder.embed_passages
    monkeypatch.setattr(embedder, "embed_passages", lambda texts: embedded.extend(texts) or original(texts))
    report = build_index(settings, embedder, [DEMO_ARTICLES])
    assert len(embedded) == report.sentences == report.chunks  # each text embedded once
    loaded = open_index(settings)
    passage = loaded.search("الدفاع الجوي", k=1)[0]
    assert passage.text == passage.sentences[0].text
    loaded.close()


def test_an_interrupted_build_carries_on_where_it_stopped(make_settings, monkeypatch):
    from dalil.index import builder

    monkeypatch.setattr(builder, "BATCH_SENTENCES", 10)  # the demo corpus in several batches
    settings = make_settings()
    embedder = load_embedder(settings)
    calls = []
    original = embedder.embed_passages

    def dies_on_the_third_batch(texts):
        calls.append(len(texts))
        if len(calls) == 3:  # two batches (sentences and chunks in one call each) went through, then it "dies"
            raise KeyboardInterrupt
        return original(texts)

    monkeypatch.setattr(embedder, "embed_passages", dies_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder, [DEMO_ARTICLES])
    with pytest.raises(IndexUnavailable):
        open_index(settings)

    monkeypatch.setattr(embedder, "embed_passages", lambda texts: calls.append(len(texts)) or original(texts))
    embedded_before = sum(calls)
    report = build_index(settings, embedder, [DEMO_ARTICLES])
    assert report.resumed == 2  # the two articles of the finished batches were kept
    assert len(report.added) == 2

    embedded_on_resume = sum(calls) - embedded_before
    clean = make_settings(index_dir=settings.index_dir.parent / "clean")
    clean_embedder, clean_calls = load_embedder(clean), []
    clean_original = clean_embedder.embed_passages
    monkeypatch.setattr(clean_embedder, "embed_passages", lambda t: clean_calls.append(len(t)) or clean_original(t))
    reference = build_index(clean, clean_embedder, [DEMO_ARTICLES])
    assert report.counts == reference.counts
    assert embedded_on_resume < sum(clean_calls)  # the finished batches were not embedded again
    resumed, built = open_index(settings), open_index(clean)
    try:
        question = "ما المشروع الذي تبناه مجلس وزراء دفاع الرابطة؟"
        assert [p.chunk_id for p in resumed.search(question, 5)] == [p.chunk_id for p in built.search(question, 5)]
    finally:
        resumed.close()
        built.close()


def test_a_build_from_scratch_releases_the_embedder_before_writing_the_index_and_an_add_does_not(
    make_settings, tmp_path
):
    settings = make_settings()
    embedder = load_embedder(settings)
    released = []
    embedder.release = lambda: released.append(True)
    build_index(settings, embedder, [DEMO_ARTICLES])
    assert released == [True]
    (tmp_path / "story.txt").write_text(STORY, encoding="utf-8")
    add_files(settings, embedder, [tmp_path / "story.txt"])
    assert released == [True]


def test_a_build_tunes_its_approximate_search_on_question_like_probes_then_frees_the_query_model(
    make_settings, monkeypatch
):
    monkeypatch.setattr(layouts, "EXACT_UP_TO", 10)
    monkeypatch.setattr(layouts, "PROBE_QUERIES", 20)
    settings = make_settings()
    embedder = load_embedder(settings)
    calls = []
    embed_queries = embedder.embed_queries
    monkeypatch.setattr(embedder, "embed_queries", lambda texts: calls.append(len(texts)) or embed_queries(texts))
    monkeypatch.setattr(embedder, "release", lambda: calls.append("released"), raising=False)
    build_index(settings, embedder, [DEMO_ARTICLES])
    assert calls == ["released", 20, "released"]  # the passage model after embedding, the query model after probing
    loaded = open_index(settings)
    try:
        options = loaded.manifest.store_options
        assert options["sentences_factory"].startswith("IVF")
        assert options["sentences_recall@10"].endswith("(question-like probes)")
        assert len(loaded.search("الدفاع الجوي", k=3)) == 3
    finally:
        loaded.close()
