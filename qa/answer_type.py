"""What kind of answer a question asks for, and whether a sentence can hold one: "How many…?" needs a number.

A sentence about the right people and places but holding no number cannot say how many soldiers an army has;
across scripts nothing else tells such a sentence from one that answers.
"""

from __future__ import annotations

import re

from dalil.index.normalize import fold

_ASKS_FOR_NUMBER = re.compile(r"^\s*how\s+(?:many|much)\b|\bwhat\s+(?:number|percentage|share)\s+of\b", re.IGNORECASE)
_NUMBER_WORDS = frozenset(
    fold(word)
    for word in (
        "واحد واحدة اثنان اثنين اثنتان اثنتين ثلاث ثلاثة أربع أربعة خمس خمسة ست ستة سبع سبعة ثمان ثماني ثمانية تسع "
        "تسعة عشر عشرة عشرات عشرون عشرين ثلاثون ثلاثين أربعون أربعين خمسون خمسين مئة مائة مئات ألف آلاف ألفا مليون "
        "ملايين مليار مليارات نصف ربع ثلث عدة بضع بضعة "
        "one two three four five six seven eight nine ten eleven twelve dozen dozens twenty thirty forty fifty hundred "
        "hundreds thousand thousands million millions billion half several"
    ).split()
)
_CLITICS = ("وال", "بال", "ال", "و", "ب", "ل")
_WORD = re.compile(r"\w+")


def asks_for_number(question: str) -> bool:
    return bool(_ASKS_FOR_NUMBER.search(question))


def holds_number(text: str) -> bool:
    """Whether the text has digits or a number word (Arabic or English, with a leading article or clitic)."""
    folded = fold(text).lower()
    if any(ch.isdigit() for ch in folded):
        return True
    return any(_bare(word) in _NUMBER_WORDS for word in _WORD.findall(folded))


def _bare(word: str) -> str:
    if word in _NUMBER_WORDS:
        return word
    return next((word[len(c) :] for c in _CLITICS if word.startswith(c) and word[len(c) :] in _NUMBER_WORDS), word)
