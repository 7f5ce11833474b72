"""Run gold questions through ``qa.answer`` (the same function the service calls) and score them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import qa
from eval import metrics
from index.loaded import LoadedIndex
from qa.citations import citation_problems


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    lang: str
    question: str
    answerable: bool
    answers: list[list[str]]
    evidence: list[list[str]]


def load_gold(path: Path) -> list[GoldQuestion]:
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                GoldQuestion(
                    id=row["id"], lang=row["lang"], question=row["question"], answerable=bool(row["answerable"]),
                    answers=row.get("answers") or [], evidence=row.get("evidence") or [],
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} line {number}: not a gold question ({exc})") from exc
    return questions


def evaluate(
    gold: Sequence[GoldQuestion], index: LoadedIndex, *, k: int = 5, ask: Callable[..., qa.answer] | None = None
) -> dict:
    """Answer every question and return the summary metrics and per-question verdicts."""
    ask = ask or qa.answer
    records = []
    for question in gold:
        result = ask(question.question, index, top_k=max(k, 10))
        ranked = [[s.text for s in p.sentences] for p in result.passages]
        cited = [c.quote for c in result.citations]
        bad_offsets = citation_problems(result.citations, lambda d: (a.text if (a := index.get_document(d)) else None))
        # A citation whose quote does not match its article counts as wrong: drop it before scoring.
        valid = [c.quote for c in result.citations if c.id not in bad_offsets]
        verdicts = {
            "answer_correct": (not result.abstained) and metrics.answer_correct(result.answer, question.answers),
            "abstention_correct": result.abstained != question.answerable,
            "citation_recall": metrics.citation_recall(valid, question.evidence),
            "supporting_citations": metrics.supporting_citations(valid, question.evidence, question.answers),
            "citations": len(cited),
            "citation_problems": bad_offsets,
            "evidence_recall@1": metrics.evidence_recall_at_k(ranked, question.evidence, 1),
            "evidence_recall@5": metrics.evidence_recall_at_k(ranked, question.evidence, 5),
            "evidence_recall@10": metrics.evidence_recall_at_k(ranked, question.evidence, 10),
            "evidence_rank": metrics.first_evidence_rank(ranked, question.evidence),
        }
        records.append(
            {
                "id": question.id, "lang": question.lang, "answerable": question.answerable,
                "question": question.question, "answer": result.answer, "abstained": result.abstained,
                "confidence": result.confidence, "citations": [c.__dict__ for c in result.citations],
                "latency_ms": result.timings_ms["total"], "verdicts": verdicts,
            }
        )
    summary = summarize(records)
    summary["by_lang"] = {lang: summarize([r for r in records if r["lang"] == lang]) for lang in ("ar", "en")}
    summary["questions"] = records
    return summary


def summarize(records: Sequence[dict]) -> dict:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    total_citations = sum(r["verdicts"]["citations"] for r in answerable)
    latencies = [r["latency_ms"] for r in records]

    def mean(values):
        return round(float(np.mean(values)), 4) if values else None

    return {
        "n": len(records),
        "answer_accuracy": mean([r["verdicts"]["answer_correct"] for r in answerable]),
        "citation_precision": round(sum(r["verdicts"]["supporting_citations"] for r in answerable) / total_citations, 4)
        if total_citations else None,
        "citation_recall": mean([r["verdicts"]["citation_recall"] for r in answerable]),
        "abstention_accuracy": mean([r["verdicts"]["abstention_correct"] for r in records]),
        "unanswerable_abstained": mean([r["abstained"] for r in unanswerable]),
        "false_abstain": sum(r["abstained"] for r in answerable),
        "false_answer": sum(not r["abstained"] for r in unanswerable),
        "evidence_recall@1": mean([r["verdicts"]["evidence_recall@1"] for r in answerable]),
        "evidence_recall@5": mean([r["verdicts"]["evidence_recall@5"] for r in answerable]),
        "evidence_recall@10": mean([r["verdicts"]["evidence_recall@10"] for r in answerable]),
        "mrr": mean([1 / r["verdicts"]["evidence_rank"] if r["verdicts"]["evidence_rank"] else 0.0 for r in answerable]),
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 2) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
        },
    }
