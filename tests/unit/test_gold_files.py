"""dalil's own gold questions keep the eval format: every evidence string is in the demo corpus verbatim, and a
sentence holding the evidence holds the answer, so an extractive answer that cites it can be judged correct."""

import json
from pathlib import Path

import pytest

from dalil.eval import metrics
from dalil.index.segment import sentences_for

ROOT = Path(__file__).resolve().parents[2]
GOLD = {name: ROOT / "eval" / "data" / f"{name}.jsonl" for name in ("calibration", "holdout", "fresh")}
# Sets asking each question in both languages; the fresh set asks different facts in each.
PAIRED = ("calibration", "holdout")
FIELDS = {"id", "lang", "question", "answers", "evidence", "answerable"}


@pytest.fixture(scope="module")
def corpus_sentences() -> list[str]:
    articles = sorted((ROOT / "data" / "articles").glob("*.txt"))
    return [s.text for path in articles for s in sentences_for(path.stem, path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("name", GOLD)
def test_gold_questions_are_well_formed_pairs(name):
    questions = [json.loads(line) for line in GOLD[name].read_text(encoding="utf-8").splitlines()]
    assert all(set(q) == FIELDS and q["lang"] in ("ar", "en") and q["question"].strip() for q in questions)
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids))
    assert all((q["answers"] is None) == (not q["answerable"]) for q in questions)
    if name not in PAIRED:
        return
    # Each question is asked in both languages, with the same gold.
    by_pair = {}
    for q in questions:
        by_pair.setdefault(q["id"].rsplit("-", 1)[0], {})[q["lang"]] = (q["answers"], q["evidence"], q["answerable"])
    assert all(set(pair) == {"ar", "en"} and pair["ar"] == pair["en"] for pair in by_pair.values())


@pytest.mark.parametrize("name", GOLD)
def test_evidence_is_verbatim_and_holds_the_answer(name, corpus_sentences):
    for line in GOLD[name].read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        for group in question["evidence"] or []:
            holders = [s for s in corpus_sentences if any(evidence in s for evidence in group)]
            assert holders, (question["id"], group)
            assert any(metrics.answer_correct(s, question["answers"]) for s in holders), question["id"]


@pytest.mark.parametrize("name", ["holdout", "fresh"])
def test_a_held_out_set_asks_nothing_the_other_sets_ask(name):
    def questions(path: Path) -> set[str]:
        return {json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()}

    held_out = questions(GOLD[name])
    assert len(held_out) == 80
    shared = ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"
    others = set().union(*(questions(path) for other, path in GOLD.items() if other != name))
    assert not held_out & (others | (questions(shared) if shared.exists() else set()))
