"""Roles of names (prepositions, neighbours, what a name qualifies): a claim may not swap two names of its source."""

from dalil.qa.arabic_names import has_name, same_places
from dalil.qa.names import sounds_alike, word_spells
from dalil.qa.roles import crossed_heads, swapped_roles
from dalil.testing.aligners import DictionaryAligner

SOURCE = "وأضاف الوزير أن الطرفين بصدد إبرام بروتوكولات عن شروط استخدام روسيا لحقول اختبار في أراضي كازاخستان."


def arabic(name: str, word: str) -> bool:
    return same_places(name, word) or has_name(word, name)


def swap_found(check, faithful: str, swapped: str, *context):
    """What ``check`` finds in the swapped claim, once it has found nothing in the faithful one."""
    assert check(faithful, *context) is None
    return check(swapped, *context)


def test_an_english_claim_swapping_the_place_and_the_user_is_caught():
    names = ["Russia", "Kazakhstan"]
    faithful = "The two sides will conclude protocols on Russia's use of test ranges in Kazakhstan."
    swapped = "The two sides will conclude protocols on Kazakhstan's use of test ranges in Russia."
    assert swap_found(swapped_roles, faithful, swapped, names, SOURCE, sounds_alike) == ("Russia", "Kazakhstan")


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


PARTNERSHIP = (
    "تم توقيع برنامج الشراكة الاستراتيجية من قبل وزيري الدفاع في روسيا وكازاخستان، سيرغي شويغو ومورات بيكتانوف، "
    "الذي يزور موسكو لأول مرة وهو برتبة وزير دفاع."
)


def test_an_english_claim_making_a_name_qualify_what_another_qualifies_in_the_source_is_caught():
    source = "عمليات سلاح الجو الروسي في سورية تتطابق مع القانون الدولي لأنها تتم بطلب سوري."
    aligner = DictionaryAligner({"request": {"بطلب"}, "operations": {"عمليات"}})
    names = ["Russia", "Syria"]
    faithful = "Russia's operations comply with international law because they come at the request of Syria."
    swapped = "Syria's operations comply with international law because they come at the request of Russia."
    assert swap_found(crossed_heads, faithful, swapped, names, source, sounds_alike, aligner) == ("Russia", "Syria")
    # Without a word the aligner can match, nothing is decided.
    assert crossed_heads(swapped, names, source, sounds_alike, DictionaryAligner({})) is None


def test_a_name_qualifying_its_own_words_too_is_left_alone():
    source = "شكر شويغو نظيره الكازاخستاني على عبور الشحنات العسكرية الروسية ومواقع الاختبار الكازاخستانية."
    aligner = DictionaryAligner({"counterpart": {"نظيره"}, "cargo": {"الشحنات"}, "sites": {"الاختبار"}})
    names = ["Kazakhstan", "Russia"]
    swapped = "Shoigu thanked his counterpart from Russia for the transit of Kazakhstan's cargo."
    assert crossed_heads(swapped, names, source, sounds_alike, aligner) == ("Kazakhstan", "Russia")
    # Kazakhstan's test sites are Kazakh in the source as well: its own words carry "sites".
    claim = "Shoigu thanked Russia for the transit and for Kazakhstan's sites."
    assert crossed_heads(claim, names, source, sounds_alike, aligner) is None


def test_a_relative_clause_belongs_to_the_name_it_follows():
    aligner = DictionaryAligner({"visiting": {"يزور"}, "programme": {"برنامج"}})
    names = ["Shoigu", "Bektanov"]
    faithful = "Bektanov, who was visiting Moscow for the first time, signed the programme with Shoigu."
    swapped = "Shoigu, who was visiting Moscow for the first time, signed the programme with Bektanov."
    assert swap_found(crossed_heads, faithful, swapped, names, PARTNERSHIP, sounds_alike, aligner) == (
        "Shoigu",
        "Bektanov",
    )


