"""Which name is where, to whom, with whom: the prepositions that mark a name's role, in a claim and its source.

A claim that swaps two names of its source ("the test sites of Kazakhstan in Russia" for "Russia's test sites in
Kazakhstan") keeps every word the source has, so the name and similarity checks pass it. Where the claim marks a
name with a role ("in", "to", "with", "from"; في، إلى، مع، من) and the cited sentence gives that role to
another name of the claim, and not to this one, the roles are swapped. Subjects and objects carry no such mark
in either language ("Russia handed Kazakhstan …" against "سلمت روسيا كازاخستان …"): those swaps are not caught.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from dalil.index.normalize import fold
from dalil.qa.names import ARABIC_WORD

Matches = Callable[[str, str], bool]  # (name, word of an Arabic text) -> whether the word is that name

_ENGLISH_ROLES = {"in": "in", "at": "in", "inside": "in", "to": "to", "into": "to", "with": "with", "from": "from"}
_ARABIC_ROLES = {
    fold(word): role for word, role in {"في": "in", "إلى": "to", "الى": "to", "مع": "with", "من": "from"}.items()
}
# Words between a preposition and the name it marks: "في أراضي كازاخستان", "في مدينة باراباي".
_TRANSPARENT = frozenset(fold(word) for word in "أراضي مدينة دولة جمهورية العاصمة".split())


def swapped_roles(claim: str, names: Sequence[str], cited: str, matches: Matches) -> tuple[str, str] | None:
    """Two names of the claim whose roles the cited sentence has the other way round, or None.

    ``claim`` is English or Arabic; ``cited`` is Arabic; ``matches`` says whether a word of an Arabic text is
    one of the names."""
    claim_role = _english_role if not ARABIC_WORD.search(claim) else _arabic_role_of(claim, matches)
    cited_words = [fold(word) for word in ARABIC_WORD.findall(cited)]
    for name in names:
        role = claim_role(claim, name)
        if role is None or role in _arabic_roles(cited_words, name, matches):
            continue
        for other in names:
            if (
                other != name
                and role in _arabic_roles(cited_words, other, matches)
                and claim_role(claim, other) != role
            ):
                return name, other
    return None


def _english_role(claim: str, name: str) -> str | None:
    found = re.search(rf"(\w+)\s+(?:the\s+)?{re.escape(name)}\b", claim)
    return _ENGLISH_ROLES.get(found.group(1).lower()) if found else None


def _arabic_role_of(claim: str, matches: Matches) -> Callable[[str, str], str | None]:
    words = [fold(word) for word in ARABIC_WORD.findall(claim)]

    def role(_: str, name: str) -> str | None:
        roles = _arabic_roles(words, name, matches)
        return next(iter(roles)) if len(roles) == 1 else None

    return role


def _arabic_roles(words: Sequence[str], name: str, matches: Matches) -> set[str]:
    """The roles the prepositions before each occurrence of ``name`` give it: في → in, إلى or a leading ل → to…"""
    roles = set()
    for position, word in enumerate(words):
        if not matches(name, word):
            continue
        if word.startswith("ل") and len(word) > 3 and matches(name, word[1:]):
            roles.add("to")
        before = position - 1
        while before >= 0 and words[before] in _TRANSPARENT:
            before -= 1
        if before >= 0 and words[before] in _ARABIC_ROLES:
            roles.add(_ARABIC_ROLES[words[before]])
    return roles
