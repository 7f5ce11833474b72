"""Names in Arabic claims: places (CLDR, with adjectives), names the sources give after a title, organisations."""

from dalil.qa.arabic_names import arabic_organisations, arabic_places, has_name, named_in, same_places, titled_names


def test_arabic_countries_and_cities_are_known_with_their_adjectives():
    text = "سلمت روسيا كازاخستان منظومات في موسكو، وقال الوزير الروسي إن الاتفاق يخدم المنطقة."
    assert arabic_places(text) == ["روسيا", "كازاخستان", "موسكو", "الروسي"]
    assert same_places("سورية", "قال إن السوريين") and same_places("كازاخستان", "مدينة باراباي الكازاخية")
    assert not same_places("بغداد", "في موسكو") and not same_places("تركيا", "ترك الوزير القاعة")


def test_a_place_is_the_same_written_with_or_without_a_long_vowel():
    assert same_places("الأمريكية", "منظومات باتريوت الأميركية") and same_places("أوزبكستان", "مع أوزبكيستان")
    assert not same_places("الأمريكية", "المنظومات الروسية") and not same_places("سوريا", "مع السرية")


def test_names_are_the_words_the_sources_give_after_a_title():
    sources = (
        "وقع وزير الدفاع الروسي سيرغي شويغو ونظيره الأرميني سيران أوغانيان الاتفاق.",
        "وقال رئيس مركز مكافحة الإرهاب إن الاجتماع عقد في مدينة باراباي الكازاخية.",
    )
    names = titled_names(sources)
    assert {"سيرغي", "شويغو", "سيران", "اوغانيان", "باراباي"} <= names
    assert not {"مركز", "مكافحه"} & names  # a title followed by ordinary words
    assert named_in("التقى شويغو وأوغانيان في باراباي", names) == ["شويغو", "وأوغانيان", "باراباي"]
    assert has_name("من قبل سيرغي شويغو ومورات", "مورات") and not has_name("في موسكو", "باراباي")


def test_organisations_are_found_by_their_arabic_forms_as_whole_words():
    assert arabic_organisations("أكد قادة رابطة الدول المستقلة وحلف الناتو") == ["رابطة", "الناتو"]
    assert arabic_organisations("ودول الرابطة والقوات الأمريكية") == ["رابطة", "أمريكية"]
    assert arabic_organisations("قال تاس إن") == ["تاس"] and arabic_organisations("تأسيس المركز") == []


def test_a_region_keeps_its_article_but_a_plural_after_region_is_no_name():
    names = titled_names(("عقد الاجتماع في منطقة القوقاز.", "في منطقة العمليات وفي منطقة الخليج"))
    assert {"القوقاز", "الخليج"} <= names and "العمليات" not in names
