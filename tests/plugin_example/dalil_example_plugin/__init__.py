"""An input format (``.note`` files: a ``title:`` line, then the text) and a toy embedder, for dalil."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dalil.index.types import IngestProblem, RawArticle

TITLE = "title:"


class NotesReader:
    name = "notes"
    suffixes = (".note",)

    def __init__(self, settings=None) -> None:
        pass

    def read(self, path: str, data: bytes) -> tuple[list[RawArticle], list[IngestProblem]]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return [], [IngestProblem(path, "a note must be UTF-8 text")]
        first, _, body = text.partition("\n")
        if not first.lower().startswith(TITLE) or not body.strip():
            return [], [IngestProblem(path, "a note starts with a 'title:' line followed by its text")]
        return [RawArticle(path=path, text=body, title=first[len(TITLE) :].strip())], []


class LetterEmbedder:
    """Counts of each letter, folded into ``dim`` buckets and L2-normalized. Deterministic, no model."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"example/letters-{dim}"

    @classmethod
    def from_settings(cls, settings, option: str | None = None) -> "LetterEmbedder":
        return cls(int(option) if option else 64)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text.casefold():
                if char.isalpha():
                    out[row, ord(char) % self.dim] += 1.0
            out[row] = out[row] / np.linalg.norm(out[row]) if out[row].any() else np.eye(self.dim)[0]
        return out
