"""Wire schemas: what goes over HTTP. Kept apart from the domain types in ``index.types`` and ``qa.types``.

Requests are strict: counts must be JSON integers (``5``, not ``5.0``, ``"5"`` or ``true``), texts must be
JSON strings, and unknown fields are refused so that a misspelt option is reported instead of ignored.
The upper bound on question length comes from the settings (``DALIL_MAX_QUESTION_CHARS``) and is checked by
the routes, because it is not known when this module is imported.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

from dalil.index.types import Article, Sentence
from dalil.limits import DEFAULT_MAX_QUESTION_CHARS, MAX_RESULTS, MIN_RESULTS

RANGE = f"{MIN_RESULTS}-{MAX_RESULTS}"


def _in_range(value: int) -> int:
    if not MIN_RESULTS <= value <= MAX_RESULTS:
        raise PydanticCustomError(
            "out_of_range", "must be between {lo} and {hi}", {"lo": MIN_RESULTS, "hi": MAX_RESULTS}
        )
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _encodable(value: str) -> str:
    """JSON can carry a lone surrogate (``"\\udc00"``), which is no character and cannot be stored or embedded."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PydanticCustomError(
            "unicode", "is not valid Unicode text: a lone surrogate at character {at}", {"at": exc.start}
        ) from None
    return value


