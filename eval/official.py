"""Official extractive-QA scorers, re-implemented exactly as pure functions.

Two families, each matching its reference script operation for operation (same normalization order,
same tokenization, same ``Counter`` F1 arithmetic, same max over gold answers, same x100 average), so
that scores are equal to the scripts' float for float:

* ``squad_*`` mirror ``evaluate-v1.1.py``, the SQuAD v1.1 evaluation script (Rajpurkar et al.). It is the
  official scorer of SQuAD v1.1 and the one used for XQuAD, TyDiQA-GoldP (GoldP task) and ARCD. It lower-cases,
  removes ASCII ``string.punctuation`` only (Arabic "،" "؛" "؟" stay part of their token), removes the English
  articles a/an/the, and splits on whitespace.
* ``mlqa_*`` mirror ``mlqa_evaluation_v1.py`` of facebookresearch/MLQA for the answer languages "ar" and "en".
  It lower-cases, removes every Unicode ``P*`` character plus ASCII ``string.punctuation``, then removes
  articles: for "en" a/an/the, for "ar" ``re.sub('\\sال^|ال', ' ', s)``. Because ``^`` only matches at the very
  start of the string, the first alternative can never match, so every "ال" is replaced by a space, mid-word
  too ("مالي" becomes "م ي"). Tokens are whitespace-separated.

None of the official scripts removes diacritics or unifies alef/ya/ta-marbuta. ``arabic_f1`` at the end is
dalil's own metric, not an official one: token F1 on ``index.normalize.normalize_answer`` forms.

Scripts' behaviour kept on purpose: F1 is 0 when no token is shared, even when both sides normalize to
nothing (while EM is then true: "the" vs "a" has EM 1 and F1 0); an empty list of gold answers raises
``ValueError`` (the scripts' ``max`` of an empty list); an empty dataset raises ``ZeroDivisionError``.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from dalil.index.normalize import normalize_answer

__all__ = [
    "arabic_f1",
    "mlqa_evaluate",
    "mlqa_exact_match",
    "mlqa_f1",
    "mlqa_normalize",
    "mlqa_score",
    "squad_evaluate",
    "squad_exact_match",
    "squad_f1",
    "squad_normalize",
    "squad_score",
    "unanswered_messages",
]

_ASCII_PUNCT = frozenset(string.punctuation)
_ENGLISH_ARTICLES = re.compile(r"\b(a|an|the)\b")
# Same pattern string as the MLQA script's '\sال^|ال' (written there as a non-raw literal).
_ARABIC_ARTICLE = re.compile(r"\sال^|ال")
MLQA_LANGS = ("ar", "en")


# --------------------------------------------------------------------------------------------------------------
# SQuAD v1.1: evaluate-v1.1.py


def squad_normalize(s: str) -> str:
    """``normalize_answer`` of evaluate-v1.1.py: lower, drop ASCII punctuation, drop a/an/the, single spaces."""
    text = s.lower()
    text = "".join(ch for ch in text if ch not in _ASCII_PUNCT)
    text = _ENGLISH_ARTICLES.sub(" ", text)
    return " ".join(text.split())


def squad_exact_match(prediction: str, ground_truth: str) -> bool:
    """``exact_match_score`` of evaluate-v1.1.py: equality of the normalized strings."""
    return squad_normalize(prediction) == squad_normalize(ground_truth)


def _token_f1(prediction_tokens: list[str], ground_truth_tokens: list[str]) -> float:
    """The scripts' bag-of-tokens F1 with their exact arithmetic; 0 when no token is shared."""
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    return (2 * precision * recall) / (precision + recall)


def squad_f1(prediction: str, ground_truth: str) -> float:
    """``f1_score`` of evaluate-v1.1.py: token F1 over whitespace tokens of the normalized strings."""
    return _token_f1(squad_normalize(prediction).split(), squad_normalize(ground_truth).split())


def _max_over(scores: Iterable[float]) -> float:
    values = list(scores)
    if not values:
        raise ValueError("no ground-truth answers to score against")
    return max(values)


def squad_score(prediction: str, ground_truths: Sequence[str]) -> tuple[float, float]:
    """(EM, F1) of one question as evaluate-v1.1.py counts it: each the max over the gold answers, EM as 0.0/1.0."""
    em = _max_over(float(squad_exact_match(prediction, gt)) for gt in ground_truths)
    f1 = _max_over(squad_f1(prediction, gt) for gt in ground_truths)
    return em, f1


def unanswered_messages(dataset: Sequence[Mapping[str, Any]], predictions: Mapping[str, str]) -> list[str]:
    """The lines both scripts' ``evaluate`` print to stderr, one per question without a prediction, in order."""
    return [
        "Unanswered question " + qa["id"] + " will receive score 0."
        for qa in _questions(dataset)
        if qa["id"] not in predictions
    ]


