"""The offline answerer: score single sentences against the question, pick the smallest set that answers it.

A sentence's score mixes its dense similarity to the question with how much of the question's
weighted vocabulary it contains (only meaningful within one script), plus a small bonus when the
question asks for a number and the sentence has one. Confidence is a logistic function of the best
score, calibrated on development questions and on unanswerable ones (see ``bench/calibrate.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.normalize import detect_language, search_terms
from index.types import Sentence

# Questions whose answer is a number, a year or a date.
NUMERIC_QUESTION = re.compile(
    r"\b(how many|how much|which year|what year|when|how long|how old|percentage)\b"
    r"|(^|\s)(كم|متى|لأي عام|في أي عام|أي عام|عام|سنة|نسبة|عدد)(\s|$)",
    re.IGNORECASE,
)
HAS_NUMBER = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]|\b(one|two|three|four|five|six|seven|eight|nine|ten)\b"
                        r"|(واحد|اثن|ثلاث|أربع|خمس|ست|سبع|ثمان|تسع|عشر)")


@dataclass(frozen=True)
class ScoringWeights:
    lexical: float = 0.25
    number_bonus: float = 0.03
    # Logistic calibration of the best sentence score into a confidence.
    slope: float = 40.0
    midpoint: float = 0.86


@dataclass(frozen=True)
class ScoredSentence:
    sentence: Sentence
    dense: float
    coverage: float
    score: float
    covered_terms: frozenset[str]


def question_term_weights(
    terms: Sequence[str], document_frequency: Mapping[str, int], total_chunks: int
) -> dict[str, float]:
    """IDF weight of each distinct question term; rare words say more about where the answer is."""
    weights = {}
    for term in dict.fromkeys(terms):
        df = document_frequency.get(term, 0)
        weights[term] = math.log(1 + (total_chunks + 1) / (df + 1))
    return weights


def score_sentences(
    question: str,
    candidates: Sequence[Sentence],
    dense: Mapping[str, float],
    term_weights: Mapping[str, float],
    weights: ScoringWeights = ScoringWeights(),
) -> list[ScoredSentence]:
    """Score every candidate, best first."""
    question_language = detect_language(question)
    numeric = bool(NUMERIC_QUESTION.search(question))
    total_weight = sum(term_weights.values()) or 1.0
    scored = []
    for sentence in candidates:
        terms = set(search_terms(sentence.text))
        covered = frozenset(t for t in term_weights if t in terms)
        coverage = sum(term_weights[t] for t in covered) / total_weight
        same_script = detect_language(sentence.text) == question_language
        score = dense.get(sentence.id, 0.0)
        if same_script:
            score += weights.lexical * coverage
        else:
            # Across scripts only numbers and Latin names can match; they still count, a little.
            score += weights.lexical * 0.5 * coverage
        if numeric and HAS_NUMBER.search(sentence.text):
            score += weights.number_bonus
        scored.append(ScoredSentence(sentence, dense.get(sentence.id, 0.0), coverage, score, covered))
    scored.sort(key=lambda s: -s.score)
    return scored


def confidence(best_score: float, weights: ScoringWeights = ScoringWeights()) -> float:
    return 1.0 / (1.0 + math.exp(-weights.slope * (best_score - weights.midpoint)))


def select_answer_sentences(scored: Sequence[ScoredSentence], max_sentences: int, margin: float = 0.03) -> list[ScoredSentence]:
    """The best sentence, plus close runners-up that cover question terms the chosen ones miss.

    A factual question is answered by one sentence; a list or a question spanning articles
    needs more, and those show up as near-best sentences covering different parts of the question.
    """
    if not scored:
        return []
    chosen = [scored[0]]
    covered = set(scored[0].covered_terms)
    for candidate in scored[1:]:
        if len(chosen) >= max_sentences or candidate.score < scored[0].score - margin:
            break
        new_terms = candidate.covered_terms - covered
        if new_terms:
            chosen.append(candidate)
            covered |= new_terms
    return chosen