def test_a_preposition_reaches_its_name_over_a_title_and_another_names_adjective():
    source = "وفي لقائه مع نظيره الكازاخستاني إيمانغالي تاسمغامبيتوف أشار شويغو إلى أن النظام الموحد أمر واقع."
    names = ["Imangali", "Tasmagambetov", "Kazakhstan", "Shoigu"]
    faithful = "In a meeting with Imangali Tasmagambetov, his counterpart from Kazakhstan, Shoigu said it is a fact."
    swapped = "In a meeting with Shoigu, his counterpart from Kazakhstan, Imangali Tasmagambetov said it is a fact."
    assert swap_found(swapped_roles, faithful, swapped, names, source, sounds_alike) == ("Shoigu", "Imangali")


def test_a_name_leading_something_qualifies_it():
    source = "أكد بوتين أن روسيا تكافح الإرهاب خلافا للتحالف الدولي بقيادة الولايات المتحدة."
    aligner = DictionaryAligner({"led": {"بقيادة"}})
    names = ["Russia", "US"]
    assert (
        crossed_heads("Russia fights terrorism, unlike the US-led coalition.", names, source, word_spells, aligner)
        is None
    )
    swapped = "US fights terrorism, unlike the Russia-led coalition."
    assert crossed_heads(swapped, names, source, word_spells, aligner) == ("Russia", "US")


def test_who_receives_what_is_delivered_is_a_role():
    # The first object of "delivering" (تسليم, إمداد, تزويد) and the second name after "سلمت" receive it.
    source = "وأفاد شويغو بأن روسيا نفذت التزاماتها التعاقدية بتسليم كازاخستان منظومات إس-300."
    names = ["Russia", "Kazakhstan"]
    assert swapped_roles("Russia delivered S-300 systems to Kazakhstan.", names, source, sounds_alike) is None
    swapped = "S-300 systems were delivered to Russia by Kazakhstan."
    assert swapped_roles(swapped, names, source, sounds_alike) == ("Russia", "Kazakhstan")
    names = ["روسيا", "كازاخستان"]
    assert swapped_roles("سلمت روسيا كازاخستان منظومات إس-300.", names, source, arabic) is None
    assert swapped_roles("سلمت كازاخستان روسيا منظومات إس-300.", names, source, arabic) == ("روسيا", "كازاخستان")


def test_according_to_and_a_name_used_as_an_adjective_mark_no_role():
    source = "وأشارت مصادر الكرملين إلى أن ميدفيديف أجرى مباحثات في لشبونة وأن الناتو لا يمثل تهديدا لروسيا."
    claim = "According to Kremlin sources, Medvedev held talks in Lisbon and NATO is no threat to Russia."
    assert swapped_roles(claim, ["Kremlin", "Medvedev", "Lisbon", "Russia"], source, sounds_alike) is None
    source = "وتم التوقيع خلال اجتماع قادة الرابطة المقام في مدينة باراباي الكازاخية على وثيقتين."
    claim = "Two documents were signed at the meeting in the Kazakh city of Burabay."
    assert swapped_roles(claim, ["Kazakh", "Burabay"], source, sounds_alike) is None
    claim = "At the CIS leaders' meeting two documents were signed; Burabay hosted it."
    assert swapped_roles(claim, ["CIS", "Burabay"], source, word_spells) is None


def test_names_joined_by_wa_share_what_comes_before_them():
    source = "تم توقيع البرنامج من قبل وزيري الدفاع في روسيا الاتحادية وجمهورية كازاخستان، سيرغي شويغو ومورات بيكتانوف."
    aligner = DictionaryAligner({"defence": {"الدفاع"}, "minister": {"وزيري"}})
    claim = "Russia's defence minister Shoigu and Kazakhstan's defence minister Bektanov signed the programme."
    assert crossed_heads(claim, ["Russia", "Kazakhstan"], source, sounds_alike, aligner) is None


def test_a_name_ending_in_ta_marbuta_keeps_its_role():
    source = (
        "ودعا بوتين الأطراف المعنية بحل الأزمة في سورية إلى التعاون في الإطار الذي وضعته روسيا وإيران والاتصال "
        "بمركز البيانات في بغداد."
    )
    claim = "Putin urged those resolving the crisis in Syria to cooperate within the framework of the Baghdad centre."
    assert swapped_roles(claim, ["Syria", "Russia", "Iran", "Baghdad"], source, sounds_alike) is None
