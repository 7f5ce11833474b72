"""Unfaithful claims made by rule from faithful ones, to measure what claim verification catches.

Each perturbation returns the changed claim text, or None when the rule does not apply to that claim (no number
to change, no second name to swap in). Arabic and English rules are written separately; they make claims a
careless or hostile model could write, not fluent prose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from dalil.index.normalize import detect_language
from dalil.qa.claims import MONTH_NAMES

_NUMBER = re.compile(r"[0-9٠-٩]+")
_AR_MONTHS = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()
_EN_VERB = re.compile(r"\b([a-z]+ed)\b")
_LATIN_NAME = re.compile(r"(?<!^)(?<![.!?] )\b([A-Z][a-z]+)\b")


def negated(claim: str, others: Sequence[str] = ()) -> str | None:
    """ "X signed Y" → "X never signed Y"; Arabic: "ليس صحيحا أن" ("it is not true that") before the claim."""
    if detect_language(claim) == "ar":
        return "ليس صحيحا أن " + claim.removeprefix("و")
    verb = _EN_VERB.search(claim)
    return claim[: verb.start()] + "never " + claim[verb.start() :] if verb else None


def cancelled(claim: str, others: Sequence[str] = ()) -> str | None:
    """The claim's first past-tense verb becomes "cancelled" (Arabic: its first word becomes "ألغى")."""
    if detect_language(claim) == "ar":
        first, _, rest = claim.partition(" ")
        return f"ألغى {rest}" if rest else None
    verb = _EN_VERB.search(claim)
    return claim[: verb.start()] + "cancelled" + claim[verb.end() :] if verb else None


def number_changed(claim: str, others: Sequence[str] = ()) -> str | None:
    match = _NUMBER.search(claim)
    if not match:
        return None
    digits = "".join(str(int(ch) if ch.isdigit() else ch) for ch in match.group())  # Arabic-Indic digits too
    return claim[: match.start()] + str(int(digits) + 7) + claim[match.end() :]


def month_changed(claim: str, others: Sequence[str] = ()) -> str | None:
    for months in (MONTH_NAMES, _AR_MONTHS):
        for position, month in enumerate(months):
            if month in claim:
                return claim.replace(month, months[(position + 5) % 12], 1)
    return None


def entity_swapped(claim: str, others: Sequence[str] = ()) -> str | None:
    """A name in the claim replaced by a name another claim about the same article uses (English claims)."""
    names = _LATIN_NAME.findall(claim)
    candidates = [n for other in others for n in _LATIN_NAME.findall(other) if n not in names]
    if not names or not candidates:
        return None
    return re.sub(rf"\b{names[0]}\b", candidates[0], claim, count=1)


PERTURBATIONS: dict[str, Callable[[str, Sequence[str]], str | None]] = {
    "negation": negated,
    "cancellation": cancelled,
    "number": number_changed,
    "month": month_changed,
    "entity swap": entity_swapped,
}
