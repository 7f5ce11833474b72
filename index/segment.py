"""Sentence segmentation for Arabic and English news, with exact character offsets.

Each line is scanned on its own (a line break always ends a sentence). Inside a line, every run of
terminators (. ? ! ؟ ؛ … ۔) is a candidate boundary; a few explicit rules reject candidates that are
abbreviations, parts of numbers or web addresses, or that sit inside a quotation or bracket closing later
on the same line.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from dalil.index.types import Sentence, sentence_id

# A line: text between the line breaks of str.splitlines. A line break always ends a sentence.
LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_TERMINATORS = re.compile(r"[.?!؟؛…۔]+")
_SPACES = re.compile(r"\s*")
_WORD = re.compile(r"[^\W_]")  # a letter or a digit, in any script

_OPENERS = {"(": ")", "[": "]", "{": "}", "«": "»", "‹": "›"}
_CLOSERS = {closer: opener for opener, closer in _OPENERS.items()}
# Straight and curly double quotes are used interchangeably (even reversed) in news text, so any of them
# opens a quotation when none is open and closes it otherwise.
_DOUBLE_QUOTES = frozenset('"“”')
# Closing marks that stay with the sentence they follow.
_TRAILING_CLOSERS = frozenset(_CLOSERS) | {"'", "’"}

# A quotation or bracket only holds a sentence together when it closes within this many characters;
# an unbalanced mark must not swallow the rest of a long paragraph.
_MAX_QUOTE_REACH = 400

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st jr sr inc ltd co corp plc vs etc
    jan feb mar apr jun jul aug sep sept oct nov dec
    gen col lt sgt capt maj cmdr adm gov sen rep pres
    إلخ الخ
    """.split()
)
# Ordinary words that are abbreviations only before a number ("No. 5", "p. 12").
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "vol", "p", "pp"})
# Abbreviations are short; looking further back would make long dotted strings quadratic to scan.
_LONGEST_ABBREVIATION = 20


