"""dialog.engine_intents: the line check ("halo, słychać mnie?") against a fault of sound named in words."""

from __future__ import annotations

import pytest

from dialog.engine_intents import is_line_check


@pytest.mark.parametrize(
    ("said", "check"),
    [
        ("halo, słychać mnie?", True),
        ("halo? słychać mnie?", True),
        ("czy mnie słychać", True),
        ("czy pani mnie słyszy", True),
        ("słyszycie mnie teraz?", True),
        ("halo halo", False),  # a greeting: answered as one
        ("nic nie słychać w słuchawce", False),  # a fault, for the KB or a person
        ("słychać trzaski w czasie rozmowy", False),
        ("nie słyszę pana", False),
    ],
)
def test_a_line_check_is_only_the_check(said: str, check: bool) -> None:
    assert is_line_check(said) is check
