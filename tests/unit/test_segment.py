import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dalil.index.segment import has_open_quote, sentences_for, split_sentences
from dalil.index.types import sentence_id

ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_arabic_terminators_end_sentences():
    text = "هل وقعت روسيا الاتفاق؟ نعم؛ وقعته في موسكو! ثم عاد الوزير."
    assert sentences(text) == ["هل وقعت روسيا الاتفاق؟", "نعم؛", "وقعته في موسكو!", "ثم عاد الوزير."]


def test_line_breaks_always_end_sentences():
    text = "روسيا تسلم كازاخستان منظومات\nهذا وأفاد شويغو\n\n\nRT"
    assert sentences(text) == ["روسيا تسلم كازاخستان منظومات", "هذا وأفاد شويغو", "RT"]


def test_spans_are_stripped_and_point_into_the_text():
    text = "  \n  أولا.   ثانيا؟\r\n"
    assert split_sentences(text) == [(5, 10), (13, 19)]
    assert sentences(text) == ["أولا.", "ثانيا؟"]


def test_runs_of_terminators_stay_together():
    assert sentences("Really?! Yes... Then it ended…\tفعلا؟!") == ["Really?!", "Yes...", "Then it ended…", "فعلا؟!"]


def test_closing_marks_after_a_terminator_belong_to_the_sentence():
    assert sentences("قال «انتهى الأمر.» ثم غادر.") == ["قال «انتهى الأمر.»", "ثم غادر."]
    assert sentences('He said "It is over." Then he left.') == ['He said "It is over."', "Then he left."]
    assert sentences("(See the annex.) The talks went on.") == ["(See the annex.)", "The talks went on."]


@pytest.mark.parametrize(
    "text",
    [
        "بلغت قيمة الصفقة 1.200 مليار دولار.",
        "ارتفع النمو إلى 3.5 في المئة.",
        "يبلغ عدد السكان 2.000.000 نسمة تقريبا.",
        "The firmware 2.4.1 is installed.",
        "Read more on example.com today.",
    ],
)
def test_dots_inside_numbers_and_addresses_are_not_boundaries(text):
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Lavrov met Dr. Smith and Prof. Jones.",
        "Talks between the U.S. and the U.N. Security Council continued.",
        "Exports rose in Jan. and Feb. by 3%.",
        "Officials, e.g. Gen. Petrov, attended.",
        "J. K. Rowling visited Moscow.",
        "Acme Inc. signed with Globex Ltd. yesterday.",
        "He lives on Main St. near the station.",
        "The treaty is listed as No. 5 in the annex.",
    ],
)
def test_english_abbreviations_and_initials_are_not_boundaries(text):
    assert sentences(text) == [text]


def test_no_ends_a_sentence_when_it_is_a_word():
    assert sentences("The answer was no. Talks ended.") == ["The answer was no.", "Talks ended."]


def test_a_lone_lowercase_letter_is_a_word_not_an_initial():
    assert sentences("They chose option a. Then talks ended.") == ["They chose option a.", "Then talks ended."]


@pytest.mark.parametrize(
    "text",
    [
        "وقال د. أحمد إن الاتفاق مهم.",
        "توفي عام 1445 هـ. في مكة.",
        "بني عام 300 ق.م. على الساحل.",
        "وصل أ. محمود إلى موسكو.",
    ],
)
def test_arabic_abbreviations_are_not_boundaries(text):
    assert sentences(text) == [text]


def test_terminators_inside_a_quotation_closing_later_do_not_split():
    text = 'قال: "العلاقة استراتيجية. والتعاون يتطور". ثم غادر.'
    assert sentences(text) == ['قال: "العلاقة استراتيجية. والتعاون يتطور".', "ثم غادر."]


def test_guillemets_and_brackets_hold_their_sentences_together():
    text = "في نوفمبر (تشرين الثاني. الماضي) قال «هل انتهى؟ لا» الوزير. وبعد ذلك عاد."
    assert sentences(text) == ["في نوفمبر (تشرين الثاني. الماضي) قال «هل انتهى؟ لا» الوزير.", "وبعد ذلك عاد."]


def test_reversed_curly_quotes_pair_up():
    # Real news text uses ” to open and “ to close.
    text = "لافتا إلى أن الجيش”حقق نتائج. ملموسة”. وقال إن “الوضع هادئ. “"
    assert sentences(text) == ["لافتا إلى أن الجيش”حقق نتائج. ملموسة”.", "وقال إن “الوضع هادئ. “"]


def test_an_unbalanced_quote_does_not_swallow_the_paragraph():
    text = 'قال "الوضع خطير. وأضاف أن المحادثات مستمرة. وانتهى الاجتماع.'
    assert sentences(text) == ['قال "الوضع خطير.', "وأضاف أن المحادثات مستمرة.", "وانتهى الاجتماع."]


