"""Negation and cancellation in a text, across Arabic and English: a claim may not deny what its source states.

"Medvedev did not hold the talks [1]", "لم يوقع الاتفاق [1]" and "the talks were cancelled [1]" turn a source
that states the talks took place into its opposite while sharing almost all of its words, so the similarity
checks pass them. A claim carrying a negation or cancellation cue is supported only by a cited sentence that
carries one too (in either language). The other direction (a source's negation dropped from the claim) is not
checked: Arabic "لا سيما" ("especially") and "غير" ("other than") make source-side cues too unreliable.
"""

from __future__ import annotations

from dalil.index.normalize import tokenize

# Normalized forms (index.normalize: one alef, ى→ي, ة→ه, no diacritics), each also found after one proclitic
# (و, ف, ب, ل, ك: "ولم", "فلا").
_ARABIC = frozenset(
    {
        "لم", "لن", "لا", "ليس", "ليست", "لسنا", "لست", "ما", "عدم",
        "نفي", "نفت", "ينفي", "تنفي", "نفوا",
        "الغي", "الغت", "الغاء", "الغيت", "يلغي", "تلغي", "الغوا",
    }
)  # fmt: skip
# "ما" is also "what"/"which": only as the first word ("ما وقع ..." = "did not sign").
_ARABIC_FIRST_ONLY = frozenset({"ما"})
_ARABIC_NOT_NEGATION = {("لا", "سيما"), ("لا", "بد")}  # "especially", "must"
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


def negated(text: str) -> bool:
    """Whether ``text`` carries a negation or cancellation cue, in Arabic or English."""
    words = tokenize(text)
    for position, word in enumerate(words):
        if word in _ENGLISH:
            return True
        following = words[position + 1] if position + 1 < len(words) else ""
        for form in (word, word[1:] if len(word) > 2 and word[0] in _PROCLITICS else None):
            if form is None or form not in _ARABIC or (form, following) in _ARABIC_NOT_NEGATION:
                continue
            if form in _ARABIC_FIRST_ONLY and (position > 0 or form != word):  # "كما" is "as", not "ك" + "ما"
                continue
            return True
    return False
