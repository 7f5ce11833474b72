"""Short answers: the span chosen among cited sentences, its offsets into the article, its English form, and the
answer leading with it. A fake reader stands in for the model (tests/integration covers the real one)."""

from __future__ import annotations

import re

import pytest

from dalil.index.embedders.span_reader import best_span
from dalil.index.protocols import Span
from dalil.qa.extractive import ScoringWeights
from dalil.qa.extractive_answerer import ExtractiveAnswerer
from dalil.qa.prepare import chosen_sentences, prepare
from dalil.qa.short_answer import answering_sentences, english_form, short_answer
from dalil.qa.types import Citation

NUMBER = re.compile(r"[0-9٠-٩]+")


class FirstNumber:
    """Answers with the first number of a sentence, more surely the more digits it has; nothing without one."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def read(self, question, sentences):
        self.calls.append((question, list(sentences)))
        found = [NUMBER.search(s) for s in sentences]
        return [Span(m.start(), m.end(), float(len(m.group()))) if m else None for m in found]


def citation(article: str, quote: str, doc_id: str = "a") -> Citation:
    start = article.index(quote)
    return Citation(f"{doc_id}:{start}", doc_id, "t", start, start + len(quote), quote)


ARTICLE = "مقدمة. وقع الاتفاق في 12 يونيو 2010 في موسكو. وبلغت قيمته ٣٠٠ مليون دولار."


def test_the_surest_span_among_the_cited_sentences_wins_with_offsets_into_the_article():
    cited = [
        citation(ARTICLE, "وقع الاتفاق في 12 يونيو 2010 في موسكو."),
        citation(ARTICLE, "وبلغت قيمته ٣٠٠ مليون دولار."),
    ]
    short, number = short_answer("كم؟", cited, FirstNumber(), "ar")
    assert number == 2  # "٣٠٠" has more digits than "12"
    assert short.text == "٣٠٠" == ARTICLE[short.start : short.end]
    assert short.doc_id == "a" and cited[1].start <= short.start < short.end <= cited[1].end
    assert short.english is None  # an Arabic asker reads the Arabic


def test_an_english_asker_gets_the_english_form():
    cited = [citation(ARTICLE, "وبلغت قيمته ٣٠٠ مليون دولار.")]
    short, _ = short_answer("How much?", cited, FirstNumber(), "en")
    assert (short.text, short.english) == ("٣٠٠", "300")


def test_no_short_answer_when_the_reader_is_unsure_or_finds_nothing():
    cited = [citation(ARTICLE, "مقدمة.")]
    assert short_answer("متى؟", cited, FirstNumber(), "ar") == (None, None)
    numbered = [citation(ARTICLE, "وقع الاتفاق في 12 يونيو 2010 في موسكو.")]
    assert short_answer("متى؟", numbered, FirstNumber(), "ar", min_score=5.0) == (None, None)
    assert short_answer("متى؟", [], FirstNumber(), "ar") == (None, None)


def test_punctuation_at_the_span_edges_is_trimmed_and_offsets_follow():
    class WholeTail:
        def read(self, question, sentences):
            return [Span(s.index("«"), len(s), 1.0) for s in sentences]

    article = "قال الوزير إن الاسم «بالخاش»."
    short, _ = short_answer("ما الاسم؟", [citation(article, article)], WholeTail(), "ar")
    assert short.text == "بالخاش" == article[short.start : short.end]


@pytest.mark.parametrize(
    ("arabic", "english"),
    [
        ("12 يونيو 2010", "12 June 2010"),
        ("٣٠٠ مليون دولار", "300 million dollars"),
        ("23 ديسمبر/كانون الأول", "23 December"),
        ("عام 2013", "2013"),
        ("٢٠٢٢-٢٠٢٤", "2022-2024"),
        ("بالخاش", None),  # a name: no English form without a translation model
        ("2013", None),  # already readable
        ("وزير الدفاع 2016", None),
    ],
)
def test_english_forms(arabic, english):
    assert english_form(arabic) == english


def test_best_span_prefers_the_highest_start_plus_end_over_no_answer():
    #            <s>   q     </s>  w1      w2      w3
    offsets = [None, None, None, (0, 3), (3, 8), (8, 12)]
    starts = [1.0, 9.0, 0.0, 0.5, 3.0, 0.0]
    ends = [1.0, 0.0, 9.0, 0.0, 0.5, 2.5]
    span = best_span(starts, ends, offsets, "abc defg hij")
    # Question tokens never start or end a span, however high they score; the leading space is trimmed.
    assert (span.start, span.end) == (4, 12)
    assert span.score == pytest.approx(3.0 + 2.5 - 2.0)
    assert best_span(starts, ends, [None] * 6, "x") is None


def _prepared_with_first_number(demo_index):
    reader = FirstNumber()
    demo_index.span_reader = reader
    question = "متى وقعت روسيا وأرمينيا اتفاق الدفاع الجوي؟"
    return reader, prepare(question, demo_index, 5, demo_index.settings, ScoringWeights())


def test_the_extractive_answer_leads_with_the_short_answer(demo_index):
    reader, prepared = _prepared_with_first_number(demo_index)
    answer = ExtractiveAnswerer(abstain_threshold=0).answer(prepared, demo_index)
    short = answer.short_answer
    read = [s.sentence.text for s in chosen_sentences(prepared.scores, prepared.weights, 3)]
    assert short is not None and reader.calls == [(prepared.question, read)] and len(read) == 2
    # "23" reads 2, "2016" reads 4: the runner-up reads more than runner_up_span_gap below the lead, so only the
    # sentence holding the short answer is cited.
    assert [c.quote for c in answer.citations] == [s for s in read if "2016" in s]
    assert demo_index.get_document(short.doc_id).text[short.start : short.end] == short.text
    holder = next(
        n for n, c in enumerate(answer.citations, 1) if c.doc_id == short.doc_id and c.start <= short.start < c.end
    )
    assert answer.answer.startswith(f"{short.text} [{holder}]. ")
    demo_index.span_reader = None
    plain = ExtractiveAnswerer(abstain_threshold=0).answer(prepared, demo_index)
    # Without a reader nothing leads and every chosen sentence stays cited.
    assert plain.short_answer is None and [c.quote for c in plain.citations] == read
    assert not plain.answer[0].isdigit()


def test_an_abstained_answer_has_no_short_answer(demo_index):
    reader, prepared = _prepared_with_first_number(demo_index)
    answer = ExtractiveAnswerer(abstain_threshold=1).answer(prepared, demo_index)
    assert answer.abstained and answer.short_answer is None and not answer.answer[0].isdigit()


def test_runners_up_stay_cited_only_where_the_reader_finds_an_answer():
    spans = [Span(0, 1, 1.0), None, Span(0, 1, 6.0), Span(0, 1, 2.5)]
    assert answering_sentences(spans, min_runner_up=2.0, max_gap=9) == (2, [2, 3])
    assert answering_sentences(spans, min_runner_up=2.0, max_gap=3) == (2, [2])  # 2.5 is 3.5 below the lead
    # Without any span sure enough, nothing leads and every chosen sentence stays cited.
    assert answering_sentences([Span(0, 1, -3.0), None], 2.0, 1.0) == (None, [0, 1])
    assert answering_sentences([], 2.0, 1.0) == (None, [])


def _scores(best_span: float | None, same_script: bool = False):
    from dalil.index.types import Sentence
    from dalil.qa.extractive import ScoredSentence
    from dalil.qa.prepare import QuestionScores

    sentence = Sentence(id="d:0", doc_id="d", n=0, start=0, end=3, text="نص.")
    scored = [
        ScoredSentence(sentence, dense=0.8, coverage=0.0, score=1.6 if same_script else 1.35, covered_terms=frozenset())
    ]
    return QuestionScores(scored, unseen_share=0.0, same_script=same_script, best_span=best_span)


def test_no_answer_span_in_any_chosen_sentence_vetoes_an_answer_across_scripts_only():
    weights = ScoringWeights()
    confident = _scores(None).confidence(weights)
    assert confident > 0.9 and _scores(weights.min_cross_script_span + 0.1).confidence(weights) == confident
    assert _scores(weights.min_cross_script_span - 0.1).confidence(weights) == 0.0
    same = _scores(None, same_script=True).confidence(weights)
    assert same > 0.5 and _scores(-20.0, same_script=True).confidence(weights) == same


def test_the_chosen_sentences_are_read_once_per_question(demo_index):
    reader, prepared = _prepared_with_first_number(demo_index)
    assert len(reader.calls) == 1 and set(prepared.readings) and prepared.scores.best_span is not None
    ExtractiveAnswerer(abstain_threshold=0, max_sentences=demo_index.settings.max_answer_sentences).answer(
        prepared, demo_index
    )
    assert len(reader.calls) == 1  # the answer reuses the reading
    ExtractiveAnswerer(abstain_threshold=0, max_sentences=10).answer(prepared, demo_index)
    assert all(set(sentences).isdisjoint(reader.calls[0][1]) for _, sentences in reader.calls[1:])
