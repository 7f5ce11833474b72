"""Scoring main-text extraction on a set in trafilatura's evaluation format (``../shared/datasets/web-extraction``).

``evaldata.json`` maps a page's URL to ``{"file", "with": [...], "without": [...]}``: snippets the main text must
contain and snippets it must not. As in that project's ``tests/eval_common.py``: the extracted text and each
snippet are whitespace-normalized; per page, TP = "with" snippets found, FN = "with" missing, FP = "without"
found, TN = "without" missing; summed over pages. A page whose extraction fails (``None``) counts every "with" as
FN and every "without" as TN.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dalil.index.cleaning import clean_article
from dalil.index.readers.html import HtmlReader
from dalil.index.types import Article, IngestProblem, RawArticle


@dataclass(frozen=True)
class Page:
    url: str
    path: Path
    wanted: tuple[str, ...]
    unwanted: tuple[str, ...]


@dataclass
class ExtractionScore:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    pages: int = 0
    empty: list[str] = field(default_factory=list)  # URLs of pages that gave no text

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fn + self.fp + self.tn
        return (self.tp + self.tn) / total if total else 0.0

    def as_dict(self) -> dict:
        return {
            "pages": self.pages,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "accuracy": round(self.accuracy, 3),
            "pages_without_text": len(self.empty),
        }


def load_pages(folder: Path) -> list[Page]:
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    return [
        Page(url, folder / "pages" / item["file"], tuple(item.get("with", ())), tuple(item.get("without", ())))
        for url, item in sorted(data.items())
    ]


def read_html(page: Page) -> RawArticle | None:
    """The page as dalil's HTML reader reads it, before cleaning; None when it finds no text."""
    articles, _ = HtmlReader().read(str(page.path), page.path.read_bytes())
    return articles[0] if articles else None


def dalil_article(page: Page) -> Article | None:
    """What dalil's whole reading path (the HTML reader, then cleaning) makes of the page: what it would index."""
    raw = read_html(page)
    cleaned = clean_article(raw) if raw is not None else None
    return None if isinstance(cleaned, IngestProblem) else cleaned


def _normalized(text: str) -> str:
    return " ".join(text.split())


def score(pages: list[Page], extract: Callable[[Page], str | None]) -> ExtractionScore:
    total = ExtractionScore()
    for page in pages:
        text = extract(page)
        total.pages += 1
        if not text:
            total.empty.append(page.url)
            total.fn += len(page.wanted)
            total.tn += len(page.unwanted)
            continue
        normalized = _normalized(text)
        for snippet in page.wanted:
            if _normalized(snippet) in normalized:
                total.tp += 1
            else:
                total.fn += 1
        for snippet in page.unwanted:
            if _normalized(snippet) in normalized:
                total.fp += 1
            else:
                total.tn += 1
    return total
