"""The short answer that leads an answer: the span of a cited sentence that answers the question.

A span reader (``index.embedders.span_reader``) reads the question with each cited sentence; the span it is
surest of becomes the short answer, with offsets into the article, when it is sure enough. An English asker
also gets the span's English form when dalil can write it without a translation model: numbers, and dates
with Arabic month names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from dalil.index.normalize import fold
from dalil.index.protocols import EmbedderUnavailable, Span, SpanReader
from dalil.qa.claims import ARABIC_MONTH_NAMES, MONTH_NAMES, SEPARATORS
from dalil.qa.types import Citation, ShortAnswer

# A span the reader scores below its "no answer" reading is not shown. On XQuAD-ar (400 questions) showing those
# too gave 4% more short answers and moved F1 from 37.9 to 38.0: they are mostly wrong.
MIN_SPAN_SCORE = 0.0
# Punctuation a span may pick up at its edges from the tokenizer's pieces.
_EDGE = " \t\n.,;:!?،؛؟…\"'«»“”()[]-–—"

# English for the words of a number or a date, in ``fold``ed spelling (qa.claims writes the months the same way).
_WORDS = {
    **{name: MONTH_NAMES[month - 1] for name, month in ARABIC_MONTH_NAMES.items()},
    **{
        fold(arabic): english
        for arabic, english in {
            "ألف": "thousand", "آلاف": "thousand", "مليون": "million", "ملايين": "million", "مليار": "billion",
            "مليارات": "billion", "بالمئة": "percent", "بالمائة": "percent", "في المئة": "percent",
            "في المائة": "percent", "دولار": "dollars", "دولارا": "dollars", "يورو": "euros", "كيلومتر": "km",
            "كلم": "km", "عام": "", "سنة": "",
        }.items()
    },
}  # fmt: skip
_WORD_PATTERN = re.compile("|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)))
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
_REPEATED = re.compile(r"\b(\w+) ?/ ?\1\b")


def short_answer(
    question: str,
    citations: Sequence[Citation],
    reader: SpanReader,
    language: str,
    known: Mapping[str, Span | None] | None = None,
    min_score: float = MIN_SPAN_SCORE,
) -> tuple[ShortAnswer | None, int | None]:
    """The short answer and the number (1-based) of the citation it lies in, or (None, None). Sentences already
    read for this question (``known``, by sentence id) are not read again."""
    spans = read_spans(reader, question, [(c.id, c.quote) for c in citations], known)
    best = best_reading(spans, min_score)
    if best is None:
        return None, None
    short = from_span(citations[best], spans[best], language)  # type: ignore[arg-type]
    return (short, best + 1) if short else (None, None)


def read_spans(
    reader: SpanReader,
    question: str,
    sentences: Sequence[tuple[str, str]],
    known: Mapping[str, Span | None] | None = None,
) -> list[Span | None]:
    """The reader's span in each sentence (id, text), reading only those not ``known`` already (by id). None
    for all when the reader's model cannot be loaded: the answer then comes without a short answer rather than
    not at all (the service logs why at start)."""
    known = known or {}
    unread = [(sentence_id, text) for sentence_id, text in sentences if sentence_id not in known]
    read: dict[str, Span | None] = {}
    if unread:
        try:
            read = dict(zip((i for i, _ in unread), reader.read(question, [text for _, text in unread])))
        except EmbedderUnavailable:
            read = dict.fromkeys(i for i, _ in unread)
    return [known[i] if i in known else read[i] for i, _ in sentences]


def best_reading(spans: Sequence[Span | None], min_score: float = MIN_SPAN_SCORE) -> int | None:
    """The position of the surest span, if it is sure enough."""
    found = [(span.score, position) for position, span in enumerate(spans) if span is not None]
    if not found:
        return None
    score, position = max(found)
    return position if score >= min_score else None


def answering_sentences(
    spans: Sequence[Span | None], min_runner_up: float, max_gap: float
) -> tuple[int | None, list[int]]:
    """Of sentences chosen to answer (best first) and the reader's span in each: the position of the one holding
    the short answer, and the positions worth citing. Without a sure span all stay cited; with one, a runner-up
    stays only where the reader finds an answer in it too, scoring at least ``min_runner_up`` and within
    ``max_gap`` of the lead's (within the scoring margin, but answering nothing or less surely: noise)."""
    lead = best_reading(spans)
    if lead is None:
        return None, list(range(len(spans)))
    floor = max(min_runner_up, spans[lead].score - max_gap)  # type: ignore[union-attr]
    kept = [p for p, span in enumerate(spans) if p == lead or (span is not None and span.score >= floor)]
    return lead, kept


def from_span(citation: Citation, span: Span, language: str) -> ShortAnswer | None:
    """The span of the citation's quote as a short answer, with offsets into the article."""
    start, end = _trimmed(citation.quote, span.start, span.end)
    if start >= end:
        return None
    text = citation.quote[start:end]
    english = english_form(text) if language == "en" else None
    return ShortAnswer(text, citation.doc_id, citation.start + start, citation.start + end, english)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def english_form(text: str) -> str | None:
    """``text`` in English when every word of it is a number or a word dalil knows (months, units), else None.

    "12 يونيو 2010" → "12 June 2010", "٣٠٠ مليون دولار" → "300 million dollars"; a name → None.
    """
    plain = fold(text).translate(SEPARATORS)
    english = _WORD_PATTERN.sub(lambda match: f" {_WORDS[match.group(0)]} ", plain)
    if _ARABIC_LETTER.search(english):  # a word dalil cannot write in English
        return None
    english = _REPEATED.sub(r"\1", " ".join(english.split()))  # "ديسمبر/كانون الأول": one month, two names
    return english if english and english != text else None
