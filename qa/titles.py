"""A title names a person: "Russian Defense Minister Moscow" or "President Commonwealth of Independent States" puts
another entity of the story where the sentence's person stood.

Such a claim keeps every name of its source ("Moscow" is in it, as where the minister went), so the name checks
pass it. But in an English claim the words right after a person's title (President, Minister, counterpart,
spokeswoman…) are that person's name; a country, a city or an organisation there is a name out of its role.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dalil.qa.names import is_country, known_long_names

_TITLE = (
    r"President|Minister|Premier|Chancellor|Secretary|[Aa]mbassador|[Ee]nvoy|[Cc]ounterpart|[Ss]pokes(?:wo)?man|"
    r"[Ss]pokesperson"
)
# The capitalized words after a title, and a longer name they may open ("Commonwealth of Independent States").
_WORDS = r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*"
_TITLED = re.compile(rf"\b(?:{_TITLE})\s+(?P<name>{_WORDS})(?P<rest>(?:\s+(?:of|for|the)\s+{_WORDS})*)")
_POSSESSIVE = re.compile(r"['’]s$")


def titled_non_person(claim: str, is_place: Callable[[str], bool]) -> str | None:
    """The first name after a person's title in ``claim`` that names no person: an acronym, a known organisation,
    a country, or what ``is_place`` says is a place (as the sources write it); else None."""
    for match in _TITLED.finditer(claim):
        name = _POSSESSIVE.sub("", match.group("name"))
        if name.split()[0].isupper() or is_country(name) or is_place(name):
            return name
        longer = _POSSESSIVE.sub("", match.group("name") + match.group("rest"))
        if match.group("rest") and known_long_names(longer):
            return longer
    return None