ResultCount = Annotated[
    int,
    Field(strict=True, json_schema_extra={"minimum": MIN_RESULTS, "maximum": MAX_RESULTS}),
    AfterValidator(_in_range),
]
Plain = Annotated[StrictStr, AfterValidator(_encodable)]
Text = Annotated[
    StrictStr, Field(json_schema_extra={"minLength": 1}), AfterValidator(_encodable), AfterValidator(_not_blank)
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    """Responses are read straight off the domain objects' attributes."""

    model_config = ConfigDict(from_attributes=True)


# ---- shared pieces ---------------------------------------------------------------------------


class ErrorItem(BaseModel):
    field: str = Field(description="The request field the message is about, e.g. `top_k`; `body` for the body itself.")
    message: str


class ErrorBody(BaseModel):
    """Every error response has this shape."""

    detail: str = Field(description="A message a person can act on.")
    errors: list[ErrorItem] | None = Field(default=None, description="Per-field problems, for invalid requests.")


class SentenceOut(_Response):
    id: str = Field(description='Sentence id, `"<doc_id>:<n>"`.')
    start: int = Field(description="Character offset of the sentence in the article text.")
    end: int
    text: str


# ---- /v1/ask ---------------------------------------------------------------------------------


class AskRequest(_Request):
    question: Text = Field(
        description=f"The question, in Arabic or English. At most `DALIL_MAX_QUESTION_CHARS` "
        f"({DEFAULT_MAX_QUESTION_CHARS} unless set) characters.",
        examples=["متى وقعت روسيا وأرمينيا اتفاق الدفاع الجوي؟"],
    )
    top_k: ResultCount = Field(default=5, description=f"How many passages to retrieve and answer from ({RANGE}).")
    backend: Plain | None = Field(
        default=None,
        description=(
            "`extractive` quotes source sentences; `llm` asks the configured model and verifies its citations; "
            "`auto` uses the model when one is configured and healthy; or an answerer a plug-in adds. "
            "Default: `DALIL_BACKEND` (auto). An answerer that cannot answer is a 400 saying why."
        ),
        examples=["auto"],
    )


class CitationOut(_Response):
    id: str = Field(description='Sentence id, `"<doc_id>:<n>"`.')
    doc_id: str
    title: str
    start: int = Field(description="Character offset into the article text (`GET /v1/documents/{doc_id}`).")
    end: int
    quote: str = Field(description="Exactly `text[start:end]` of the article.")
    published: str | None = Field(default=None, description="The article's publication date, ISO 8601, when known.")
    translation: str | None = Field(
        default=None, description="The model's translation of the quote, when the answer is in another language."
    )


class ShortAnswerOut(_Response):
    text: str = Field(description="The words that answer the question, exactly `text[start:end]` of the article.")
    doc_id: str
    start: int = Field(description="Character offset into the article text, inside a cited sentence.")
    end: int
    english: str | None = Field(
        default=None, description="The same in English, for an English question, when dalil can write it."
    )


class UnsupportedOut(_Response):
    text: str = Field(description="A sentence the model wrote that verification removed.")
    reason: str


class PassageOut(_Response):
    doc_id: str
    chunk_id: str = Field(description='Chunk id, `"<doc_id>#<n>"`.')
    title: str
    score: float
    text: str
    start: int
    end: int
    sentences: list[SentenceOut]


class Timings(_Response):
    retrieve: float
    answer: float
    total: float


class AskResponse(_Response):
    answer: str = Field(description="The answer; when `abstained` is true, a short message saying why.")
    language: Literal["ar", "en"]
    abstained: bool
    confidence: float = Field(description="How sure dalil is that the retrieved sentences answer the question (0-1).")
    short_answer: ShortAnswerOut | None = Field(
        default=None, description="The words of a cited sentence that answer the question; null when none stand out."
    )
    backend: str = Field(description="Which answerer produced `answer` (`extractive`, `llm`, …).")
    degraded: bool = Field(
        default=False,
        description="The model was asked but its answer could not be used (fully); see `degraded_reason`.",
    )
    degraded_reason: str | None = None
    citations: list[CitationOut] = Field(description="Marker `[n]` in `answer` is `citations[n-1]`.")
    passages: list[PassageOut]
    unsupported: list[UnsupportedOut] = Field(
        default_factory=list,
        description="Sentences of the model's answer removed because no cited source supports them.",
    )
    warnings: list[str] = Field(default_factory=list)
    timings_ms: Timings


# ---- /v1/search ------------------------------------------------------------------------------


class SearchRequest(_Request):
    query: Text = Field(
        description=f"What to look for, in Arabic or English. At most `DALIL_MAX_QUESTION_CHARS` "
        f"({DEFAULT_MAX_QUESTION_CHARS} unless set) characters.",
        examples=["Shoigu Kazakhstan defence partnership"],
    )
    k: ResultCount = Field(default=10, description=f"How many passages to return ({RANGE}).")


class SearchResponse(BaseModel):
    results: list[PassageOut]


# ---- /v1/documents ---------------------------------------------------------------------------


class DocumentSummary(_Response):
    id: str
    title: str
    published: str | None
    source: str | None
    url: str | None
    language: str
    sentences: int = Field(description="Number of sentences.")
    chunks: int = Field(description="Number of retrieval chunks.")
    aliases: list[str] = Field(description="Other ids the same article was ingested under.")


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class SentenceSpan(BaseModel):
    id: str = Field(description='Sentence id, `"<doc_id>:<n>"`.')
    start: int
    end: int


class DocumentOut(BaseModel):
    id: str
    title: str
    published: str | None
    source: str | None
    url: str | None
    author: str | None
    language: str
    text: str = Field(description="The stored article text; every offset in the API points into it.")
    sentences: list[SentenceSpan]

    @classmethod
    def of(cls, article: Article, sentences: list[Sentence]) -> "DocumentOut":
        return cls(
            id=article.doc_id,
            title=article.title,
            published=article.published,
            source=article.source,
            url=article.url,
            author=article.author,
            language=article.language,
            text=article.text,
            sentences=[SentenceSpan(id=s.id, start=s.start, end=s.end) for s in sentences],
        )


# ---- writes: POST/PUT/DELETE /v1/documents, /v1/jobs ---------------------------------------------

MAX_ID_CHARS = 200


def _usable_id(value: str) -> str:
    if not value.strip() or "/" in value or any(ord(ch) < 32 for ch in value) or len(value) > MAX_ID_CHARS:
        raise PydanticCustomError(
            "document_id", "must be 1-{most} characters, without '/' or control characters", {"most": MAX_ID_CHARS}
        )
    return value


DocumentId = Annotated[StrictStr, AfterValidator(_encodable), AfterValidator(_usable_id)]


class ArticleIn(_Request):
    """An article to index. Without an `id`, it is identified by its text: sending it again changes nothing."""

    id: DocumentId | None = Field(default=None, description="Your id for it; sending the same id again updates it.")
    title: Plain | None = Field(default=None, description="Default: its first line.")
    text: Text = Field(description="The article text, paragraphs separated by blank lines.")
    published: Plain | None = Field(default=None, description="Publication date, ISO 8601 (`2021-11-09`).")
    source: Plain | None = None
    author: Plain | None = None
    url: Plain | None = None


WebUrl = Annotated[Plain, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]


class WebSourcesIn(_Request):
    """Pages, RSS/Atom feeds and sitemaps to read; a feed's or sitemap's pages are read in turn."""

    urls: list[WebUrl] = Field(min_length=1, max_length=100, examples=[["https://news.example/feed.xml"]])


class ArticleResult(BaseModel):
    input: str = Field(description="Which article of the request: its position (`0`, `1`, …) or file name.")
    status: Literal["indexed", "updated", "aliased", "unchanged", "rejected", "removed"]
    id: str | None = Field(description="The article's id in the index.")
    detail: str | None = Field(description="Why it was rejected, or what it is a near-duplicate of.")


class JobOut(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    total: int = Field(description="Articles in the job.")
    done: int = Field(description="Articles processed so far.")
    created: str
    finished: str | None
    results: list[ArticleResult] = Field(description="Per article, once the job is done.")
    detail: str | None = Field(description="Why the job failed; nothing of it was published.")
    status_url: str

    @classmethod
    def of(cls, job) -> "JobOut":
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            total=job.total,
            done=job.done,
            created=job.created,
            finished=job.finished,
            results=[ArticleResult(**vars(outcome)) for outcome in job.outcomes],
            detail=job.error,
            status_url=f"/v1/jobs/{job.id}",
        )


# ---- /healthz --------------------------------------------------------------------------------


class IndexHealth(BaseModel):
    model_config = ConfigDict(extra="allow")

    documents: int
    sentences: int
    chunks: int
    aliases: int
    embedder: str | None


class LLMHealth(BaseModel):
    model: str
    healthy: bool = Field(
        description="False for a cool-down period after the model failed; `auto` then answers extractively."
    )


class AnswererHealth(BaseModel):
    name: str
    available: bool = Field(description="Whether `auto` may pick it now.")
    model: str | None = Field(description="What it answers with, when that is a model.")


class HealthOk(BaseModel):
    status: Literal["ok"] = "ok"
    index: IndexHealth
    backend: str = Field(description="The backend a request gets when it names none.")
    answerers: list[AnswererHealth] = Field(description="The answerers this service can use.")
    llm: LLMHealth | None = Field(description="The configured model; null when none is configured.")


class HealthUnavailable(BaseModel):
    status: Literal["unavailable"] = "unavailable"
    detail: str
