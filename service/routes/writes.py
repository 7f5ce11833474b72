"""Adding, updating and removing articles over HTTP (a key with the write scope), and following write jobs."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path, PurePath

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from dalil.index.builder import add_sources, remove_document
from dalil.index.embedders import load_embedder
from dalil.index.jobs import ArticleOutcome, Job
from dalil.index.protocols import UnknownDocument
from dalil.index.types import IngestProblem, RawArticle
from dalil.index.web.sources import is_web_source
from dalil.service.auth import require
from dalil.service.deps import SettingsDep
from dalil.service.errors import BadRequest, DocumentNotFound, JobNotFound
from dalil.service.schemas import ArticleIn, ErrorBody, JobOut, WebSourcesIn
from dalil.service.writes import outcomes_of

router = APIRouter(prefix="/v1", dependencies=[Depends(require("write"))], tags=["writes"])

MAX_ARTICLES = 1000  # per request; more go in several requests or as files
MAX_FILES = 100
ONE, MANY = TypeAdapter(ArticleIn), TypeAdapter(list[ArticleIn])
ANSWERS = {
    202: {"model": JobOut, "description": "Still running: follow `status_url`."},
    400: {"model": ErrorBody},
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    413: {"model": ErrorBody},
    422: {"model": ErrorBody},
    503: {"model": JobOut, "description": "The job failed; nothing of it was published."},
}
ONE_ARTICLE = ArticleIn.model_json_schema()  # inline: the routes read the body themselves
BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": {"oneOf": [ONE_ARTICLE, {"type": "array", "items": ONE_ARTICLE}]}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                }
            },
        }
    }
}


@router.post(
    "/documents",
    summary="Add or update articles: JSON (one or a list) or uploaded files (txt, md, html, jsonl)",
    response_model=JobOut,
    responses=ANSWERS,
    openapi_extra=BODY,
)
async def add_documents(request: Request, settings: SettingsDep) -> JSONResponse:
    """Each article is `indexed`, `updated` (its id was indexed with another text), `unchanged`, `aliased`
    (a near-duplicate of an indexed article) or `rejected` with the reason. Sending the same articles again
    changes nothing. All of a request's articles are published together; the service answers from them within
    `DALIL_RELOAD_INTERVAL_S` of the job's end."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await _add(request, _from_json(await _json(request)), [])
    uploads = tempfile.TemporaryDirectory(prefix="dalil-upload-")
    try:
        raws, problems, web_files = await _uploaded(request, Path(uploads.name))
    except BaseException:
        uploads.cleanup()
        raise
    return await _add(request, raws, problems, [str(path) for path in web_files], uploads)


@router.post(
    "/documents/web",
    summary="Add or update articles from the web: pages, RSS/Atom feeds and sitemaps",
    response_model=JobOut,
    responses=ANSWERS,
)
async def add_from_web(sources: WebSourcesIn, request: Request) -> JSONResponse:
    """Fetched politely (robots.txt, a user agent, one request per host at a time, size and time caps); each page
    is identified by its URL, so sending it again updates it, and a page fetched before is fetched in full only
    if it changed (`unchanged` otherwise). Each URL that gives nothing is `rejected` with the reason. Local and
    private addresses are refused unless `DALIL_FETCH_PRIVATE_NETWORKS` is set."""
    return await _add(request, [], [], sources.urls)


@router.put(
    "/documents/{doc_id}",
    summary="Add or replace the article with this id",
    response_model=JobOut,
    responses=ANSWERS,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ArticleIn"}}}}
    },
)
async def put_document(doc_id: str, request: Request) -> JSONResponse:
    article = _validated(ONE, await _json(request))
    if article.id not in (None, doc_id):
        raise BadRequest(f"the body's id {article.id!r} differs from the path's {doc_id!r}", field="id", status=422)
    return await _add(request, [_raw("0", article.model_copy(update={"id": doc_id}))], [])


@router.delete("/documents/{doc_id}", summary="Remove an article", response_model=JobOut, responses=ANSWERS)
async def delete_document(doc_id: str, request: Request, settings: SettingsDep) -> JSONResponse:
    """An alias id removes the article it is an alias of. Unknown id → 404."""

    def remove(job: Job) -> list[ArticleOutcome]:
        try:
            report = remove_document(settings, doc_id)
        except UnknownDocument:
            return [ArticleOutcome(doc_id, "rejected", detail="no article has this id")]
        return [ArticleOutcome(doc_id, "removed", report.replaced[0])]

    job, future = request.app.state.jobs.submit("remove", 1, remove)
    await _wait(future, settings.write_wait_s)
    if job.status == "done" and job.outcomes[0].status == "rejected":
        raise DocumentNotFound(doc_id)
    return _job_response(job)


