"""`dalil eval squad` / `xquad-r` plumbing on tiny hand-made datasets with the hash embedder."""

import json
import math

import pytest

from dalil.eval.squad import load_squad, retrieval_scores, run_benchmark
from dalil.eval.xquad_r import answer_sentences, run_sentence_retrieval
from dalil.index.embedders import load_embedder
from dalil.settings import Settings

PARAGRAPHS = [
    (
        "Lisbon hosted the NATO summit in November. Leaders discussed missile defence.",
        [("q1", "Which city hosted the NATO summit?", "Lisbon", 0)],
    ),
    (
        "The wheat harvest in Kazakhstan reached 20 million tonnes. Exports rose sharply.",
        [
            ("q2", "How large was the wheat harvest in Kazakhstan?", "20 million tonnes", 36),
            ("q3", "What rose sharply after the harvest?", "Exports", 59),
        ],
    ),
    (
        "Armenia signed a military cooperation plan for 2016 with Russia.",
        [("q4", "For which year was the Armenia cooperation plan signed?", "2016", 48)],
    ),
]


def squad_file(path, paragraphs=PARAGRAPHS, duplicate_first=False):
    items = list(paragraphs) + ([paragraphs[0]] if duplicate_first else [])
    data = [
        {
            "title": "t",
            "paragraphs": [
                {
                    "context": context,
                    "qas": [
                        {
                            "id": qid + ("-dup" if duplicate_first and i == len(items) - 1 else ""),
                            "question": q,
                            "answers": [{"text": a, "answer_start": s}],
                        }
                        for qid, q, a, s in qas
                    ],
                }
                for i, (context, qas) in enumerate(items)
            ],
        }
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": "1.1", "data": data}), encoding="utf-8")


def test_retrieval_scores_by_hand():
    scores = retrieval_scores([1, 2, None, 6])
    assert scores["recall@1"] == 0.25 and scores["recall@5"] == 0.5 and scores["recall@10"] == 0.75
    assert scores["ndcg@10"] == pytest.approx(100 * (1 + 1 / math.log2(3) + 1 / math.log2(7)) / 4, abs=0.01)


def test_identical_paragraphs_share_one_id(tmp_path):
    squad_file(tmp_path / "d.json", duplicate_first=True)
    _, paragraphs, questions = load_squad(tmp_path / "d.json")
    assert len(paragraphs) == 3 and len(questions) == 5
    assert questions[0].paragraph == questions[-1].paragraph


def test_squad_benchmark_end_to_end(tmp_path):
    squad_file(tmp_path / "xquad" / "xquad.en.json")
    settings = Settings(embedder="hash", index_dir=tmp_path / "unused")
    result = run_benchmark("xquad-en", settings, load_embedder(settings), datasets_dir=tmp_path)
    assert result["questions"] == 4 and result["paragraphs"] == 3
    assert result["retrieval"]["recall@10"] == 1.0  # three paragraphs: always within ten
    assert 0 <= result["official"]["exact_match"] <= result["official"]["f1"] <= 100
    assert result["official"]["scorer"] == "evaluate-v1.1"
    assert 0 <= result["dalil"]["answer_in_cited_sentence"] <= 1


def test_xquad_r_answer_sentence_is_the_one_holding_the_answer_start(tmp_path):
    text = "Lisbon hosted the summit. Leaders met for two days."
    data = {
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": text,
                        "sentences": ["Lisbon hosted the summit.", "Leaders met for two days."],
                        "sentence_breaks": [[0, 25], [26, len(text)]],
                        "qas": [
                            {
                                "id": "a",
                                "question": "How long did leaders meet?",
                                "answers": [{"text": "two days", "answer_start": text.index("two days")}],
                            },
                            {
                                "id": "b",
                                "question": "Where was the summit?",
                                "answers": [{"text": "Lisbon", "answer_start": 0}],
                            },
                        ],
                    }
                ],
            }
        ]
    }
    folder = tmp_path / "xquad-r"
    folder.mkdir()
    (folder / "en.json").write_text(json.dumps(data), encoding="utf-8")
    sentences, questions, targets = answer_sentences(folder / "en.json")
    assert targets == {"a": "s-0-0-1", "b": "s-0-0-0"}
    assert sentences["s-0-0-1"] == "Leaders met for two days."

    settings = Settings(embedder="hash", index_dir=tmp_path / "unused")
    result = run_sentence_retrieval(
        settings, load_embedder(settings), pool="en", question_language="en", datasets_dir=tmp_path
    )
    assert result["questions"] == 2 and result["candidates"] == 2
    assert result["recall@5"] == 1.0 and 0.5 <= result["map@20"] <= 1.0
