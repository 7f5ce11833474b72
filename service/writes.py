"""Writes over HTTP run as jobs, one at a time per process, in a thread of their own.

A write request starts a job and waits up to ``DALIL_WRITE_WAIT_S`` for it: a small write answers with its
results, a large one with 202 and the job, to be followed at ``GET /v1/jobs/{id}``. Each job is one store
change (all of it published, or none of it; several processes' writes take turns on the store's lock), and its
record is kept by the store, so any process serving the index reports on it. The running service swaps the new
index in as it does for any published change.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from dalil.index.builder import BuildReport
from dalil.index.jobs import ArticleOutcome, Job, JobStore
from dalil.index.manifest import now


class WriteJobs:
    def __init__(self, records: JobStore) -> None:
        self.records = records
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dalil-write")

    def submit(self, kind: str, total: int, work: Callable[[Job], list[ArticleOutcome]]) -> tuple[Job, Future]:
        job = Job(secrets.token_hex(8), kind, total)
        self.records.save(job)
        return job, self._executor.submit(self._run, job, work)

    def progress(self, job: Job, done: int) -> None:
        job.done = min(done, job.total)
        self.records.save(job)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: Job, work: Callable[[Job], list[ArticleOutcome]]) -> None:
        job.status = "running"
        self.records.save(job)
        try:
            job.outcomes = work(job)
            job.done, job.status = job.total, "done"
        except Exception as exc:  # the job says why; the service goes on
            job.error = str(exc) or type(exc).__name__
            job.status = "failed"
        finally:
            job.finished = now()
            self.records.save(job)


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
