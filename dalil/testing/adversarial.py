"""Unfaithful claims made by rule from faithful ones, to measure what claim verification catches.

The faithful claims (``bench/data/faithful_claims.jsonl``) are written by hand, each with the source sentence it
renders and the names it uses: which two play different roles (``swap``: exchanging them makes it false) and
which is a place. Each perturbation returns the changed claim text, or None when its rule does not apply to that
claim (no number to change, no second name to swap in). They make claims a careless or hostile model could
write, not fluent prose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dalil.qa.claims import MONTH_NAMES

_NUMBER = re.compile(r"[0-9٠-٩]+")
_AR_MONTHS = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()
_EN_VERB = re.compile(r"\b([a-z]+ed)\b")


@dataclass(frozen=True)
class FaithfulClaim:
    claim: str
    source: str  # sentence id, "<doc>:<n>"
    lang: str
    names: tuple[str, ...] = ()
    swap: tuple[str, str] | None = None
    place: str | None = None

    @property
    def article(self) -> str:
        return self.source.rsplit(":", 1)[0]


def load_claims(path: Path) -> list[FaithfulClaim]:
    claims = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        swap = tuple(row["swap"]) if row.get("swap") else None
        claims.append(FaithfulClaim(row["claim"], row["source"], row["lang"], tuple(row["names"]), swap, row["place"]))  # type: ignore[arg-type]
    return claims


def negated(fact: FaithfulClaim, others: Sequence[FaithfulClaim] = ()) -> str | None:
    """ "X signed Y" → "X never signed Y"; Arabic: "ليس صحيحا أن" ("it is not true that") before the claim."""
    if fact.lang == "ar":
        return "ليس صحيحا أن " + fact.claim.removeprefix("و")
    verb = _EN_VERB.search(fact.claim)
    return fact.claim[: verb.start()] + "never " + fact.claim[verb.start() :] if verb else None


def cancelled(fact: FaithfulClaim, others: Sequence[FaithfulClaim] = ()) -> str | None:
    """The claim's first past-tense verb becomes "cancelled" (Arabic: its first word becomes "ألغى")."""
    if fact.lang == "ar":
        first, _, rest = fact.claim.partition(" ")
        return f"ألغى {rest}" if rest else None
    verb = _EN_VERB.search(fact.claim)
    return fact.claim[: verb.start()] + "cancelled" + fact.claim[verb.end() :] if verb else None


def number_changed(fact: FaithfulClaim, others: Sequence[FaithfulClaim] = ()) -> str | None:
    match = _NUMBER.search(fact.claim)
    if not match:
        return None
    digits = "".join(str(int(ch) if ch.isdigit() else ch) for ch in match.group())  # Arabic-Indic digits too
    return fact.claim[: match.start()] + str(int(digits) + 7) + fact.claim[match.end() :]


def month_changed(fact: FaithfulClaim, others: Sequence[FaithfulClaim] = ()) -> str | None:
    for months in (MONTH_NAMES, _AR_MONTHS):
        for position, month in enumerate(months):
            if month in fact.claim:
                return fact.claim.replace(month, months[(position + 5) % 12], 1)
    return None


def entity_swapped(fact: FaithfulClaim, others: Sequence[FaithfulClaim]) -> str | None:
    """The claim's first name replaced by a name another claim about the same article uses, and this one doesn't."""
    return _replaced(fact, fact.names[:1], [n for other in others for n in other.names])


def place_changed(fact: FaithfulClaim, others: Sequence[FaithfulClaim]) -> str | None:
    """The place the claim names replaced by another place claims about the same article name."""
    return _replaced(fact, (fact.place,) if fact.place else (), [o.place for o in others if o.place])


def roles_swapped(fact: FaithfulClaim, others: Sequence[FaithfulClaim] = ()) -> str | None:
    """The two names in different roles exchanged: "Russia handed Kazakhstan …" → "Kazakhstan handed Russia …"."""
    if fact.swap is None:
        return None
    first, second = fact.swap
    swapped = re.sub(
        f"{re.escape(first)}|{re.escape(second)}", lambda m: second if m.group() == first else first, fact.claim
    )
    return swapped if swapped != fact.claim else None


def _replaced(fact: FaithfulClaim, targets: Sequence[str], candidates: Sequence[str]) -> str | None:
    replacements = [
        c for c in dict.fromkeys(candidates) if c not in fact.claim and not any(c in t or t in c for t in targets)
    ]
    if not targets or not replacements:
        return None
    return fact.claim.replace(targets[0], replacements[0], 1)


PERTURBATIONS: dict[str, Callable[[FaithfulClaim, Sequence[FaithfulClaim]], str | None]] = {
    "negation": negated,
    "cancellation": cancelled,
    "number": number_changed,
    "month": month_changed,
    "entity swap": entity_swapped,
    "subject/object swap": roles_swapped,
    "place changed": place_changed,
}
