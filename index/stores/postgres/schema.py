"""The PostgreSQL store's schema, as numbered migrations applied in order by ``dalil store migrate``.

Every row of the index carries the generation (``gen``) it belongs to. A build writes a new generation beside
the published one and publishes it by changing ``dalil_state.gen``; a later change writes into the published
generation in one transaction. Readers read ``dalil_state`` first, in a repeatable-read transaction, and see
one generation as of one commit. API keys and write jobs belong to no generation: rebuilds keep them.

A migration is only ever added, never edited: a database records the ones it has (``dalil_migrations``).
"""

from __future__ import annotations

import psycopg

from dalil.index.protocols import IndexUnavailable

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE dalil_state (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        gen bigint,                       -- the published generation; NULL before the first build
        version bigint NOT NULL DEFAULT 0 -- counts published changes: the store's published() token
    );
    INSERT INTO dalil_state (only_row) VALUES (true);
    CREATE SEQUENCE dalil_generations;
    CREATE TABLE builds (
        gen bigint PRIMARY KEY,
        resume text,                      -- a build's key, to take it up after its writer died
        manifest jsonb NOT NULL,
        counts jsonb NOT NULL DEFAULT '{}',
        chunk_terms bigint NOT NULL DEFAULT 0, -- search terms in all chunks: BM25's average chunk length
        updated text
    );
    CREATE TABLE documents (
        gen bigint NOT NULL,
        seq bigserial,                    -- the order articles were indexed in
        id text NOT NULL,
        title text NOT NULL,
        text text NOT NULL,
        path text, url text, published text, source text,
        language text NOT NULL,
        author text,
        PRIMARY KEY (gen, id)
    );
    CREATE TABLE sentences (
        gen bigint NOT NULL,
        id text NOT NULL,
        doc_id text NOT NULL,
        n integer NOT NULL,
        start integer NOT NULL,
        "end" integer NOT NULL,
        text text NOT NULL,
        embedding halfvec NOT NULL,
        PRIMARY KEY (gen, id)
    );
    CREATE INDEX sentences_doc ON sentences (gen, doc_id, n);
    CREATE TABLE chunks (
        gen bigint NOT NULL,
        id text NOT NULL,
        doc_id text NOT NULL,
        n integer NOT NULL,
        start integer NOT NULL,
        "end" integer NOT NULL,
        text text NOT NULL,
        sentence_ids text[] NOT NULL,
        language text NOT NULL,
        -- dalil's own search terms (normalize.search_terms) with their positions, as tsvector text: PostgreSQL
        -- keeps them as they are, so lexical search matches exactly what the file store matches.
        term_positions text NOT NULL,
        terms tsvector GENERATED ALWAYS AS (term_positions::tsvector) STORED,
        length integer NOT NULL,
        embedding halfvec NOT NULL,
        PRIMARY KEY (gen, id)
    );
    CREATE INDEX chunks_doc ON chunks (gen, doc_id, n);
    CREATE INDEX chunks_terms ON chunks USING gin (terms);
    CREATE TABLE term_counts (
        gen bigint NOT NULL, term text NOT NULL, chunks integer NOT NULL, PRIMARY KEY (gen, term)
    );
    CREATE TABLE aliases (
        gen bigint NOT NULL, alias_id text NOT NULL, doc_id text NOT NULL, path text, PRIMARY KEY (gen, alias_id)
    );
    CREATE INDEX aliases_doc ON aliases (gen, doc_id);
    CREATE TABLE fingerprints (
        gen bigint NOT NULL, doc_id text NOT NULL, exact bytea NOT NULL, size integer NOT NULL,
        PRIMARY KEY (gen, doc_id)
    );
    CREATE INDEX fingerprints_exact ON fingerprints (gen, exact);
    CREATE TABLE shingles (
        gen bigint NOT NULL, hash bigint NOT NULL, doc_id text NOT NULL, PRIMARY KEY (gen, hash, doc_id)
    );
    CREATE TABLE api_keys (
        id text PRIMARY KEY, name text NOT NULL, scope text NOT NULL, digest text NOT NULL, created text NOT NULL,
        revoked text
    );
    CREATE TABLE write_jobs (seq bigserial PRIMARY KEY, id text UNIQUE NOT NULL, record jsonb NOT NULL);
    """,
    """
    CREATE TABLE fetched_pages (
        url text PRIMARY KEY, etag text, last_modified text, body_sha256 text NOT NULL, fetched timestamptz NOT NULL
    );
    """,
    # Lexical search from postings instead of each chunk's tsvector: a question's terms are found in one index,
    # without reading every chunk that holds a common word (measured in bench/postgres.py).
    """
    CREATE SEQUENCE chunk_keys;
    ALTER TABLE chunks ADD COLUMN key bigint NOT NULL DEFAULT nextval('chunk_keys');
    CREATE UNIQUE INDEX chunks_key ON chunks (key);
    CREATE TABLE chunk_terms (
        gen bigint NOT NULL,
        term text NOT NULL,
        chunk bigint NOT NULL,            -- chunks.key
        tf integer NOT NULL,              -- the term's frequency in the chunk
        length integer NOT NULL,          -- the chunk's number of terms
        language text NOT NULL,
        PRIMARY KEY (gen, term, chunk) INCLUDE (tf, length, language)
    );
    INSERT INTO chunk_terms
        SELECT c.gen, u.lexeme, c.key, cardinality(u.positions), c.length, c.language FROM chunks c, unnest(c.terms) u;
    CREATE INDEX chunk_terms_chunk ON chunk_terms (chunk);
    ALTER TABLE chunks DROP COLUMN terms, DROP COLUMN term_positions;
    """,
)
LATEST = len(MIGRATIONS)
# Taken by `dalil store migrate` so that two of them never apply the same migration at once.
MIGRATION_LOCK = 0x64616C696C01


class SchemaBehind(IndexUnavailable):
    """The database's schema is older (or newer) than this dalil's."""


def applied(db: psycopg.Connection) -> int:
    """How many migrations the database has (0 for a database dalil never touched)."""
    if db.execute("SELECT to_regclass('dalil_migrations')").fetchone()[0] is None:
        return 0
    return db.execute("SELECT COALESCE(MAX(number), 0) FROM dalil_migrations").fetchone()[0]


def migrate(db: psycopg.Connection) -> list[int]:
    """Apply the migrations the database lacks, all in one transaction; returns their numbers."""
    done = []
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.execute("CREATE TABLE IF NOT EXISTS dalil_migrations (number integer PRIMARY KEY, applied timestamptz)")
        for number, sql in enumerate(MIGRATIONS, start=1):
            if number > applied(db):
                db.execute(sql)
                db.execute("INSERT INTO dalil_migrations VALUES (%s, now())", (number,))
                done.append(number)
    return done


def check(db: psycopg.Connection, where: str) -> None:
    """``SchemaBehind`` with what to run, unless the database has exactly this dalil's migrations."""
    have = applied(db)
    if have < LATEST:
        raise SchemaBehind(
            f"the database at {where} has {have} of dalil's {LATEST} schema migrations: "
            "run `dalil store migrate` (with the same DALIL_DATABASE_URL)"
        )
    if have > LATEST:
        raise SchemaBehind(
            f"the database at {where} was migrated by a newer dalil ({have} migrations, this one knows {LATEST}): "
            "upgrade dalil on this machine"
        )
