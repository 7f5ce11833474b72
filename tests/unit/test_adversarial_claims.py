"""A fast form of bench/adversarial_claims.py: rule-made unfaithful claims are removed, faithful ones kept.

Every hand-written faithful claim of bench/data/faithful_claims.jsonl, fresh_claims.jsonl and
fourth_claims.jsonl, and its perturbations, are checked against every demo sentence without the embedder
(similarity None): facts, polarity, names, roles and, within Arabic, the shared terms decide. The floors sit a
few claims below what this measures; the benchmark adds similarity and the word aligner.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from dalil.index.normalize import detect_language
from dalil.qa.verify import Claim, Source, check_claim
from dalil.testing.adversarial import (
    PERTURBATIONS,
    FaithfulClaim,
    cancelled,
    load_claims,
    negated,
    number_changed,
    roles_swapped,
)

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
# Share removed, per (kind, language): at most for faithful claims, at least for the others. The first set is
# the one the checks were built on; the fresh and the fourth ones were written after them (see README).
COMMON = {
    ("faithful", "en"): 0.10,
    ("faithful", "ar"): 0.10,
    ("negation", "en"): 0.90,
    ("negation", "ar"): 0.90,
    ("cancellation", "en"): 0.85,
    ("cancellation", "ar"): 0.85,
    ("number", "en"): 0.95,
    ("number", "ar"): 0.95,
    ("month", "en"): 0.95,
    ("month", "ar"): 0.95,
    ("place changed", "en"): 0.85,
    ("place changed", "ar"): 0.85,
}
FLOORS = {
    "faithful_claims.jsonl": COMMON | {
        ("entity swap", "en"): 0.9, ("entity swap", "ar"): 0.85,
        ("subject/object swap", "en"): 0.5, ("subject/object swap", "ar"): 0.5,
    },
    "fresh_claims.jsonl": COMMON | {
        ("entity swap", "en"): 0.85, ("entity swap", "ar"): 0.6,
        ("subject/object swap", "en"): 0.2, ("subject/object swap", "ar"): 0.25,
    },
    "fourth_claims.jsonl": COMMON | {
        ("entity swap", "en"): 0.75, ("entity swap", "ar"): 0.85,
        ("subject/object swap", "en"): 0.2, ("subject/object swap", "ar"): 0.1,
    },
}  # fmt: skip


def removed_shares(demo_index, claims_file: Path) -> dict[tuple[str, str], float]:
    sentences = [s for d in demo_index.list_documents() for s in demo_index.sentences(d.id)]
    numbers = {s.id: n for n, s in enumerate(sentences, start=1)}
    sources = {numbers[s.id]: Source(numbers[s.id], s.id, s.text, detect_language(s.text)) for s in sentences}
    claims = load_claims(claims_file)
    results: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for fact in claims:
        others = [c for c in claims if c.article == fact.article and c.source != fact.source and c.lang == fact.lang]
        made = {"faithful": fact.claim} | {kind: rule(fact, others) for kind, rule in PERTURBATIONS.items()}
        for kind, text in made.items():
            if text is not None:
                results[kind, fact.lang].append(
                    not check_claim(Claim(text, (numbers[fact.source],)), sources).supported
                )
    return {key: sum(flags) / len(flags) for key, flags in results.items()}


@pytest.mark.parametrize("claims_file", sorted(FLOORS))
def test_verification_removes_unfaithful_claims_and_keeps_faithful_ones(demo_index, claims_file):
    shares = removed_shares(demo_index, DATA / claims_file)
    wrong = {
        key: round(shares[key], 2)
        for key, floor in FLOORS[claims_file].items()
        if (shares[key] > floor if key[0] == "faithful" else shares[key] < floor)
    }
    assert not wrong, f"share removed, per (kind, language), beyond its floor: {wrong}"


def test_the_rules_make_what_they_say():
    fact = FaithfulClaim("Russia delivered the systems to Kazakhstan.", "a:1", "en", ("Russia", "Kazakhstan"))
    assert negated(fact) == "Russia never delivered the systems to Kazakhstan."
    assert cancelled(fact) == "Russia cancelled the systems to Kazakhstan."
    assert roles_swapped(fact) is None  # no roles given
    swap = FaithfulClaim(fact.claim, "a:1", "en", fact.names, ("Russia", "Kazakhstan"))
    assert roles_swapped(swap) == "Kazakhstan delivered the systems to Russia."
    arabic = FaithfulClaim("وقع الوزيران الاتفاق في ٢٠٢٢.", "a:2", "ar")
    assert negated(arabic).startswith("ليس صحيحا أن ") and number_changed(arabic) == "وقع الوزيران الاتفاق في 2029."
