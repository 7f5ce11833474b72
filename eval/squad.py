"""Public extractive-QA benchmarks (SQuAD v1.1 format): paragraph retrieval and answers.

Each dataset's unique paragraphs become a temporary index (one article per paragraph, through the
normal ingestion path); every question is retrieved and answered with ``qa.answer``. Retrieval is
scored like MTEB's XQuAD retrieval (the question's own paragraph is the one relevant document).
Answers are scored with the official scripts (eval/official.py) on the text dalil cites, and,
labelled separately, with dalil's own measures: whether a gold answer lies inside a cited sentence,
and token F1 after Arabic-aware normalization.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dalil.eval import official
from dalil.index.builder import build_index
from dalil.index.loaded import LoadedIndex, open_index
from dalil.index.normalize import normalize_answer
from dalil.index.protocols import Embedder
from dalil.settings import Settings

# Relative to the working directory: the datasets sit beside a checkout of dalil, never inside the package.
DATASETS_DIR = Path("../shared/datasets")

# name -> (file under the datasets folder, scorer)
DATASETS = {
    "xquad-ar": ("xquad/xquad.ar.json", "squad"),
    "xquad-en": ("xquad/xquad.en.json", "squad"),
    "arcd": ("arcd/arcd-test.json", "squad"),
    "mlqa-ar": ("mlqa/dev-context-ar-question-ar.json", "mlqa"),
    "tydiqa-ar": ("tydiqa-goldp/tydiqa-goldp-dev-arabic.json", "squad"),
}
DEPTH = 10


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    paragraph: str  # paragraph id
    answers: list[str]


def load_squad(path: Path) -> tuple[list[dict], dict[str, str], list[Question]]:
    """(the "data" field, unique paragraph id -> text, questions). Identical paragraphs share one id."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    paragraphs: dict[str, str] = {}
    questions = []
    for article in data:
        for paragraph in article["paragraphs"]:
            text = paragraph["context"]
            pid = "p-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
            paragraphs[pid] = text
            questions += [
                Question(qa["id"], qa["question"], pid, [a["text"] for a in qa["answers"]]) for qa in paragraph["qas"]
            ]
    return data, paragraphs, questions


def build_paragraph_index(
    folder: Path, paragraphs: dict[str, str], settings: Settings, embedder: Embedder, progress=None
):
    feed = folder / "paragraphs.jsonl"
    feed.write_text(
        "".join(
            json.dumps({"id": pid, "title": pid, "text": text}, ensure_ascii=False) + "\n"
            for pid, text in paragraphs.items()
        ),
        encoding="utf-8",
    )
    return build_index(settings, embedder, [feed], progress)


def paragraph_ranking(index: LoadedIndex, question: str, depth: int = DEPTH, mode: str | None = None) -> list[str]:
    """Article ids, best first, each ranked by its best retrieved chunk."""
    ranked: dict[str, None] = {}
    for passage in index.retrieve(question, k=depth * 4, mode=mode).passages:
        ranked.setdefault(passage.doc_id, None)
    return list(ranked)[:depth]


def retrieval_scores(ranks: list[int | None]) -> dict[str, float]:
    """Recall@1/5/10 and nDCG@10 (x100) from each question's 1-based rank of its paragraph (None: not found)."""
    n = len(ranks) or 1
    scores = {f"recall@{k}": round(sum(r is not None and r <= k for r in ranks) / n, 4) for k in (1, 5, 10)}
    scores["ndcg@10"] = round(100 * sum(1 / math.log2(r + 1) for r in ranks if r is not None and r <= 10) / n, 2)
    return scores


def run_benchmark(
    name: str,
    settings: Settings,
    embedder: Embedder,
    *,
    limit: int | None = None,
    datasets_dir: Path = DATASETS_DIR,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    from dalil import qa

    relative, scorer = DATASETS[name]
    data, paragraphs, questions = load_squad(datasets_dir / relative)
    questions = questions[:limit]
    with tempfile.TemporaryDirectory() as tmp:
        index_settings = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
        report = build_paragraph_index(Path(tmp), paragraphs, index_settings, embedder, progress)
        index = open_index(index_settings, embedder)
        try:
            ranks, predictions, shorts, in_cited, arabic_f1, abstained = [], {}, {}, [], [], 0
            for done, q in enumerate(questions, start=1):
                ranking = paragraph_ranking(index, q.question)
                target = report.aliases.get(q.paragraph, q.paragraph)
                ranks.append(ranking.index(target) + 1 if target in ranking else None)
                answer = qa.answer(q.question, index, settings=index_settings)
                cited = " ".join(c.quote for c in answer.citations)
                predictions[q.id] = cited
                shorts[q.id] = answer.short_answer.text if answer.short_answer else ""
                abstained += answer.abstained
                in_cited.append(any(normalize_answer(a) in normalize_answer(cited) for a in q.answers if a.strip()))
                arabic_f1.append(official.arabic_f1(cited, q.answers))
                if progress:
                    progress("questions", done, len(questions))
        finally:
            index.close()
    asked = {q.id for q in questions}
    subset = [
        {**a, "paragraphs": [{**p, "qas": [x for x in p["qas"] if x["id"] in asked]} for p in a["paragraphs"]]}
        for a in data
    ]
    evaluate = official.mlqa_evaluate if scorer == "mlqa" else official.squad_evaluate
    n = len(questions) or 1
    return {
        "dataset": name,
        "questions": len(questions),
        "paragraphs": len(paragraphs),
        "indexed_sentences": report.sentences,
        "index_seconds": round(report.seconds, 1),
        "retrieval": retrieval_scores(ranks),
        "official": {
            "scorer": "mlqa_evaluation_v1 (ar)" if scorer == "mlqa" else "evaluate-v1.1",
            "prediction": "the cited sentences",
            **evaluate(subset, predictions),
        },
        # The short answer alone, an empty prediction where there is none: what a reader is scored on.
        "official_short_answer": {
            **evaluate(subset, shorts),
            "answered": round(sum(bool(text) for text in shorts.values()) / n, 4),
        },
        "dalil": {
            "answer_in_cited_sentence": round(sum(in_cited) / n, 4),
            "arabic_normalized_f1": round(100 * sum(arabic_f1) / n, 2),
            "abstained": round(abstained / n, 4),
        },
    }
