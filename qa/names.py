"""Latin names found in Arabic text by their sound: Shoigu ↔ شويغو, Balkhash ↔ بالخاش, Kovalchuk ↔ كوفالتشوك.

News Arabic writes foreign names by ear, so both scripts are reduced to one consonant skeleton (vowels dropped,
letters that stand for one sound in the other script merged: k/q/c ↔ ك/ق, v/f ↔ ف, g/j ↔ غ/ج, sh ↔ ش…) and
compared by edit distance. An Arabic word is also tried without its article and clitics (الكازاخية → كازاخ),
and a Latin name without an adjective ending (Belarusian → Belarus), so a country and its adjective meet.
Acronyms have no sound to match (CIS is رابطة الدول المستقلة): a short list of those news uses gives their Arabic
forms. Translated names ("Security Council" is مجلس الأمن) are left to the word aligner (``qa.alignment``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cached_property, lru_cache

from rapidfuzz.distance import Levenshtein

from dalil.index.normalize import fold, normalize

# Long names may differ by one sound (Ohanyan/أوغانيان): normalized edit similarity from which two skeletons of
# at least FUZZY_CONSONANTS consonants are one name. Shorter ones must be equal: "Council" (knkl) is not نقل (nkl).
SAME_NAME = 0.8
FUZZY_CONSONANTS = 5
# Names of fewer consonants than this are compared with their vowels too, exactly: Arabic words grow from
# three-consonant roots, so Treaty (trt) would be الطائرات (trt) without them (trVtV against tVrVt).
MIN_CONSONANTS = 4
# Capitalized words from this many in a row are an institution's name, which Arabic translates.
LONG_NAME = 3
# Pairs of Arabic words are tried as one name when the first is this short: نور سلطان, عبد الله, أبو ظبي.
SHORT_FIRST_WORD = 3

_LATIN_DIGRAPHS = [("tch", "s"), ("sch", "s"), ("sh", "s"), ("ch", "s"), ("kh", "X"), ("gh", "g"), ("zh", "g"),
                   ("th", "t"), ("ph", "f"), ("dj", "g"), ("ck", "k"), ("ts", "s"), ("tz", "s")]  # fmt: skip
_LATIN_LETTERS = str.maketrans(
    {
        "p": "b",
        "v": "f",
        "q": "k",
        "c": "k",
        "j": "g",
        "z": "s",
        "x": "ks",
        "h": None,
        **dict.fromkeys("aeiouyw", "V"),
    }  # fmt: skip
)
_ARABIC_LETTERS = str.maketrans(
    {
        "ب": "b",
        "پ": "b",
        "ت": "t",
        "ث": "t",
        "ط": "t",
        "ج": "g",
        "غ": "g",
        "گ": "g",
        "ح": "h",
        "ه": "h",
        "خ": "X",
        "د": "d",
        "ض": "d",
        "ذ": "s",
        "ز": "s",
        "ظ": "s",
        "ر": "r",
        "س": "s",
        "ص": "s",
        "ش": "s",
        "ف": "f",
        "ڤ": "f",
        "ق": "k",
        "ك": "k",
        "ل": "l",
        "م": "m",
        "ن": "n",
        **dict.fromkeys("اويىع", "V"),
        **dict.fromkeys("ءئؤ", "'"),
    }  # fmt: skip
)
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف")
_ARABIC_SUFFIXES = ("يين", "يون", "ية", "ي")
_LATIN_SUFFIXES = ("ians", "ian", "ean", "an", "ese", "ish", "ia", "us", "i", "s", "'s", "’s")
_LATIN_NAME = re.compile(r"\b[A-Z][a-z]+(?:[’'][a-z]+)?\b")
ARABIC_WORD = re.compile(r"[\u0621-\u064A\u0671-\u06D3]+")
# Acronyms of news, which Arabic translates or spells by their letters, and their usual Arabic forms.
_ACRONYM_FORMS = {
    "CIS": ("رابطة",), "CSTO": ("معاهدة الأمن الجماعي",), "NATO": ("الناتو", "حلف شمال الأطلسي"),
    "UN": ("الأمم المتحدة",), "EU": ("الاتحاد الأوروبي",),
    "US": ("الولايات المتحدة", "أمريكا", "أمريكي", "أمريكية", "أميركا", "أميركي", "أميركية"),
    "USA": ("الولايات المتحدة",), "UK": ("بريطانيا", "بريطاني", "بريطانية", "المملكة المتحدة"),
    "ISIS": ("داعش", "الدولة الإسلامية"), "IS": ("داعش", "الدولة الإسلامية"), "TASS": ("تاس",),
    "IAEA": ("الوكالة الدولية للطاقة الذرية",), "OPEC": ("أوبك",), "WHO": ("منظمة الصحة العالمية",),
    "EAEU": ("الاتحاد الاقتصادي الأوراسي",), "EEU": ("الاتحاد الاقتصادي الأوراسي",), "SCO": ("منظمة شنغهاي",),
    "BRICS": ("بريكس",), "GCC": ("مجلس التعاون الخليجي",),
}  # fmt: skip
# Each Arabic form as whole words of normalized text, after a clitic or the article.
ARABIC_FORM = {
    form: re.compile(rf"(?<!\w)(?:[وبلف]|ال|وال|بال|لل)?{re.escape(normalize(form))}(?!\w)")
    for forms in _ACRONYM_FORMS.values()
    for form in forms
}
# The acronyms each Arabic form stands for: أمريكية and أميركية are both the US.
ACRONYMS_OF_FORM = {
    form: frozenset(acronym for acronym, forms in _ACRONYM_FORMS.items() if form in forms) for form in ARABIC_FORM
}
_NAME_RUN = re.compile(r"[A-Z][\w’'-]*(?:(?:\s+|\s+(?:of|for|the)\s+)[A-Z][\w’'-]*)*")
_REPEATS = re.compile(r"(.)\1+")
_POSSESSIVE = re.compile(r"['’]s\b")


def latin_sounds(name: str) -> str:
    """The name's consonants in a code shared with ``arabic_sounds``, each run of vowels as V."""
    text = re.sub(r"c(?=[eiy])", "s", re.sub(r"[^a-z]", "", name.lower()))
    for digraph, sound in _LATIN_DIGRAPHS:
        text = text.replace(digraph, sound)
    return _REPEATS.sub(r"\1", text.translate(_LATIN_LETTERS))  # h alone is mostly silent in Arabic spellings


