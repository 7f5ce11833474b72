"""Run gold questions through an answerer and score them by eval/FORMAT.md's rules.

The answerer is either ``qa.answer`` in-process (the very function the service calls) or a running
service over HTTP; both hand back the ``/v1/ask`` JSON shape, so the metrics cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from dalil.eval import metrics
from dalil.qa.citations import citation_problems
from dalil.qa.types import Citation

CURVE_DEPTH = 10

# question text -> the /v1/ask response as a dict
Answerer = Callable[[str], dict]
# doc_id -> stored article text (None when unknown)
ArticleText = Callable[[str], str | None]


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
                    id=row["id"],
                    lang=row["lang"],
                    question=row["question"],
                    answerable=bool(row["answerable"]),
                    answers=row.get("answers") or [],
                    evidence=row.get("evidence") or [],
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} line {number}: not a gold question ({exc})") from exc
    return questions


def in_process_answerer(index, *, k: int, answerers=None, **options) -> Answerer:
    """``qa.answer`` as an answerer; the answerers are built once here, not once per question."""
    from dalil import qa

    if not isinstance(answerers, qa.Answerers):
        answerers = qa.Answerers.from_settings(options.get("settings") or index.settings, answerers)
    # Ten passages are retrieved whatever k is, so recall@10 and the curve can be measured.
    return lambda question: asdict(
        qa.answer(question, index, top_k=max(k, CURVE_DEPTH), answerers=answerers, **options)
    )


def stored_articles(index) -> ArticleText:
    def text(doc_id: str) -> str | None:
        article = index.get_document(doc_id)
        return article.text if article else None

    return text


def judge(question: GoldQuestion, response: dict, article_text: ArticleText) -> dict:
    """Score one answer: every metric's per-question part, and what went wrong in words."""
    citations = [
        Citation(**{f: c[f] for f in ("id", "doc_id", "title", "start", "end", "quote")}) for c in response["citations"]
    ]
    bad = citation_problems(citations, article_text)
    # A citation whose quote does not match its article counts as wrong: it supports nothing.
    valid = [c.quote for c in citations if c.id not in bad]
    ranked = [[s["text"] for s in p["sentences"]] for p in response["passages"]]
    abstained = bool(response["abstained"])
    verdicts = {
        "answer_correct": question.answerable
        and not abstained
        and metrics.answer_correct(response["answer"], question.answers),
        "abstention_correct": abstained != question.answerable,
        # The short answer (its English form counts too) holds every fact the gold answer needs.
        "short_answer_correct": question.answerable
        and not abstained
        and bool(short := response.get("short_answer"))
        and metrics.answer_correct(f"{short['text']} {short.get('english') or ''}", question.answers),
        "citation_recall": metrics.citation_recall(valid, question.evidence),
        "supporting_citations": metrics.supporting_citations(valid, question.evidence, question.answers),
        "citations": len(citations),
        "citation_problems": bad,
        "evidence_rank": metrics.first_evidence_rank(ranked, question.evidence),
        "evidence_recall": [
            metrics.evidence_recall_at_k(ranked, question.evidence, k) for k in range(1, CURVE_DEPTH + 1)
        ],
    }
    verdicts["problems"] = _problems(question, response, verdicts)
    return verdicts


def _problems(question: GoldQuestion, response: dict, verdicts: dict) -> list[str]:
    problems = [f"citation {cid}: {why}" for cid, why in verdicts["citation_problems"].items()]
    if not question.answerable:
        if not response["abstained"]:
            problems.append("answered a question the articles do not answer")
        return problems
    if response["abstained"]:
        problems.append("abstained although the articles answer it")
    elif not verdicts["answer_correct"]:
        missing = [g for g in question.answers if not metrics.answer_correct(response["answer"], [g])]
        problems.append("answer lacks " + " and ".join(" / ".join(g) for g in missing))
    if verdicts["evidence_rank"] is None:
        problems.append(f"evidence not among the top {CURVE_DEPTH} passages")
    elif not response["abstained"] and verdicts["citation_recall"] < 1:
        problems.append("evidence retrieved but not cited")
    uncited = verdicts["citations"] - verdicts["supporting_citations"]
    if uncited > 0:
        problems.append(f"{uncited} citation(s) support nothing in the gold answer")
    return problems


