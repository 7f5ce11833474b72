"""Arabic-aware text normalization, tokens and search terms.

``normalize`` implements the matching rules of the evaluation format (NFKC, no diacritics or tatweel,
one alef, ى→ي, ة→ه, ASCII digits, lower case, single spaces); lexical search uses the same form so that
spelling variants of one word meet in the index.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Literal

import snowballstemmer

from dalil.index.stopwords import ARABIC_STOPWORDS, ENGLISH_STOPWORDS


def _char_range(first: int, last: int) -> list[int]:
    return list(range(first, last + 1))


_DIACRITICS = [
    *_char_range(0x064B, 0x065F),  # tashkeel
    0x0670,  # superscript alef
    *_char_range(0x0610, 0x061A),  # Quranic honorifics and small marks
    *_char_range(0x06D6, 0x06DC),  # Quranic annotation marks
    *_char_range(0x06DF, 0x06E4),
    *_char_range(0x06E7, 0x06E8),
    *_char_range(0x06EA, 0x06ED),
    0x0640,  # tatweel
]
_FOLD_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_DIACRITICS),
    **{ord(alef): "ا" for alef in "أإآٱ"},
    ord("ى"): "ي",
    ord("ة"): "ه",
    **{0x0660 + d: str(d) for d in range(10)},  # Arabic-Indic digits
    **{0x06F0 + d: str(d) for d in range(10)},  # Extended (Persian) digits
}

_WORD = re.compile(r"[^\W_]+")

# Share of Arabic-script letters from which text counts as Arabic: an Arabic question quoting "S-300" or
# "NATO" stays Arabic, an English question naming one Arabic word stays English.
_ARABIC_SHARE = 0.3


def normalize(text: str) -> str:
    return " ".join(fold(text).lower().split())


def fold(text: str) -> str:
    """``normalize``'s Arabic folding (NFKC, no diacritics or tatweel, one alef, ى→ي, ة→ه, ASCII digits) alone:
    case and spacing are kept."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE)


def normalize_answer(text: str) -> str:
    """``normalize`` without punctuation (any Unicode P* character), for comparing answers."""
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in normalize(text))
    return " ".join(text.split())


def is_arabic_letter(ch: str) -> bool:
    code = ord(ch)
    in_arabic_blocks = (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    )
    return in_arabic_blocks and ch.isalpha()


def has_arabic(text: str) -> bool:
    return any(is_arabic_letter(ch) for ch in text)


def detect_language(text: str) -> Literal["ar", "en"]:
    """ "ar" when Arabic-script letters make up at least 30% of the letters; "en" otherwise or without letters."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    arabic = sum(1 for ch in letters if is_arabic_letter(ch))
    return "ar" if arabic >= _ARABIC_SHARE * len(letters) else "en"


def tokenize(text: str) -> list[str]:
    """Runs of letters and digits in the normalized text; hyphens and other punctuation separate tokens."""
    return _WORD.findall(normalize(text))


# snowballstemmer hands out PyStemmer's compiled stemmers when it is installed (a dependency): the same stems
# as its pure-Python ones on all 45,263 words of the real corpus, 30x faster (stemming was half of a lexical build).
_STEMMERS = {"ar": snowballstemmer.stemmer("arabic"), "en": snowballstemmer.stemmer("english")}
# Snowball stemmers keep their working word in the object, and the service stems from several threads.
_STEM_LOCK = threading.Lock()


@lru_cache(maxsize=100_000)
def stem(token: str) -> str:
    """Stem one normalized token: Arabic script with the Arabic stemmer, other letters with the English one."""
    if token.isdigit():
        return token
    language = "ar" if has_arabic(token) else "en"
    with _STEM_LOCK:
        return _STEMMERS[language].stemWord(token) or token


# The lists are written in ordinary spelling; tokens are compared in normalized form.
_STOPWORDS = frozenset(normalize(word) for word in ARABIC_STOPWORDS | ENGLISH_STOPWORDS)


def search_terms(text: str) -> list[str]:
    """Stemmed tokens without stopwords: what BM25 indexes for chunks and matches for queries."""
    return [stem(token) for token in tokenize(text) if token not in _STOPWORDS]
