"""What claim verification catches: unfaithful claims made by rule from hand-written faithful ones.

    .venv/bin/python bench/adversarial_claims.py [--claims bench/data/fresh_claims.jsonl] [--show]

The faithful claims are English renderings and Arabic paraphrases of demo-corpus sentences, each with its source
(`bench/data/faithful_claims.jsonl`, the set the checks were built on; `fresh_claims.jsonl`,
`held_out_claims.jsonl` and `fourth_claims.jsonl`, each written by another writer who saw neither the checks nor
the other sets). From each,
`dalil.testing.adversarial` makes a negated, a cancelled, a number-changed, a month-changed, an entity-swapped,
a subject/object-swapped and a place-changed claim where its rule applies. Two more kinds: the claim citing the
next sentence of its article instead of its own, and an invented translation (an English claim about another
sentence of the article, given as this sentence's translation; translations are checked as claims). Every claim
is checked as the LLM backend checks it: every sentence of the demo index is a numbered source, similarity from
the embedder, words from the word aligner. Prints, per kind and language, how many claims were made and the
share removed (for faithful claims: wrongly removed). Needs the demo index (`make index`).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from dalil.index.loaded import open_index
from dalil.index.normalize import detect_language
from dalil.qa.verify import Claim, Source, check_claim
from dalil.settings import Settings
from dalil.testing.adversarial import PERTURBATIONS, load_claims

CLAIMS = Path(__file__).resolve().parent / "data" / "faithful_claims.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=Path, default=CLAIMS)
    parser.add_argument("--show", action="store_true", help="print every claim of a kind that was not removed")
    args = parser.parse_args()
    index = open_index(Settings())
    sentences = [s for d in index.list_documents() for s in index.sentences(d.id)]
    numbers = {s.id: n for n, s in enumerate(sentences, start=1)}
    sources = {n: Source(n, s.id, s.text, detect_language(s.text)) for s, n in zip(sentences, numbers.values())}
    ids = {n: s.id for n, s in enumerate(sentences, start=1)}

    def similarity(text: str, cited: list[int]) -> list[float]:
        found = index.sentence_similarities(index.embedder.embed_passages([text])[0], [ids[n] for n in cited])
        return [found.get(ids[n], 0.0) for n in cited]

    claims = load_claims(args.claims)
    results: dict[tuple[str, str], list[bool]] = defaultdict(list)
    missed: dict[str, list[str]] = defaultdict(list)
    for fact in claims:
        same_article = [
            c for c in claims if c.article == fact.article and c.source != fact.source and c.lang == fact.lang
        ]
        made = {"faithful": (fact.claim, fact.source)}
        for kind, perturb in PERTURBATIONS.items():
            if (changed := perturb(fact, same_article)) is not None:
                made[kind] = (changed, fact.source)
        doc, n = fact.source.rsplit(":", 1)
        neighbour = f"{doc}:{int(n) + 1}" if f"{doc}:{int(n) + 1}" in numbers else f"{doc}:{int(n) - 1}"
        made["neighbour cited"] = (fact.claim, neighbour)
        if fact.lang == "en" and same_article:
            made["invented translation"] = (same_article[0].claim, fact.source)
        for kind, (text, cited) in made.items():
            check = check_claim(Claim(text, (numbers[cited],)), sources, similarity, aligner=index.aligner)
            removed = not check.supported
            results[(kind, fact.lang)].append(removed)
            if removed == (kind == "faithful"):
                missed[kind].append(f"{text} -> {check.reason or 'kept'}")
    print(f"{'kind':<22} {'language':<8} {'claims':>6} {'removed':>8}")
    for (kind, language), removed in sorted(results.items()):
        print(f"{kind:<22} {language:<8} {len(removed):>6} {sum(removed):>4} = {sum(removed) / len(removed):.2f}")
    print("\nfaithful: the share removed is the share wrongly removed; every other kind should be removed.")
    if args.show:
        for kind, texts in missed.items():
            print(f"\n{kind}: {'wrongly removed' if kind == 'faithful' else 'kept'}")
            for text in texts:
                print(f"  {text}")


if __name__ == "__main__":
    main()
