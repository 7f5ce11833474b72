import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dalil.qa.verify import (
    MARKER,
    Claim,
    ClaimCheck,
    Source,
    VerifyRules,
    check_claim,
    complete_claims,
    renumber,
    split_claims,
    verify,
)

SOURCES = {
    source.number: source
    for source in [
        Source(1, "en1:0", "Russia delivered S-300 air defence systems to Kazakhstan in March 2023.", "en"),
        Source(2, "en1:1", "The contract was worth 1,000 million dollars, officials said.", "en"),
        Source(3, "ar1:0", "سلّمت روسيا كازاخستان منظومات الدفاع الجوي إس-300 في آذار ٢٠٢٣.", "ar"),
        Source(4, "ar1:1", "وقال وزير الدفاع الكازاخستاني إن المنظومات ستدخل الخدمة في أبريل.", "ar"),
        Source(5, "ar2:0", "وأكدت وزارة الدفاع أن منظومات S-300 وصلت إلى ميناء أكتاو.", "ar"),
    ]
}
DELIVERED_EN = "Russia delivered S-300 systems to Kazakhstan in March 2023."
DELIVERED_AR = "سلمت روسيا منظومات إس-300 إلى كازاخستان في آذار 2023."
REJECTED_EN = "Kazakhstan rejected the weapons and expelled the diplomats in March 2023."


class FakeSimilarity:
    """Returns a fixed cosine for the sources in ``only`` (every source by default), 0 for the others,
    and records what it was asked."""

    def __init__(self, value: float, only: tuple[int, ...] | None = None, others: float = 0.0):
        self.value, self.only, self.others = value, only, others
        self.calls: list[tuple[str, tuple[int, ...]]] = []

    def __call__(self, text, numbers):
        self.calls.append((text, tuple(numbers)))
        return [self.value if self.only is None or n in self.only else self.others for n in numbers]


def check(text: str, *markers: int, similarity=None, rules=VerifyRules()) -> ClaimCheck:
    return check_claim(Claim(text, markers), SOURCES, similarity, rules)


# --- Markers and claims ---------------------------------------------------------------------------------------


def test_marker_forms():
    text = "a [3] b [2, 5] c [2،5] d [٣] e [2][5] f [x] [2 5] [ 4 ]"
    assert [m.group() for m in MARKER.finditer(text)] == ["[3]", "[2, 5]", "[2،5]", "[٣]", "[2]", "[5]", "[ 4 ]"]


@pytest.mark.parametrize(
    ("answer", "text", "markers"),
    [
        ("Signed in 2023 [1].", "Signed in 2023.", (1,)),
        ("Signed in 2023. [1]", "Signed in 2023.", (1,)),
        ("Signed in 2023 [1][2].", "Signed in 2023.", (1, 2)),
        ("Signed in 2023 [1, 2]", "Signed in 2023", (1, 2)),
        ("Signed in 2023 [١].", "Signed in 2023.", (1,)),
        ("Signed [2] in 2023 [1][2].", "Signed in 2023.", (2, 1)),  # deduplicated, in order written
        ("Signed in 2023 [2], officials said [3].", "Signed in 2023, officials said.", (2, 3)),
        ("وُقِّع عام 2023 [1،2].", "وُقِّع عام 2023.", (1, 2)),
        ("وُقِّع عام ٢٠٢٣. [٣]", "وُقِّع عام ٢٠٢٣.", (3,)),
        ("Signed in 2023.", "Signed in 2023.", ()),
    ],
)
def test_markers_in_every_position_belong_to_their_claim(answer, text, markers):
    assert split_claims(answer) == [Claim(text, markers)]


def test_markers_opening_a_sentence_close_the_previous_claim():
    answer = "Russia delivered the systems [1]. The deal was worth 1,000 million dollars. [2] Kazakhstan paid [1][3]."
    assert split_claims(answer) == [
        Claim("Russia delivered the systems.", (1,)),
        Claim("The deal was worth 1,000 million dollars.", (2,)),
        Claim("Kazakhstan paid.", (1, 3)),
    ]


