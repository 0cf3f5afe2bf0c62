"""The speaker's callback offer ("Czy mam poprosić konsultanta o telefon?") answered with a polite request for
the call: a review of "proszę" no longer being a yes when words follow it (so a request's content is kept) found
that "proszę o telefon" here went on to the dialog as a new question instead of booking the callback."""

from __future__ import annotations

import pytest

from telephony.speaker.callback import answer
from tests.support.speaker import offered_state as _offered


@pytest.mark.parametrize(
    "said",
    ["proszę o telefon", "poproszę o telefon", "proszę oddzwonić", "proszę zadzwonić", "tak, proszę",
     "proszę", "proszę o kontakt telefoniczny", "poproszę o oddzwonienie"],
)  # fmt: skip
def test_a_polite_request_for_the_call_takes_the_offer(said: str) -> None:
    step = answer(_offered(), said, known_phone="+48600100200")
    assert step.state is not None and step.state.stage == "confirm_phone", said


@pytest.mark.parametrize(
    "said", ["proszę powiedzieć, ile kosztuje dostawa", "poproszę o godziny otwarcia", "jaki macie numer telefonu"]
)
def test_a_new_question_is_not_a_yes(said: str) -> None:
    step = answer(_offered(), said, known_phone="+48600100200")
    assert step.pass_through and step.state is None, said


@pytest.mark.parametrize("said", ["nie, proszę nie dzwonić", "nie trzeba telefonu", "proszę nie dzwonić"])
def test_a_refusal_stays_a_refusal(said: str) -> None:
    step = answer(_offered(), said, known_phone="+48600100200")
    assert step.state is None and not step.pass_through and step.book_phone is None, said
