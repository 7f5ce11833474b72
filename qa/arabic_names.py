"""Names in Arabic claims, for verification: the countries and cities they name, the people and towns their
sources name after a title, and the organisations they name by the Arabic forms of known acronyms.

Arabic has no capital letters, so a name is recognised by where it comes from: CLDR's Arabic names of countries
and cities (through babel), with their adjectives (الروسي names روسيا); the words the sources themselves put
after a title ("وزير الدفاع الروسي سيرغي شويغو", "مدينة باراباي"); and the forms of ``qa.names``' acronyms.
"""

from __future__ import annotations

from functools import lru_cache

from dalil.index.normalize import fold, normalize
from dalil.index.stopwords import ARABIC_STOPWORDS
from dalil.qa.names import ARABIC_FORM, ARABIC_WORD, without_ending, without_prefix

# Endings after which a folded Arabic word still names the same place: سوريه, السوريين, الروسيه name سوريا,
# روسيا; الكازاخيه names كازاخستان.
_PLACE_ENDINGS = ("ستان", "يين", "يون", "يه", "يا", "ين", "ون", "ي", "ه", "ا")
# A place's name is shortened (روسيا → روسي) only where this many letters stay: shorter stems are ordinary words
# (تركيا → ترك, "left").
MIN_PLACE_STEM = 4
# Titles a person's name follows in news Arabic, in folded spelling, and words that may come between
# ("وزير الدفاع الروسي سيرغي شويغو").
_TITLES = frozenset(
    fold(word)
    for word in "الرئيس الرئيسان رئيس الوزير وزير وزيرا وزيري نظيره نظيرها نظيريه السيد السيدة المتحدث المتحدثة "
    "الناطق الزعيم الجنرال المستشار الملك الأمير الشيخ القائد المبعوث السفير".split()
)
_PLACE_TITLES = frozenset(fold(word) for word in "مدينة بلدة قرية ولاية مقاطعة إقليم".split())
_REGION_TITLES = frozenset(fold(word) for word in "منطقة إقليم".split())
_PLURAL_OR_FEMININE = ("ات", "ين", "ون", "يه", "ه")
_TITLE_WORDS = frozenset(fold(word) for word in "دفاع خارجية داخلية الدفاع الخارجية الداخلية الوزراء العام".split())
_NOT_NAMES_AR = frozenset(normalize(word) for word in ARABIC_STOPWORDS)
_PUNCTUATION = "\"'«»“”()[]،,.:;؛!?؟-"


def arabic_organisations(text: str) -> list[str]:
    """The Arabic forms of known acronyms a text uses (رابطة for CIS, تاس for TASS), as the list spells them."""
    folded = normalize(text)
    return [form for form, pattern in ARABIC_FORM.items() if pattern.search(folded)]


def arabic_places(text: str) -> list[str]:
    """Words of an Arabic text that name a country or a city (CLDR's Arabic names, via babel), or its adjective
    (الروسية names Russia), as written."""
    places = _place_stems()
    return [word for word in dict.fromkeys(ARABIC_WORD.findall(text)) if _stems(word) & places]


def same_places(place: str, text: str) -> bool:
    """Whether ``text`` names the place (or its adjective): سورية and السوري name سوريا."""
    stems = _stems(place)
    long_stems = {stem for stem in stems if len(stem) >= MIN_PLACE_STEM}
    # A short stem only with the article: الروس (the Russians) names روسيا, ترك (left) does not name تركيا.
    return any(
        (stems if fold(word).startswith("ال") else long_stems) & _stems(word)
        or _without_long_vowels(long_stems) & _without_long_vowels(_stems(word))
        for word in ARABIC_WORD.findall(text)
    )


def _without_long_vowels(stems: frozenset[str] | set[str]) -> set[str]:
    """Stems without the long vowels inside them, where four letters stay: foreign names are written with and
    without them (الأمريكية and الأميركية, أوزبكستان and أوزبكيستان)."""
    bare = {stem[0] + stem[1:].translate(_LONG_VOWELS) for stem in stems}
    return {stem for stem in bare if len(stem) >= MIN_PLACE_STEM}


