"""Which content words of an English question an Arabic sentence covers: answerability across scripts.

Across scripts there are no shared terms, and e5's cosines between single words all fall in 0.79-0.91 (on the
demo's English questions, whether or not the sentence holds the word's counterpart): it cannot tell that
"population" is missing from a sentence about Kazakhstan. A word aligner (``index.embedders.word_aligner``)
can. A content word whose best match among the sentence's words stays below ``ALIGNED`` is not covered; the
share of such words vetoes an answer across scripts (``qa.prepare.QuestionScores``), and the mean coverage
of each candidate sentence ranks it: across scripts e5's scores bunch within a few hundredths, and the sentence
that says what was asked is the one whose words match the question's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from dalil.index.embedders.word_aligner import WordAligner
from dalil.index.stopwords import ENGLISH_STOPWORDS

ALIGNED = 0.5
# A phrase of the question against the sentence's word pairs: "prime minister" scores 0.88 with رئيس الوزراء,
# 0.57 with وزيري الدفاع (defence ministers).
ALIGNED_PHRASE = 0.7
# Words that frame a question rather than say what it is about ("how many", "according to the article").
QUESTION_FRAME = frozenset("many much according article name named often long large".split())
_NOT_KEY = ENGLISH_STOPWORDS | QUESTION_FRAME
_RELATION_PHRASE = re.compile(
    r"^\s*(?:what|who|which)\s+(?:is|was|are|were)\s+the\s+((?:[A-Za-z]+\s+){1,2}[A-Za-z]+)\s+of\b", re.IGNORECASE
)
_RELATION = re.compile(r"^\s*(?:what|who|which)\s+(?:is|was|are|were)\s+the\s+([A-Za-z]+)", re.IGNORECASE)
_FRAME_NOUNS = frozenset("number name date year day time title kind type".split())
_LATIN_TERM = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[0-9]+")
_WORD = re.compile(r"\w+")


def key_terms(question: str) -> list[str]:
    """The question's content words in Latin script and its numbers, each once, in order."""
    terms = (t for t in _LATIN_TERM.findall(question) if t.lower() not in _NOT_KEY)
    return list(dict.fromkeys(t for t in terms if len(t) > 2 or t.isdigit()))


def asked_relation(question: str) -> str | None:
    """The attribute a "What is the X of …?" question asks for (salary, population, capital, prime minister), if
    it has that form; not a word that only frames the question ("the name of", "the number of")."""
    found = _RELATION_PHRASE.search(question) or _RELATION.search(question)
    if found is None or found.group(1).split()[0].lower() in _NOT_KEY | _FRAME_NOUNS:
        return None
    return found.group(1)


def relation_covered(relation: str, sentence: str, alignment: Mapping[str, float], aligner: WordAligner) -> bool:
    """Whether a word of the sentence matches the asked relation, or for a phrase, two words side by side:
    "prime minister" is رئيس الوزراء (0.88), not وزيري الدفاع (0.57)."""
    if " " not in relation:
        return alignment.get(relation, 1.0) >= ALIGNED
    words = _WORD.findall(sentence)
    pairs = list(dict.fromkeys(f"{a} {b}" for a, b in zip(words, words[1:])))
    return bool(aligner.best_matches([relation], pairs)[0] >= ALIGNED_PHRASE)


def term_alignments(question: str, sentences: Sequence[str], aligner: WordAligner) -> list[np.ndarray]:
    """For each sentence, how well its best-matching word covers each of the question's key terms (empty arrays
    for a question without any)."""
    terms = key_terms(question)
    if not terms:
        return [np.zeros(0, dtype=np.float32) for _ in sentences]
    return [aligner.best_matches(terms, list(dict.fromkeys(_WORD.findall(s)))) for s in sentences]


def uncovered_share(alignments: Sequence[np.ndarray]) -> float:
    """Share of the key terms that none of the sentences (their alignments) covers; 0 without key terms."""
    if not alignments or not alignments[0].size:
        return 0.0
    return float(np.mean(np.max(alignments, axis=0) < ALIGNED))
