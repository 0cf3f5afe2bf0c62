"""The speaker's callback offer and the number's confirmation answered with "proszę" and words about the wait
or the number (a review of 9928d8e): "proszę, nie mogę dłużej czekać" wants the call, but a "nie" among the
two words after "proszę" was read as a refusal, so the callback was declined; "proszę, na ten sam numer" (a yes
before 65826f4) went on to the dialog as a new question, and "proszę, to mój numer" to "Czy oddzwonić pod
numer …?" was asked again."""

from __future__ import annotations

import pytest

from telephony.speaker.callback import answer
from tests.support.speaker import offered_state

PHONE = "+48600100200"


_offered = offered_state


@pytest.mark.parametrize(
    "said",
    ["proszę, nie mogę dłużej czekać", "poproszę, nie mam czasu czekać", "proszę, nie chcę czekać",
     "proszę, na ten sam numer", "proszę na ten numer", "poproszę, na mój numer"],
)  # fmt: skip
def test_please_with_the_wait_or_the_number_takes_the_offer(said: str) -> None:
    step = answer(_offered(), said, known_phone=PHONE)
    assert step.state is not None and step.state.stage == "confirm_phone", (said, step)


@pytest.mark.parametrize("said", ["proszę, to mój numer", "proszę, ten numer", "proszę, zgadza się"])
def test_please_with_the_number_confirms_it(said: str) -> None:
    confirm = answer(_offered(), "tak", known_phone=PHONE)
    assert confirm.state is not None and confirm.state.stage == "confirm_phone"
    step = answer(confirm.state, said)
    assert step.book_phone == PHONE and step.state is None, (said, step)


@pytest.mark.parametrize("said", ["proszę pani, nie", "proszę nie", "proszę mi nie oddzwaniać"])
def test_a_polite_no_still_declines(said: str) -> None:
    step = answer(_offered(), said, known_phone=PHONE)
    assert step.state is None and not step.pass_through and step.book_phone is None, said


@pytest.mark.parametrize("said", ["proszę oddzwonić na inny numer", "tak, ale na inny numer"])
def test_another_number_is_asked_for_not_booked(said: str) -> None:
    confirm = answer(_offered(), "tak", known_phone=PHONE)
    assert confirm.state is not None
    step = answer(confirm.state, said)
    assert step.book_phone is None and step.state is not None and step.state.stage == "ask_phone", (said, step)


def test_please_do_not_call_declines() -> None:
    step = answer(_offered(), "proszę, nie dzwońcie", known_phone=PHONE)
    assert step.state is None and not step.pass_through and step.book_phone is None, step