def test_arabic_claims_split_on_arabic_terminators():
    answer = "هل وصلت المنظومات؟ [3] نعم، وصلت في آذار [3][5]. وستدخل الخدمة في أبريل [4]!"
    assert split_claims(answer) == [
        Claim("هل وصلت المنظومات؟", (3,)),
        Claim("نعم، وصلت في آذار.", (3, 5)),
        Claim("وستدخل الخدمة في أبريل!", (4,)),
    ]


def test_a_line_of_markers_alone_goes_to_the_claim_before():
    assert split_claims("First claim.\n[2]\nSecond claim [3].") == [
        Claim("First claim.", (2,)),
        Claim("Second claim.", (3,)),
    ]


def test_markers_opening_a_line_stay_on_that_line():
    assert split_claims("- [1] First claim\n- [2] Second claim") == [
        Claim("First claim", (1,)),
        Claim("Second claim", (2,)),
    ]


def test_bullets_are_dropped():
    answer = "- Dash [1]\n* Star [2]\n• Dot [3]\n1. Numbered [4].\n2) Parenthesis [5]\n٣. رقم عربي [6]"
    assert [(c.text, c.markers) for c in split_claims(answer)] == [
        ("Dash", (1,)),
        ("Star", (2,)),
        ("Dot", (3,)),
        ("Numbered.", (4,)),
        ("Parenthesis", (5,)),
        ("رقم عربي", (6,)),
    ]


def test_a_hyphen_without_a_space_is_no_bullet():
    assert split_claims("-5 degrees [1]") == [Claim("-5 degrees", (1,))]


@pytest.mark.parametrize("answer", ["", "  \n\n ", "[1]", "[1] [2].\n…"])
def test_text_without_words_has_no_claims(answer):
    assert split_claims(answer) == []


# --- Streaming ------------------------------------------------------------------------------------------------


def test_a_claim_is_finished_once_the_next_has_begun():
    assert complete_claims("First claim [1]. Sec") == ([Claim("First claim.", (1,))], "Sec")


def test_markers_after_a_claim_may_still_arrive():
    assert complete_claims("First claim. [1]") == ([], "First claim. [1]")
    assert complete_claims("First claim. [1] [2") == ([], "First claim. [1] [2")
    assert complete_claims("First claim. [1] [2] Sec") == ([Claim("First claim.", (1, 2))], "Sec")


def test_streaming_waits_while_a_quotation_is_open():
    # The closing quote may still arrive and join both sentences into one.
    buffer = 'He said "It is over. Then'
    assert complete_claims(buffer) == ([], buffer)
    assert split_claims(buffer + ' he left."') == [Claim('He said "It is over. Then he left."', ())]


def test_streaming_waits_while_a_line_may_become_a_bullet():
    assert complete_claims("Claim [1].\n1") == ([], "Claim [1].\n1")
    assert complete_claims("Claim [1].\n1. Next") == ([Claim("Claim.", (1,))], "1. Next")


def test_streaming_arabic_lines():
    done, rest = complete_claims("- وصلت المنظومات [3]\n- ستدخل الخ")
    assert done == [Claim("وصلت المنظومات", (3,))]
    assert rest == "- ستدخل الخ"


def stream(text: str, cuts: list[int]) -> list[Claim]:
    claims: list[Claim] = []
    rest = ""
    previous = 0
    for cut in [*sorted(cuts), len(text)]:
        buffer = rest + text[previous:cut]
        finished, rest = complete_claims(buffer)
        assert buffer.endswith(rest)
        claims += finished
        previous = cut
    return claims + split_claims(rest)


FRAGMENTS = [
    "Russia delivered",
    "the systems",
    "Kazakhstan",
    "in March 2023",
    "سلمت روسيا",
    "منظومات إس-300",
    "في آذار ٢٠٢٣",
    "وقال الوزير",
    *["[1]", "[2, 3]", "[٣]", "[1،2]", "[9]", "[2][5]"],
    *[". ", ".", "? ", "؟ ", "! ", "… ", "، ", ", ", "; "],
    *["\n", "\n\n", "\n- ", "\n* ", "\n• ", "\n1. ", "\n2) ", "- "],
    *['"', "«", "»", "(", ")", "[", "]"],
    *[" ", " ", " ", "U.S.", "No. 5", "e.g.", "Mr.", "3.5", "he said", "He"],
]
answers = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
# Any mix of the characters that steer segmentation, markers and bullets.
raw_answers = st.text(alphabet='aB1٣ سم.?!؟…\n[]()«»"-*•,،', max_size=40)


