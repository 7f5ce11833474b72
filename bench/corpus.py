"""Corpora for the scale benchmark: every paragraph of the public datasets, and a synthetic extension.

Real: the unique paragraphs of XQuAD (ar, en), ARCD (all), MLQA-ar dev and TyDiQA-GoldP-ar dev, one article each.
Synthetic: articles of 8-24 sentences drawn at random from the real sentences of one language, with every digit
replaced at random and 30% of the words swapped for random words of the same language's text, so that no two
articles are copies and five-word runs repeat about as rarely as in a real archive (drawn unchanged, each real
sentence would recur some 100 times in a million, and deduplication would compare every article with hundreds of
others sharing its sentences). It has the real corpus' vocabulary, sentence lengths and language mix, but its
articles mean nothing. Figures on it are reported apart.
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
_PLAIN = re.compile(r"\w+")
WORD_SWAP = 0.3


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
    words: dict[str, list[str]] = {}
    for article in real:
        language = detect_language(article["text"])
        words.setdefault(language, []).extend(w for w in article["text"].split() if _PLAIN.fullmatch(w))
        for start, end in split_sentences(article["text"]):
            pools.setdefault(language, []).append(article["text"][start:end])
    languages = sorted(pools)

    def varied(sentence: str, vocabulary: list[str]) -> str:
        # Only plain words are swapped, for plain words, and never a sentence's first or last: the splitter still
        # finds the same sentences (no stray full stop, bracket or quote moves in).
        words = sentence.split()
        inner = [
            rng.choice(vocabulary) if _PLAIN.fullmatch(word) and rng.random() < WORD_SWAP else word
            for word in words[1:-1]
        ]
        return _DIGIT.sub(lambda _: str(rng.randrange(10)), " ".join([*words[:1], *inner, *words[-1:]][: len(words)]))

    made = n = 0
    while made < sentences:
        language = rng.choice(languages)
        pool, vocabulary = pools[language], words[language]
        chosen = [varied(rng.choice(pool), vocabulary) for _ in range(rng.randint(8, 24))]
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