def _questions(dataset: Sequence[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for article in dataset:
        for paragraph in article["paragraphs"]:
            yield from paragraph["qas"]


def _evaluate(dataset, predictions, score) -> dict[str, float]:
    f1 = exact_match = 0.0
    total = 0
    for qa in _questions(dataset):
        total += 1
        if qa["id"] not in predictions:
            continue
        ground_truths = [answer["text"] for answer in qa["answers"]]
        em_q, f1_q = score(predictions[qa["id"]], ground_truths)
        exact_match += em_q
        f1 += f1_q
    return {"exact_match": 100.0 * exact_match / total, "f1": 100.0 * f1 / total}


def squad_evaluate(dataset: Sequence[Mapping[str, Any]], predictions: Mapping[str, str]) -> dict[str, float]:
    """``evaluate`` of evaluate-v1.1.py over the file's "data" list and a {question id: answer text} map.

    Every question counts in the denominator. A question without a prediction scores 0; where the script
    prints "Unanswered question <id> will receive score 0." to stderr, this function prints nothing
    (``unanswered_messages`` returns those lines). Predictions for unknown ids are ignored. The script's
    dataset ``version`` check belongs to its command line, not to ``evaluate``, and is not repeated here.
    Returns {"exact_match": EM x 100, "f1": F1 x 100}.
    """
    return _evaluate(dataset, predictions, squad_score)


# --------------------------------------------------------------------------------------------------------------
# MLQA: mlqa_evaluation_v1.py


@lru_cache(maxsize=65536)
def _is_mlqa_punct(ch: str) -> bool:
    """Membership in the script's PUNCT: every Unicode P* character, plus ASCII string.punctuation."""
    return ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def _check_lang(lang: str) -> None:
    if lang not in MLQA_LANGS:
        raise ValueError(f"Unknown Language {lang} (supported: {', '.join(MLQA_LANGS)})")


def mlqa_normalize(s: str, lang: str = "ar") -> str:
    """``normalize_answer`` of mlqa_evaluation_v1.py for lang "ar" or "en".

    Lower, drop all punctuation (Unicode P* and ASCII), remove articles ("ar": every "ال" becomes a space;
    "en": a/an/the), then whitespace tokens joined by single spaces.
    """
    _check_lang(lang)
    text = s.lower()
    text = "".join(ch for ch in text if not _is_mlqa_punct(ch))
    text = (_ARABIC_ARTICLE if lang == "ar" else _ENGLISH_ARTICLES).sub(" ", text)
    return " ".join(token for token in text.split() if token.strip() != "")


def mlqa_exact_match(prediction: str, ground_truth: str, lang: str = "ar") -> bool:
    """``exact_match_score`` of mlqa_evaluation_v1.py."""
    return mlqa_normalize(prediction, lang) == mlqa_normalize(ground_truth, lang)


def mlqa_f1(prediction: str, ground_truth: str, lang: str = "ar") -> float:
    """``f1_score`` of mlqa_evaluation_v1.py."""
    return _token_f1(mlqa_normalize(prediction, lang).split(), mlqa_normalize(ground_truth, lang).split())


def mlqa_score(prediction: str, ground_truths: Sequence[str], lang: str = "ar") -> tuple[float, float]:
    """(EM, F1) of one question as mlqa_evaluation_v1.py counts it: max over gold answers, EM as 0.0/1.0."""
    _check_lang(lang)
    em = _max_over(float(mlqa_exact_match(prediction, gt, lang)) for gt in ground_truths)
    f1 = _max_over(mlqa_f1(prediction, gt, lang) for gt in ground_truths)
    return em, f1


def mlqa_evaluate(
    dataset: Sequence[Mapping[str, Any]], predictions: Mapping[str, str], lang: str = "ar"
) -> dict[str, float]:
    """``evaluate`` of mlqa_evaluation_v1.py (answer language ``lang``), same conventions as ``squad_evaluate``.

    Missing predictions score 0 and are not printed (see ``unanswered_messages``).
    """
    _check_lang(lang)
    return _evaluate(dataset, predictions, lambda prediction, gts: mlqa_score(prediction, gts, lang))


# --------------------------------------------------------------------------------------------------------------
# dalil's own metric (not an official score)


def arabic_f1(prediction: str, ground_truth: str | Sequence[str]) -> float:
    """dalil's Arabic-aware token F1, max over the gold answers (one string or several).

    Both sides go through ``index.normalize.normalize_answer`` (NFKC, tashkeel and tatweel removed, one alef,
    ى→ي, ة→ه, ASCII digits, lower case, Unicode punctuation dropped) and are split on whitespace; F1 uses the
    same Counter arithmetic as the official scripts (0 when no token is shared). No article is removed.
    Not comparable with published XQuAD/MLQA/TyDiQA/ARCD numbers; report it next to them, never instead.
    """
    ground_truths = [ground_truth] if isinstance(ground_truth, str) else list(ground_truth)
    prediction_tokens = normalize_answer(prediction).split()
    return _max_over(_token_f1(prediction_tokens, normalize_answer(gt).split()) for gt in ground_truths)
