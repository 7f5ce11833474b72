"""Corpora for the scale benchmark: every paragraph of the public datasets, and a synthetic extension.

Real: the unique paragraphs of XQuAD (ar, en), ARCD (all), MLQA-ar dev and TyDiQA-GoldP-ar dev, one article each.
Synthetic: articles of 8-24 sentences drawn at random from the real sentences of one language, with every digit
replaced at random, so that no two articles are copies and the dedup step has real work; it has the real corpus'
vocabulary, sentence lengths and language mix, but its articles mean nothing. Figures on it are reported apart.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

from dalil.index.normalize import detect_language
from dalil.index.segment import split_sentences

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
FILES = [
    "xquad/xquad.ar.json",
    "xquad/xquad.en.json",
    "arcd/arcd.json",
    "mlqa/dev-context-ar-question-ar.json",
    "tydiqa-goldp/tydiqa-goldp-dev-arabic.json",
]
_DIGIT = re.compile(r"[0-9٠-٩]")


def real_articles(datasets: Path = DATASETS) -> list[dict]:
    seen: dict[str, dict] = {}
    for relative in FILES:
        for article in json.loads((datasets / relative).read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                text = paragraph["context"].strip()
                key = "p-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
                seen.setdefault(key, {"id": key, "title": article.get("title") or key, "text": text})
    return list(seen.values())


def real_questions(datasets: Path = DATASETS, limit: int = 200) -> list[str]:
    data = json.loads((datasets / "xquad/xquad.ar.json").read_text(encoding="utf-8"))["data"]
    questions = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    return random.Random(0).sample(questions, min(limit, len(questions)))


def sentence_count(articles: list[dict]) -> int:
    return sum(len(split_sentences(article["text"])) for article in articles)


def synthetic_articles(real: list[dict], sentences: int, seed: int = 0) -> Iterator[dict]:
    """Articles adding up to about ``sentences`` sentences, made from the real corpus' sentences."""
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {}
    for article in real:
        for start, end in split_sentences(article["text"]):
            pools.setdefault(detect_language(article["text"]), []).append(article["text"][start:end])
    languages = sorted(pools)
    made = n = 0
    while made < sentences:
        pool = pools[rng.choice(languages)]
        chosen = [_DIGIT.sub(lambda _: str(rng.randrange(10)), rng.choice(pool)) for _ in range(rng.randint(8, 24))]
        n += 1
        made += len(chosen)
        yield {"id": f"syn-{n}", "title": f"synthetic {n}", "text": " ".join(chosen)}


def write_jsonl(articles, path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
            count += 1
    return count
