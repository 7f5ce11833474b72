"""Writes over HTTP run as jobs, one at a time, in a thread of their own.

A write request starts a job and waits up to ``DALIL_WRITE_WAIT_S`` for it: a small write answers with its
results, a large one with 202 and the job, to be followed at ``GET /v1/jobs/{id}``. Each job is one store
change (all of it published, or none of it); the running service swaps the new index in as it does for any
published change. Jobs are kept in memory, the last ``KEPT_JOBS`` of them.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from dalil.index.builder import BuildReport

KEPT_JOBS = 200
Status = Literal["queued", "running", "done", "failed"]


@dataclass
class ArticleOutcome:
    input: str  # what the client sent: its position in the list, or the file name (plus #line in jsonl)
    status: Literal["indexed", "updated", "aliased", "unchanged", "rejected", "removed"]
    id: str | None = None
    detail: str | None = None


@dataclass
class Job:
    id: str
    kind: str
    total: int
    status: Status = "queued"
    done: int = 0
    created: str = field(default_factory=lambda: _now())
    finished: str | None = None
    outcomes: list[ArticleOutcome] = field(default_factory=list)
    error: str | None = None


class WriteJobs:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dalil-write")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, kind: str, total: int, work: Callable[[Job], list[ArticleOutcome]]) -> tuple[Job, Future]:
        job = Job(secrets.token_hex(8), kind, total)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                self._jobs.popitem(last=False)
        return job, self._executor.submit(self._run, job, work)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _run(job: Job, work: Callable[[Job], list[ArticleOutcome]]) -> None:
        job.status = "running"
        try:
            job.outcomes = work(job)
            job.status = "done"
        except Exception as exc:  # the job says why; the service goes on
            job.error = str(exc) or type(exc).__name__
            job.status = "failed"
        finally:
            job.finished = _now()


def outcomes_of(report: BuildReport, inputs: list[str]) -> list[ArticleOutcome]:
    """What became of each input (by the path it was read under), from a build report."""
    problems = {p.path: p.message for p in report.problems}
    added, replaced, unchanged = set(report.added), set(report.replaced), set(report.unchanged)
    outcomes = []
    for given in inputs:
        doc_id = report.ids_by_path.get(given)
        if doc_id is None:
            outcomes.append(ArticleOutcome(given, "rejected", detail=problems.get(given, "nothing to index")))
        elif doc_id in report.aliases:
            detail = f"a near-duplicate of {report.aliases[doc_id]}, kept as its alias"
            outcomes.append(ArticleOutcome(given, "aliased", doc_id, detail))
        elif doc_id in replaced:
            outcomes.append(ArticleOutcome(given, "updated", doc_id))
        elif doc_id in added:
            outcomes.append(ArticleOutcome(given, "indexed", doc_id))
        elif doc_id in unchanged:
            outcomes.append(ArticleOutcome(given, "unchanged", doc_id, "already indexed with this text"))
        else:
            outcomes.append(ArticleOutcome(given, "rejected", doc_id, problems.get(given, "not indexed")))
    return outcomes


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
