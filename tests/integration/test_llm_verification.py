"""Verification with the real offline embedder: an English claim over Arabic sources stands or falls by
the sentence it cites, and the quote's translation travels with its citation."""

import pytest

from dalil import qa
from dalil.testing import Reply
from dalil.testing.llm_scripts import prompt_sources

pytestmark = pytest.mark.integration

QUESTION = "When did Russia and Armenia sign the regional air defence agreement?"
SIGNING = "23 ديسمبر"
CLAIM = "Sergei Shoigu and his Armenian counterpart signed a regional air defence agreement on 23 December"


def citing(pick):
    def respond(request):
        sources = prompt_sources(request)
        return Reply(f"{CLAIM} [{pick(sources)}].\nTRANSLATIONS\n[{pick(sources)}] {CLAIM}, in the Caucasus.")

    return respond


def test_an_english_claim_citing_its_arabic_source_stands(real_index, fake_llm, llm_for):
    fake_llm.responder = citing(lambda sources: next(n for n, t in sources.items() if SIGNING in t))
    result = qa.answer(QUESTION, real_index, backend="llm", answerers={"llm": llm_for(fake_llm.base_url)})
    assert result.backend == "llm" and not result.degraded, result.unsupported
    assert result.answer == f"{CLAIM} [1]." and SIGNING in result.citations[0].quote
    assert result.citations[0].translation == f"{CLAIM}, in the Caucasus."


def test_the_same_claim_citing_another_sentence_is_removed(real_index, fake_llm, llm_for):
    # Another sentence about air defence in the same story, without the date: not the claim's support.
    fake_llm.responder = citing(lambda sources: next(n for n, t in sources.items() if "قرغيزستان" in t))
    result = qa.answer(QUESTION, real_index, backend="llm", answerers={"llm": llm_for(fake_llm.base_url)})
    assert result.degraded and result.backend == "extractive"
    assert result.unsupported[0].text == f"{CLAIM}."


@pytest.mark.parametrize(
    ("needle", "stands"),
    [("قرغيزستان", True), ("نفذت التزاماتها", False)],  # its own sentence / one on another point (S-300 delivery)
)
def test_a_claim_without_numbers_or_names_is_judged_by_similarity(real_index, fake_llm, llm_for, needle, stands):
    claim = "Russia is building joint air defence systems with two more countries"
    question = "Which countries is Russia building joint air defence systems with?"

    def respond(request):
        sources = prompt_sources(request)
        return Reply(f"{claim} [{next(n for n, t in sources.items() if needle in t)}].")

    fake_llm.responder = respond
    result = qa.answer(
        question, real_index, backend="llm", answerers={"llm": llm_for(fake_llm.base_url, max_sources=60)}
    )
    assert (result.backend == "llm") == stands
    if not stands:
        assert "similarity" in result.unsupported[0].reason


@pytest.mark.parametrize(
    ("claim", "stands"),
    [
        ("Shoigu thanked his counterpart from Kazakhstan for help with the transit of Russia's military cargo", True),
        ("Shoigu thanked his counterpart from Russia for help with the transit of Kazakhstan's military cargo", False),
    ],
)
def test_a_claim_swapping_what_two_names_qualify_is_removed(real_index, fake_llm, llm_for, claim, stands):
    # The source: نظيره الكازاخستاني (his Kazakh counterpart) … الشحنات العسكرية الروسية (Russian military cargo).
    def respond(request):
        sources = prompt_sources(request)
        return Reply(f"{claim} [{next(n for n, t in sources.items() if 'نظيره الكازاخستاني' in t)}].")

    fake_llm.responder = respond
    question = "What did Shoigu thank his Kazakh counterpart for?"
    result = qa.answer(question, real_index, backend="llm", answerers={"llm": llm_for(fake_llm.base_url)})
    assert (result.backend == "llm") == stands, result.unsupported
    if not stands:
        assert result.unsupported[0].reason.startswith("the roles of Russia and Kazakhstan are the other way round")
