"""A question asking "how many" needs a sentence with a number in it."""

import pytest

from dalil.qa.answer_type import asks_for_number, holds_number


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How many soldiers does the Kazakh army have?", True),
        ("how much does Russia pay for the Balkhash complex?", True),
        ("What percentage of the budget goes to defence?", True),
        ("What share of the votes did Lukashenko win?", True),
        ("What number of troops may the rapid deployment forces have?", True),
        ("What is the number of the meeting?", False),
        ("Who signed the agreement?", False),
        ("How often does Kazakhstan face threats?", False),
    ],
)
def test_how_many_and_how_much_ask_for_a_number(question, asks):
    assert asks_for_number(question) == asks


@pytest.mark.parametrize(
    ("sentence", "holds"),
    [
        ("قد يبلغ عددها 15000 جندي", True),
        ("قد يبلغ عددها ١٥٠٠٠ جندي", True),
        ("لرؤساء البلدان الخمسة الأعضاء", True),
        ("بين خمسة وسبعة آلاف", True),
        ("troops numbering fifteen thousand", True),
        ("أشار وزير الدفاع الروسي إلى دراسة الأفراد العسكريين الكازاخستانيين", False),
        ("The minister thanked his colleagues.", False),
    ],
)
def test_a_number_is_digits_or_a_number_word(sentence, holds):
    assert holds_number(sentence) == holds