def cuts_of(text: str):
    return st.lists(st.integers(0, len(text)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_streaming_in_any_chunks_gives_the_claims_of_the_whole(data):
    text = data.draw(answers)
    assert stream(text, data.draw(cuts_of(text))) == split_claims(text)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_streaming_raw_characters_gives_the_claims_of_the_whole(data):
    text = data.draw(raw_answers)
    assert stream(text, data.draw(cuts_of(text))) == split_claims(text)


def test_streaming_one_character_at_a_time_finishes_claims_early():
    text = "Russia delivered the systems [1]. Kazakhstan paid [2]. وقال الوزير [٣]."
    claims, rest, finished_at = [], "", []
    for position, ch in enumerate(text):
        finished, rest = complete_claims(rest + ch)
        claims += finished
        finished_at += [position] * len(finished)
    assert claims + split_claims(rest) == split_claims(text)
    assert finished_at == [text.index("Kazakhstan"), text.index("وقال")]


# --- Checking one claim -----------------------------------------------------------------------------------------


def test_a_well_cited_claim_is_supported():
    result = check(DELIVERED_EN, 1)
    assert result.supported
    assert (result.cited, result.dropped, result.reason) == ((1,), (), None)


def test_a_well_cited_arabic_claim_is_supported():
    assert check(DELIVERED_AR, 3).supported  # 2023 == ٢٠٢٣


def test_a_claim_without_markers_cites_no_source():
    assert check(DELIVERED_EN).reason == "cites no source"


def test_an_invented_marker_is_dropped():
    alone = check(DELIVERED_EN, 9)
    assert (alone.supported, alone.cited, alone.dropped) == (False, (), (9,))
    assert alone.reason == "cites [9], which is not among the sources"
    assert check(DELIVERED_EN, 7, 9).reason == "cites [7] and [9], which are not among the sources"


def test_an_invented_marker_beside_a_valid_one_is_only_dropped():
    result = check(DELIVERED_EN, 9, 1)
    assert (result.supported, result.cited, result.dropped) == (True, (1,), (9,))


@pytest.mark.parametrize(
    ("text", "number", "reason"),
    [
        (DELIVERED_EN.replace("2023", "2024"), 1, "the number 2024 is not in the cited sentence [1]"),
        (DELIVERED_AR.replace("2023", "٢٠٢٤"), 3, "the number 2024 is not in the cited sentence [3]"),
        (DELIVERED_EN.replace("S-300", "S-400"), 1, "the number 400 is not in the cited sentence [1]"),
    ],
)
def test_a_number_missing_from_the_cited_sentence_rejects_the_claim(text, number, reason):
    assert check(text, number).reason == reason


def test_numbers_may_come_from_any_cited_sentence():
    text = "Russia delivered S-300 systems to Kazakhstan in March 2023 under a contract worth 1,000 million dollars."
    assert check(text, 1, 2).supported
    assert check(text, 1).reason == "the number 1000 is not in the cited sentence [1]"


def test_a_month_missing_from_the_cited_sentence_rejects_the_claim():
    assert check("ستدخل المنظومات الخدمة في مارس.", 4).reason == "the month March is not in the cited sentence [4]"
    assert check("ستدخل المنظومات الخدمة في أبريل.", 4).supported


def test_month_names_agree_across_dialects_and_languages():
    assert check(DELIVERED_AR.replace("آذار", "مارس"), 3).supported
    assert check(DELIVERED_EN, 3, similarity=FakeSimilarity(0.9)).supported  # March ~ آذار
    assert check(DELIVERED_EN.replace("March", "April"), 3, similarity=FakeSimilarity(0.9)).reason == (
        "the month April is not in the cited sentence [3]"
    )


def test_an_invented_latin_name_rejects_the_claim():
    text = DELIVERED_EN.replace("Kazakhstan", "Uzbekistan")
    assert check(text, 1).reason == "the name uzbekistan is not in the cited sentence [1]"


def test_latin_names_are_checked_in_arabic_sentences_that_have_latin_script():
    text = "وصلت منظومات S-300 إلى Kazakhstan."
    assert check(text, 5).reason == "the name kazakhstan is not in the cited sentence [5]"
    assert check("وصلت منظومات S-300 إلى ميناء أكتاو.", 5).supported


def test_latin_names_are_found_in_arabic_sentences_by_their_sound():
    kept = check("Russia handed Kazakhstan S-300 systems in March 2023.", 3)
    assert kept.supported and kept.unchecked is None
    # Another entity of the story, spelled in another source: the claim names someone its sentence doesn't.
    swapped = check("Russia handed Kazakhstan S-300 systems in March 2023, Aktau said.", 3)
    assert swapped.reason == "the name Aktau is not in the cited sentence [3]"
    assert check(DELIVERED_EN, 1).unchecked is None  # checked lexically against an English sentence


def test_a_name_no_source_spells_cannot_be_decided_and_that_is_said():
    result = check("سلمت روسيا منظومات إس-300 إلى كازاخستان في آذار 2023 بحضور Ohanyan و CSTO.", 3)
    assert result.supported
    assert result.unchecked == "the names CSTO, Ohanyan could not be checked: no source spells them in Arabic script"


def test_a_country_of_several_words_is_one_name_found_by_its_arabic_name():
    sources = {
        1: Source(1, "ar:0", "وقال بوتين إن روسيا تجري محادثات مع السعودية والإمارات ومصر والأردن.", "ar"),
        2: Source(2, "ar:1", "وتسعى روسيا إلى التعاون مع الولايات المتحدة وتركيا.", "ar"),
    }
    talks = "Putin said Russia is holding talks with Saudi Arabia, the United Arab Emirates, Egypt and Jordan."
    kept = check_claim(Claim(talks, (1,)), sources)
    assert kept.supported and kept.unchecked is None  # not "the name Arabia is not in the cited sentence [1]"
    moved = check_claim(Claim(talks.replace("Egypt", "the United States"), (1,)), sources)
    assert moved.reason == "the name United States is not in the cited sentence [1]"


def test_an_organisation_written_another_way_is_the_same_organisation():
    sources = {1: Source(1, "ar:0", "تتفوق منظومات إس-300 على مثيلاتها الأميركية من طراز باتريوت.", "ar")}
    assert check_claim(Claim("تتفوق منظومات إس-300 على نظيراتها الأمريكية من طراز باتريوت.", (1,)), sources).supported
    other = check_claim(Claim("تتفوق منظومات إس-300 على نظيراتها البريطانية من طراز باتريوت.", (1,)), sources)
    assert other.reason == "the name بريطانية is not in the cited sentence [1]"


def test_a_place_after_a_persons_title_is_an_entity_out_of_its_role():
    sources = {
        1: Source(1, "ar:0", "وقع وزير الدفاع الروسي سيرغي شويغو ونظيره الأرميني سيران أوغانيان الاتفاق.", "ar"),
        2: Source(2, "ar:1", "وكان الوزير قد زار موسكو.", "ar"),
    }
    faithful = (
        "Russian Defense Minister Sergei Shoigu and his Armenian counterpart Seyran Ohanyan signed the agreement."
    )
    assert check_claim(Claim(faithful, (1,)), sources).supported
    swapped = check_claim(Claim(faithful.replace("Sergei Shoigu", "Moscow"), (1,)), sources)
    assert swapped.reason == "Moscow stands after a person's title, but it is not a person"


def test_a_paraphrase_sharing_enough_stems_is_supported():
    assert check("Kazakhstan received S-300 air defence systems from Russia in March 2023.", 1).supported
    assert check("تسلمت كازاخستان من روسيا منظومات إس-300 للدفاع الجوي في آذار ٢٠٢٣.", 3).supported


def test_a_claim_on_another_topic_is_not_supported():
    assert check(REJECTED_EN, 1).reason == "the cited sentence [1] does not support it (shares 43% of its terms)"
    arabic = "انتقدت كازاخستان الأسلحة وطردت دبلوماسيين روسا في آذار ٢٠٢٣."
    assert check(arabic, 3).reason == "the cited sentence [3] does not support it (shares 38% of its terms)"


def test_similarity_rescues_a_same_script_paraphrase_only_above_its_threshold():
    assert check(REJECTED_EN, 1, similarity=FakeSimilarity(0.89)).supported
    low = check(REJECTED_EN, 1, similarity=FakeSimilarity(0.87))
    assert low.reason == "the cited sentence [1] does not support it (shares 43% of its terms, similarity 0.87)"


def test_similarity_is_not_asked_when_the_terms_suffice():
    similarity = FakeSimilarity(0.0)
    assert check(DELIVERED_EN, 1, similarity=similarity).supported
    assert similarity.calls == []


def test_the_term_share_threshold_is_a_rule():
    paraphrase = "Kazakhstan received S-300 air defence systems from Russia in March 2023."  # 9 of 10 terms
    assert check(paraphrase, 1, rules=VerifyRules(min_term_support=0.9)).supported
    assert not check(paraphrase, 1, rules=VerifyRules(min_term_support=0.95)).supported


def test_a_cross_script_claim_is_decided_by_similarity():
    similarity = FakeSimilarity(0.82)
    assert check(DELIVERED_EN, 3, similarity=similarity).supported
    assert similarity.calls == [(DELIVERED_EN, (3, *sorted(set(SOURCES) - {3})))]  # cited first, then the rest
    assert check(DELIVERED_EN, 3, similarity=FakeSimilarity(0.79)).reason == (
        "the cited sentence [3] does not support it (similarity 0.79)"
    )


def test_a_cited_source_must_be_nearly_the_closest_of_all_sources():
    closer_elsewhere = FakeSimilarity(0.84, only=(3,), others=0.90)
    assert check(DELIVERED_EN, 3, similarity=closer_elsewhere).reason == (
        "the cited sentence [3] does not support it (similarity 0.84; an uncited source scores 0.90)"
    )
    within_margin = FakeSimilarity(0.84, only=(3,), others=0.86)
    assert check(DELIVERED_EN, 3, similarity=within_margin).supported


def test_a_cross_script_claim_without_similarity_is_decided_by_its_facts():
    assert check(DELIVERED_EN, 3).supported
    assert check(DELIVERED_EN.replace("2023", "2024"), 3).reason == "the number 2024 is not in the cited sentence [3]"


def test_facts_reject_a_cross_script_claim_whatever_the_similarity():
    wrong_year = DELIVERED_EN.replace("2023", "2021")
    assert check(wrong_year, 3, similarity=FakeSimilarity(0.99)).reason == (
        "the number 2021 is not in the cited sentence [3]"
    )


def test_same_script_needs_one_cited_sentence_in_the_claims_language():
    # An English claim citing an English and an Arabic sentence is checked lexically, no similarity needed.
    assert check(DELIVERED_EN, 1, 3).supported
    assert check(REJECTED_EN, 1, 3).reason == ("the cited sentences [1, 3] do not support it (shares 43% of its terms)")


def test_a_claim_without_search_terms_is_decided_by_facts_and_similarity():
    assert check("It was so.", 1).supported
    assert check("It was so.", 1, similarity=FakeSimilarity(0.5)).reason == (
        "the cited sentence [1] does not support it (similarity 0.50)"
    )


def test_verify_checks_every_claim_of_an_answer():
    answer = (
        f"{DELIVERED_EN[:-1]} [1]. The contract was worth 1,000 million dollars [9]. "
        "Kazakhstan paid in 2024 [2]. وستدخل المنظومات الخدمة في أبريل [٤]."
    )
    checks = verify(answer, SOURCES)
    assert [c.supported for c in checks] == [True, False, False, True]
    assert checks[1].dropped == (9,)
    assert checks[2].reason == "the number 2024 is not in the cited sentence [2]"


# --- The final answer -----------------------------------------------------------------------------------------


def supported(text: str, *cited: int) -> ClaimCheck:
    return ClaimCheck(Claim(text, cited), cited, (), None)


def test_renumber_places_markers_before_final_punctuation():
    assert renumber([supported("Signed in 2023.", 4)]) == ("Signed in 2023 [1].", [4])
    assert renumber([supported("وُقِّع عام 2023.", 4)]) == ("وُقِّع عام 2023 [1].", [4])
    assert renumber([supported("Signed in 2023", 4)]) == ("Signed in 2023 [1]", [4])
    assert renumber([supported("هل وُقِّع؟", 2)]) == ("هل وُقِّع [1]؟", [2])
    assert renumber([supported("Really?!", 2)]) == ("Really [1]?!", [2])
    assert renumber([supported("It went on…", 2)]) == ("It went on [1]…", [2])


def test_renumber_keeps_supported_claims_and_numbers_by_first_appearance():
    rejected = ClaimCheck(Claim("Kazakhstan paid in 2024.", (2,)), (2,), (), "the number 2024 is not in ...")
    claims = [
        supported("Signed in 2023.", 3),
        rejected,
        supported("Kazakhstan paid.", 5, 3),
        ClaimCheck(Claim("Delivered in March.", (9, 1)), (1,), (9,), None),
    ]
    assert renumber(claims) == ("Signed in 2023 [1]. Kazakhstan paid [2][1]. Delivered in March [3].", [3, 5, 1])


def test_renumber_without_supported_claims_is_empty():
    assert renumber([]) == ("", [])
    assert renumber([ClaimCheck(Claim("x.", ()), (), (), "cites no source")]) == ("", [])


def test_verify_then_renumber_end_to_end():
    answer = f"{DELIVERED_AR[:-1]} [٣]. وستدخل الخدمة في مارس [4]. وصلت منظومات S-300 إلى ميناء أكتاو [5][3]."
    text, order = renumber(verify(answer, SOURCES))
    assert text == f"{DELIVERED_AR[:-1]} [1]. وصلت منظومات S-300 إلى ميناء أكتاو [2][1]."
    assert order == [3, 5]


def test_an_arabic_claim_naming_a_place_or_person_its_sentence_does_not_is_not_supported():
    sources = {
        1: Source(1, "a:0", "وقع وزير الدفاع الروسي سيرغي شويغو الاتفاق في موسكو مع نظيره الكازاخستاني.", "ar"),
        2: Source(2, "a:1", "وكان الرئيس الروسي فلاديمير بوتين قد زار مدينة باراباي.", "ar"),
    }
    faithful = check_claim(Claim("وقع شويغو الاتفاق مع الوزير الكازاخستاني في موسكو.", (1,)), sources)
    assert faithful.supported
    moved = check_claim(Claim("وقع شويغو الاتفاق مع الوزير الكازاخستاني في بغداد.", (1,)), sources)
    assert moved.reason == "the place بغداد is not in the cited sentence [1]"
    swapped = check_claim(Claim("وقع بوتين الاتفاق مع الوزير الكازاخستاني في موسكو.", (1,)), sources)
    assert swapped.reason == "the name بوتين is not in the cited sentence [1]"
    town = check_claim(Claim("وقع شويغو الاتفاق مع الوزير الكازاخستاني في باراباي.", (1,)), sources)
    assert town.reason == "the name باراباي is not in the cited sentence [1]"


def test_a_claim_giving_two_names_each_others_roles_is_not_supported():
    sources = {
        1: Source(
            1,
            "a:0",
            "وأضاف الوزير أن الطرفين بصدد إبرام بروتوكولات عن استخدام روسيا لحقول اختبار في أراضي كازاخستان.",
            "ar",
        )
    }
    kept = check_claim(
        Claim("The sides will sign protocols on Russia's use of test ranges in Kazakhstan.", (1,)), sources
    )
    assert kept.reason is None
    swapped = check_claim(
        Claim("The sides will sign protocols on Kazakhstan's use of test ranges in Russia.", (1,)), sources
    )
    assert swapped.reason == "the roles of Russia and Kazakhstan are the other way round in the cited sentence [1]"


def test_a_claim_giving_the_sources_words_to_another_speaker_is_not_supported():
    sources = {
        1: Source(
            1,
            "a:0",
            "وأكد الرئيس الروسي فلاديمير بوتين خلال اجتماع قادة رابطة الدول المستقلة أن العملية الروسية في سورية "
            "محكومة زمنيا.",
            "ar",
        )
    }
    kept = check_claim(Claim("Putin said Russia's operation in Syria is limited in time [1].", (1,)), sources)
    assert kept.reason is None
    moved = check_claim(Claim("CIS said Russia's operation in Syria is limited in time [1].", (1,)), sources)
    assert moved.reason == "the cited sentence [1] does not give these words to CIS"
