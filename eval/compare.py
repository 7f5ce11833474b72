"""Two evaluation reports side by side: per-metric deltas and the questions whose verdict flipped."""

from __future__ import annotations

from dataclasses import dataclass

METRICS = (
    "answer_accuracy",
    "citation_precision",
    "citation_recall",
    "short_answer_accuracy",
    "abstention_accuracy",
    "evidence_recall@1",
    "evidence_recall@5",
    "evidence_recall@10",
    "mrr",
)


@dataclass(frozen=True)
class Delta:
    scope: str  # "all", "ar", "en"
    metric: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else round(self.after - self.before, 4)


@dataclass(frozen=True)
class Flip:
    id: str
    question: str
    became: str  # "fixed" or "broken"


def _scopes(report: dict) -> dict[str, dict]:
    return {"all": report, **report.get("by_lang", {})}


def metric_deltas(before: dict, after: dict) -> list[Delta]:
    deltas = []
    for scope, a in _scopes(before).items():
        b = _scopes(after).get(scope, {})
        deltas += [Delta(scope, m, a.get(m), b.get(m)) for m in METRICS]
        deltas += [
            Delta(scope, f"latency_ms.{p}", a["latency_ms"][p], b.get("latency_ms", {}).get(p)) for p in ("p50", "p95")
        ]
    return deltas


def _right(question: dict) -> bool:
    verdicts = question["verdicts"]
    return verdicts["answer_correct"] if question["answerable"] else verdicts["abstention_correct"]


def flipped_questions(before: dict, after: dict) -> list[Flip]:
    """Questions answered right in one report and wrong in the other (matched by id)."""
    earlier = {q["id"]: q for q in before["questions"]}
    flips = []
    for question in after["questions"]:
        old = earlier.get(question["id"])
        if old is not None and _right(old) != _right(question):
            flips.append(Flip(question["id"], question["question"], "fixed" if _right(question) else "broken"))
    return flips
