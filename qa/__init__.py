"""Question answering over a loaded index: plain objects in, a cited ``Answer`` out."""

from qa.answer import QuestionError, answer

__all__ = ["QuestionError", "answer"]
