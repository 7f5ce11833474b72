"""Write jobs of the FAISS store: ``INDEX/jobs.sqlite``; the most recent ``KEPT`` are kept."""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import asdict
from pathlib import Path

from dalil.index.jobs import Job, job_from_record
from dalil.index.sidecar import connect

JOBS_FILE = "jobs.sqlite"
KEPT = 1000
SCHEMA = """
CREATE TABLE IF NOT EXISTS write_jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    record TEXT NOT NULL
);
"""


class SqliteJobs:
    def __init__(self, root: Path) -> None:
        self.path = Path(root) / JOBS_FILE

    def save(self, job: Job) -> None:
        record = json.dumps(asdict(job), ensure_ascii=False)
        with closing(connect(self.path, SCHEMA)) as db, db:
            db.execute(
                "INSERT INTO write_jobs (id, record) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET record = excluded.record",
                (job.id, record),
            )
            db.execute("DELETE FROM write_jobs WHERE seq <= (SELECT MAX(seq) FROM write_jobs) - ?", (KEPT,))

    def get(self, job_id: str) -> Job | None:
        with closing(connect(self.path, SCHEMA)) as db:
            row = db.execute("SELECT record FROM write_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        return job_from_record(json.loads(row[0]))
