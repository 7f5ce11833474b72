"""Who says it: a claim may not put its cited sentence's words in the mouth of another name of that sentence.

"CIS said Russia's operation in Syria is bound in time …" over "أكد الرئيس الروسي فلاديمير بوتين … خلال اجتماع
قادة رابطة الدول المستقلة أن العملية الروسية …" keeps every name of the source, so the name checks pass it; but
the source's speaker is Putin. A claim's speaker is the name before "said" (and the like) or after "according
to"; an Arabic text's speakers are the names within a few words after a reporting verb (قال, أكد, ذكرت, بحسب…).
Where the cited sentence has a named speaker and the claim names another, the claim is not supported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dalil.index.normalize import fold
from dalil.qa.names import ARABIC_WORD
from dalil.qa.roles import FUNCTION_WORDS, Matches

# How far after a reporting verb its speaker may be named: titles and adjectives come first ("أكد الرئيس الروسي
# فلاديمير بوتين").
SPEAKER_REACH = 5
_REPORTING = "قال أكد أشار أوضح ذكر أعلن أضاف شدد أفاد صرح نقل لفت اعتبر رأى بحسب حسب وفق وفقا"
_ARABIC_REPORTING = frozenset(
    form
    for verb in _REPORTING.split()
    for form in (fold(verb), fold(verb) + "ت", "و" + fold(verb), "و" + fold(verb) + "ت")
)
_ENGLISH_SPEAKER = re.compile(
    r"\b(?:[Aa]ccording to (?:the )?(?P<after>[A-Z][\w-]*)"
    r"|(?P<before>[A-Z][\w-]*) (?:has |had )?(?:said|says|stated|states|noted|notes|stressed|added|announced|"
    r"reported|reports|confirmed|told|emphasi[sz]ed|pointed out|declared))\b"
)


def another_speaker(claim: str, names: Sequence[str], cited: str, matches: Matches) -> tuple[str, list[str]] | None:
    """The claim's speaker and the cited sentence's speakers, when the claim's is a name of ``names`` the cited
    sentence names but not as a speaker, and it names one; else None. ``matches`` says whether a word of an
    Arabic text is one of the names."""
    speaker = _claim_speaker(claim, names, matches)
    if speaker is None:
        return None
    speakers = _arabic_speakers(ARABIC_WORD.findall(cited), names, matches)
    if not speakers or speaker in speakers:
        return None
    return speaker, speakers


def _claim_speaker(claim: str, names: Sequence[str], matches: Matches) -> str | None:
    if ARABIC_WORD.search(claim):
        found = _arabic_speakers(ARABIC_WORD.findall(claim), names, matches)
        return found[0] if len(found) == 1 else None
    for match in _ENGLISH_SPEAKER.finditer(claim):
        word = match.group("after") or match.group("before")
        if word in names:
            return word
    return None


def _arabic_speakers(words: Sequence[str], names: Sequence[str], matches: Matches) -> list[str]:
    """The names within SPEAKER_REACH words after each reporting verb, before what is said begins (أن, في…):
    a title's adjective is the speaker's too (الرئيس الروسي فلاديمير بوتين: Russia and Putin)."""
    speakers: dict[str, None] = {}
    for position, word in enumerate(words):
        if fold(word) not in _ARABIC_REPORTING:
            continue
        for following in words[position + 1 : position + 1 + SPEAKER_REACH]:
            if fold(following) in FUNCTION_WORDS:
                break
            speakers |= dict.fromkeys(name for name in names if matches(name, following))
    return list(speakers)
