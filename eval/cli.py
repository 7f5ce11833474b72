"""`dalil eval …`: batch evaluation from the command line."""

from __future__ import annotations

import json
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dalil.clikit import embedder_or_exit, errors, fail, index_or_exit, settings_for

app = typer.Typer(help="Measure answer accuracy, citation quality, retrieval and latency.", no_args_is_help=True)
console = Console()

SUMMARY_ROWS = [
    ("answer accuracy", "answer_accuracy"), ("citation precision", "citation_precision"),
    ("citation recall", "citation_recall"), ("abstention accuracy", "abstention_accuracy"),
    ("false abstain", "false_abstain"), ("false answer", "false_answer"),
    ("evidence recall@1", "evidence_recall@1"), ("evidence recall@5", "evidence_recall@5"),
    ("evidence recall@10", "evidence_recall@10"), ("MRR", "mrr"),
]


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_summary(report: dict) -> None:
    scopes = [("all", report)] + [(lang, report["by_lang"][lang]) for lang in report["by_lang"]]
    table = Table(title=f"{report['n']} questions ({report['answerable']} answerable)")
    table.add_column("metric")
    for name, _ in scopes:
        table.add_column(name, justify="right")
    for label, key in SUMMARY_ROWS:
        table.add_row(label, *(_fmt(scope.get(key)) for _, scope in scopes))
    for p in ("p50", "p95"):
        table.add_row(f"latency {p} ms", *(_fmt(scope["latency_ms"][p]) for _, scope in scopes))
    console.print(table)


@app.command("run")
def run(
    gold: Annotated[Path, typer.Option(help="Gold questions, JSON Lines (eval/FORMAT.md).")],
    backend: Annotated[str, typer.Option(help="Answering backend.")] = "extractive",
    k: Annotated[int, typer.Option(min=1, max=50, help="Passages shown per answer.")] = 5,
    index: Annotated[Path | None, typer.Option(help="Index folder (default: DALIL_INDEX_DIR).")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Index this folder into a temporary index first.")] = None,
    url: Annotated[str | None, typer.Option(help="Evaluate a running service, e.g. http://127.0.0.1:8000.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report as JSON.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
) -> None:
    """Answer every gold question and score answers, citations, abstentions, retrieval and latency."""
    from eval.runner import load_gold

    if backend != "extractive":
        raise fail(f"backend {backend!r} is not available; this dalil answers with 'extractive'")
    if sum(x is not None for x in (index, corpus, url)) > 1:
        raise fail("choose one of --index, --corpus and --url")
    try:
        questions = load_gold(gold)[:limit]
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from exc
    if not questions:
        raise fail(f"{gold} holds no questions")

    report = _evaluate(questions, k=k, index=index, corpus=corpus, url=url)
    report["meta"] = {
        "gold": str(gold), "backend": backend, "k": k, "target": url or str(corpus or index or "DALIL_INDEX_DIR"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        **report.get("meta", {}),
    }
    print_summary(report)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")
    if html_out:
        from eval.report_html import write_report

        write_report(report, html_out)
        console.print(f"wrote {html_out}")


def _evaluate(questions, *, k: int, index: Path | None, corpus: Path | None, url: str | None) -> dict:
    from eval.runner import evaluate

    with Progress(TextColumn("[bold]evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errors) as bar:
        task = bar.add_task("questions", total=len(questions))

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if url:
            return _over_http(questions, url, k, progress)
        if corpus:
            with tempfile.TemporaryDirectory() as tmp:
                return _in_process(questions, k, progress, index_dir=Path(tmp), corpus=corpus)
        return _in_process(questions, k, progress, index_dir=index)


def _over_http(questions, url: str, k: int, progress) -> dict:
    import httpx

    from eval.http_answerer import ServiceError, http_answerer, http_articles
    from eval.runner import evaluate

    with httpx.Client(base_url=url.rstrip("/"), timeout=60) as client:
        try:
            report = evaluate(questions, http_answerer(client, k=k), http_articles(client), progress)
        except ServiceError as exc:
            raise fail(str(exc)) from exc
    return report


def _in_process(questions, k: int, progress, *, index_dir: Path | None, corpus: Path | None = None) -> dict:
    from eval.runner import evaluate, in_process_answerer, stored_articles
    from index.builder import build_index

    settings = settings_for(index_dir)
    if corpus is not None:
        if not corpus.exists():
            raise fail(f"corpus not found: {corpus}")
        build_index(settings, embedder_or_exit(settings), [corpus])
    loaded = index_or_exit(settings)
    try:
        report = evaluate(questions, in_process_answerer(loaded, k=k, settings=settings), stored_articles(loaded),
                          progress)
        report["meta"] = {"embedder": loaded.manifest.embedder}
        return report
    finally:
        loaded.close()


@app.command("compare")
def compare(before: Path, after: Path) -> None:
    """Per-metric deltas between two JSON reports, and the questions that flipped."""
    from eval.compare import flipped_questions, metric_deltas

    try:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (before, after))
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"cannot read report: {exc}") from exc
    table = Table(title=f"{before.name} → {after.name}")
    for column in ("scope", "metric", "before", "after", "Δ"):
        table.add_column(column, justify="right" if column in ("before", "after", "Δ") else "left")
    for d in metric_deltas(a, b):
        change = d.change
        style = "" if not change else ("green" if (change > 0) != d.metric.startswith("latency") else "red")
        shown = "–" if change is None else f"[{style}]{change:+.3f}[/]" if style else f"{change:+.3f}"
        table.add_row(d.scope, d.metric, _fmt(d.before), _fmt(d.after), shown)
    console.print(table)
    flips = flipped_questions(a, b)
    if not flips:
        console.print("no question changed verdict")
    for flip in flips:
        mark = "[green]fixed[/]" if flip.became == "fixed" else "[red]broken[/]"
        console.print(f"{mark} {flip.id}: {flip.question}")
