"""API keys, write jobs and fetched pages' validators in the store's database: outside every generation, so
rebuilds keep them, and seen by every replica at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from psycopg.types.json import Jsonb

from dalil.index.fetched import Fetched, Validators
from dalil.index.jobs import Job, job_from_record
from dalil.index.keys import SqlKeys
from dalil.index.stores.postgres.connection import Database
from dalil.index.web.seen import digest, to_remember

KEPT_JOBS = 1000


class PostgresKeys(SqlKeys):
    placeholder = "%s"

    def __init__(self, database: Database) -> None:
        self.database = database

    def transaction(self):
        return self.database.connection()


class PostgresJobs:
    def __init__(self, database: Database) -> None:
        self.database = database

    def save(self, job: Job) -> None:
        with self.database.connection() as db:
            db.execute(
                "INSERT INTO write_jobs (id, record) VALUES (%s, %s)"
                " ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
                (job.id, Jsonb(asdict(job))),
            )
            db.execute("DELETE FROM write_jobs WHERE seq <= (SELECT MAX(seq) FROM write_jobs) - %s", (KEPT_JOBS,))

    def get(self, job_id: str) -> Job | None:
        with self.database.connection() as db:
            row = db.execute("SELECT record FROM write_jobs WHERE id = %s", (job_id,)).fetchone()
        return None if row is None else job_from_record(row[0])


class PostgresFetchedPages:
    def __init__(self, database: Database) -> None:
        self.database = database

    def _row(self, columns: str, url: str) -> tuple | None:
        with self.database.connection() as db:
            return db.execute(f"SELECT {columns} FROM fetched_pages WHERE url = %s", (url,)).fetchone()

    def validators(self, url: str) -> Validators | None:
        row = self._row("etag, last_modified", url)
        return Validators(*row) if row else None

    def unchanged(self, fetched: Fetched) -> bool:
        row = self._row("body_sha256", fetched.url)
        return row is not None and row[0] == digest(fetched.body)

    def remember(self, pages: Iterable[Fetched]) -> None:
        rows = to_remember(pages)
        if not rows:
            return
        with self.database.connection() as db, db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO fetched_pages VALUES (%s, %s, %s, %s, now()) ON CONFLICT (url) DO UPDATE SET"
                " etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,"
                " body_sha256 = EXCLUDED.body_sha256, fetched = EXCLUDED.fetched",
                rows,
            )
