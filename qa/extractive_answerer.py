"""``backend: extractive``, the offline default: quote the best-scored sentences, or abstain when unsure."""

from __future__ import annotations

from collections.abc import Iterator

from dalil.index.loaded import LoadedIndex
from dalil.index.protocols import SpanReader
from dalil.qa.citations import cite
from dalil.qa.events import AnswerEvent
from dalil.qa.extractive import ScoredSentence
from dalil.qa.messages import message
from dalil.qa.prepare import Prepared, chosen_sentences
from dalil.qa.replay import replay
from dalil.qa.short_answer import answering_sentences, from_span, read_spans
from dalil.qa.types import Answer, Citation, ShortAnswer
from dalil.settings import Settings

NAME = "extractive"


class ExtractiveAnswerer:
    """Cites the best sentence, plus runners-up within the scoring margin; abstains below the threshold."""

    name = NAME
    model = None

    def __init__(self, abstain_threshold: float = 0.5, max_sentences: int = 3) -> None:
        if not 0 <= abstain_threshold <= 1:
            raise ValueError(f"DALIL_ABSTAIN_THRESHOLD must be between 0 and 1, got {abstain_threshold}")
        if max_sentences < 1:
            raise ValueError(f"DALIL_MAX_ANSWER_SENTENCES must be at least 1, got {max_sentences}")
        self.abstain_threshold = abstain_threshold
        self.max_sentences = max_sentences

    @classmethod
    def from_settings(cls, settings: Settings) -> "ExtractiveAnswerer":
        return cls(settings.abstain_threshold, settings.max_answer_sentences)

    def available(self) -> bool:
        return True

    def abstains(self, prepared: Prepared) -> bool:
        """Too unsure to answer: the decision the ``llm`` backend also follows before asking its model."""
        return prepared.confidence < self.abstain_threshold

    def stream(self, prepared: Prepared, index: LoadedIndex) -> Iterator[AnswerEvent]:
        return replay(self.answer(prepared, index))

    def answer(self, prepared: Prepared, index: LoadedIndex) -> Answer:
        scores, language, weights = prepared.scores, prepared.language, prepared.weights
        abstained = self.abstains(prepared)
        short, short_in = None, None
        if abstained:
            text, citations = message("abstain" if scores.scored else "empty_index", language), []
        else:
            chosen = chosen_sentences(scores, weights, self.max_sentences)
            if index.span_reader is None:
                citations = _citations(index, chosen)
            else:
                citations, short, short_in = self._read(prepared, index, chosen)
            text = _compose(citations, language, short, short_in)
        return Answer(
            answer=text,
            language=language,
            abstained=abstained,
            confidence=prepared.confidence,
            citations=citations,
            passages=prepared.passages,
            backend=self.name,
            timings_ms=prepared.timings(),
            short_answer=short,
        )

    def _read(
        self, prepared: Prepared, index: LoadedIndex, chosen: list[ScoredSentence]
    ) -> tuple[list[Citation], ShortAnswer | None, int | None]:
        """Citations and the short answer, from the span reader's reading of the chosen sentences.

        The sentence holding the surest answer span is cited; another chosen sentence only where the reader finds
        an answer in it too (a runner-up within the scoring margin that answers nothing is noise).
        """
        reader: SpanReader = index.span_reader  # type: ignore[assignment]
        # prepare() read the sentences its settings choose; an answerer choosing more reads the rest.
        sentences = [(s.sentence.id, s.sentence.text) for s in chosen]
        spans = read_spans(reader, prepared.question, sentences, prepared.readings)
        weights = prepared.weights
        lead, kept = answering_sentences(spans, weights.runner_up_min_span, weights.runner_up_span_gap)
        if lead is None:
            return _citations(index, chosen), None, None
        citations = _citations(index, [chosen[position] for position in kept])
        number = next((n for n, c in enumerate(citations, start=1) if c.id == chosen[lead].sentence.id), None)
        if number is None:  # its article was removed while answering
            return citations, None, None
        return citations, from_span(citations[number - 1], spans[lead], prepared.language), number  # type: ignore[arg-type]


def _citations(index: LoadedIndex, chosen: list[ScoredSentence]) -> list[Citation]:
    # Reading order within each article makes a multi-sentence answer read naturally.
    ordered = sorted(chosen, key=lambda s: (s.sentence.doc_id, s.sentence.n))
    articles = {d: index.get_document(d) for d in {s.sentence.doc_id for s in ordered}}
    return [
        cite(s.sentence, article.text, article.title, article.published)
        for s in ordered
        if (article := articles[s.sentence.doc_id]) is not None
    ]


def _compose(
    citations: list[Citation], language: str, short: ShortAnswer | None = None, short_in: int | None = None
) -> str:
    """The short answer first, when there is one; then the cited sentences quoted, each followed by its marker,
    grouped by article."""
    parts: list[str] = [f"{short.english or short.text} [{short_in}]."] if short else []
    current_doc = None
    for number, citation in enumerate(citations, start=1):
        if citation.doc_id != current_doc:
            parts.append(message("according_to", language, title=citation.title))
            current_doc = citation.doc_id
        parts.append(f"{citation.quote} [{number}]")
    return " ".join(parts)
