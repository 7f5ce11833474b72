"""Latin names found in Arabic by their sound, across the spellings news Arabic uses."""

import pytest

from dalil.qa.names import (
    ArabicSpellings,
    country_names,
    known_long_names,
    latin_names,
    long_name_words,
    sounds_alike,
)

SAME = [
    ("Shoigu", "شويغو"), ("Balkhash", "بالخاش"), ("Kovalchuk", "كوفالتشوك"), ("Kazakhstan", "كازاخستان"),
    ("Kazakh", "الكازاخية"), ("Bektanov", "بيكتانوف"), ("Medvedev", "ميدفيديف"), ("Lisbon", "لشبونة"),
    ("Moscow", "لموسكو"), ("Russia", "روسيا"), ("Russian", "الروسي"), ("Russians", "الروس"), ("Armenian", "الأرميني"),
    ("Belarusian", "بيلاروسيا"), ("Iran", "إيران"), ("Iraq", "العراق"), ("Syria", "سورية"), ("NATO", "الناتو"),
    ("Tajik", "طاجيكستان"), ("Uzbek", "وأوزبكستان"), ("Azerbaijan", "أذربيجان"), ("Kyrgyzstan", "قرغيزستان"),
    ("Nazarbayev", "نزاربايف"), ("Nursultan", "نورسلطان"), ("France", "فرنسا"), ("Putin", "بوتين"),
]  # fmt: skip
DIFFERENT = [
    ("Armenia", "روسيا"), ("Uzbek", "كازاخستان"), ("Iran", "العراق"), ("France", "روسيا"), ("Lukashenko", "لشبونة"),
    # Arabic grows words from three-consonant roots: short names need their vowels to match too.
    ("Russia", "الرئيس"), ("Russia", "رأس"), ("Treaty", "الطائرات"), ("Security", "العسكرية"), ("Council", "نقل"),
    # A leading و is "and": وروسيا is Russia, not "Eurasi(a)".
    ("Eurasian", "وروسيا"),
]  # fmt: skip


@pytest.mark.parametrize(("latin", "arabic"), SAME)
def test_a_name_is_found_in_the_arabic_spelling_of_it(latin, arabic):
    assert sounds_alike(latin, arabic)


@pytest.mark.parametrize(("latin", "arabic"), DIFFERENT)
def test_a_name_is_not_found_in_other_words(latin, arabic):
    assert not sounds_alike(latin, arabic)


def test_names_are_capitalized_words_but_not_the_first_nor_an_institution_nor_an_acronym():
    assert latin_names("When did Nursultan Nazarbayev become president of Kazakhstan?") == [
        "Nursultan",
        "Nazarbayev",
        "Kazakhstan",
    ]
    assert latin_names("Who takes over the presidency of the Collective Security Treaty Organization?") == []
    assert latin_names("Which countries have left the Commonwealth of Independent States?") == []
    assert latin_names("How many citizens of CIS countries fight for ISIS, according to Putin?") == ["Putin"]
    assert latin_names("Who is Russia's president?") == ["Russia's"]


def test_two_arabic_words_are_one_name_only_after_a_short_first_word():
    spellings = ArabicSpellings("وكان الرئيس نور سلطان نزاربايف")
    assert "نورسلطان" in spellings.words and "الرئيسنور" not in spellings.words
    assert spellings.spells("Nursultan") and not spellings.spells("Lukashenko")


def test_an_acronym_is_found_by_its_usual_arabic_forms():
    spellings = ArabicSpellings("اجتمع وزراء دفاع رابطة الدول المستقلة وممثلو حلف شمال الأطلسي")
    assert spellings.spells("CIS") and spellings.spells("NATO")
    assert not spellings.spells("CSTO") and not spellings.spells("XYZ")


def test_a_long_names_words_are_known_with_a_possessive_too():
    text = "Medvedev opened the meeting of the Collective Security Treaty Organization's heads of state."
    assert "Organization" in long_name_words(text) and known_long_names(text) == ["CSTO"]


def test_a_country_is_found_by_the_words_of_its_arabic_name_that_tell_it_apart():
    spellings = ArabicSpellings("محادثات مع السعودية والإمارات ومصر والولايات المتحدة وتركيا")
    for country in ("Saudi Arabia", "United Arab Emirates", "Egypt", "United States", "Turkey"):
        assert spellings.spells(country), country
    # كوريا and الجنوبية are each shared with another country: both are needed.
    assert not spellings.spells("South Korea") and not ArabicSpellings("كوريا الشمالية").spells("South Korea")
    assert ArabicSpellings("في كوريا الجنوبية").spells("South Korea")
    assert not spellings.spells("Arabia")  # no country, and no Arabic word sounds like it


def test_countries_of_several_words_are_named_whole():
    text = "Talks with Saudi Arabia, the United Arab Emirates and Egypt; South Korean firms"
    assert sorted(country_names(text)) == ["Saudi Arabia", "United Arab Emirates"]
