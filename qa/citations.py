"""Citations are checkable: each one names a sentence and the exact character span it occupies in its article."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dalil.index.types import Sentence
from dalil.qa.types import Citation


class CitationMismatch(ValueError):
    """A citation's quote is not the article text at its offsets."""


def cite(sentence: Sentence, article_text: str, title: str, published: str | None = None) -> Citation:
    """Build the citation for ``sentence``, refusing one whose offsets don't reproduce its text."""
    quote = article_text[sentence.start : sentence.end]
    if quote != sentence.text or not quote.strip():
        raise CitationMismatch(
            f"sentence {sentence.id} says {sentence.text[:40]!r} but the article has {quote[:40]!r} "
            f"at {sentence.start}:{sentence.end}"
        )
    return Citation(
        id=sentence.id,
        doc_id=sentence.doc_id,
        title=title,
        start=sentence.start,
        end=sentence.end,
        quote=quote,
        published=published,
    )


def citation_problems(citations: Iterable[Citation], article_text: Callable[[str], str | None]) -> dict[str, str]:
    """Citation id -> why it does not match its article; empty when every citation holds."""
    problems = {}
    for citation in citations:
        text = article_text(citation.doc_id)
        if text is None:
            problems[citation.id] = f"no article {citation.doc_id!r}"
        elif not citation.id.startswith(f"{citation.doc_id}:"):
            problems[citation.id] = f"id does not belong to article {citation.doc_id!r}"
        elif not 0 <= citation.start < citation.end <= len(text):
            problems[citation.id] = f"offsets {citation.start}:{citation.end} outside the article"
        elif text[citation.start : citation.end] != citation.quote:
            problems[citation.id] = f"quote differs from the article text at {citation.start}:{citation.end}"
    return problems
