"""Everything the LLM answerer needs, built once from the settings: the chat model, the prompts, the rules.

It also remembers the model's last failure, so that ``backend: auto`` answers extractively for a cool-down
period instead of making every user wait for a timeout from a model that is down.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Literal

from dalil.settings import Settings
from prompts import Prompts, load_prompts
from qa.llm_client import ChatModel, OpenAIChat
from qa.verify import VerifyRules

Backend = Literal["extractive", "llm", "auto"]
BACKENDS: tuple[Backend, ...] = ("extractive", "llm", "auto")


class BackendUnavailable(ValueError):
    """The LLM backend was asked for but none is configured."""


@dataclass
class LLMBackend:
    chat: ChatModel
    prompts: Prompts
    max_sources: int = 12
    max_sentences: int = 3
    rules: VerifyRules = field(default_factory=VerifyRules)
    cooldown_s: float = 30.0
    _failed_at: float | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def healthy(self) -> bool:
        with self._lock:
            return self._failed_at is None or time.monotonic() - self._failed_at >= self.cooldown_s

    def record_failure(self) -> None:
        with self._lock:
            self._failed_at = time.monotonic()

    def record_success(self) -> None:
        with self._lock:
            self._failed_at = None


def llm_from_settings(settings: Settings, prompts: Prompts | None = None) -> LLMBackend | None:
    """The configured LLM backend, or None when ``DALIL_LLM_BASE_URL``/``DALIL_LLM_MODEL`` are unset."""
    prompts = prompts or load_prompts(settings.prompt_dir, settings.prompt_versions)
    if not (settings.llm_base_url and settings.llm_model):
        return None
    chat = OpenAIChat(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )
    return LLMBackend(
        chat=chat,
        prompts=prompts,
        max_sources=settings.llm_sources,
        max_sentences=settings.max_answer_sentences,
        cooldown_s=settings.llm_cooldown_s,
    )


def choose_backend(requested: Backend, llm: LLMBackend | None) -> Literal["extractive", "llm"]:
    if requested not in BACKENDS:
        raise BackendUnavailable(f"backend must be one of {', '.join(BACKENDS)} (got {requested!r})")
    if requested == "extractive":
        return "extractive"
    if requested == "llm":
        if llm is None:
            raise BackendUnavailable(
                "the llm backend is not configured; set DALIL_LLM_BASE_URL and DALIL_LLM_MODEL, "
                "or ask with backend 'extractive' or 'auto'"
            )
        return "llm"
    return "llm" if llm is not None and llm.healthy() else "extractive"
