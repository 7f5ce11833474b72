"""The PostgreSQL store passes the store contract against a real server, plus what is particular to it."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import numpy as np
import psycopg
import pytest

from dalil.index.normalize import search_terms
from dalil.index.protocols import IndexUnavailable
from dalil.index.stores.copy import copy_index
from dalil.index.stores.faiss_sqlite import FaissStore
from dalil.index.stores.postgres import PostgresStore
from dalil.index.stores.postgres.connection import Database
from dalil.index.stores.postgres.schema import LATEST, SchemaBehind
from dalil.settings import Settings
from dalil.testing.postgres import end_every_session
from dalil.testing.store_contract import ARABIC, EMBEDDER, ENGLISH, THIRD, StoreContract, add, fresh_manifest

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store_settings(self, tmp_path, postgres_url):
        settings = Settings(
            index_dir=tmp_path / "index", store="postgres", database_url=postgres_url, embedder="hash:32"
        )
        store = PostgresStore.from_settings(settings)
        store.migrate()
        store.close()
        return settings


@pytest.fixture
def fresh_database(postgres_url, tmp_path):
    """A PostgreSQL store on an empty database (no migration applied)."""
    store = PostgresStore(postgres_url)
    yield store
    store.close()


def test_a_database_without_the_schema_says_what_to_run(fresh_database):
    assert fresh_database.published() is None
    with pytest.raises(SchemaBehind, match=r"0 of dalil's \d+ schema migrations: run `dalil store migrate`"):
        fresh_database.open()
    with pytest.raises(SchemaBehind, match="dalil store migrate"):
        with fresh_database.change(fresh_manifest()):
            pass
    assert fresh_database.migrate() == list(range(1, LATEST + 1))
    assert fresh_database.migrate() == []  # safe to run again
    with pytest.raises(IndexUnavailable, match="dalil index build"):
        fresh_database.open()


def test_a_database_migrated_by_a_newer_dalil_is_refused(fresh_database, postgres_url):
    fresh_database.migrate()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("INSERT INTO dalil_migrations VALUES (%s, now())", (LATEST + 1,))
    with pytest.raises(SchemaBehind, match="newer dalil"):
        fresh_database.open()


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    database = Database(f"postgresql://dalil:hunter2@/dalil?host={tmp_path}/nothing-here", 2, timeout_s=0.5)
    with pytest.raises(IndexUnavailable, match="cannot be reached") as raised:
        database.take()
    assert "hunter2" not in str(raised.value) and f"host={tmp_path}/nothing-here" in str(raised.value)
    database.close()


def test_the_store_needs_a_database_url(tmp_path):
    with pytest.raises(ValueError, match="DALIL_DATABASE_URL"):
        PostgresStore.from_settings(Settings(store="postgres", index_dir=tmp_path))


@pytest.fixture
def both(tmp_path, postgres_url):
    """The same three articles in the file store and in PostgreSQL."""
    faiss = FaissStore(tmp_path / "index")
    postgres = PostgresStore(postgres_url)
    postgres.migrate()
    for store in (faiss, postgres):
        with store.change(fresh_manifest()) as change:
            for article in (ARABIC, ENGLISH, THIRD):
                add(change, article)
    yield faiss, postgres
    postgres.close()


@pytest.mark.parametrize("query", ["Almaty summit", "الدفاع الجوي الروسي", "Moscow leaders", "2021 2025 border"])
def test_bm25_ranks_and_scores_as_the_file_store_does(both, query):
    with closing(both[0].open()) as faiss, closing(both[1].open()) as postgres:
        expected = faiss.lexical_search(search_terms(query), 10)
        found = postgres.lexical_search(search_terms(query), 10)
        assert expected
        assert [chunk for chunk, _ in found] == [chunk for chunk, _ in expected]
        assert [score for _, score in found] == pytest.approx([score for _, score in expected], rel=1e-4)
        terms = search_terms(query) + ["neverseen"]
        assert postgres.term_document_frequency(terms) == faiss.term_document_frequency(terms)


def test_bm25_statistics_follow_changes_in_place(both):
    faiss, postgres = both
    for store in (faiss, postgres):
        with store.change() as change:
            change.remove_document(ENGLISH.doc_id)
            add(change, ENGLISH)  # the same article again: its terms taken away, then counted again
            change.remove_document(THIRD.doc_id)
    with closing(faiss.open()) as a, closing(postgres.open()) as b:
        for query in ("Almaty summit", "Moscow leaders", "الدفاع الجوي"):
            terms = search_terms(query)
            assert [c for c, _ in b.lexical_search(terms, 10)] == [c for c, _ in a.lexical_search(terms, 10)]
            assert [s for _, s in b.lexical_search(terms, 10)] == pytest.approx(
                [s for _, s in a.lexical_search(terms, 10)], rel=1e-4
            )
            assert b.term_document_frequency(terms) == a.term_document_frequency(terms)


def test_an_index_is_copied_between_stores_with_its_vectors(both, tmp_path, postgres_url):
    faiss, postgres = both
    with faiss.change() as change:
        change.add_alias("wire-copy", ARABIC.doc_id, None)
    with closing(faiss.open()) as source:
        counts = copy_index(source, postgres)
        assert counts == source.counts()
    with closing(faiss.open()) as source, closing(postgres.open()) as copied:
        assert copied.list_documents() == source.list_documents()
        for info in source.list_documents():
            assert copied.document(info.id) == source.document(info.id)
            sentences = source.sentences(info.id)
            assert copied.sentences(info.id) == sentences
            ids = [s.id for s in sentences]
            a, b = source.sentence_vectors_by_id(ids), copied.sentence_vectors_by_id(ids)
            np.testing.assert_allclose(np.vstack([b[i] for i in ids]), np.vstack([a[i] for i in ids]), atol=1e-3)
        vector = EMBEDDER.embed_queries(["Kazakhstan summit"])[0]
        assert [c for c, _ in copied.search_chunks(vector, 5)] == [c for c, _ in source.search_chunks(vector, 5)]
        assert copied.canonical_id("wire-copy") == ARABIC.doc_id
        assert copied.manifest.embedder == source.manifest.embedder and copied.manifest.store == "postgres"


def test_a_build_leaves_no_rows_of_the_generation_it_replaced(both, postgres_url):
    _, postgres = both
    with postgres.change(fresh_manifest()) as change:
        add(change, THIRD)
    with psycopg.connect(postgres_url) as db:
        (gen,) = db.execute("SELECT gen FROM dalil_state").fetchone()
        for table in ("documents", "sentences", "chunks", "term_counts", "fingerprints", "shingles", "builds"):
            assert db.execute(f"SELECT count(*) FROM {table} WHERE gen <> %s", (gen,)).fetchone()[0] == 0


def test_one_snapshot_answers_many_threads_at_once(both):
    _, postgres = both
    with closing(postgres.open()) as reader:
        vectors = [EMBEDDER.embed_queries([q])[0] for q in ("Almaty", "summit", "الدفاع", "Moscow")]
        expected = [reader.search_sentences(v, 3) for v in vectors]
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(lambda i: reader.search_sentences(vectors[i % 4], 3), range(200)))
        assert found == [expected[i % 4] for i in range(200)]


def test_the_store_commands_migrate_and_copy(tmp_path, postgres_url):
    from typer.testing import CliRunner

    from dalil.cli import app

    env = {"DALIL_STORE": "postgres", "DALIL_DATABASE_URL": postgres_url, "DALIL_EMBEDDER": "hash:32"}
    runner = CliRunner(env=env)
    assert "applied migrations 1, 2" in runner.invoke(app, ["store", "migrate"]).output
    assert "up to date" in runner.invoke(app, ["store", "migrate"]).output
    faiss = FaissStore(tmp_path / "index")
    with faiss.change(fresh_manifest()) as change:
        for article in (ARABIC, ENGLISH, THIRD):
            add(change, article)
    copied = runner.invoke(app, ["store", "copy", "--from", f"faiss:{tmp_path / 'index'}", "--to", "postgres"])
    assert copied.exit_code == 0 and "copied 3 articles" in copied.output, copied.output
    store = PostgresStore(postgres_url)
    with closing(store.open()) as reader:
        assert {d.id for d in reader.list_documents()} == {ARABIC.doc_id, ENGLISH.doc_id, THIRD.doc_id}
    store.close()
    wrong = runner.invoke(app, ["store", "copy", "--from", "sqlite:x", "--to", "postgres"])
    assert wrong.exit_code == 1 and "unknown store 'sqlite:x'" in wrong.output
    nothing = CliRunner(env={"DALIL_STORE": "faiss"}).invoke(app, ["store", "migrate"])
    assert nothing.exit_code == 1 and "nothing to migrate" in nothing.output


def test_a_snapshot_that_lost_its_connection_says_so_and_a_new_one_opens(both, postgres_url):
    _, postgres = both
    reader = postgres.open()
    vector = EMBEDDER.embed_queries(["Almaty"])[0]
    expected = reader.search_sentences(vector, 3)
    end_every_session(postgres_url)
    with pytest.raises(IndexUnavailable, match="connection to the database .* was lost"):
        reader.search_sentences(vector, 3)
    assert reader.published != postgres.published()  # so a service following the store opens the state again
    reader.close()
    with closing(postgres.open()) as again:
        assert again.search_sentences(vector, 3) == expected
