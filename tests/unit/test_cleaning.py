"""Cleaning: whole boilerplate lines go, real sentences stay, and title, source, language and id are settled."""

from pathlib import Path

import pytest

from dalil.index.cleaning import clean_article, content_id, credited_agency, derive_title, is_boilerplate
from dalil.index.readers import load_readers, read_articles
from dalil.index.types import Article, IngestProblem, RawArticle
from dalil.settings import Settings

READERS = load_readers(Settings())

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"

# Real sentences from the demo articles, used as the neighbours of boilerplate lines.
FIRST = (
    "وقع وزير الدفاع الروسي سيرغي شويغو ونظيره الأرميني سيران أوغانيان اتفاقا حول إنشاء نظام إقليمي موحد للدفاع الجوي."
)
SECOND = "وتعمل روسيا حاليا على إنشاء نظامين موحدين للدفاع الجوي مع كل من قرغيزستان وطاجيكستان."
LAST = "وتضمنت أجندة الاجتماع أكثر من 20 نقطة تتعلق بالتعاون العسكري بين الدول المعنية."


def clean(text: str, **fields) -> Article:
    article = clean_article(RawArticle(path="story.txt", text=text, **fields))
    assert isinstance(article, Article), article
    return article


@pytest.mark.parametrize(
    "line",
    [
        "RT",
        "TT",
        "وكالات",
        "رويترز",
        "أ ف ب",
        "(أ.ف.ب)",
        "المصدر: تاس",
        "Source: Reuters",
        "AFP",
        "إضافة تعليق جديد",
        "شارك",
        "شارك المقال",
        "تابعونا على تويتر",
        "اقرأ أيضاً",
        "اقرأ ايضا:",
        "اقرأ أيضا: روسيا تسلم كازاخستان منظومات إس-300 مجانا",
        "Share this",
        "Share on Facebook",
        "Comments",
        "Read more",
        "Related",
        "Subscribe to our newsletter",
        "الصورة: مجلس الاتحاد الروسي",
        "صورة: أرشيف",
        "صورة أرشيفية",
        "Photo: Reuters",
        "Image: AP",
        "(Photo by Jane Doe)",
        "Jane Doe/AFP via Getty Images",
        'مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"',
        "© 2021 Example News. All rights reserved.",
    ],
)
def test_boilerplate_line_is_removed_and_its_neighbours_kept(line):
    article = clean(f"{FIRST}\n{line}\n{SECOND}")
    assert article.text == f"{FIRST}\n{SECOND}"


@pytest.mark.parametrize(
    "sentence",
    [
        "وذكرت وكالة تاس الروسية أنه تم خلال اجتماع قادة الرابطة التوقيع على وثيقتين.",
        "شارك في الاجتماع وزراء دفاع الدول الأعضاء في الرابطة.",
        "الصورة التي نشرتها الوزارة تظهر الوزيرين أثناء التوقيع.",
        "Reuters reported that the talks ended without agreement.",
        "Comments by the minister drew criticism from the opposition.",
        "Share prices rose after the announcement.",
        "Related talks will be held in Minsk next month.",
        "RT broadcast the signing ceremony live.",
        'روسيا تسلم كازاخستان منظومات "إس -300" مجانا',
    ],
)
def test_real_sentences_with_boilerplate_words_are_kept(sentence):
    assert clean(f"{FIRST}\n{sentence}\n{SECOND}").text == f"{FIRST}\n{sentence}\n{SECOND}"


def test_credit_line_becomes_the_source_unless_one_is_given():
    assert clean(f"{FIRST}\n{LAST}\nالمصدر: تاس").source == "تاس"
    assert clean(f"{FIRST}\nRT").source == "RT"
    assert clean(f"{FIRST}\nوكالات\nإضافة تعليق جديد").source == "وكالات"
    assert clean(f"{FIRST}\nRT", source="RT Arabic").source == "RT Arabic"
    assert clean(f"{FIRST}\nTT").source is None  # a site leftover, not an agency


@pytest.mark.parametrize(
    ("line", "agency"),
    [
        ("RT", "RT"),
        ("المصدر: تاس", "تاس"),
        ("(أ ف ب)", "أ ف ب"),
        ("Source: Reuters.", "Reuters"),
        ("رويترز - أ ف ب", "رويترز - أ ف ب"),
        ("RT broadcast it", None),
        ("TT", None),
    ],
)
def test_credited_agency(line, agency):
    assert credited_agency(line) == agency


