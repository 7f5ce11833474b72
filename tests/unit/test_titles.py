"""What follows a person's title in an English claim must be a person."""

import pytest

from dalil.qa.titles import titled_non_person


def _is_place(name: str) -> bool:
    return name in {"Moscow", "Lisbon"}


@pytest.mark.parametrize(
    ("claim", "entity"),
    [
        ("Kazakh Defense Minister Russia pointed to the importance of security.", "Russia"),
        ("Russian Defense Minister Moscow and his Armenian counterpart Seyran Ohanyan signed it.", "Moscow"),
        ("Russian President Commonwealth of Independent States stated that …", "Commonwealth of Independent States"),
        ("Medvedev met his counterpart NATO's delegates.", "NATO"),
        ("The ministry's spokeswoman Lisbon said so.", "Lisbon"),
    ],
)
def test_an_entity_after_a_title_is_found(claim, entity):
    assert titled_non_person(claim, _is_place) == entity


@pytest.mark.parametrize(
    "claim",
    [
        "Russian President Vladimir Putin said the operation is bound in time.",
        "Defense Minister Murat Bektanov of Kazakhstan visited Moscow.",
        "President Putin of Russia spoke in Lisbon.",
        "The Secretary General of NATO was not there.",
        "The Russian Defense Minister's visit to Moscow ended.",
    ],
)
def test_a_person_after_a_title_is_not_flagged(claim):
    assert titled_non_person(claim, _is_place) is None
