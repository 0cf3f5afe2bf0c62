"""Everyday sentences of an operator's own domain that sound like an emergency by their words (a water utility's
walkthrough heard 112 for brown tap water), beside the real emergencies told in the same words."""

from __future__ import annotations

import pytest

from dialog.escalation import detect_reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("z sufitu leci woda", "urgent"),
        ("woda leje się z sufitu do sąsiadów", "urgent"),
        ("z kranu leci woda i nie da się jej zakręcić", "urgent"),  # it keeps running
        ("z kranu leci woda i zalewa łazienkę", "urgent"),
        ("z kranu leci brązowa woda", None),  # a water utility's everyday question (a walkthrough heard 112)
        ("z kranu leci słaby strumień wody", None),
    ],
)
def test_water_running_where_it_should_not_but_not_from_the_tap(text: str, expected: str | None) -> None:
    assert detect_reason(text) == expected