def evaluate(
    gold: Sequence[GoldQuestion],
    answerer: Answerer,
    article_text: ArticleText,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Answer every question and return the summary metrics (overall, per language, per answerability)."""
    records = []
    for done, question in enumerate(gold, start=1):
        response = answerer(question.question)
        records.append(
            {
                "id": question.id,
                "lang": question.lang,
                "answerable": question.answerable,
                "question": question.question,
                "answer": response["answer"],
                "warnings": response.get("warnings", []),
                "abstained": response["abstained"],
                "confidence": response["confidence"],
                "citations": response["citations"],
                "short_answer": response.get("short_answer"),
                "gold": {"answers": question.answers, "evidence": question.evidence},
                "latency_ms": response["timings_ms"]["total"],
                "backend": response.get("backend", "extractive"),
                "degraded": bool(response.get("degraded")),
                "degraded_reason": response.get("degraded_reason"),
                "unsupported": response.get("unsupported", []),
                "verdicts": judge(question, response, article_text),
            }
        )
        if progress:
            progress(done, len(gold))
    report = summarize(records)
    report["by_lang"] = {lang: summarize([r for r in records if r["lang"] == lang]) for lang in _langs(records)}
    report["by_answerable"] = {
        "answerable": summarize([r for r in records if r["answerable"]]),
        "unanswerable": summarize([r for r in records if not r["answerable"]]),
    }
    report["questions"] = records
    return report


def _langs(records: Iterable[dict]) -> list[str]:
    return sorted({r["lang"] for r in records} | {"ar", "en"})


def summarize(records: Sequence[dict]) -> dict:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    total_citations = sum(r["verdicts"]["citations"] for r in answerable)
    latencies = [r["latency_ms"] for r in records]
    curve = [_mean([r["verdicts"]["evidence_recall"][k - 1] for r in answerable]) for k in range(1, CURVE_DEPTH + 1)]
    return {
        "n": len(records),
        "answerable": len(answerable),
        "answer_accuracy": _mean([r["verdicts"]["answer_correct"] for r in answerable]),
        "citation_precision": round(sum(r["verdicts"]["supporting_citations"] for r in answerable) / total_citations, 4)
        if total_citations
        else None,
        "citation_recall": _mean([r["verdicts"]["citation_recall"] for r in answerable]),
        # Of the questions answered correctly, the share whose short answer alone holds the gold answer.
        "short_answer_accuracy": _mean(
            [r["verdicts"]["short_answer_correct"] for r in answerable if r["verdicts"]["answer_correct"]]
        ),
        "abstention_accuracy": _mean([r["verdicts"]["abstention_correct"] for r in records]),
        "false_abstain": sum(r["abstained"] for r in answerable),
        "false_answer": sum(not r["abstained"] for r in unanswerable),
        "evidence_recall@1": curve[0],
        "evidence_recall@5": curve[4],
        "evidence_recall@10": curve[9],
        "evidence_recall_curve": curve,
        "mrr": _mean(
            [1 / r["verdicts"]["evidence_rank"] if r["verdicts"]["evidence_rank"] else 0.0 for r in answerable]
        ),
        # How often the LLM answer stood (backend "llm") or was replaced by the extractive one (degraded).
        "llm_answered": sum(r.get("backend") == "llm" for r in records),
        "degraded": sum(bool(r.get("degraded")) for r in records),
        "unsupported_claims": sum(len(r.get("unsupported", [])) for r in records),
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 2) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
        },
    }


def _mean(values: Sequence) -> float | None:
    return round(float(np.mean(values)), 4) if len(values) else None
