"""Gold-file metrics exactly as eval/FORMAT.md defines them. Pure functions over plain strings."""

from __future__ import annotations

from collections.abc import Sequence

from dalil.index.normalize import normalize, normalize_answer

Groups = Sequence[Sequence[str]]


def _contains(haystack: str, needle: str) -> bool:
    return bool(needle) and needle in haystack


def answer_correct(answer: str, answers: Groups) -> bool:
    """Every required fact (group) has at least one alternative in the answer, punctuation ignored."""
    text = f" {normalize_answer(answer)} "
    return bool(answers) and all(any(_contains(text, normalize_answer(alt)) for alt in group) for group in answers)


def group_supported(sentence: str, group: Sequence[str]) -> bool:
    text = normalize(sentence)
    return any(_contains(text, normalize(alt)) for alt in group)


def citation_recall(cited: Sequence[str], evidence: Groups) -> float:
    """Fraction of evidence groups supported by at least one cited sentence."""
    if not evidence:
        return 0.0
    return sum(any(group_supported(s, g) for s in cited) for g in evidence) / len(evidence)


def supporting_citations(cited: Sequence[str], evidence: Groups, answers: Groups) -> int:
    """How many cited sentences support some evidence group or contain an answer alternative."""
    return sum(
        any(group_supported(s, g) for g in evidence)
        or any(_contains(normalize_answer(s), normalize_answer(a)) for g in answers for a in g)
        for s in cited
    )


def evidence_recall_at_k(ranked_sentence_groups: Sequence[Sequence[str]], evidence: Groups, k: int) -> float:
    """Fraction of evidence groups found among the sentences of the top-k retrieved results."""
    if not evidence:
        return 0.0
    top = [s for result in ranked_sentence_groups[:k] for s in result]
    return sum(any(group_supported(s, g) for s in top) for g in evidence) / len(evidence)


def first_evidence_rank(ranked_sentence_groups: Sequence[Sequence[str]], evidence: Groups) -> int | None:
    """1-based rank of the first result holding any evidence, for MRR."""
    for rank, result in enumerate(ranked_sentence_groups, start=1):
        if any(group_supported(s, g) for s in result for g in evidence):
            return rank
    return None
