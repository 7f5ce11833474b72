"""XQuAD-R sentence retrieval: question -> the sentence that holds its answer.

The candidate pool is one language's given sentences (``sentences`` / ``sentence_breaks`` per
paragraph), each indexed as its own article so the normal dense, sentence and BM25 rankings apply.
Questions come from the same language (ar→ar) or, for ``cross="en-ar"``, from the parallel English
file over the Arabic pool; the two share question ids. The answer sentence is the one whose break
span contains the answer's start, as in LAReQA. This is the single-language pool, not LAReQA's
11-language pool, so mAP here is not comparable with LAReQA's published mAP@20.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from dalil.eval.squad import DATASETS_DIR, paragraph_ranking
from dalil.index.builder import build_index
from dalil.index.loaded import open_index
from dalil.index.protocols import Embedder
from dalil.settings import Settings

DEPTH = 20


def answer_sentences(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(sentence id -> text, question id -> question, question id -> answer sentence id)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    sentences, questions, targets = {}, {}, {}
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            breaks = paragraph["sentence_breaks"]
            for s, text in enumerate(paragraph["sentences"]):
                if text.strip():
                    sentences[f"s-{a}-{p}-{s}"] = text.strip()
            for qa in paragraph["qas"]:
                start = qa["answers"][0]["answer_start"]
                hit = next((s for s, (b, e) in enumerate(breaks) if b <= start < e), None)
                questions[qa["id"]] = qa["question"]
                if hit is not None and f"s-{a}-{p}-{hit}" in sentences:
                    targets[qa["id"]] = f"s-{a}-{p}-{hit}"
    return sentences, questions, targets


def run_sentence_retrieval(
    settings: Settings,
    embedder: Embedder,
    *,
    pool: str = "ar",
    question_language: str = "ar",
    limit: int | None = None,
    datasets_dir: Path = DATASETS_DIR,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    folder = datasets_dir / "xquad-r"
    sentences, _, targets = answer_sentences(folder / f"{pool}.json")
    _, questions, _ = answer_sentences(folder / f"{question_language}.json")
    asked = [(qid, questions[qid]) for qid in targets if qid in questions][:limit]
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "sentences.jsonl"
        feed.write_text(
            "".join(
                json.dumps({"id": sid, "title": sid, "text": text}, ensure_ascii=False) + "\n"
                for sid, text in sentences.items()
            ),
            encoding="utf-8",
        )
        index_settings = settings.model_copy(
            update={"index_dir": Path(tmp) / "index", "chunk_sentences": 1, "chunk_overlap": 0}
        )
        report = build_index(index_settings, embedder, [feed], progress)
        index = open_index(index_settings, embedder)
        ranks = []
        try:
            for done, (qid, question) in enumerate(asked, start=1):
                ranking = paragraph_ranking(index, question, depth=DEPTH)
                target = report.aliases.get(targets[qid], targets[qid])
                ranks.append(ranking.index(target) + 1 if target in ranking else None)
                if progress:
                    progress("questions", done, len(asked))
        finally:
            index.close()
    n = len(ranks) or 1
    return {
        "dataset": f"xquad-r {question_language}→{pool}",
        "questions": len(ranks),
        "candidates": len(sentences),
        "recall@1": round(sum(r == 1 for r in ranks) / n, 4),
        "recall@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
        # One relevant sentence per question, so average precision is 1/rank within the top 20.
        "map@20": round(sum(1 / r for r in ranks if r is not None) / n, 4),
    }
