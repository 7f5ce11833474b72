"""``answer(question, index)``: the one question-answering entry point, shared by the service, the CLI and eval.

``stream_answer`` is the same answer as a stream of events; ``answer`` is its last event.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from dalil.settings import Settings
from index.loaded import LoadedIndex, Retrieval
from index.normalize import detect_language, search_terms
from index.types import Passage, Sentence
from qa.citations import cite
from qa.events import AnswerEvent, DoneEvent, RetrievalEvent
from qa.extractive import (
    ScoredSentence,
    ScoringWeights,
    question_term_weights,
    score_sentences,
    select_answer_sentences,
    unseen_share,
)
from qa.llm_answer import stream_llm_answer
from qa.llm_backend import Backend, LLMBackend, choose_backend
from qa.messages import message
from qa.replay import replay
from qa.types import Answer, Citation

# Sentences outside the top passages still compete: the sentence index may find what chunking diluted.
EXTRA_SENTENCES = 10
MIN_CANDIDATE_PASSAGES = 10


class QuestionError(ValueError):
    """The question cannot be asked as given; the message says why."""


def validate_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("question must be a string")
    text = question.strip()
    if not text:
        raise QuestionError("question must not be empty")
    if len(question) > max_chars:
        raise QuestionError(f"question is longer than {max_chars} characters ({len(question)})")
    return text


def answer(
    question: str,
    index: LoadedIndex,
    *,
    top_k: int = 5,
    settings: Settings | None = None,
    weights: ScoringWeights = ScoringWeights(),
    backend: Backend | None = None,
    llm: LLMBackend | None = None,
) -> Answer:
    """Answer ``question`` from ``index``. ``backend`` defaults to ``DALIL_BACKEND``; ``llm`` is the configured
    model, if any. Raises ``QuestionError`` for a question that cannot be asked, ``BackendUnavailable`` when the
    LLM is asked for but not configured.
    """
    for event in stream_answer(
        question, index, top_k=top_k, settings=settings, weights=weights, backend=backend, llm=llm
    ):
        if isinstance(event, DoneEvent):
            return event.answer
    raise AssertionError("an answer stream always ends with its answer")


def stream_answer(
    question: str,
    index: LoadedIndex,
    *,
    top_k: int = 5,
    settings: Settings | None = None,
    weights: ScoringWeights = ScoringWeights(),
    backend: Backend | None = None,
    llm: LLMBackend | None = None,
) -> Iterator[AnswerEvent]:
    """The answer as events: retrieval, verified tokens and citations, then the final answer.

    Problems with the question are raised before the first event, so a caller can still refuse the request.
    """
    settings = settings or index.settings
    chosen = choose_backend(backend or settings.backend, llm)
    prepared = prepare(question, index, top_k, settings, weights)
    return _events(prepared, index, settings, weights, llm if chosen == "llm" else None)


def _events(
    prepared: Prepared, index: LoadedIndex, settings: Settings, weights: ScoringWeights, llm: LLMBackend | None
) -> Iterator[AnswerEvent]:
    yield RetrievalEvent(prepared.passages)
    if llm is None:
        yield from replay(extractive_answer(prepared, index, settings, weights))
    else:
        yield from stream_llm_answer(
            prepared, index, llm, lambda: extractive_answer(prepared, index, settings, weights)
        )


@dataclass(frozen=True)
class Prepared:
    """A validated question with its retrieval and scored candidate sentences: what every backend starts from."""

    question: str
    language: str
    passages: list[Passage]
    scores: QuestionScores
    confidence: float
    started: float
    retrieved: float

    def timings(self) -> dict[str, float]:
        """Milliseconds spent retrieving, answering (until now) and in all."""
        finished = time.perf_counter()
        return {
            "retrieve": round((self.retrieved - self.started) * 1000, 2),
            "answer": round((finished - self.retrieved) * 1000, 2),
            "total": round((finished - self.started) * 1000, 2),
        }


def prepare(question: str, index: LoadedIndex, top_k: int, settings: Settings, weights: ScoringWeights) -> Prepared:
    question = validate_question(question, settings.max_question_chars)
    if not 1 <= top_k <= 50:
        raise QuestionError("top_k must be between 1 and 50")
    started = time.perf_counter()
    # At least ten passages feed the answer step, whatever is shown: top_k must not change the answer.
    retrieval = index.retrieve(question, k=max(top_k, MIN_CANDIDATE_PASSAGES))
    scores = score_question(index, question, retrieval, gather_candidates(index, retrieval), weights)
    return Prepared(
        question=question,
        language=retrieval.language,
        passages=retrieval.passages[:top_k],
        scores=scores,
        confidence=round(scores.confidence(weights), 4),
        started=started,
        retrieved=time.perf_counter(),
    )


def extractive_answer(prepared: Prepared, index: LoadedIndex, settings: Settings, weights: ScoringWeights) -> Answer:
    scores, language = prepared.scores, prepared.language
    abstained = prepared.confidence < settings.abstain_threshold
    if abstained:
        text, citations = message("abstain" if scores.scored else "empty_index", language), []
    else:
        margin = weights.same_script_margin if scores.same_script else weights.cross_script_margin
        chosen = select_answer_sentences(scores.scored, settings.max_answer_sentences, margin)
        citations = _citations(index, chosen)
        text = _compose(citations, language)
    return Answer(
        answer=text,
        language=language,
        abstained=abstained,
        confidence=prepared.confidence,
        citations=citations,
        passages=prepared.passages,
        timings_ms=prepared.timings(),
    )


@dataclass(frozen=True)
class QuestionScores:
    """What the abstention decision looks at: the ranked sentences and how foreign the question is to the index."""

    scored: list[ScoredSentence]
    unseen_share: float
    same_script: bool

    def confidence(self, weights: ScoringWeights) -> float:
        if not self.scored:
            return 0.0
        calibration = weights.same_script if self.same_script else weights.cross_script
        return calibration.confidence(self.scored[0].score, self.unseen_share)


def score_question(
    index: LoadedIndex, question: str, retrieval: Retrieval, candidates: dict[str, Sentence], weights: ScoringWeights
) -> QuestionScores:
    terms = search_terms(question)
    frequency = index.term_document_frequency(terms)
    term_weights = question_term_weights(terms, frequency, index.stats()["chunks"])
    dense = index.sentence_similarities(retrieval.vector, list(candidates))
    scored = score_sentences(
        question, list(candidates.values()), dense, retrieval.context_similarity, term_weights, weights
    )
    same_script = bool(scored) and detect_language(scored[0].sentence.text) == retrieval.language
    return QuestionScores(scored, unseen_share(term_weights, frequency), same_script)


def gather_candidates(index: LoadedIndex, retrieval: Retrieval) -> dict[str, Sentence]:
    """Sentences of the retrieved passages, plus the nearest sentences overall (chunking can dilute one)."""
    candidates = {s.id: s for p in retrieval.passages for s in p.sentences}
    for sentence, _ in index.search_sentences(retrieval.vector, EXTRA_SENTENCES):
        candidates.setdefault(sentence.id, sentence)
    return candidates


def _citations(index: LoadedIndex, chosen: list[ScoredSentence]) -> list[Citation]:
    # Reading order within each article makes a multi-sentence answer read naturally.
    ordered = sorted(chosen, key=lambda s: (s.sentence.doc_id, s.sentence.n))
    articles = {d: index.get_document(d) for d in {s.sentence.doc_id for s in ordered}}
    return [
        cite(s.sentence, articles[s.sentence.doc_id].text, articles[s.sentence.doc_id].title)
        for s in ordered
        if articles[s.sentence.doc_id] is not None
    ]


def _compose(citations: list[Citation], language: str) -> str:
    """Quote the cited sentences, each followed by its marker, grouped by article."""
    parts: list[str] = []
    current_doc = None
    for number, citation in enumerate(citations, start=1):
        if citation.doc_id != current_doc:
            parts.append(message("according_to", language, title=citation.title))
            current_doc = citation.doc_id
        parts.append(f"{citation.quote} [{number}]")
    return " ".join(parts)
