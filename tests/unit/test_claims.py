import pytest

from dalil.qa.claims import Facts, facts, latin_name_keys, latin_names, months, name_key, numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وقعت الاتفاقية عام ٢٠٢٣", {"2023"}),  # Arabic-Indic digits
        ("في عام ۱۴۰۲", {"1402"}),  # Persian digits
        ("1,000 troops and 2,500,000 dollars", {"1000", "2500000"}),
        ("١٬٠٠٠ جندي", {"1000"}),  # Arabic thousands separator
        ("grew 3.5% then ٣٫٥٪", {"3.5"}),  # both decimal separators, percent ignored
        ("05 and 007", {"5", "7"}),  # leading zeros
        ("2.0 and 3.50", {"2", "3.5"}),  # zeros after the decimal point
        ("0.5", {"0.5"}),
        ("the 1st and 22nd rounds", {"1", "22"}),  # ordinals
        ("1,5", {"1", "5"}),  # not a thousands group: two numbers
        ("1 000", {"1", "0"}),  # spaces never group thousands
        ("delivered S-300 systems", {"300"}),  # digits inside names are numbers too
        ("Signed in 2023.", {"2023"}),  # a sentence's final period is no decimal point
        ("Signed in 2023 [1][2, 3] [٤].", {"2023"}),  # markers are not facts
        ("five soldiers, خمسة جنود", set()),  # number words are out of scope
    ],
)
def test_numbers_are_canonical(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It happened in January and in sept. too", {1, 9}),
        ("Talks resumed in DECEMBER, not Nov", {11, 12}),
        ("Deliveries began in Feb, Apr and Aug", {2, 4, 8}),
        ("Septembers are mild", set()),  # whole words only
        ("The deal was signed in May.", {5}),  # capitalized inside the sentence
        ("The deal may be signed soon.", set()),  # the modal verb
        ("May they succeed.", set()),  # capitalized only because it opens the sentence
        ("May 2023 saw talks.", {5}),  # next to a number
        ("Signed on 5 May", {5}),
        ("Protesters march in Cairo.", set()),  # the verb
        ("Talks began in March.", {3}),
        ("في مارس الماضي", {3}),
        ("منذ أبريل وابريل وإبريل", {4}),  # alef forms folded, proclitic و
        ("وقع بمارس ومايو", {3, 5}),  # one attached proclitic
        ("وبمارس", set()),  # two proclitics are not stripped
        ("يونيه ويوليه", {6, 7}),  # Egyptian spellings
        ("في أيار ونيسان وحزيران", {4, 5, 6}),
        ("في كانون الثاني وكانون الأول", {1, 12}),  # the two-word names
        ("تشرين الأول وتشرين الثاني", {10, 11}),
        ("موظفو كانون في تشرين", set()),  # one word of a two-word name is no month
        ("في آب 2023", {8}),
        ("في ٥ آب", {8}),
        ("خلال شهر آب", {8}),
        ("قال الآب إن ابنه عاد", set()),  # the father, not the month
        ("ذهب آب إلى السوق", set()),
        ("في مارس/آذار", {3}),
    ],
)
def test_months(text, expected):
    assert months(text) == expected


def test_march_in_english_and_levantine_arabic_is_the_same_month():
    assert months("in March") == months("في آذار") == {3}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia says Putin met Erdoğan in Sochi.", {"putin", "erdoğan", "sochi"}),  # "Russia" opens it
        ("NATO and the UN met. US officials came.", {"nato", "un", "us"}),  # acronyms anywhere
        ("S-300 systems and the F-16 arrived.", {"s-300", "f-16"}),  # capital with digits, anywhere
        ("Officials in the U.S. agreed.", {"us"}),  # dotted acronym
        ("They met Al-Sisi in Cairo.", {"al-sisi", "cairo"}),
        ("He said: The talks failed.", set()),  # stopword, and after a colon
        ('He said "Peace is near" today.', set()),  # opens a quotation
        ("Sources [3] said the iPhone sold.", set()),  # markers and lowercase-first words are no names
        ("I think a deal is near.", set()),  # single letters never count
        ("قال بوتين إن S-300 ستصل إلى Kazakhstan", {"s-300", "kazakhstan"}),
        ("Yesterday the minister spoke.", set()),
        ("Talks in Geneva on Monday in March, Sept and May 2023.", {"geneva"}),  # calendar words
    ],
)
def test_latin_names(text, expected):
    assert latin_names(text) == expected


def test_names_are_compared_without_case_accents_or_hyphens():
    assert name_key("Erdoğan") == name_key("erdogan") == "erdogan"
    assert name_key("S-300") == name_key("s300")


def test_name_keys_of_a_sentence_cover_every_word_and_hyphen_part():
    keys = latin_name_keys("Putin met al-Sisi and the U.S. envoy about S-300.")
    assert {"putin", "alsisi", "sisi", "us", "s300", "envoy"} <= keys
    assert "kazakhstan" not in keys


def test_facts_collect_all_three_kinds():
    assert facts("Russia delivered S-300 systems to Kazakhstan in May 2023 [1].") == Facts(
        numbers=frozenset({"300", "2023"}),
        readings=(frozenset({"300"}), frozenset({"2023"})),
        months=frozenset({5}),
        names=frozenset({"s-300", "kazakhstan"}),
    )


def test_facts_of_an_arabic_sentence():
    result = facts("سلّمت روسيا كازاخستان منظومات إس-300 في ١٥ آذار ٢٠٢٣.")
    assert result.numbers == {"300", "15", "2023"}
    assert result.months == {3}
    assert result.names == frozenset()


def test_a_multiplier_word_gives_the_whole_number_too():
    assert numbers("ما بين 5 و 7 آلاف إرهابي") == {"5", "7", "5000", "7000"}
    assert numbers("between 5,000 and 7,000") == {"5000", "7000"}
    assert numbers("قد يبلغ عددها 15 ألف جندي") == {"15", "15000"}
    assert numbers("1.5 million dollars") == {"1.5", "1500000"}
    assert numbers("عام 2016 الفائت") == {"2016"}  # no multiplier: "الفائت" is not "ألف"


def test_a_claim_number_is_supported_by_any_of_its_readings():
    from dalil.qa.verify import Claim, Source, check_claim

    sources = {
        1: Source(1, "a:0", "يتراوح عددهم ما بين 5 و 7 آلاف إرهابي.", "ar"),
        2: Source(2, "a:1", "The contract was worth nearly 7,000 dollars.", "en"),
    }
    assert check_claim(Claim("Between 5,000 and 7,000 fighters.", (1,)), sources).reason is None
    assert check_claim(Claim("The contract was worth nearly 7 thousand dollars.", (2,)), sources).reason is None
    missing = check_claim(Claim("Between 6,000 and 7,000 fighters.", (1,)), sources)
    assert missing.reason == "the number 6000 is not in the cited sentence [1]"
