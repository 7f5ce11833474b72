"""Negation and cancellation in a text, across Arabic and English: a claim may not deny what its source states.

"Medvedev did not hold the talks [1]", "لم يوقع الاتفاق [1]" and "the talks were cancelled [1]" turn a source
that states the talks took place into its opposite while sharing almost all of its words, so the similarity
checks pass them. A claim carrying a negation or cancellation cue is supported only by a cited sentence that
carries as many (in either language). The other direction (a source's negation dropped from the claim) is not
checked: Arabic "لا سيما" ("especially") and "غير" ("other than") make source-side cues too unreliable.
"""

from __future__ import annotations

from collections.abc import Iterator

from dalil.index.embedders.word_aligner import WordAligner
from dalil.index.normalize import normalize, tokenize
from dalil.index.stopwords import ARABIC_STOPWORDS, ENGLISH_STOPWORDS

# Normalized forms (index.normalize: one alef, ى→ي, ة→ه, no diacritics), each also found after one proclitic
# (و, ف, ب, ل, ك: "ولم", "فلا").
_ARABIC = frozenset(
    {
        "لم", "لن", "لا", "ليس", "ليست", "لسنا", "لست", "ما", "عدم",
        "نفي", "نفت", "ينفي", "تنفي", "نفوا",
        "الغي", "الغت", "الغاء", "الغيت", "يلغي", "تلغي", "الغوا",
        "رفض", "رفضت", "يرفض", "ترفض", "رفضوا", "امتنع", "امتنعت", "يمتنع", "تمتنع", "امتنعوا",
    }
)  # fmt: skip
# "ما" is also "what"/"which": only as the first word ("ما وقع ..." = "did not sign").
_ARABIC_FIRST_ONLY = frozenset({"ما"})
_ARABIC_NOT_NEGATION = {("لا", "سيما"), ("لا", "بد"), ("لم", "نقل")}  # "especially", "must", "(if) not to say"
# "إن لم يكن" / "إن لم تكن" ("if not", as in "serious, if not decisive"): a hedge, not a denial.
_ARABIC_HEDGE = frozenset({"يكن", "تكن"})
# ("won't" and "don't" are left out: "won" and "don" are also a verb and a name.)
_PROCLITICS = "وفبلك"
_ENGLISH = frozenset(
    {
        "not", "no", "never", "none", "nor", "neither", "nothing", "cannot",
        "didn", "doesn", "isn", "wasn", "weren", "aren", "wouldn", "couldn", "hasn", "haven", "hadn",
        "shouldn", "denied", "denies", "deny", "denying", "refused", "refuses", "refuse",
        "cancelled", "canceled", "cancels", "cancel", "cancelling", "canceling", "cancellation", "scrapped",
        "abandoned", "postponed", "halted",
    }
)  # fmt: skip


# How many words after a cue it bears on, and how close (by the word aligner) a claim's negated words must come
# to a source's for the two negations to be one.
NEGATED_REACH = 2
NEGATED_MATCH = 0.5
# Cues that are particles, not verbs: they bear on what follows, and match any other particle.
_PARTICLES = frozenset({"not", "no", "never", "none", "nor", "neither", "nothing", "cannot", "لم", "لن", "لا", "ليس",
                        "ليست", "لسنا", "لست", "ما", "عدم"})  # fmt: skip
_FUNCTION_WORDS = frozenset(normalize(word) for word in ARABIC_STOPWORDS | ENGLISH_STOPWORDS) | _PARTICLES


def negation_cues(text: str) -> int:
    """How many negation or cancellation cues ``text`` carries, in Arabic or English: a claim adding one to a
    source that has one already ("it is not true that … does not threaten") denies it all the same."""
    return sum(1 for _ in _cue_positions(tokenize(text)))


def _cue_positions(words: list[str]) -> Iterator[int]:
    """Where the tokenized text has a negation or cancellation cue."""
    for position, word in enumerate(words):
        if word == "not" and position > 0 and words[position - 1] == "if":
            continue  # "a serious, if not decisive, contribution": a hedge, not a denial
        if word in _ENGLISH or _arabic_cue(words, position):
            yield position


def _arabic_cue(words: list[str], position: int) -> bool:
    word = words[position]
    following = words[position + 1] if position + 1 < len(words) else ""
    for form in (word, word[1:] if len(word) > 2 and word[0] in _PROCLITICS else None):
        if form is None or form not in _ARABIC or (form, following) in _ARABIC_NOT_NEGATION:
            continue
        if form in _ARABIC_FIRST_ONLY and (position > 0 or form != word):  # "كما" is "as", not "ك" + "ما"
            continue
        if word == "كلا":  # "كلا من" is "both", not "ك" + "لا"
            continue
        if (
            form == "لم" and following in _ARABIC_HEDGE and position > 0 and words[position - 1] == "ان"
        ):  # tokenize writes إن as ان
            continue
        return True
    return False


def negated_words(text: str, reach: int = NEGATED_REACH) -> list[list[str]]:
    """For each negation or cancellation cue of ``text``, the words it bears on: the cue itself when it is a verb
    ("cancelled", امتنعت) and the next ``reach`` words that are not function words ("did not hold the talks" →
    hold, talks)."""
    words = tokenize(text)
    return [
        ([] if words[position] in _PARTICLES else [words[position]])
        + [word for word in words[position + 1 :] if word not in _FUNCTION_WORDS][:reach]
        for position in _cue_positions(words)
    ]


def unmatched_negation(claim: str, cited: str, aligner: WordAligner, threshold: float = NEGATED_MATCH) -> bool:
    """Whether a negation of ``claim`` bears on words none of the cited sentence's negations bears on, by the word
    aligner: "Medvedev never opened the meeting" over a source whose only negation is that NATO "لا يمثل تهديدا"
    (does not pose a threat) denies what the source states, though both carry one cue."""
    source_words = [word for scope in negated_words(cited) for word in scope]
    if not source_words:
        return False  # the count of cues decides (negation_cues)
    return any(
        scope and float(aligner.best_matches(scope, source_words).max()) < threshold for scope in negated_words(claim)
    )
