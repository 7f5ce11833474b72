"""Per-client question limit (``DALIL_RATE_LIMIT``), so one page or script cannot take the service for itself."""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many questions from this address; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class QuestionLimiter:
    """A moving window per API key or client address, counted in ``storage`` (``DALIL_RATE_LIMIT_STORAGE``:
    this process's memory, or a Redis shared by every worker)."""

    def __init__(self, limit: str, storage: str = "memory://") -> None:
        self.item = parse(limit)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def check(self, client: str) -> None:
        if not self.limiter.hit(self.item, client):
            reset = self.limiter.get_window_stats(self.item, client).reset_time
            raise RateLimited(max(1, math.ceil(reset - time.time())))


def limit_questions(request: Request) -> None:
    """Route dependency: count this request against its key's allowance, or its client address's without one."""
    limiter: QuestionLimiter | None = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        key = getattr(request.state, "key", None)
        limiter.check(
            f"key:{key.id}" if key is not None else f"address:{request.client.host if request.client else '?'}"
        )