def arabic_sounds(word: str) -> str:
    # A hamza inside the word is a consonant (رأس, "head", is no rVsV); ``fold`` would make its alef a vowel.
    word = word[:1] + word[1:].replace("أ", "ء").replace("إ", "ء")
    text = fold(word.removesuffix("ة")).replace("تش", "ش")  # تش writes the one sound of "ch"
    return _REPEATS.sub(r"\1", text.translate(_ARABIC_LETTERS))


def without_prefix(word: str) -> set[str]:
    """The word without each leading article or clitic it may have (الكازاخية → كازاخية), where 3 letters stay."""
    return {word[len(p) :] for p in _ARABIC_PREFIXES if word.startswith(p) and len(word) - len(p) >= 3}


def without_ending(stems: set[str], endings: Sequence[str]) -> set[str]:
    """Each stem without each of ``endings`` it has, where 3 letters stay."""
    return {s[: -len(x)] for s in stems for x in endings if s.endswith(x) and len(s) - len(x) >= 3}


@lru_cache(maxsize=50_000)
def _arabic_forms(word: str) -> frozenset[str]:
    """The sounds of an Arabic word as written, without a leading clitic or article, and without an adjective or
    plural ending."""
    stems = without_prefix(word)
    if not word.startswith("و") or not stems:  # a leading و is "and": وروسيا is not Eurasia's "VrVsV"
        stems.add(word)
    stems |= without_ending(stems, _ARABIC_SUFFIXES)
    return frozenset(filter(None, map(arabic_sounds, stems)))


@lru_cache(maxsize=10_000)
def _latin_forms(name: str) -> frozenset[str]:
    forms = {name} | {name[: -len(x)] for x in _LATIN_SUFFIXES if name.lower().endswith(x) and len(name) - len(x) >= 3}
    return frozenset(filter(None, map(latin_sounds, forms)))


def _same_name(latin: str, arabic: str) -> bool:
    # A hamza inside a word (رئيس) is a sound Latin spellings of names don't write: it only tells short words apart.
    a, b = latin.replace("V", ""), arabic.replace("V", "").replace("'", "")
    if len(a) < 2:  # one consonant and vowels ("Ohany" is VnV) sound like too many Arabic words (أنا)
        return False
    if _country_of(a, b) or _country_of(b, a):  # a people and its country: Tajik ↔ طاجيكستان, Kazakhstan ↔ الكازاخية
        return True
    if min(len(a), len(b)) < MIN_CONSONANTS:
        return latin == arabic
    if min(len(a), len(b)) < FUZZY_CONSONANTS:
        return a == b
    return Levenshtein.normalized_similarity(a, b) >= SAME_NAME


def _country_of(country: str, people: str) -> bool:
    """Whether one skeleton is the other's "-stan" (krgs ↔ krgstn: the s of Kyrgyz and of -stan are one)."""
    stem = country.removesuffix("stn")
    return stem != country and stem in (people, people.removesuffix("s"))


def sounds_alike(latin: str, arabic: str) -> bool:
    """Whether an Arabic word can be how Arabic writes the Latin name (or its adjective)."""
    return any(_same_name(b, a) for a in _arabic_forms(arabic) for b in _latin_forms(latin))


