"""FORMAT.md metrics on hand-made cases: every number here was worked out by hand."""

import pytest

from dalil.eval import metrics
from dalil.eval.compare import flipped_questions, metric_deltas
from dalil.eval.runner import GoldQuestion, evaluate, judge

ARTICLE = "وقع الوزيران خطة التعاون لعام 2016. وتعمل روسيا على نظامين. الطقس مشمس."
S0 = "وقع الوزيران خطة التعاون لعام 2016."
S1 = "وتعمل روسيا على نظامين."
S2 = "الطقس مشمس."


def span(sentence: str) -> tuple[int, int]:
    start = ARTICLE.index(sentence)
    return start, start + len(sentence)


def citation(n: int, sentence: str, *, shift: int = 0) -> dict:
    start, end = span(sentence)
    return {
        "id": f"doc:{n}",
        "doc_id": "doc",
        "title": "t",
        "start": start + shift,
        "end": end + shift,
        "quote": sentence,
    }


def response(answer: str, citations: list[dict], *, abstained: bool = False, passages=None, ms: float = 10.0) -> dict:
    passages = passages if passages is not None else [[S0, S1], [S2]]
    return {
        "answer": answer,
        "abstained": abstained,
        "confidence": 0.9,
        "citations": citations,
        "passages": [{"sentences": [{"text": s} for s in p]} for p in passages],
        "timings_ms": {"total": ms},
    }


QUESTION = GoldQuestion("q1", "ar", "لأي عام؟", True, [["2016"]], [["خطة التعاون لعام 2016"]])
TWO_FACTS = GoldQuestion("q2", "en", "Which years?", True, [["2016"], ["2020"]], [["لعام 2016"], ["2020"]])
UNANSWERABLE = GoldQuestion("q3", "en", "Population?", False, [], [])
articles = {"doc": ARTICLE}.get


def test_answer_matching_follows_format_normalization():
    assert metrics.answer_correct("في عامِ ٢٠١٦.", [["2016"]])  # diacritics and Arabic-Indic digits
    assert metrics.answer_correct("Belarus, of course", [["بيلاروس", "belarus"]])
    assert not metrics.answer_correct("", [["2016"]])
    assert not metrics.answer_correct("2016 only", [["2016"], ["2020"]])  # every group is required
    assert metrics.answer_correct("من 2016 إلى 2020", [["2016"], ["2020"]])
    assert not metrics.answer_correct("anything", [])


def test_perfect_answer():
    verdicts = judge(QUESTION, response(f"{S0} [1]", [citation(0, S0)]), articles)
    assert verdicts["answer_correct"] and verdicts["abstention_correct"]
    assert verdicts["citation_recall"] == 1.0 and verdicts["supporting_citations"] == 1
    assert verdicts["evidence_rank"] == 1 and verdicts["evidence_recall"][0] == 1.0
    assert verdicts["problems"] == []


def test_wrong_citation_lowers_precision_not_accuracy():
    verdicts = judge(QUESTION, response("2016", [citation(0, S0), citation(2, S2)]), articles)
    assert verdicts["answer_correct"]
    assert verdicts["supporting_citations"] == 1 and verdicts["citations"] == 2
    assert "1 citation(s) support nothing in the gold answer" in verdicts["problems"]


def test_citation_with_bad_offsets_supports_nothing():
    verdicts = judge(QUESTION, response("2016", [citation(0, S0, shift=2)]), articles)
    assert "doc:0" in verdicts["citation_problems"]
    assert verdicts["citation_recall"] == 0.0 and verdicts["supporting_citations"] == 0
    assert any(p.startswith("citation doc:0") for p in verdicts["problems"])


def test_empty_answer_is_wrong():
    verdicts = judge(QUESTION, response("", []), articles)
    assert not verdicts["answer_correct"] and verdicts["citation_recall"] == 0.0
    assert "answer lacks 2016" in verdicts["problems"]


def test_abstentions_right_and_wrong():
    right = judge(UNANSWERABLE, response("I could not find…", [], abstained=True), articles)
    wrong = judge(QUESTION, response("I could not find…", [], abstained=True), articles)
    answered = judge(UNANSWERABLE, response(S2, [citation(2, S2)]), articles)
    assert right["abstention_correct"] and right["problems"] == []
    assert not wrong["abstention_correct"] and not wrong["answer_correct"]
    assert "abstained although the articles answer it" in wrong["problems"]
    assert not answered["abstention_correct"]
    assert answered["problems"] == ["answered a question the articles do not answer"]


def test_multi_group_partial_citation_recall_and_retrieval_curve():
    only_first = judge(TWO_FACTS, response("2016", [citation(0, S0)], passages=[[S2], [S0]]), articles)
    assert not only_first["answer_correct"]
    assert only_first["citation_recall"] == 0.5
    assert only_first["evidence_rank"] == 2
    assert only_first["evidence_recall"][:3] == [0.0, 0.5, 0.5]


def test_summary_over_questions():
    gold = [QUESTION, TWO_FACTS, UNANSWERABLE]
    replies = {
        QUESTION.question: response(f"{S0} [1]", [citation(0, S0), citation(2, S2)], ms=10),
        TWO_FACTS.question: response("I could not find…", [], abstained=True, ms=30),
        UNANSWERABLE.question: response(S2, [citation(2, S2)], ms=20),
    }
    report = evaluate(gold, replies.__getitem__, articles)
    assert report["n"] == 3 and report["answerable"] == 2
    assert report["answer_accuracy"] == 0.5
    assert report["citation_precision"] == 0.5  # 1 of the 2 citations on answerable questions supports
    assert report["abstention_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert (report["false_abstain"], report["false_answer"]) == (1, 1)
    assert report["latency_ms"]["p50"] == 20.0
    assert report["by_lang"]["ar"]["n"] == 1 and report["by_lang"]["en"]["n"] == 2
    assert report["by_answerable"]["unanswerable"]["n"] == 1
    assert report["evidence_recall@1"] == 0.75  # q1 fully, q2 one of two groups
    assert report["mrr"] == 1.0


def test_compare_reports():
    gold = [QUESTION, UNANSWERABLE]
    before = evaluate(
        gold,
        {
            QUESTION.question: response("nothing", []),
            UNANSWERABLE.question: response("x", [], abstained=True),
        }.__getitem__,
        articles,
    )
    after = evaluate(
        gold,
        {
            QUESTION.question: response("2016", [citation(0, S0)]),
            UNANSWERABLE.question: response(S2, [citation(2, S2)]),
        }.__getitem__,
        articles,
    )
    flips = {f.id: f.became for f in flipped_questions(before, after)}
    assert flips == {"q1": "fixed", "q3": "broken"}
    accuracy = next(d for d in metric_deltas(before, after) if d.scope == "all" and d.metric == "answer_accuracy")
    assert (accuracy.before, accuracy.after, accuracy.change) == (0.0, 1.0, 1.0)
