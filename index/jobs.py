"""Write jobs (adds and removals over HTTP), kept by the store so that any process serving the index can report
on a job another one runs."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Literal, Protocol

from dalil.index.manifest import now

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
    created: str = field(default_factory=now)
    finished: str | None = None
    outcomes: list[ArticleOutcome] = field(default_factory=list)
    error: str | None = None
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")  # who runs it

    def orphaned(self) -> bool:
        """Unfinished, and the process running it (on this machine) is gone: it will never finish."""
        host, _, pid = self.owner.partition(":")
        if self.status not in ("queued", "running") or host != socket.gethostname() or not pid.isdigit():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            pass
        return False


class JobStore(Protocol):
    def save(self, job: Job) -> None:
        """Record the job as it is now (made, progressing, finished)."""
        ...

    def get(self, job_id: str) -> Job | None: ...


def job_from_record(data: dict) -> Job:
    """A job from its saved form (``dataclasses.asdict``)."""
    return Job(**{**data, "outcomes": [ArticleOutcome(**o) for o in data["outcomes"]]})
