"""What claim verification catches: unfaithful claims made by rule from hand-written faithful ones.

    .venv/bin/python bench/adversarial_claims.py

The faithful claims are `bench/claim_similarity.py`'s (English renderings and Arabic paraphrases of demo-corpus
sentences, each with its source). From each, `dalil.testing.adversarial` makes a negated, a cancelled, a
number-changed, a month-changed and an entity-swapped claim where its rule applies; a claim citing the next
sentence of its article instead of its own is one more kind. Every claim is checked as the LLM backend checks
it: every sentence of the demo index is a numbered source, similarity from the embedder. Prints, per kind and
language, how many claims were made and the share removed (for faithful claims: wrongly removed). Needs the
demo index (`make index`).
"""

from __future__ import annotations

from collections import defaultdict

from claim_similarity import CLAIMS

from dalil.index.loaded import open_index
from dalil.index.normalize import detect_language
from dalil.qa.verify import Claim, Source, check_claim
from dalil.settings import Settings
from dalil.testing.adversarial import PERTURBATIONS


def main() -> None:
    index = open_index(Settings())
    sentences = [s for d in index.list_documents() for s in index.sentences(d.id)]
    numbers = {s.id: n for n, s in enumerate(sentences, start=1)}
    sources = {n: Source(n, s.id, s.text, detect_language(s.text)) for s, n in zip(sentences, numbers.values())}
    ids = {n: s.id for n, s in enumerate(sentences, start=1)}

    def similarity(text: str, cited: list[int]) -> list[float]:
        found = index.sentence_similarities(index.embedder.embed_passages([text])[0], [ids[n] for n in cited])
        return [found.get(ids[n], 0.0) for n in cited]

    results: dict[tuple[str, str], list[bool]] = defaultdict(list)
    examples: dict[str, tuple[str, str]] = {}
    for claim, source in CLAIMS:
        language = detect_language(claim)
        same_article = [c for c, s in CLAIMS if s != source and s.split(":")[0] == source.split(":")[0]]
        made = {"faithful": (claim, source)}
        for kind, perturb in PERTURBATIONS.items():
            if (changed := perturb(claim, same_article)) is not None:
                made[kind] = (changed, source)
        doc, n = source.split(":")
        neighbour = f"{doc}:{int(n) + 1}" if f"{doc}:{int(n) + 1}" in numbers else f"{doc}:{int(n) - 1}"
        made["neighbour cited"] = (claim, neighbour)
        for kind, (text, cited) in made.items():
            check = check_claim(Claim(text, (numbers[cited],)), sources, similarity)
            results[(kind, language)].append(not check.supported)
            examples.setdefault(kind, (text, check.reason or "kept"))
    print(f"{'kind':<16} {'language':<8} {'claims':>6} {'removed':>8}")
    for (kind, language), removed in sorted(results.items()):
        print(f"{kind:<16} {language:<8} {len(removed):>6} {sum(removed) / len(removed):>8.2f}")
    print("\nfaithful: the share removed is the share wrongly removed; every other kind should be removed.")
    for kind, (text, reason) in examples.items():
        print(f"  {kind}: {text[:70]} -> {reason}")


if __name__ == "__main__":
    main()
