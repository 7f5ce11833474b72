"""API keys, write jobs and fetched pages' validators in the store's database: outside every generation, so
rebuilds keep them, and seen by every replica at once."""

from __future__ import annotations

from dataclasses import asdict

from psycopg.types.json import Jsonb

from dalil.index.jobs import Job, job_from_record
from dalil.index.keys import SqlKeys
from dalil.index.stores.postgres.connection import Database
from dalil.index.web.seen import SqlFetchedPages

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


class PostgresFetchedPages(SqlFetchedPages):
    placeholder = "%s"
    table = "fetched_pages"

    def __init__(self, database: Database) -> None:
        self.database = database

    def transaction(self):
        return self.database.connection()
