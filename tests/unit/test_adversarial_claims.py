"""A fast subset of bench/adversarial_claims.py: rule-made unfaithful claims are removed, faithful ones kept.

Without the embedder (similarity None) facts and polarity decide, and within Arabic the shared terms too.
"""

from __future__ import annotations

import pytest

from dalil.index.normalize import detect_language
from dalil.qa.verify import Claim, Source, check_claim
from dalil.testing.adversarial import PERTURBATIONS, cancelled, negated, number_changed

CLAIMS = [
    ("Sergei Shoigu and his Armenian counterpart signed a regional air defence agreement on 23 December.", 0),
    ("The 2022-2024 defence partnership programme was signed on 9 November 2021.", 1),
    ("وقّع شويغو ونظيره الأرميني اتفاق الدفاع الجوي الموحد في 23 ديسمبر.", 0),
    ("وافق الوزيران على خطة تعاون للعام 2022.", 2),
]


@pytest.fixture
def sources(demo_index):
    """The claims' source sentences, found by words they hold: 0 the agreement, 1 the programme, 2 the plan."""
    every = [s.text for d in demo_index.list_documents() for s in demo_index.sentences(d.id)]
    keys = [("وقع", "23"), ("2021",), ("وافق", "2022")]
    texts = [next(t for t in every if all(w in t for w in words)) for words in keys]
    return {n: Source(n, f"s:{n}", text, detect_language(text)) for n, text in enumerate(texts)}


@pytest.mark.parametrize(("claim", "source"), CLAIMS)
def test_faithful_claims_stay_and_perturbed_ones_go(sources, claim, source):
    assert check_claim(Claim(claim, (source,)), sources).supported, claim
    for kind in ("negation", "cancellation", "number", "month"):
        changed = PERTURBATIONS[kind](claim, [])
        if changed is not None:
            assert not check_claim(Claim(changed, (source,)), sources).supported, (kind, changed)


def test_the_rules_make_what_they_say():
    assert negated("Russia delivered the systems.") == "Russia never delivered the systems."
    assert negated("وقع الوزيران الاتفاق.").startswith("ليس صحيحا أن ")
    assert cancelled("The ministers signed a plan.") == "The ministers cancelled a plan."
    assert number_changed("في ٢٠٢٢ وقع") == "في 2029 وقع" and number_changed("no digits") is None
