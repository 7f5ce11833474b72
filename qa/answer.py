"""``answer(question, index)``: the one question-answering entry point, shared by the service, the CLI and eval."""

from __future__ import annotations

import time
from dataclasses import dataclass

from dalil.settings import Settings
from index.loaded import LoadedIndex, Retrieval
from index.normalize import detect_language, search_terms
from index.types import Sentence
from qa.citations import cite
from qa.extractive import (
    ScoredSentence,
    ScoringWeights,
    question_term_weights,
    score_sentences,
    select_answer_sentences,
    unseen_share,
)
from qa.messages import message
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
) -> Answer:
    settings = settings or index.settings
    question = validate_question(question, settings.max_question_chars)
    if not 1 <= top_k <= 50:
        raise QuestionError("top_k must be between 1 and 50")
    language = detect_language(question)
    started = time.perf_counter()

    # At least ten passages feed the answer step, whatever is shown: top_k must not change the answer.
    retrieval = index.retrieve(question, k=max(top_k, MIN_CANDIDATE_PASSAGES))
    passages = retrieval.passages[:top_k]
    candidates = gather_candidates(index, retrieval)
    retrieved = time.perf_counter()

    scores = score_question(index, question, retrieval, candidates, weights)
    conf = scores.confidence(weights)
    abstained = conf < settings.abstain_threshold
    if abstained:
        text, citations = message("abstain" if scores.scored else "empty_index", language), []
    else:
        margin = weights.same_script_margin if scores.same_script else weights.cross_script_margin
        chosen = select_answer_sentences(scores.scored, settings.max_answer_sentences, margin)
        citations = _citations(index, chosen)
        text = _compose(citations, language)
    finished = time.perf_counter()
    return Answer(
        answer=text,
        language=language,
        abstained=abstained,
        confidence=round(conf, 4),
        citations=citations,
        passages=passages,
        timings_ms={
            "retrieve": round((retrieved - started) * 1000, 2),
            "answer": round((finished - retrieved) * 1000, 2),
            "total": round((finished - started) * 1000, 2),
        },
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
