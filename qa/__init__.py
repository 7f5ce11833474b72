"""Question answering over a loaded index: plain objects in, a cited ``Answer`` out."""

from qa.answer import QuestionError, answer, stream_answer
from qa.llm_backend import BackendUnavailable, LLMBackend, llm_from_settings

__all__ = ["BackendUnavailable", "LLMBackend", "QuestionError", "answer", "llm_from_settings", "stream_answer"]