_LONG_VOWELS = str.maketrans("", "", "اوي")


@lru_cache(maxsize=1)
def _place_stems() -> frozenset[str]:
    from babel import Locale

    arabic = Locale("ar")
    cities = {zone["city"] for zone in arabic.time_zones.values() if "city" in zone}
    names = {fold(name) for name in {*arabic.territories.values(), *cities} if " " not in name.strip()}
    # A name, and without its final alef or ta marbuta where four letters stay (روسيا → روسي, as in الروسي).
    return frozenset(
        {n.removeprefix("ال") for n in names} | {n[:-1] for n in names if n[-1] in "اه" and len(n) > MIN_PLACE_STEM}
    )


@lru_cache(maxsize=50_000)
def _stems(word: str) -> frozenset[str]:
    """A word in folded spelling without a leading article or clitic, and without an adjective, plural or feminine
    ending: روسيا, الروسية and بروسيا all give روسي."""
    folded = fold(word)
    stems = {folded} | without_prefix(folded)
    return frozenset(stems | without_ending(stems, _PLACE_ENDINGS))


@lru_cache(maxsize=64)
def titled_names(texts: tuple[str, ...]) -> frozenset[str]:
    """The names the texts give after a title, in folded spelling: a person's two words after "الرئيس", "وزير
    الدفاع الروسي", "ونظيره الأرميني" (سيرغي شويغو, سيران أوغانيان), and a place's word after "مدينة" (باراباي),
    when they look like names (no article, no feminine ending, a long vowel inside: not مركز مكافحة). What the
    sources themselves call a person or a town is how an Arabic claim's names are recognised. A region keeps its
    article ("منطقة القوقاز"), unless its word is a plural or feminine noun ("منطقة العمليات")."""
    names: set[str] = set()
    for text in texts:
        words = [word.strip(_PUNCTUATION) for word in fold(text).split()]
        for position, word in enumerate(words):
            titles = {word, _without_clitic(word)}  # وزير is no و + زير, ونظيره is و + نظيره
            length = 2 if titles & _TITLES else 1 if titles & _PLACE_TITLES else 0
            following = words[position + 1 : position + 6]
            start = next((i for i, w in enumerate(following) if not w.startswith("ال") and w not in _TITLE_WORDS), None)
            name = following[start : start + length] if length and start is not None else []
            if len(name) == length and all(map(_looks_like_a_name, name)):
                names.update(name)
            region = words[position + 1] if titles & _REGION_TITLES and position + 1 < len(words) else ""
            if region.startswith("ال") and not region.endswith(_PLURAL_OR_FEMININE) and _looks_like_a_name(region[2:]):
                names.add(region)  # "منطقة القوقاز": a region keeps its article
    return frozenset(names)


def named_in(text: str, people: frozenset[str]) -> list[str]:
    """Words of ``text`` that are among ``people`` (``titled_names``), as written."""
    return [word for word in dict.fromkeys(ARABIC_WORD.findall(text)) if _forms(word) & people]


def has_name(text: str, name: str) -> bool:
    """Whether ``text`` has the word ``name``, with or without a clitic (ومورات is مورات)."""
    return any(_forms(word) & _forms(name) for word in ARABIC_WORD.findall(text))


def _forms(word: str) -> set[str]:
    folded = fold(word)
    return {folded, _without_clitic(folded)}


def _looks_like_a_name(word: str) -> bool:
    return (
        word.isalpha()
        and len(word) >= 3
        and not word.startswith("ال")
        and word[-1] != "ه"
        and word not in _NOT_NAMES_AR
        and any(letter in "اوي" for letter in word[1:])
        and not _stems(word) & _place_stems()  # "وزيري دفاع روسيا": a country follows the title, not a name
    )


def _without_clitic(word: str) -> str:
    return word[1:] if len(word) > 3 and word[0] in "وبلف" else word
