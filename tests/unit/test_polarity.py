"""Negation and cancellation: a claim may not deny what its cited sentence states, in either language."""

from __future__ import annotations

import pytest

from dalil.index.normalize import normalize
from dalil.qa.polarity import negated_words, negation_cues, unmatched_negation
from dalil.qa.verify import Claim, Source, check_claim
from dalil.testing.aligners import DictionaryAligner

LISBON = Source(1, "a:0", "وأطلع ميدفيديف المجلس على نتائج مباحثاته في لشبونة في إطار مجلس روسيا - الناتو.", "ar")
SIGNED = Source(2, "b:0", "وقع وزير الدفاع الروسي ونظيره الأرميني اتفاقا حول إنشاء نظام موحد للدفاع الجوي.", "ar")
NOT_SIGNED = Source(3, "c:0", "ولم يوقع الوزيران أي اتفاق خلال اللقاء.", "ar")
EXPRESSLY = Source(4, "d:0", "وتشهد كازاخستان تهديدات مختلفة، لا سيما من أماكن داخل المنطقة.", "ar")
SOURCES = {s.number: s for s in (LISBON, SIGNED, NOT_SIGNED, EXPRESSLY)}


def check(text: str, *markers: int):
    return check_claim(Claim(text, markers), SOURCES)


@pytest.mark.parametrize(
    "text",
    [
        "Medvedev did not hold any Russia-NATO Council talks in Lisbon [1].",  # the examples
        "He cancelled the talks and stayed in Moscow.",
        "لم يوقع الوزيران اتفاق الدفاع الجوي.",
        "لم يكن الاتفاق حاسما.",  # "was not": a denial, where "إن لم يكن" is a hedge
        "ولن يوقع أحد.",
        "نفت الوزارة الخبر.",
        "ألغى الوزير الاتفاق.",
        "The agreement was never signed.",
        "Russia hasn't delivered anything.",
        "ما وقع الوزيران شيئا.",
    ],
)
def test_negation_and_cancellation_cues(text):
    assert negation_cues(text) == 1


@pytest.mark.parametrize(
    "text",
    [
        "وقع الوزيران الاتفاق.",
        "تشهد كازاخستان تهديدات لا سيما من الجنوب.",  # "especially"
        "لا بد من تطوير النظام.",  # "must"
        "قال ما قاله الوزير.",  # "what", not a negation after the first word
        "كما وافق الوزيران على خطة تعاون.",  # "as well", not "ك" + "ما"
        "يضم الاتحاد كلا من روسيا وبيلاروس.",  # "both", not "ك" + "لا"
        "مساهمة جدية إن لم نقل حاسمة.",  # "if not to say"
        "مساهمة جدية، إن لم تكن حاسمة.",  # "if not", a hedge
        "a serious, if not decisive, contribution",
        "He won the election and noted the results.",
        "Russia delivered the systems to Kazakhstan.",
    ],
)
def test_no_cue(text):
    assert negation_cues(text) == 0


def test_cues_are_counted_so_a_claim_cannot_add_one_to_a_source_that_has_one():
    assert negation_cues("ليس صحيحا أن الحلف لا يمثل تهديدا لروسيا.") == 2
    assert negation_cues("Moscow had previously refused to send the systems, and never did.") == 2
    assert negation_cues("امتنعت موسكو عن إرسال المنظومات.") == 1  # "refrained": a refusal, as "refused" is


def test_a_negated_claim_needs_a_negated_source():
    assert check("Medvedev did not hold any Russia-NATO Council talks in Lisbon.", 1).reason == (
        "it has a negation or cancellation that the cited sentence [1] lacks"
    )
    assert not check("لم يوقع وزير الدفاع الروسي ونظيره الأرميني اتفاقا حول إنشاء نظام موحد للدفاع الجوي.", 2).supported
    assert not check("Medvedev cancelled the Russia-NATO Council talks in Lisbon and stayed in Moscow.", 1).supported
    # A source that says so itself supports the negation, in either language.
    assert check("ولم يوقع الوزيران أي اتفاق خلال اللقاء.", 3).supported
    assert check("The two ministers did not sign any agreement during the meeting.", 3).reason is None
    # A faithful claim keeps passing, whatever the source says besides ("لا سيما" is no negation).
    assert check("وتشهد كازاخستان تهديدات مختلفة من أماكن داخل المنطقة.", 4).supported


def test_a_cue_bears_on_the_next_words_and_a_verb_cue_on_itself_too():
    assert negated_words("Medvedev did not hold the talks in Lisbon.") == [["hold", "talks"]]
    assert negated_words("Moscow refused to send the systems to Iran.") == [["refused", "send", "systems"]]
    assert negated_words("الحلف لا يمثل تهديدا لروسيا") == [[normalize("يمثل"), normalize("تهديدا")]]


NATO_SOURCE = "وقال إن الحلف لا يمثل تهديدا لروسيا، وافتتح ميدفيديف الاجتماع."


def test_a_negation_must_bear_on_what_a_negation_of_the_source_bears_on():
    aligner = DictionaryAligner({"pose": {normalize("يمثل")}, "threat": {normalize("تهديدا")}})
    assert unmatched_negation("Medvedev never opened the meeting.", NATO_SOURCE, aligner)
    assert not unmatched_negation("NATO does not pose a threat to Russia.", NATO_SOURCE, aligner)
    assert not unmatched_negation("Medvedev opened the meeting.", NATO_SOURCE, aligner)
    # A source without a negation: the count of cues decides, not this.
    assert not unmatched_negation("Medvedev never opened the meeting.", "وافتتح ميدفيديف الاجتماع.", aligner)


def test_a_claim_denying_what_the_source_does_not_deny_is_removed_with_the_aligner():
    source = Source(1, "a:0", NATO_SOURCE, "ar")
    aligner = DictionaryAligner({"opened": {normalize("وافتتح")}, "meeting": {normalize("الاجتماع")}})
    denied = check_claim(Claim("Medvedev never opened the meeting.", (1,)), {1: source}, aligner=aligner)
    assert denied.reason == "it denies something the cited sentence [1] does not deny"
    assert check_claim(Claim("Medvedev opened the meeting.", (1,)), {1: source}, aligner=aligner).supported
