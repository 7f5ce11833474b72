import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dalil.index.normalize import (
    detect_language,
    has_arabic,
    normalize,
    normalize_answer,
    search_terms,
    tokenize,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مُدَرِّسَةٌ", "مدرسه"),  # tashkeel removed, ة → ه
        ("هٰذا", "هذا"),  # superscript alef
        ("صلى الله عليه وسلم ﷺ", "صلي الله عليه وسلم صلي الله عليه وسلم"),  # NFKC expands the ligature
        ("الــــدفاع", "الدفاع"),  # tatweel
        ("أحمد إبراهيم آمال ٱلله", "احمد ابراهيم امال الله"),
        ("مصطفى على", "مصطفي علي"),
        ("عام ٢٠١٦ و۱۳۹۵", "عام 2016 و1395"),
        ("ﻻ", "لا"),  # presentation form
        ("ＮＡＴＯ  Summit\n\t2021 ", "nato summit 2021"),
        ("  ", ""),
    ],
)
def test_normalize_follows_the_evaluation_rules(raw, expected):
    assert normalize(raw) == expected


def test_normalize_removes_quranic_marks():
    assert normalize("الرَّحِيمِۖ") == "الرحيم"


def test_normalize_keeps_punctuation_but_answers_drop_it():
    assert normalize("«إس-300»، نعم؟") == "«اس-300»، نعم؟"
    assert normalize_answer("«إس-300»، نعم؟") == "اس 300 نعم"
    assert normalize_answer('U.S.-Russia (talks); "done"!') == "u s russia talks done"


def test_normalize_answer_keeps_symbols():
    assert normalize_answer("سعر $10 أو 5+") == "سعر $10 او 5+"  # currency and math signs are not P*


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip() and "  " not in once


@given(st.text())
def test_normalize_answer_leaves_no_punctuation(text):
    answer = normalize_answer(text)
    assert not any(unicodedata.category(ch).startswith("P") for ch in answer)
    assert normalize_answer(answer) == answer


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("ما هي المنظومات التي سلمتها روسيا لكازاخستان؟", "ar"),
        ("هل سلمت روسيا منظومات S-300 إلى كازاخستان؟", "ar"),
        ("ما موقف NATO من روسيا؟", "ar"),
        ("What did Shoigu say about the S-300 deliveries?", "en"),
        ("What does the word التعاون mean in the agreement?", "en"),
        ("2021-2024?", "en"),
        ("", "en"),
    ],
)
def test_detect_language(question, language):
    assert detect_language(question) == language


def test_has_arabic():
    assert has_arabic("S-300 إس")
    assert not has_arabic("S-300 ٣٠٠")  # Arabic-Indic digits are not letters


def test_tokenize_splits_on_punctuation_and_hyphens():
    assert tokenize("منظومات «إس-300» (تشرين الثاني)") == ["منظومات", "اس", "300", "تشرين", "الثاني"]
    assert tokenize("snake_case e-mail U.S.") == ["snake", "case", "e", "mail", "u", "s"]


def test_tokenize_normalizes_first():
    assert tokenize("الـ69 عام ٢٠١٦") == ["ال69", "عام", "2016"]


def test_search_terms_drop_arabic_stopwords_in_any_spelling():
    assert search_terms("ما هي التي في على علي إلى الى وفي وقد ومن متى") == []


def test_search_terms_drop_english_stopwords():
    assert search_terms("What is the role of the") == ["role"]


def test_search_terms_meet_across_spelling_variants():
    assert search_terms("مدرسة إلى الدفاع") == search_terms("مَدْرَسَه الى الدِّفاع")


def test_search_terms_stem_arabic_prefixes_and_english_plurals():
    # The definite article and the preposition ل are prefixes, so both forms reduce to one stem.
    assert search_terms("الدفاع") == search_terms("للدفاع")
    assert search_terms("systems") == search_terms("system")
    assert search_terms("systems") != search_terms("الدفاع")


def test_search_terms_keep_numbers_unstemmed():
    terms = search_terms("صواريخ إس-300 عام ٢٠١٣")
    assert "300" in terms and "2013" in terms


def test_stems_come_from_the_compiled_snowball_stemmers_and_match_the_pure_python_ones():
    from snowballstemmer import arabic_stemmer, english_stemmer

    from dalil.index import normalize as module

    # The compiled stemmers (PyStemmer) are what make a large build's lexical index affordable.
    assert type(module._STEMMERS["ar"]).__module__ == "Stemmer"
    words = ["والمفاوضات", "بالصواريخ", "الأمريكية", "يتفاوضون", "للمعاهدة", "negotiations", "missiles", "signed"]
    reference = {"ar": arabic_stemmer.ArabicStemmer(), "en": english_stemmer.EnglishStemmer()}
    for word in map(normalize, words):
        language = "ar" if module.has_arabic(word) else "en"
        assert module.stem(word) == reference[language].stemWord(word)