def test_a_quotation_closing_too_far_away_does_not_join_sentences():
    filler = "كلمة " * 100  # 500 characters
    text = f"قال «أولا. {filler}» ثم غادر."
    assert len(sentences(text)) == 2


def test_a_quotation_continued_in_lowercase_stays_one_sentence():
    assert sentences('He said "Stop!" and left. Then silence.') == ['He said "Stop!" and left.', "Then silence."]


def test_mixed_arabic_and_english():
    text = "قال المتحدث إن منظومة S-300 وصلت. NATO did not comment. وانتهى المؤتمر؟"
    assert sentences(text) == ["قال المتحدث إن منظومة S-300 وصلت.", "NATO did not comment.", "وانتهى المؤتمر؟"]


def test_sentences_for_numbers_sentences_from_zero():
    text = "أولا. ثانيا."
    result = sentences_for("doc", text)
    assert [(s.id, s.n, s.start, s.end, s.text) for s in result] == [
        (sentence_id("doc", 0), 0, 0, 5, "أولا."),
        (sentence_id("doc", 1), 1, 6, 12, "ثانيا."),
    ]
    assert all(s.doc_id == "doc" for s in result)


def test_empty_and_blank_text_have_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\u2029 ") == []


def test_long_dotted_runs_are_scanned_in_linear_time():
    text = "U.S." * 20_000  # one 80,000-character line where every dot is a candidate
    began = time.perf_counter()
    split_sentences(text)
    assert time.perf_counter() - began < 5  # well under a second when the look-back is bounded


NEWS_CHARACTERS = (
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآىةـًٌٍَُِّْabcxyzABCXYZ0123456789٠١٢٣ .?!؟؛…،:-\"'“”«»()[]’\n\n\r\t\u2028\x1c\u00a0"
)


@given(st.text(alphabet=NEWS_CHARACTERS, max_size=400) | st.text(max_size=200))
def test_spans_are_exact_ordered_and_lose_nothing(text):
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        sentence = text[start:end]
        assert sentence and sentence == sentence.strip()
        assert sentence.splitlines() == [sentence]  # never crosses a line break
        assert previous_end <= start
        previous_end = end
    covered = {i for start, end in spans for i in range(start, end)}
    assert {i for i, ch in enumerate(text) if not ch.isspace()} <= covered


@given(st.text(alphabet=NEWS_CHARACTERS, max_size=200))
def test_sentences_for_agrees_with_the_spans(text):
    result = sentences_for("d", text)
    assert [(s.start, s.end) for s in result] == split_sentences(text)
    assert all(s.text == text[s.start : s.end] and s.n == n for n, s in enumerate(result))


# Counted by reading the articles: one sentence per line except where noted.
@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("000_a8a681565dc4d93b.txt", 17),  # 17 lines, incl. two headlines and the "RT" byline
        ("001_98006e8bcea76a25.txt", 14),  # 13 lines; one has two sentences, one a quote with three
        ("002_e66f5e8823111534.txt", 16),  # 3 headline lines and 6 paragraphs of 2, 2, 1, 1, 2, 5
        ("003_6c5c1c1384cff0d9.txt", 16),  # 16 lines, quotes with reversed curly marks
    ],
)
def test_demo_articles(name, count):
    text = (ARTICLES / name).read_text(encoding="utf-8")
    spans = split_sentences(text)
    assert len(spans) == count
    assert max(end - start for start, end in spans) < 600


def test_demo_article_quotation_with_inner_sentences_is_one_sentence():
    text = (ARTICLES / "001_98006e8bcea76a25.txt").read_text(encoding="utf-8")
    quoted = next(s for s in sentences(text) if s.startswith("هذا وشدّد"))
    assert quoted.endswith('ولا سيما الموضوع الأفغاني".')
    assert quoted.count(".") == 3


def test_wordless_pieces_join_their_neighbours():
    text = "وكيف لا! ... بالتأكيد!\n!!! أولا. ثم\n***"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["وكيف لا! ...", "بالتأكيد!", "!!! أولا.", "ثم", "***"]


@pytest.mark.parametrize(
    ("text", "is_open"),
    [
        ('He said "we will', True),
        ('He said "we will" and left', False),
        ("(a [b] c", True),
        ("(a [b] c)", False),
        ("a) b", False),  # a closer with no opener leaves nothing open
        ("«نص", True),
        ("«نص»", False),
    ],
)
def test_has_open_quote_pairs_marks_as_sentences_are_split(text, is_open):
    assert has_open_quote(text, 0, len(text)) is is_open
