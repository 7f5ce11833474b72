"""Roles marked by prepositions: a claim may not give two names of its source each other's roles."""

from dalil.qa.arabic_names import has_name, same_places
from dalil.qa.names import sounds_alike
from dalil.qa.roles import swapped_roles

SOURCE = "وأضاف الوزير أن الطرفين بصدد إبرام بروتوكولات عن شروط استخدام روسيا لحقول اختبار في أراضي كازاخستان."


def arabic(name: str, word: str) -> bool:
    return same_places(name, word) or has_name(word, name)


def test_an_english_claim_swapping_the_place_and_the_user_is_caught():
    names = ["Russia", "Kazakhstan"]
    faithful = "The two sides will conclude protocols on Russia's use of test ranges in Kazakhstan."
    assert swapped_roles(faithful, names, SOURCE, sounds_alike) is None
    swapped = "The two sides will conclude protocols on Kazakhstan's use of test ranges in Russia."
    assert swapped_roles(swapped, names, SOURCE, sounds_alike) == ("Russia", "Kazakhstan")


def test_an_arabic_claim_is_read_with_the_same_prepositions():
    names = ["روسيا", "كازاخستان"]
    assert (
        swapped_roles(
            "يعتزم الطرفان إبرام بروتوكولات حول استخدام روسيا لحقول الاختبار في كازاخستان.", names, SOURCE, arabic
        )
        is None
    )
    swapped = "يعتزم الطرفان إبرام بروتوكولات حول استخدام كازاخستان لحقول الاختبار في روسيا."
    assert swapped_roles(swapped, names, SOURCE, arabic) == ("روسيا", "كازاخستان")


def test_unmarked_roles_and_names_both_marked_alike_are_left_alone():
    source = "سلمت روسيا كازاخستان منظومات إس-300 وأرسلت موسكو منظومات إلى إيران."
    # Subject and object carry no preposition: nothing to compare.
    assert (
        swapped_roles("Kazakhstan handed Russia S-300 systems.", ["Kazakhstan", "Russia"], source, sounds_alike) is None
    )
    # Two names the claim gives the same role are not each other's swap.
    claim = "Moscow sent systems to Iran and to Kazakhstan."
    assert swapped_roles(claim, ["Iran", "Kazakhstan"], source, sounds_alike) is None