def test_blank_lines_and_line_endings_are_tidied():
    text = f"  \r\n{FIRST}   \r\n\r\n\r\nTT\r\n\r\n\r\n{SECOND}\t\r{LAST}\n\n\n"
    assert clean(text).text == f"{FIRST}\n\n{SECOND}\n{LAST}"
    assert not is_boilerplate("")


def test_demo_articles_lose_only_their_boilerplate():
    raws, problems = read_articles([DEMO_ARTICLES], READERS)
    assert problems == [] and len(raws) == 4
    removed = {}
    for raw in raws:
        article = clean_article(raw)
        assert isinstance(article, Article)
        assert article.language == "ar"
        kept = article.text.split("\n")
        removed[Path(raw.path).name[:3]] = [line for line in raw.text.split("\n") if line.strip() and line not in kept]
    assert removed == {
        "000": ["RT"],
        "001": ['مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"', "الصورة: مجلس الاتحاد الروسي", "المصدر: تاس"],
        "002": ["TT"],
        "003": ["وكالات", "إضافة تعليق جديد"],
    }


# --- title ---


def test_given_title_wins_and_is_tidied():
    assert clean(f"{FIRST}\n{SECOND}", title="  عنوان   الخبر ").title == "عنوان الخبر"


def test_headline_like_first_line_is_the_title():
    headline = "قادة الجمهوريات السوفياتية السابقة يبحثون التعاون في مجالي الأمن والاقتصاد"
    assert clean(f"{headline}\n\n{FIRST}").title == headline


def test_long_first_sentence_is_cut_on_a_word_boundary():
    title = derive_title(f"{FIRST} {SECOND}")
    assert title.endswith("…") and len(title) <= 91
    assert FIRST.startswith(title[:-1]) and FIRST[len(title) - 1] == " "


def test_short_first_sentence_is_the_title_whole():
    assert (
        derive_title("Officials met in Lisbon on Tuesday. They signed a deal.") == "Officials met in Lisbon on Tuesday."
    )


# --- language and ids ---


def test_language_is_detected():
    assert clean(FIRST).language == "ar"
    assert clean("Officials met in Lisbon on Tuesday.").language == "en"


def test_content_id_is_stable_across_boilerplate_and_spacing():
    plain = clean(f"{FIRST}\n{SECOND}")
    noisy = clean(f"{FIRST}  \r\n{SECOND}\r\nRT\r\n")
    assert plain.doc_id == noisy.doc_id == content_id(plain.text)
    assert len(plain.doc_id) == 16 and int(plain.doc_id, 16) >= 0
    assert clean(f"{FIRST}\n{LAST}").doc_id != plain.doc_id


def test_given_safe_id_is_kept():
    assert clean(FIRST, doc_id="rt-2015.12_23").doc_id == "rt-2015.12_23"


@pytest.mark.parametrize(
    ("doc_id", "reason"),
    [
        ("a:1", "':'"),
        ("a#1", "'#'"),
        ("two words", "' '"),
        ("خبر", "'خ'"),
        ("x" * 101, "101 characters"),
        ("", "empty"),
    ],
)
def test_invalid_given_id_is_a_problem(doc_id, reason):
    problem = clean_article(RawArticle(path="feed.jsonl#L3", text=FIRST, doc_id=doc_id))
    assert isinstance(problem, IngestProblem) and problem.path == "feed.jsonl#L3"
    assert problem.message.startswith("invalid document id") and reason in problem.message


def test_article_of_only_boilerplate_is_a_problem():
    problem = clean_article(RawArticle(path="story.txt", text="RT\n\nإضافة تعليق جديد\n"))
    assert problem == IngestProblem("story.txt", "article is empty after removing boilerplate")


def test_metadata_is_carried_over():
    article = clean(FIRST, url="https://e.com/a", published="2015-12-23", source="RT")
    assert (article.url, article.published, article.source, article.path) == (
        "https://e.com/a",
        "2015-12-23",
        "RT",
        "story.txt",
    )


@pytest.mark.parametrize("line", ["***", "* * *", "—", ". . .", "-----"])
def test_separator_lines_are_boilerplate(line):
    assert is_boilerplate(line)
