"""Question answering over a loaded index: plain objects in, a cited ``Answer`` out."""

from dalil.qa.answer import answer, stream_answer
from dalil.qa.backends import Answerers
from dalil.qa.prepare import QuestionError
from dalil.qa.protocols import Answerer, BackendUnavailable, UnknownBackend

__all__ = ["Answerer", "Answerers", "BackendUnavailable", "QuestionError", "UnknownBackend", "answer", "stream_answer"]
