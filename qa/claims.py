"""The checkable facts of a text: numbers, months and Latin-script names.

A claim may only state facts its cited sentences state too, so these are extracted the same way from both
and compared as sets. Extraction is lexical and deliberately simple; each function documents its rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dalil.index.normalize import normalize, tokenize
from dalil.index.segment import split_sentences
from dalil.index.stopwords import ENGLISH_STOPWORDS

DIGITS = "0-9٠-٩۰-۹"  # a regex class body: ASCII, Arabic-Indic and Persian digits
# A citation marker: "[3]", "[2, 5]", "[2،5]", "[٣]". Markers are bookkeeping, not facts of the text.
MARKER = re.compile(rf"\[\s*[{DIGITS}]+(?:\s*[,،]\s*[{DIGITS}]+)*\s*\]")

# After ``normalize`` all digits are ASCII; the Arabic decimal and thousands separators become "." and ",".
SEPARATORS = str.maketrans({"٫": ".", "٬": ","})
# Thousands groups only with commas between groups of three ("1,000,000"); otherwise a plain digit run.
_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?")


_MULTIPLIERS = {
    **{normalize(word): 1_000 for word in ("ألف", "آلاف", "ألفا", "thousand")},
    **{normalize(word): 1_000_000 for word in ("مليون", "ملايين", "million")},
    **{normalize(word): 1_000_000_000 for word in ("مليار", "مليارات", "billion")},
}
_MULTIPLIED = re.compile(
    rf"({_NUMBER.pattern})(?:\s*(?:و|and|to|-|–)\s*({_NUMBER.pattern}))?\s+(?P<word>{'|'.join(_MULTIPLIERS)})(?!\w)"
)


def numbers(text: str) -> set[str]:
    """Canonical numbers in ``text``: digits in any of the three scripts, as ASCII, and each number a multiplier
    word follows also multiplied out ("7 آلاف" is 7 and 7000, "5 و 7 آلاف" 5000 too, "15 thousand" 15000).

    "1,000" and "١٬٠٠٠" → "1000"; "3.50" and "٣٫٥" → "3.5"; "05" → "5"; "2.0" → "2". Signs, units and percent
    signs are ignored, so "50%" is "50" and "1st" is "1"; digits inside names count too ("S-300" → "300").
    A comma between digits that is not a thousands separator separates two numbers ("1,5" → "1", "5").
    Number words ("five", "خمسة") are out of scope.
    """
    return set().union(*number_readings(text))


def number_readings(text: str) -> list[frozenset[str]]:
    """Each number of ``text`` with what it may stand for: {"7", "7000"} for "7 آلاف", {"1000"} for "1,000"."""
    plain = normalize(MARKER.sub(" ", text)).translate(SEPARATORS)
    scaled: dict[int, str] = {}
    for match in _MULTIPLIED.finditer(plain):
        factor = _MULTIPLIERS[match.group("word")]
        for group in (1, 2):
            if match.group(group):
                scaled[match.start(group)] = _canonical(str(float(match.group(group).replace(",", "")) * factor))
    return [
        frozenset(
            {_canonical(match.group()), scaled[match.start()]}
            if match.start() in scaled
            else {_canonical(match.group())}
        )
        for match in _NUMBER.finditer(plain)
    ]


def _canonical(number: str) -> str:
    whole, _, fraction = number.replace(",", "").partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


_ENGLISH_MONTHS = {
    **dict.fromkeys(["january", "jan"], 1),
    **dict.fromkeys(["february", "feb"], 2),
    **dict.fromkeys(["march", "mar"], 3),
    **dict.fromkeys(["april", "apr"], 4),
    "may": 5,
    **dict.fromkeys(["june", "jun"], 6),
    **dict.fromkeys(["july", "jul"], 7),
    **dict.fromkeys(["august", "aug"], 8),
    **dict.fromkeys(["september", "sep", "sept"], 9),
    **dict.fromkeys(["october", "oct"], 10),
    **dict.fromkeys(["november", "nov"], 11),
    **dict.fromkeys(["december", "dec"], 12),
}
# Month names that are also everyday English words ("may" the modal, "march"/"mar" the verbs).
_ENGLISH_AMBIGUOUS = frozenset({"may", "march", "mar"})

# Written in ordinary spelling, compared after ``normalize`` (alef forms folded, ة → ه).
_ARABIC_MONTHS = {
    normalize(name): month
    for names, month in [
        ("يناير", 1),
        ("فبراير شباط", 2),
        ("مارس آذار", 3),
        ("أبريل ابريل إبريل نيسان", 4),
        ("مايو أيار", 5),
        ("يونيو يونيه حزيران", 6),
        ("يوليو يوليه تموز", 7),
        ("أغسطس اغسطس آب", 8),
        ("سبتمبر أيلول", 9),
        ("أكتوبر اكتوبر", 10),
        ("نوفمبر", 11),
        ("ديسمبر", 12),
    ]
    for name in names.split()
}
# Levantine two-word names: the first word alone names no month.
_ARABIC_TWO_WORD_MONTHS = {
    (normalize(first), normalize(second)): month
    for first, second, month in [
        ("كانون", "الثاني", 1),
        ("تشرين", "الأول", 10),
        ("تشرين", "الثاني", 11),
        ("كانون", "الأول", 12),
    ]
}
# Every Arabic month name as ``normalize`` writes it, the two-word ones joined by a space.
ARABIC_MONTH_NAMES = {
    **_ARABIC_MONTHS,
    **{f"{first} {second}": m for (first, second), m in _ARABIC_TWO_WORD_MONTHS.items()},
}
MONTH_NAMES = "January February March April May June July August September October November December".split()
_FATHER = normalize("آب")  # also "father": a month only next to a number or after "شهر"
_MONTH_WORD = normalize("شهر")
_PROCLITICS = "وبلف"
_ENGLISH_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = frozenset(".!?؟…")


def months(text: str) -> set[int]:
    """Months named in ``text``, as 1..12, in English and Arabic (Egyptian/Gulf and Levantine names).

    English: full names and the usual abbreviations, whole words, any case. "May", "March" and "Mar" are
    also ordinary words, so they count only when capitalized and not the first word of a sentence, or
    when a number is the word before or after ("May 2023", "5 May").
    Arabic: matched on normalized words, allowing one attached proclitic (و ب ل ف: "بمارس", "وأيار").
    The two-word Levantine names ("كانون الثاني") need both words. "آب" counts only next to a number or
    after "شهر". The verb "مارس" (practised) is not told apart from the month; a claim that uses it is
    then held to a month its source may lack, which withholds a claim rather than passing a wrong one.
    """
    return _english_months(text) | _arabic_months(tokenize(text))


def _english_months(text: str) -> set[int]:
    words = list(_ENGLISH_WORD.finditer(text))
    found = set()
    for i, word in enumerate(words):
        month = _ENGLISH_MONTHS.get(word.group().lower())
        if month is None:
            continue
        if word.group().lower() in _ENGLISH_AMBIGUOUS:
            near_number = any(0 <= j < len(words) and words[j].group()[0].isdigit() for j in (i - 1, i + 1))
            capitalized_inside = word.group()[0].isupper() and not _starts_sentence(text, word.start())
            if not (near_number or capitalized_inside):
                continue
        found.add(month)
    return found


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _SENTENCE_END


def _arabic_months(words: list[str]) -> set[int]:
    bare = [_without_proclitic(word) for word in words]
    found = set()
    for i, word in enumerate(bare):
        following = words[i + 1] if i + 1 < len(words) else ""
        if (word, following) in _ARABIC_TWO_WORD_MONTHS:
            found.add(_ARABIC_TWO_WORD_MONTHS[word, following])
        elif word == _FATHER:
            near_number = any(0 <= j < len(words) and words[j].isdigit() for j in (i - 1, i + 1))
            if near_number or (i > 0 and bare[i - 1] == _MONTH_WORD):
                found.add(_ARABIC_MONTHS[word])
        elif word in _ARABIC_MONTHS:
            found.add(_ARABIC_MONTHS[word])
    return found


def _without_proclitic(word: str) -> str:
    """The word itself when it names a month, else the word without one leading proclitic."""
    if word in _ARABIC_MONTHS or any(word == first for first, _ in _ARABIC_TWO_WORD_MONTHS):
        return word
    if len(word) > 2 and word[0] in _PROCLITICS:
        return word[1:]
    return word


# Latin letters with their accented forms; a name may have digits and inner hyphens ("S-300", "al-Sisi").
_LATIN = "A-Za-z\u00c0-\u024f"
_LATIN_LETTER = re.compile(f"[{_LATIN}]")
_LATIN_TOKEN = re.compile(rf"(?:[{_LATIN}]\.){{2,}}|[{_LATIN}0-9]+(?:-[{_LATIN}0-9]+)*")
# Calendar words are capitalized in English but name nothing a cited sentence must spell out: months are
# checked by ``months`` in any language, and weekdays are left to the topical check.
_NOT_NAMES = (
    frozenset(ENGLISH_STOPWORDS)
    | _ENGLISH_MONTHS.keys()
    | {f"{day}day" for day in ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")}
)
_QUOTATION_OPENERS = frozenset('"“”«‘(:')


def latin_names(text: str) -> set[str]:
    """Name-like Latin-script words of ``text``, lowercased.

    A capitalized word counts unless it is an English stopword ("The"), a month or weekday, or opens a
    sentence, a quotation or what follows a colon (there a capital says nothing). All-caps acronyms ("NATO",
    "UN", "U.S." → "us") and words with both a capital and a digit ("S-300", "F-16") count anywhere.
    Single letters never count.
    """
    text = MARKER.sub(" ", text)
    sentence_starts = {start for start, _ in split_sentences(text)}
    names = set()
    for match in _LATIN_TOKEN.finditer(text):
        token = match.group()
        word = token.replace(".", "")
        if len(word) < 2 or word.lower() in _NOT_NAMES or not any(ch.isupper() for ch in word):
            continue
        is_acronym = word.isupper()
        has_digit = any(ch.isdigit() for ch in word)
        starts_sentence = _first_word(text, match.start(), sentence_starts)
        if is_acronym or has_digit or (word[0].isupper() and not starts_sentence):
            names.add(word.lower())
    return names


def capitalized_words(text: str) -> list[str]:
    """Every capitalized Latin-script word of ``text`` as written, sentence openers included, except stopwords,
    months and weekdays: what may be a name when another script is asked whether it spells it."""
    words = (match.group() for match in _LATIN_TOKEN.finditer(MARKER.sub(" ", text)))
    return list(dict.fromkeys(w for w in words if w[0].isupper() and w.lower() not in _NOT_NAMES and len(w) > 1))


def _first_word(text: str, start: int, sentence_starts: set[int]) -> bool:
    """Whether the word at ``start`` opens a sentence, a quotation or what follows a colon."""
    position = start
    while position > 0 and position not in sentence_starts and not text[position - 1].isalnum():
        if text[position - 1] in _QUOTATION_OPENERS:
            return True
        position -= 1
    return position == 0 or position in sentence_starts


def has_latin(text: str) -> bool:
    """Whether ``text`` has a Latin letter, so that Latin names can be looked up in it at all."""
    return _LATIN_LETTER.search(text) is not None


def name_key(name: str) -> str:
    """How names are compared: lowercase, without accents, hyphens or dots ("Erdoğan" ~ "erdogan", "S300")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if ch.isalnum()).lower()


def latin_name_keys(text: str) -> set[str]:
    """``name_key`` of every Latin-script word of ``text``, whatever its case or place, and of each part of a
    hyphenated word, so that a name in a claim can be looked up in a cited sentence ("al-Sisi" has "sisi")."""
    keys = set()
    for match in _LATIN_TOKEN.finditer(MARKER.sub(" ", text)):
        token = match.group()
        keys.add(name_key(token))
        keys.update(name_key(part) for part in token.split("-"))
    keys.discard("")
    return keys


@dataclass(frozen=True)
class Facts:
    numbers: frozenset[str]
    # Each number of the text with what it may stand for (``number_readings``): a claim's number is supported
    # when any of its readings is among the cited sentences' numbers.
    readings: tuple[frozenset[str], ...]
    months: frozenset[int]
    names: frozenset[str]


def facts(text: str) -> Facts:
    readings = tuple(number_readings(text))
    return Facts(
        numbers=frozenset().union(*readings),
        readings=readings,
        months=frozenset(months(text)),
        names=frozenset(latin_names(text)),
    )
