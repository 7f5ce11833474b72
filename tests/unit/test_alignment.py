"""Coverage of an English question by an Arabic sentence: key terms, the uncovered share, and its veto."""

import dataclasses
import re

import numpy as np
import pytest

from dalil.index.types import Sentence
from dalil.qa.alignment import ALIGNED, asked_relation, key_terms, term_alignments, uncovered_share
from dalil.qa.extractive import ScoredSentence, ScoringWeights
from dalil.qa.prepare import QuestionScores
from dalil.testing.aligners import DictionaryAligner


class OneSentenceAligner:
    """A fake aligner under which one sentence's words cover every term and no other's do."""

    def __init__(self, sentence: str) -> None:
        self.words = re.findall(r"\w+", sentence)

    def best_matches(self, terms, words):
        return np.full(len(terms), 0.9 if list(words) == list(dict.fromkeys(self.words)) else 0.2)


def test_key_terms_are_content_words_and_numbers_without_the_question_frame():
    assert key_terms("How many people died in the 2016 earthquake in Tajikistan, according to the article?") == [
        "people",
        "died",
        "2016",
        "earthquake",
        "Tajikistan",
    ]
    assert key_terms("What is the name of the commander of the Russian air force?") == [
        "commander",
        "Russian",
        "air",
        "force",
    ]
    assert key_terms("Who is he?") == []


def test_the_uncovered_share_counts_terms_no_word_of_the_sentences_matches():
    aligner = DictionaryAligner({"population": {"سكان"}, "Kazakhstan": {"كازاخستان"}})
    question = "What is the population of Kazakhstan?"
    answering, other = "يبلغ عدد سكان كازاخستان 19 مليونا.", "وقعت روسيا مع كازاخستان اتفاقا."
    assert uncovered_share(term_alignments(question, [answering], aligner)) == 0.0
    assert uncovered_share(term_alignments(question, [other], aligner)) == 0.5
    assert aligner.asked[-1] == (["population", "Kazakhstan"], ["وقعت", "روسيا", "مع", "كازاخستان", "اتفاقا"])
    # Together, two sentences cover what either covers.
    assert uncovered_share(term_alignments(question, [other, answering], aligner)) == 0.0
    assert uncovered_share(term_alignments("Who is he?", ["أي جملة"], aligner)) == 0.0  # nothing to check: no veto
    assert ALIGNED == 0.5


def _scores(score: float, unaligned: float, same_script: bool = False) -> QuestionScores:
    sentence = Sentence(id="d#0", doc_id="d", n=0, start=0, end=3, text="نص.")
    scored = [ScoredSentence(sentence, dense=0.8, coverage=0.0, score=score, covered_terms=frozenset())]
    return QuestionScores(scored, unseen_share=0.0, same_script=same_script, unaligned_share=unaligned)


def test_half_the_key_terms_uncovered_vetoes_an_answer_across_scripts_only():
    weights = ScoringWeights()
    confident = _scores(1.35, unaligned=0.0).confidence(weights)
    assert confident > 0.9
    assert _scores(1.35, unaligned=0.4).confidence(weights) == pytest.approx(confident)
    assert _scores(1.35, unaligned=weights.max_unaligned_share).confidence(weights) == 0.0
    # Within one script the lexical terms already count; the cross-script share is not consulted.
    same = _scores(1.6, unaligned=1.0, same_script=True).confidence(weights)
    assert same == _scores(1.6, unaligned=0.0, same_script=True).confidence(weights) and same > 0.5


def test_a_question_is_checked_against_its_best_two_sentences_only_across_scripts(settings_for_tests):
    from dalil.index.loaded import open_index
    from dalil.qa.prepare import ALIGNED_CANDIDATES, prepare

    aligner = DictionaryAligner({})
    index = open_index(settings_for_tests, aligner=aligner)
    try:
        english = prepare("What is the population of Armenia?", index, 5, settings_for_tests, ScoringWeights())
        assert english.scores.unaligned_share == 1.0 and english.confidence == 0.0
        assert english.scores.uncovered_relation == "population"  # what is asked for, matched by no word
        # Each of the best candidates is aligned once; the veto reads the best two by score.
        assert len(aligner.asked) == ALIGNED_CANDIDATES
        assert all(terms == ["population", "Armenia"] for terms, _ in aligner.asked)
        best_two = [s.sentence.text for s in english.scores.scored[:2]]
        assert aligner.asked[0][1][0] in best_two[0] and aligner.asked[1][1][-1] in best_two[1]
        arabic = prepare("كم يبلغ عدد سكان أرمينيا؟", index, 5, settings_for_tests, ScoringWeights())
        assert arabic.scores.same_script and arabic.scores.unaligned_share == 0.0
        assert len(aligner.asked) == ALIGNED_CANDIDATES  # not consulted within one script
    finally:
        index.close()


