"""``backend: llm``: any OpenAI-compatible model writes the answer; only verified sentences reach the reader.

Everything it needs is built once from the settings: the chat model, the prompts, the verification rules. It
also remembers the model's last failure, so that ``backend: auto`` answers extractively for a cool-down period
instead of making every user wait for a timeout from a model that is down.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from dalil.index.loaded import LoadedIndex
from dalil.prompts import Prompts, load_prompts
from dalil.qa.events import AnswerEvent
from dalil.qa.extractive_answerer import ExtractiveAnswerer
from dalil.qa.llm_answer import stream_llm_answer
from dalil.qa.llm_client import ChatModel, OpenAIChat
from dalil.qa.prepare import Prepared
from dalil.qa.protocols import BackendUnavailable
from dalil.qa.replay import replay
from dalil.qa.verify import VerifyRules
from dalil.settings import Settings

NAME = "llm"


@dataclass
class LLMAnswerer:
    chat: ChatModel
    prompts: Prompts
    max_sources: int = 12
    max_sentences: int = 3
    rules: VerifyRules = field(default_factory=VerifyRules)
    cooldown_s: float = 30.0
    # What stands in when the model's answer cannot be used.
    fallback: ExtractiveAnswerer = field(default_factory=ExtractiveAnswerer)
    name: str = field(default=NAME, init=False)
    _failed_at: float | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, prompts: Prompts | None = None) -> "LLMAnswerer":
        """The configured model; ``BackendUnavailable`` when ``DALIL_LLM_BASE_URL``/``DALIL_LLM_MODEL`` are unset.

        The prompt templates are loaded (and checked) first, so a broken template stops start-up either way.
        """
        prompts = prompts or load_prompts(settings.prompt_dir, settings.prompt_versions)
        if not (settings.llm_base_url and settings.llm_model):
            raise BackendUnavailable(
                "the llm backend is not configured; set DALIL_LLM_BASE_URL and DALIL_LLM_MODEL, "
                "or ask with backend 'extractive' or 'auto'"
            )
        chat = OpenAIChat(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            deadline_s=settings.llm_deadline_s,
        )
        return cls(
            chat=chat,
            prompts=prompts,
            max_sources=settings.llm_sources,
            max_sentences=settings.max_answer_sentences,
            cooldown_s=settings.llm_cooldown_s,
            fallback=ExtractiveAnswerer.from_settings(settings),
        )

    @property
    def model(self) -> str:
        return self.chat.name

    def available(self) -> bool:
        with self._lock:
            return self._failed_at is None or time.monotonic() - self._failed_at >= self.cooldown_s

    def record_failure(self) -> None:
        with self._lock:
            self._failed_at = time.monotonic()

    def record_success(self) -> None:
        with self._lock:
            self._failed_at = None

    def stream(self, prepared: Prepared, index: LoadedIndex) -> Iterator[AnswerEvent]:
        if prepared.scores.scored and self.fallback.abstains(prepared):
            # The signal the extractive answer abstains on says the sources do not answer the question: whatever
            # a model writes from them would be dropped, so it is not asked.
            abstention = self.fallback.answer(prepared, index)
            note = (
                f"the model was not asked: the sources do not answer this question "
                f"(confidence {prepared.confidence:.2f}, below {self.fallback.abstain_threshold:.2f})"
            )
            return replay(dataclasses.replace(abstention, backend=self.name, warnings=[note]))
        return stream_llm_answer(prepared, index, self, lambda: self.fallback.answer(prepared, index))
