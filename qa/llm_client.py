"""A chat model behind any OpenAI-compatible API, seen as a stream of text pieces.

The ``openai`` client does the bounded retries with exponential backoff (timeouts, refused connections, 429
and 5xx, honouring ``Retry-After``); this module turns what still fails into one ``LLMError`` whose message
says what went wrong, because it ends up in the user's ``degraded_reason``.
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

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        """The reply's text, piece by piece; raises ``LLMError``."""
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
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"DALIL_LLM_BASE_URL must start with http:// or https:// (got {base_url!r})")
        if not model.strip():
            raise ValueError("DALIL_LLM_MODEL must name a model")
        self.name = model
        self.base_url = base_url
        self.timeout_s = timeout_s
        self._options = {"model": model, "max_tokens": max_tokens, "temperature": temperature}
        # Local servers need no key, but the client insists on one.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=max_retries
        )

    def stream(self, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        started = time.monotonic()
        try:
            chunks = self._client.chat.completions.create(messages=list(messages), stream=True, **self._options)
            for chunk in chunks:
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    yield piece
                # The read timeout is per network read; a model trickling tokens forever is stopped here.
                if time.monotonic() - started > 4 * self.timeout_s:
                    raise self._failed(f"the model took longer than {4 * self.timeout_s:.0f} s")
        except openai.APITimeoutError:
            raise self._failed(f"the model did not answer within {self.timeout_s:g} s") from None
        except openai.APIConnectionError as exc:
            raise self._failed(f"could not reach the model ({_cause(exc)})") from None
        except openai.RateLimitError:
            raise self._failed("the model is rate-limiting requests (HTTP 429)") from None
        except openai.APIStatusError as exc:
            raise self._failed(f"the model failed (HTTP {exc.status_code})") from None
        except httpx.TimeoutException:
            raise self._failed("the model stopped sending mid-answer") from None
        except (openai.APIError, httpx.HTTPError, ValueError) as exc:
            raise self._failed(f"the model sent a reply that could not be read ({_cause(exc)})") from None

    def _failed(self, reason: str) -> LLMError:
        # The reason reaches clients (degraded_reason), so it names no host; the log says which model it was.
        logger.warning("model at %s: %s", self.base_url, reason)
        return LLMError(reason)


def _cause(exc: BaseException) -> str:
    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    return str(root) or type(root).__name__