def test_across_scripts_the_sentence_covering_the_question_ranks_first(settings_for_tests):
    from dalil.index.loaded import open_index
    from dalil.qa.prepare import ALIGNED_CANDIDATES, prepare

    index = open_index(settings_for_tests, aligner=DictionaryAligner({}))
    try:
        question = "In which year did Russia and Kazakhstan sign an air defence agreement?"
        plain = prepare(question, index, 5, settings_for_tests, ScoringWeights())
        # Make the fifth-best sentence by score the only one whose words cover the question's key terms.
        fifth = plain.scores.scored[4].sentence.text
        index.aligner = OneSentenceAligner(fifth)
        ranked = prepare(question, index, 5, settings_for_tests, ScoringWeights())
        assert ranked.scores.scored[0].sentence.text == fifth
        assert ranked.scores.scored[0].rank_score > ranked.scores.scored[1].rank_score
        assert len({s.sentence.id for s in ranked.scores.scored[:ALIGNED_CANDIDATES]}) == ALIGNED_CANDIDATES
        # Confidence stays calibrated on the best score, whichever sentence ranks first.
        assert ranked.scores.best_score == plain.scores.scored[0].score
        unranked = prepare(question, index, 5, settings_for_tests, ScoringWeights(alignment_weight=0.0))
        assert [s.sentence.id for s in unranked.scores.scored] == [s.sentence.id for s in plain.scores.scored]
    finally:
        index.close()


def test_names_and_numbers_the_best_sentence_lacks_veto_an_answer_across_scripts():
    weights = ScoringWeights()
    confident = _scores(1.35, unaligned=0.0).confidence(weights)
    assert confident > 0.9
    assert dataclasses.replace(_scores(1.35, 0.0), missing_names=("Armenia",)).confidence(weights) == 0.0
    assert dataclasses.replace(_scores(1.35, 0.0), lacks_number=True).confidence(weights) == 0.0
    same = _scores(1.6, unaligned=0.0, same_script=True)
    assert dataclasses.replace(same, missing_names=("Armenia",)).confidence(weights) == same.confidence(weights)


def test_a_name_the_article_spells_must_be_in_the_sentence_or_beside_it(demo_index):
    from dalil.qa.prepare import missing_names

    docs = {d.id: demo_index.sentences(d.id) for d in demo_index.list_documents()}
    sentences = next(s for s in docs.values() if any("شويغو" in x.text for x in s))
    named = next(i for i, s in enumerate(sentences) if "شويغو" in s.text)
    far = next(s for s in sentences if not any("شويغو" in x.text for x in sentences if abs(x.n - s.n) <= 1))
    question = "What did Shoigu say?"
    assert missing_names(demo_index, question, sentences[named], {}) == ()
    assert missing_names(demo_index, question, far, {"Shoigu": 0.9}) == ("Shoigu",)
    # A name the article never spells may be translated: missing only when the aligner finds nothing near it.
    assert missing_names(demo_index, "What did the Council say?", far, {"Council": 0.88}) == ()
    assert missing_names(demo_index, "What did the Council say?", far, {"Council": 0.4}) == ("Council",)


@pytest.mark.parametrize(
    ("question", "relation"),
    [
        ("What is the salary of the Russian defence minister?", "salary"),
        ("what was the value of the arms deal?", "value"),
        ("Who is the president of Armenia?", "president"),
        ("Who is the prime minister of Kazakhstan?", "prime minister"),
        ("What was the number of the regular meeting?", None),  # frames the question: the answer is a number
        ("What is the name of the Uzbek defence minister?", None),
        ("When was the agreement signed?", None),
    ],
)
def test_the_asked_relation_is_the_attribute_a_what_is_the_x_question_asks_for(question, relation):
    assert asked_relation(question) == relation


def test_an_asked_relation_no_word_of_the_best_sentence_matches_vetoes_an_answer():
    weights = ScoringWeights()
    assert dataclasses.replace(_scores(1.35, 0.0), uncovered_relation="salary").confidence(weights) == 0.0
    assert _scores(1.35, 0.0).confidence(weights) > 0.9


def test_a_phrase_relation_is_covered_only_by_two_words_side_by_side():
    from dalil.qa.alignment import relation_covered

    aligner = DictionaryAligner({"prime minister": {"رئيس الوزراء"}, "salary": {"راتب"}})
    assert relation_covered("prime minister", "قال رئيس الوزراء إن", {}, aligner)
    assert not relation_covered("prime minister", "قال رئيس إن الوزراء", {}, aligner)  # not side by side
    assert relation_covered("salary", "أي جملة", {"salary": 0.8}, aligner)
    assert not relation_covered("salary", "أي جملة", {"salary": 0.3}, aligner)
