"""The numbered source sentences an LLM answers from, and how they are written into its prompt."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dalil.index.loaded import LoadedIndex
from dalil.index.normalize import detect_language
from dalil.index.types import Article, Sentence
from dalil.qa.citations import cite
from dalil.qa.extractive import ScoredSentence
from dalil.qa.types import Citation
from dalil.qa.verify import Source

# An article must not be able to close the data fence and speak as the user.
_FENCE_TAG = re.compile(r"</?\s*sources\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class NumberedSources:
    sentences: dict[int, Sentence]
    articles: dict[str, Article]

    @property
    def sources(self) -> dict[int, Source]:
        return {
            number: Source(number=number, sentence_id=s.id, text=s.text, language=detect_language(s.text))
            for number, s in self.sentences.items()
        }

    def citation(self, number: int) -> Citation:
        sentence = self.sentences[number]
        article = self.articles[sentence.doc_id]
        return cite(sentence, article.text, article.title, article.published)

    def prompt_text(self) -> str:
        """One line per source: ``[n] «title» (date): sentence``, in the order numbered."""
        lines = []
        for number, sentence in self.sentences.items():
            article = self.articles[sentence.doc_id]
            dated = f" ({article.published})" if article.published else ""
            lines.append(f"[{number}] «{_as_data(article.title)}»{dated}: {_as_data(sentence.text)}")
        return "\n".join(lines)


def number_sources(index: LoadedIndex, scored: Sequence[ScoredSentence], limit: int) -> NumberedSources:
    """The ``limit`` best-scored sentences, numbered from 1 in reading order within each article.

    Articles come in the order of their best sentence, so the strongest evidence is near the top.
    """
    best = [s.sentence for s in scored[:limit]]
    article_rank = {doc_id: rank for rank, doc_id in enumerate(dict.fromkeys(s.doc_id for s in best))}
    articles = {doc_id: index.get_document(doc_id) for doc_id in article_rank}
    ordered = sorted((s for s in best if articles[s.doc_id] is not None), key=lambda s: (article_rank[s.doc_id], s.n))
    return NumberedSources(
        sentences={number: sentence for number, sentence in enumerate(ordered, start=1)},
        articles={doc_id: article for doc_id, article in articles.items() if article is not None},
    )


def _as_data(text: str) -> str:
    return _FENCE_TAG.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), " ".join(text.split()))