@dataclass(frozen=True)
class _Quote:
    opened: int
    closed: int


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` into ``text``, in order, stripped of surrounding whitespace, never empty."""
    spans: list[tuple[int, int]] = []
    for line in LINE.finditer(text):
        pieces: list[tuple[int, int]] = []
        start = line.start()
        for boundary in _boundaries(text, line.start(), line.end()):
            pieces.extend(_stripped(text, start, boundary))
            start = boundary
        pieces.extend(_stripped(text, start, line.end()))
        spans.extend(_without_wordless_pieces(text, pieces))
    return spans


def _without_wordless_pieces(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a piece with no letter or digit ("...", "!") to its neighbour on the same line.

    Alone it is no sentence, and its vector sits close to every query, crowding out real answers.
    """
    merged: list[tuple[int, int]] = []
    pending_start: int | None = None
    for start, end in pieces:
        if not _WORD.search(text, start, end):
            if merged:
                merged[-1] = (merged[-1][0], end)
            elif pending_start is None:
                pending_start = start
            continue
        merged.append((pending_start if pending_start is not None else start, end))
        pending_start = None
    if pending_start is not None:  # the whole line is punctuation: keep it, nothing is lost
        merged.append((pending_start, pieces[-1][1]))
    return merged


def sentences_for(doc_id: str, text: str) -> list[Sentence]:
    return [
        Sentence(id=sentence_id(doc_id, n), doc_id=doc_id, n=n, start=start, end=end, text=text[start:end])
        for n, (start, end) in enumerate(split_sentences(text))
    ]


def _boundaries(text: str, line_start: int, line_end: int) -> list[int]:
    """Offsets inside one line where a sentence ends (just after its terminators and closing marks)."""
    quotes = sorted(_quotes(text, line_start, line_end), key=lambda quote: quote.closed)
    closing = [quote.closed for quote in quotes]
    closing_marks = set(closing)
    boundaries = []
    for run in _TERMINATORS.finditer(text, line_start, line_end):
        if _continues_word(text, run.end(), line_end) or _is_abbreviation_dot(text, run, line_start, line_end):
            continue
        end = run.end()
        while end < line_end and (
            text[end] in _TRAILING_CLOSERS or (text[end] in _DOUBLE_QUOTES and end in closing_marks)
        ):
            end += 1
        if _inside_quote(quotes, closing, run.start(), end):
            continue
        if _next_word_is_lowercase(text, end, line_end):
            continue
        boundaries.append(end)
    return boundaries


def _quotes(text: str, line_start: int, line_end: int) -> list[_Quote]:
    """Matched quotation marks and brackets of one line; unmatched ones are left out."""
    open_brackets: dict[str, list[int]] = {opener: [] for opener in _OPENERS}
    open_double_quote: int | None = None
    quotes = []
    for i in range(line_start, line_end):
        ch = text[i]
        if ch in _OPENERS:
            open_brackets[ch].append(i)
        elif ch in _CLOSERS and open_brackets[_CLOSERS[ch]]:
            quotes.append(_Quote(open_brackets[_CLOSERS[ch]].pop(), i))
        elif ch in _DOUBLE_QUOTES:
            if open_double_quote is None:
                open_double_quote = i
            else:
                quotes.append(_Quote(open_double_quote, i))
                open_double_quote = None
    return quotes


def has_open_quote(text: str, start: int, end: int) -> bool:
    """Whether a quotation mark or bracket opened in ``text[start:end]`` is still open at ``end``, paired as
    ``split_sentences`` pairs them: a mark closing later would hold the text on both sides of ``end`` together."""
    marks = sum(ch in _OPENERS or ch in _DOUBLE_QUOTES for ch in text[start:end])
    # A bracket pair uses up one opening mark; a pair of double quotes uses up two marks.
    paired = sum(1 if text[quote.opened] in _OPENERS else 2 for quote in _quotes(text, start, end))
    return marks > paired


def _inside_quote(quotes: list[_Quote], closing: list[int], run_start: int, end: int) -> bool:
    """Whether the terminators sit in a quotation or bracket that closes after them, close enough.

    ``quotes`` are sorted by where they close (``closing``), so only those closing within reach are looked at.
    """
    reachable = quotes[bisect_left(closing, end) : bisect_right(closing, end + _MAX_QUOTE_REACH)]
    return any(quote.opened < run_start for quote in reachable)


def _continues_word(text: str, after: int, line_end: int) -> bool:
    """A terminator directly followed by a lowercase letter or a digit is inside "3.5" or "example.com"."""
    return after < line_end and (text[after].islower() or text[after].isdigit())


def _next_word_is_lowercase(text: str, end: int, line_end: int) -> bool:
    """English sentences start with a capital, so '"Stop!" he said' goes on after the quotation."""
    following = _SPACES.match(text, end, line_end).end()
    return following < line_end and text[following].islower()


def _is_abbreviation_dot(text: str, run: re.Match[str], line_start: int, line_end: int) -> bool:
    if run.group() != ".":
        return False
    word = _word_before(text, run.start(), line_start)
    if not word:
        return False
    letters = [_without_marks(piece) for piece in word.split(".")]
    if all(len(piece) == 1 and piece.isalpha() for piece in letters) and (len(letters) > 1 or not word.islower()):
        return True  # acronyms "U.S." "e.g." "ق.م.", initials "J.", Arabic "د." "م." "هـ." (a lone "a." is a word)
    lowered = word.lower()
    if lowered in _ABBREVIATIONS:
        return True
    following = _SPACES.match(text, run.end(), line_end).end()
    return lowered in _NUMBER_ABBREVIATIONS and following < line_end and text[following].isdigit()


def _word_before(text: str, end: int, line_start: int) -> str:
    """The word ending at ``end``, with the dots inside it ("U.S" before the last dot of "U.S.").

    Empty when there is none or when it is too long to be an abbreviation.
    """
    start = end
    while start > line_start and (_is_word_char(text[start - 1]) or text[start - 1] == "."):
        start -= 1
        if end - start > _LONGEST_ABBREVIATION:
            return ""
    return text[start:end].strip(".")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M") or ch == "ـ"


def _without_marks(piece: str) -> str:
    """Drops tatweel and combining marks, so "هـ" and a vowelled "دُ" count as single letters."""
    return "".join(ch for ch in piece if ch != "ـ" and not unicodedata.category(ch).startswith("M"))


def _stripped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []
