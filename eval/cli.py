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

from dalil.clikit import answerers_or_exit, embedder_or_exit, errors, fail, index_or_exit, settings_for
from dalil.limits import MAX_RESULTS, MIN_RESULTS

app = typer.Typer(help="Measure answer accuracy, citation quality, retrieval and latency.", no_args_is_help=True)
console = Console()

SUMMARY_ROWS = [
    ("answer accuracy", "answer_accuracy"),
    ("citation precision", "citation_precision"),
    ("citation recall", "citation_recall"),
    ("short answer holds gold", "short_answer_accuracy"),
    ("abstention accuracy", "abstention_accuracy"),
    ("false abstain", "false_abstain"),
    ("false answer", "false_answer"),
    ("evidence recall@1", "evidence_recall@1"),
    ("evidence recall@5", "evidence_recall@5"),
    ("evidence recall@10", "evidence_recall@10"),
    ("MRR", "mrr"),
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
    backend: Annotated[
        str, typer.Option(help="extractive, llm (the model in DALIL_LLM_*, verified) or auto (llm when healthy).")
    ] = "extractive",
    k: Annotated[int, typer.Option(min=MIN_RESULTS, max=MAX_RESULTS, help="Passages shown per answer.")] = 5,
    index: Annotated[Path | None, typer.Option(help="Index folder (default: DALIL_INDEX_DIR).")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Index this folder into a temporary index first.")] = None,
    url: Annotated[str | None, typer.Option(help="Evaluate a running service, e.g. http://127.0.0.1:8000.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report as JSON.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
) -> None:
    """Answer every gold question and score answers, citations, abstentions, retrieval and latency."""
    from dalil.eval.runner import load_gold

    if sum(x is not None for x in (index, corpus, url)) > 1:
        raise fail("choose one of --index, --corpus and --url")
    try:
        questions = load_gold(gold)[:limit]
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from exc
    if not questions:
        raise fail(f"{gold} holds no questions")

    report = _evaluate(questions, k=k, index=index, corpus=corpus, url=url, backend=backend)
    report["meta"] = {
        "gold": str(gold),
        "backend": backend,
        "k": k,
        "target": url or str(corpus or settings_for(index).index_dir),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        **report.get("meta", {}),
    }
    print_summary(report)
    _write_json(json_out, report)
    if html_out:
        from dalil.eval.report_html import write_report

        write_report(report, html_out)
        console.print(f"wrote {html_out}")


def _evaluate(questions, *, k: int, index: Path | None, corpus: Path | None, url: str | None, backend: str) -> dict:

    with _bench_progress() as bar:
        task = bar.add_task("evaluating", total=len(questions))

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if url:
            return _over_http(questions, url, k, progress, backend)
        if corpus:
            with tempfile.TemporaryDirectory() as tmp:
                return _in_process(questions, k, progress, backend, index_dir=Path(tmp), corpus=corpus)
        return _in_process(questions, k, progress, backend, index_dir=index)


def _over_http(questions, url: str, k: int, progress, backend: str) -> dict:
    import httpx

    from dalil.eval.http_answerer import ServiceError, http_answerer, http_articles
    from dalil.eval.runner import evaluate

    with httpx.Client(base_url=url.rstrip("/"), timeout=60) as client:
        try:
            report = evaluate(questions, http_answerer(client, k=k, backend=backend), http_articles(client), progress)
        except ServiceError as exc:
            raise fail(str(exc)) from exc
    return report


def _in_process(
    questions, k: int, progress, backend: str, *, index_dir: Path | None, corpus: Path | None = None
) -> dict:
    from dalil.eval.runner import evaluate, in_process_answerer, stored_articles
    from dalil.index.builder import build_index

    settings = settings_for(index_dir) if corpus is None else _throwaway(settings_for(index_dir))
    answerers, chosen = answerers_or_exit(settings, backend)
    if corpus is not None:
        if not corpus.exists():
            raise fail(f"corpus not found: {corpus}")
        build_index(settings, embedder_or_exit(settings), [corpus])
    loaded = index_or_exit(settings)
    try:
        report = evaluate(
            questions,
            in_process_answerer(loaded, k=k, settings=settings, backend=backend, answerers=answerers),
            stored_articles(loaded),
            progress,
        )
        report["meta"] = {"embedder": loaded.manifest.embedder, **({"llm": chosen.model} if chosen.model else {})}
        return report
    finally:
        loaded.close()


@app.command("compare")
def compare(before: Path, after: Path) -> None:
    """Per-metric deltas between two JSON reports, and the questions that flipped."""
    from dalil.eval.compare import flipped_questions, metric_deltas

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


def _bench_progress():
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=errors
    )


@app.command("squad")
def squad(
    dataset: Annotated[
        list[str] | None, typer.Option(help="xquad-ar, xquad-en, arcd, mlqa-ar, tydiqa-ar (repeatable; default all).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions of each dataset.")] = None,
    datasets_dir: Annotated[
        Path | None, typer.Option(help="Folder holding the datasets (default ../shared/datasets).")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
) -> None:
    """Paragraph retrieval (recall@k, nDCG@10) and official EM/F1 on public SQuAD-format datasets."""
    from dalil.eval.squad import DATASETS, DATASETS_DIR, run_benchmark

    names = dataset or list(DATASETS)
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise fail(f"unknown dataset {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    folder = datasets_dir or DATASETS_DIR
    missing = [n for n in names if not (folder / DATASETS[n][0]).exists()]
    if missing:
        raise fail(f"dataset files not found under {folder}: {', '.join(missing)} (set --datasets-dir)")
    settings = _throwaway(settings_for())
    embedder = embedder_or_exit(settings)
    results = []
    for name in names:
        with _bench_progress() as bar:
            task = bar.add_task(name, total=None)
            results.append(
                run_benchmark(
                    name,
                    settings,
                    embedder,
                    limit=limit,
                    datasets_dir=folder,
                    progress=lambda stage, done, total: bar.update(
                        task, description=f"{name}: {stage}", completed=done, total=total
                    ),
                )
            )
    table = Table(title=f"paragraph retrieval and answers ({embedder.name})")
    columns = ("dataset", "questions", "R@1", "R@5", "R@10", "nDCG@10", "EM", "F1", "short EM", "short F1", "in cited")
    for column in (*columns, "ar-norm F1"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for r in results:
        table.add_row(
            r["dataset"],
            str(r["questions"]),
            *(_fmt(r["retrieval"][m]) for m in ("recall@1", "recall@5", "recall@10")),
            f"{r['retrieval']['ndcg@10']:.1f}",
            f"{r['official']['exact_match']:.1f}",
            f"{r['official']['f1']:.1f}",
            f"{r['official_short_answer']['exact_match']:.1f}",
            f"{r['official_short_answer']['f1']:.1f}",
            _fmt(r["dalil"]["answer_in_cited_sentence"]),
            f"{r['dalil']['arabic_normalized_f1']:.1f}",
        )
    console.print(table)
    console.print(
        "EM/F1: official scripts on the cited sentences; short EM/F1: on the short answer alone (empty when none). "
        "'in cited': a gold answer lies inside a cited sentence."
    )
    _write_json(json_out, results)


@app.command("xquad-r")
def xquad_r(
    cross: Annotated[
        str | None, typer.Option(help="Cross-language run, e.g. en-ar: English questions, Arabic sentences.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    datasets_dir: Annotated[
        Path | None, typer.Option(help="Folder holding the datasets (default ../shared/datasets).")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
) -> None:
    """Sentence retrieval on XQuAD-R: R@1, R@5, mAP@20 (same-language ar→ar, or --cross en-ar)."""
    from dalil.eval.squad import DATASETS_DIR
    from dalil.eval.xquad_r import run_sentence_retrieval

    question_language, pool = cross.split("-", 1) if cross else ("ar", "ar")
    folder = datasets_dir or DATASETS_DIR
    for language in {question_language, pool}:
        if not (folder / "xquad-r" / f"{language}.json").exists():
            raise fail(f"no XQuAD-R file for {language!r} under {folder / 'xquad-r'}")
    settings = settings_for()
    embedder = embedder_or_exit(settings)
    with _bench_progress() as bar:
        task = bar.add_task("xquad-r", total=None)
        result = run_sentence_retrieval(
            settings,
            embedder,
            pool=pool,
            question_language=question_language,
            limit=limit,
            datasets_dir=folder,
            progress=lambda stage, done, total: bar.update(task, description=stage, completed=done, total=total),
        )
    console.print(
        f"{result['dataset']}: {result['questions']} questions over {result['candidates']} sentences — "
        f"R@1 {result['recall@1']:.3f}  R@5 {result['recall@5']:.3f}  mAP@20 {result['map@20']:.3f}"
    )
    _write_json(json_out, result)


def _write_json(path: Path | None, payload) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        console.print(f"wrote {path}")


def _throwaway(settings):
    """Settings for an index built only to be measured: the file store in a temporary folder, never the configured
    store, which may be a database that other processes serve."""
    return settings.model_copy(update={"store": "faiss"})