def latin_names(question: str) -> list[str]:
    """Names to look for in Arabic by sound: the question's capitalized words, but not its first word (capitalized
    anyway) nor words of a longer name ("Collective Security Treaty Organization", "Commonwealth of Independent
    States"): such names are translated, not transliterated. Acronyms are read letter by letter (CIS) or translated
    (ISIS is داعش): both are left to the word aligner."""
    rest = " ".join(question.split()[1:])
    return [name for name in dict.fromkeys(_LATIN_NAME.findall(rest)) if name not in long_name_words(rest)]


def long_name_words(text: str) -> set[str]:
    """Words of the longer names in ``text`` ("Collective Security Treaty Organization"): translated, not spelled
    by sound."""
    runs = (_POSSESSIVE.sub("", run).split() for run in _NAME_RUN.findall(text))
    return {word for words in runs if len(words) >= LONG_NAME for word in words}


def known_long_names(text: str) -> list[str]:
    """The acronyms of the longer names in ``text`` whose Arabic forms are known: "Collective Security Treaty
    Organization" is CSTO, "Commonwealth of Independent States" CIS."""
    runs = (run.split() for run in _NAME_RUN.findall(text))
    initials = ("".join(w[0] for w in words if w[0].isupper()) for words in runs if len(words) >= LONG_NAME)
    return [acronym for acronym in dict.fromkeys(initials) if acronym in _ACRONYM_FORMS]


def word_spells(name: str, word: str) -> bool:
    """Whether one Arabic word writes the Latin name: by sound, or an acronym's by the first word of one of its
    Arabic forms (رابطة for CIS, الناتو for NATO)."""
    if not name.isupper():
        return sounds_alike(name, word)
    folded = normalize(word)
    firsts = {normalize(form.split()[0]) for form in _ACRONYM_FORMS.get(name, ())}
    return bool(({folded} | without_prefix(folded)) & firsts)


@lru_cache(maxsize=1)
def _country_words() -> dict[str, frozenset[str]]:
    """CLDR's English name of each country (through babel) → the words of its Arabic name that tell it apart from
    other countries', folded and without the article: "Saudi Arabia" → {سعوديه} (المملكة العربية السعودية, whose
    first two words other countries share, as news shortens it), "United States" → {ولايات, متحده}, "Egypt" →
    {مصر}. Arabic translates these names rather than spelling them by sound."""
    from babel import Locale

    english, arabic = Locale("en").territories, Locale("ar").territories
    words = {
        code: [fold(w).removeprefix("ال") for w in _PARENTHESES.sub("", name).split()]
        for code, name in arabic.items()
        if len(code) == 2 and code in english
    }
    shared = Counter(word for ws in words.values() for word in set(ws))
    telling = {
        _PARENTHESES.sub("", english[code]).strip(): frozenset([w for w in ws if shared[w] == 1] or ws)
        for code, ws in words.items()
    }
    return telling | {variant: telling[name] for variant, name in _ENGLISH_VARIANTS.items()}


_PARENTHESES = re.compile(r"\s*\([^)]*\)")
# English names news still uses beside CLDR's.
_ENGLISH_VARIANTS = {"Turkey": "Türkiye", "Czech Republic": "Czechia"}


def is_country(name: str) -> bool:
    """Whether ``name`` is a country's English name (CLDR's, or one news still uses: Turkey)."""
    return name in _country_words()


def country_names(text: str) -> list[str]:
    """The countries of more than one word ``text`` names by CLDR's English names ("Saudi Arabia", "United Arab
    Emirates"): one name each, not words to find one by one."""
    return [name for name in _country_words() if " " in name and re.search(rf"\b{re.escape(name)}\b", text)]


class ArabicSpellings:
    """What an Arabic text spells, asked name by name: by sound, for an acronym by its usual Arabic forms, and for a
    country by the words of its Arabic name."""

    def __init__(self, text: str) -> None:
        words = list(dict.fromkeys(ARABIC_WORD.findall(text)))
        self._single_words = words
        # Pairs a name may be written as: نور سلطان, عبد الله, أبو ظبي.
        self.words = words + [a + b for a, b in zip(words, words[1:]) if len(a) <= SHORT_FIRST_WORD]
        self.folded = normalize(text)

    @cached_property
    def bare(self) -> set[str]:
        """Its words folded, with and without a leading clitic or article: what a country's Arabic words are
        looked up in."""
        return {form for word in self._single_words for form in {fold(word)} | without_prefix(fold(word))}

    def spells(self, name: str) -> bool:
        if name.isupper():
            return any(ARABIC_FORM[form].search(self.folded) for form in _ACRONYM_FORMS.get(name, ()))
        country = _country_words().get(name)
        if country and country <= self.bare:
            return True
        return " " not in name and any(sounds_alike(name, word) for word in self.words)
