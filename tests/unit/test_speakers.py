"""Who says it: a claim may not give its cited sentence's words to another name of that sentence."""

from dalil.qa.arabic_names import has_name, same_places
from dalil.qa.names import word_spells
from dalil.qa.speakers import another_speaker

PUTIN = (
    "وأكد الرئيس الروسي فلاديمير بوتين خلال اجتماع قادة رابطة الدول المستقلة أن العملية الروسية في سورية "
    "محكومة زمنيا بالعملية الهجومية للجيش السوري."
)


def arabic(name: str, word: str) -> bool:
    return same_places(name, word) or has_name(word, name)


def test_an_english_claim_giving_the_words_to_another_name_of_the_sentence_is_caught():
    faithful = "Putin said Russia's operation in Syria is bound in time to the Syrian army's offensive."
    assert another_speaker(faithful, ["Putin", "Russia", "Syria"], PUTIN, word_spells) is None
    swapped = "CIS said Russia's operation in Syria is bound in time to the Syrian army's offensive."
    # The speaker's title carries Russia (الرئيس الروسي); the CIS is named, but not as the speaker.
    assert another_speaker(swapped, ["CIS", "Russia", "Syria"], PUTIN, word_spells) == ("CIS", ["Russia"])
    according = "According to the CIS, Russia's operation in Syria is bound in time to the army's offensive."
    assert another_speaker(according, ["CIS", "Russia", "Syria"], PUTIN, word_spells) == ("CIS", ["Russia"])


def test_an_arabic_claim_is_read_with_the_same_reporting_verbs():
    source = "وذكرت وكالة تاس أن قادة الرابطة وقعوا في مدينة باراباي وثيقتين."
    names = ["تاس", "رابطة", "باراباي"]
    assert another_speaker("بحسب وكالة تاس، وقع قادة الرابطة وثيقتين في باراباي.", names, source, arabic) is None
    swapped = "بحسب وكالة رابطة الدول المستقلة، وقع قادتها وثيقتين في باراباي."
    assert another_speaker(swapped, names, source, arabic) == ("رابطة", ["تاس"])


def test_nothing_is_decided_without_a_named_speaker_on_both_sides():
    unnamed = "وأضاف الوزير أن روسيا ستسلم كازاخستان المنظومات قريبا."
    names = ["Shoigu", "Russia", "Kazakhstan"]
    assert another_speaker("Shoigu said Russia will deliver the systems soon.", names, unnamed, word_spells) is None
    # A claim that names no speaker says nothing of who spoke.
    assert (
        another_speaker("Russia's operation in Syria is bound in time.", ["Russia", "Syria"], PUTIN, word_spells)
        is None
    )
