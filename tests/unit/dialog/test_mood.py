"""dialog.mood: insults given to the company are left out when the danger is judged."""

from __future__ import annotations

import pytest

from dialog.mood import mood, without_insults


@pytest.mark.parametrize(
    ("said", "rest"),
    [
        ("jesteście złodziejami, naliczyliście mi opłaty", "jesteście naliczyliście mi opłaty"),
        ("oszuści z was, płacę za nic", "z was płacę za nic"),
        ("wy złodzieje!", "wy"),
        ("jesteście bandą naciągaczy", "jesteście bandą"),
        # nobody addressed: a thief or a swindler as a person the caller met stays
        ("złodziej jest w moim domu", "złodziej jest w moim domu"),
        ("oszuści dzwonią i podają się za waszego konsultanta", "oszuści dzwonią i podają się za waszego konsultanta"),
    ],
)
def test_a_thiefs_name_given_to_the_company_is_left_out_and_one_met_is_kept(said: str, rest: str) -> None:
    assert without_insults(said) == rest


def test_the_insult_still_makes_the_caller_angry() -> None:
    """Only the danger is judged without it: the mood (and so the transfer first, with an apology) stays."""
    assert mood("jesteście złodziejami, naliczyliście mi opłaty") == "angry"


@pytest.mark.parametrize("said", ["jesteście bandą oszustów", "Jesteście oszustami, trzeci raz piszę w tej sprawie"])
def test_a_swindlers_name_given_to_the_company_is_an_insult(said: str) -> None:
    """A review: only "oszuści" was a strong word, so "jesteście bandą oszustów" was calm, its "oszust" read as a
    fraud, and the customer was told to call 112. Any thief's or swindler's name addressed to the company is
    anger; the danger is judged without it (``without_insults``)."""
    assert mood(said) == "angry"
    assert "oszust" not in without_insults(said)
