"""Bounds that every way in (HTTP, CLI, the Python API, LangChain) shares, so they are stated once."""

from __future__ import annotations

MIN_RESULTS = 1
MAX_RESULTS = 50
DEFAULT_MAX_QUESTION_CHARS = 2000


class TextTooLong(ValueError):
    """A question or query over ``DALIL_MAX_QUESTION_CHARS``."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(f"{field} is longer than {limit} characters ({length})")
        self.field = field
        self.limit = limit


def check_length(field: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise TextTooLong(field, len(value), limit)
    return value


def check_result_count(field: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_RESULTS <= value <= MAX_RESULTS:
        raise ValueError(f"{field} must be a whole number between {MIN_RESULTS} and {MAX_RESULTS}")
    return value
