"""Coverage of an English question by an Arabic sentence: key terms, the uncovered share, and its veto."""

import numpy as np
import pytest

from dalil.index.types import Sentence
from dalil.qa.alignment import ALIGNED, key_terms, unaligned_share
from dalil.qa.extractive import ScoredSentence, ScoringWeights
from dalil.qa.prepare import QuestionScores


class DictionaryAligner:
    """A fake aligner: a term matches the words its dictionary entry lists, nothing else."""

    def __init__(self, entries: dict[str, set[str]]) -> None:
        self.entries = entries
        self.asked: list[tuple[list[str], list[str]]] = []

    def best_matches(self, terms, words):
        self.asked.append((list(terms), list(words)))
        return np.array([0.9 if self.entries.get(t, set()) & set(words) else 0.2 for t in terms])


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


def test_the_uncovered_share_counts_terms_no_word_of_the_sentence_matches():
    aligner = DictionaryAligner({"population": {"سكان"}, "Kazakhstan": {"كازاخستان"}})
    question = "What is the population of Kazakhstan?"
    assert unaligned_share(question, "يبلغ عدد سكان كازاخستان 19 مليونا.", aligner) == 0.0
    assert unaligned_share(question, "وقعت روسيا مع كازاخستان اتفاقا.", aligner) == 0.5
    assert aligner.asked[-1] == (["population", "Kazakhstan"], ["وقعت", "روسيا", "مع", "كازاخستان", "اتفاقا"])
    assert unaligned_share("Who is he?", "أي جملة", aligner) == 0.0  # nothing to check: no veto
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
    from dalil.qa.prepare import prepare

    aligner = DictionaryAligner({})
    index = open_index(settings_for_tests, aligner=aligner)
    try:
        english = prepare("What is the population of Armenia?", index, 5, settings_for_tests, ScoringWeights())
        assert english.scores.unaligned_share == 1.0 and english.confidence == 0.0
        ((terms, words),) = aligner.asked
        assert terms == ["population", "Armenia"]
        best_two = [s.sentence.text for s in english.scores.scored[:2]]
        assert words[0] in best_two[0] and words[-1] in best_two[1]
        arabic = prepare("كم يبلغ عدد سكان أرمينيا؟", index, 5, settings_for_tests, ScoringWeights())
        assert arabic.scores.same_script and arabic.scores.unaligned_share == 0.0 and len(aligner.asked) == 1
    finally:
        index.close()