@router.get("/jobs/{job_id}", summary="A write job: its progress, then each article's result", response_model=JobOut)
def get_job(job_id: str, request: Request) -> JobOut:
    job = request.app.state.jobs.records.get(job_id)
    if job is None:
        raise JobNotFound(job_id)
    if job.orphaned():  # its process was killed: nothing of it was published (a change is whole or nothing)
        job.status, job.error = "failed", "the service stopped before the job finished; send the request again"
    return JobOut.of(job)


async def _add(
    request: Request,
    raws: list[RawArticle],
    problems: list[IngestProblem],
    sources: list[str] = (),
    uploads: tempfile.TemporaryDirectory | None = None,
) -> JSONResponse:
    """One job, one change: the articles given, and what the ``sources`` hold (URLs, or uploaded feeds, sitemaps,
    URL lists and WARC files); URLs are fetched as ``/v1/documents/web`` says."""
    settings, snapshots, jobs = request.app.state.settings, request.app.state.snapshots, request.app.state.jobs
    unreadable = [ArticleOutcome(problem.path, "rejected", detail=problem.message) for problem in problems]

    def add(job: Job) -> list[ArticleOutcome]:
        current = snapshots.current
        embedder = current.embedder if current is not None else load_embedder(settings)

        def progress(stage: str, done: int, total: int) -> None:
            jobs.progress(job, done)

        try:
            if not raws and not sources:
                return unreadable
            public_only = not settings.fetch_private_networks
            report = add_sources(settings, embedder, sources, progress, public_only=public_only, given=raws)
        finally:
            if uploads is not None:
                uploads.cleanup()
        unread = [p.path for p in report.problems if p.path not in report.ids_by_path]
        read = list(dict.fromkeys([*(raw.path for raw in raws), *report.ids_by_path, *unread]))  # in order, once
        outcomes = outcomes_of(report, read) + [
            ArticleOutcome(url, "unchanged", None, "not changed since it was last fetched")
            for url in report.not_modified
        ]
        where = f"{uploads.name}/" if uploads is not None else None
        return [replace(o, input=o.input.replace(where, "")) if where else o for o in outcomes] + unreadable

    job, future = jobs.submit("add", len(raws) + len(sources) + len(unreadable), add)
    await _wait(future, settings.write_wait_s)
    return _job_response(job)


async def _wait(future, timeout_s: float) -> None:
    """Wait for the job up to ``timeout_s``; it goes on after that (or if the client leaves)."""
    await asyncio.wait({asyncio.wrap_future(future)}, timeout=timeout_s)


def _job_response(job: Job) -> JSONResponse:
    status = {"done": 200, "failed": 503}.get(job.status, 202)
    headers = {"Location": f"/v1/jobs/{job.id}"} if status == 202 else None
    return JSONResponse(JobOut.of(job).model_dump(), status_code=status, headers=headers)


async def _json(request: Request):
    body = await request.body()
    if not body.strip():
        raise BadRequest("request body is required: send an article as JSON, a list of them, or files")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from None


def _validated(adapter: TypeAdapter, data):
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def _from_json(data) -> list[RawArticle]:
    articles = _validated(MANY, data) if isinstance(data, list) else [_validated(ONE, data)]
    if not articles or len(articles) > MAX_ARTICLES:
        raise BadRequest(f"send 1 to {MAX_ARTICLES} articles per request (got {len(articles)})", status=422)
    return [_raw(str(n), article) for n, article in enumerate(articles)]


def _raw(position: str, article: ArticleIn) -> RawArticle:
    return RawArticle(
        path=position,
        text=article.text,
        doc_id=article.id,
        title=article.title,
        url=article.url,
        published=article.published,
        source=article.source,
        author=article.author,
    )


async def _uploaded(request: Request, folder: Path) -> tuple[list[RawArticle], list[IngestProblem], list[Path]]:
    """Articles in the uploaded files, read by the reader of each file's ending; feeds, sitemaps, URL lists and
    WARC files are kept in ``folder`` for the job to read. Uploads are spooled to disk."""
    readers = request.app.state.readers
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    raws: list[RawArticle] = []
    problems: list[IngestProblem] = []
    web_files: list[Path] = []
    files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if not files:
        raise BadRequest("no files in the upload: send them as multipart/form-data file fields")
    for upload in files:
        name = PurePath(upload.filename or "upload").name
        if is_web_source(name):
            kept = folder / name
            if kept.exists():
                problems.append(IngestProblem(name, "a file of this name was already uploaded in this request"))
                continue
            with kept.open("wb") as copy:
                shutil.copyfileobj(upload.file, copy)
            web_files.append(kept)
            continue
        reader = readers.get(PurePath(name).suffix.lower())
        if reader is None:
            problems.append(IngestProblem(name, f"no reader for this kind of file; send {', '.join(sorted(readers))}"))
            continue
        found, trouble = reader.read(name, await upload.read())
        raws.extend(found)
        problems.extend(trouble)
        if not found and not trouble:
            problems.append(IngestProblem(name, "the file holds no article"))
    return raws, problems, web_files
