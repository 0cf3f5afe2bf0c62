"""``dialable``: which caller IDs can be called back (a withheld one, in any of its spellings, cannot)."""

from __future__ import annotations

import pytest

from telephony.agents.caller_id import dialable, withheld

WITHHELD = [
    "anonymous",
    "Anonymous",
    "ANONYMOUS",
    "restricted",
    "unknown",
    "unavailable",
    "blocked",
    "private",
    " anonymous ",
    "+266696687",  # ANONYMOUS on a keypad, as Twilio sent it before 2022
    "+86282452253",  # UNAVAILABLE
    "+7378742833",  # RESTRICTED
    "+2562533",  # BLOCKED
]


@pytest.mark.parametrize("value", WITHHELD)
def test_a_withheld_caller_id_is_no_number(value: str) -> None:
    assert dialable(value) is None
    assert withheld(value)


@pytest.mark.parametrize("value", ["", None, "   "])
def test_no_caller_id_is_no_number_and_not_withheld(value: str | None) -> None:
    assert dialable(value) is None
    assert not withheld(value)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("+48600100200", "+48600100200"),
        ("+48 600 100 200", "+48600100200"),
        ("+48-22-111-22-33", "+48221112233"),
        ("600100200", "600100200"),
        ("+1 (415) 555-0100", "+14155550100"),
    ],
)
def test_a_phone_number_is_dialable_as_digits(value: str, number: str) -> None:
    assert dialable(value) == number
    assert not withheld(value)


@pytest.mark.parametrize(
    "value", ["client:anna", "sip:alice@example.com", "+12345", "+4860010020012345", "+0048600100200", "abc123456"]
)
def test_anything_else_is_not_dialable_nor_called_withheld(value: str) -> None:
    assert dialable(value) is None
    assert not withheld(value)
