"""A chat model behind any OpenAI-compatible API, seen as a stream of text pieces.

Retries are made here, as the ``openai`` client would make them (timeouts, refused connections, 429 and 5xx,
honouring ``Retry-After``, exponential backoff), but all within one deadline (``DALIL_LLM_DEADLINE_S``): the
client's own retries would let one answer take (retries + 1) x timeout. What still fails becomes one ``LLMError``
whose message says what went wrong, because it ends up in the user's ``degraded_reason``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

import httpx
import openai

logger = logging.getLogger("dalil.llm")


class LLMError(RuntimeError):
    """The model could not give an answer; the message says why, in words a user can act on."""


class ChatModel(Protocol):
    name: str
    deadline_s: float  # the longest one answer may take from its first request to its last piece, retries included

    def stream(self, messages: Sequence[dict[str, str]], deadline: float | None = None) -> Iterator[str]:
        """The reply's text, piece by piece; raises ``LLMError``. ``deadline`` (``time.monotonic()`` seconds,
        default ``deadline_s`` from now) bounds every attempt and wait; past it, the reply is given up."""
        ...


class OpenAIChat:
    """Chat completions from ``base_url``, streamed. Thread-safe: the ``openai`` client is."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        max_tokens: int = 512,
        temperature: float = 0.0,
        deadline_s: float = 45.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"DALIL_LLM_BASE_URL must start with http:// or https:// (got {base_url!r})")
        if not model.strip():
            raise ValueError("DALIL_LLM_MODEL must name a model")
        self.name = model
        self.base_url = base_url
        self.timeout_s, self.max_retries, self.deadline_s = timeout_s, max_retries, deadline_s
        self._options = {"model": model, "max_tokens": max_tokens, "temperature": temperature}
        # Local servers need no key, but the client insists on one. Retries are made here, within the deadline.
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=0)

    def stream(self, messages: Sequence[dict[str, str]], deadline: float | None = None) -> Iterator[str]:
        deadline = deadline if deadline is not None else time.monotonic() + self.deadline_s
        for attempt in range(self.max_retries + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._failed(f"the model did not answer within {self.deadline_s:g} s (DALIL_LLM_DEADLINE_S)")
            sent = False
            try:
                for piece in self._attempt(messages, min(self.timeout_s, left), deadline):
                    sent = True
                    yield piece
                return
            except RETRYABLE as exc:
                wait = _backoff(attempt, exc)
                if sent or attempt == self.max_retries or time.monotonic() + wait >= deadline:
                    raise self._error(exc) from None
                time.sleep(wait)
            except (openai.APIError, httpx.HTTPError, ValueError) as exc:
                raise self._error(exc) from None

    def _attempt(self, messages: Sequence[dict[str, str]], timeout_s: float, deadline: float) -> Iterator[str]:
        chunks = self._client.chat.completions.create(
            messages=list(messages), stream=True, timeout=timeout_s, **self._options
        )
        for chunk in chunks:
            piece = chunk.choices[0].delta.content if chunk.choices else None
            if piece:
                yield piece
            # The read timeout is per network read; a model trickling tokens is stopped at the deadline.
            if time.monotonic() > deadline:
                raise self._failed(f"the model did not finish within {self.deadline_s:g} s (DALIL_LLM_DEADLINE_S)")

    def _error(self, exc: Exception) -> LLMError:
        if isinstance(exc, openai.APITimeoutError):
            return self._failed(f"the model did not answer within {self.timeout_s:g} s")
        if isinstance(exc, openai.APIConnectionError):
            return self._failed(f"could not reach the model ({_cause(exc)})")
        if isinstance(exc, openai.RateLimitError):
            return self._failed("the model is rate-limiting requests (HTTP 429)")
        if isinstance(exc, openai.APIStatusError):
            return self._failed(f"the model failed (HTTP {exc.status_code})")
        if isinstance(exc, httpx.TimeoutException):
            return self._failed("the model stopped sending mid-answer")
        return self._failed(f"the model sent a reply that could not be read ({_cause(exc)})")

    def _failed(self, reason: str) -> LLMError:
        # The reason reaches clients (degraded_reason), so it names no host; the log says which model it was.
        logger.warning("model at %s: %s", self.base_url, reason)
        return LLMError(reason)


# Worth another try, as the openai client itself would retry: timeouts, refused connections, 429, 5xx.
RETRYABLE = (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
MAX_BACKOFF_S = 8.0


def _backoff(attempt: int, exc: Exception) -> float:
    """Seconds before the next attempt: the server's Retry-After when it gives one, else 0.5, 1, 2 … up to 8."""
    response = getattr(exc, "response", None)
    headers = response.headers if response is not None else {}
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        pass
    return min(0.5 * 2**attempt, MAX_BACKOFF_S)


def _cause(exc: BaseException) -> str:
    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    return str(root) or type(root).__name__
