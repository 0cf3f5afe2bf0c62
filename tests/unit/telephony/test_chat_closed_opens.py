"""A chat outside business hours is told when the agents' chat opens again (an operator walkthrough: "Konsultanci
czatu są teraz poza godzinami pracy…" said nothing of when, while the phone's callback offer names the next
opening), and an operator's override of that sentence written before it had ``{when}`` still works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dialog import catalogue
from dialog.prompts import PromptsError, parse_prompts
from telephony.agents.hours import BusinessHours
from telephony.chat.unavailable import unavailable_reply

WAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(autouse=True)
def restore_catalogue() -> Iterator[None]:
    yield
    catalogue.configure({})


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=WAW)


def test_the_next_opening_is_written_as_the_phone_says_it_with_the_hour_in_digits() -> None:
    hours = BusinessHours.from_spec("pn-pt 7:30-15:30, sob 9:00-13:00")
    assert hours.opens_when(at(3, 3, 6)) == "dzisiaj od 7:30"  # Monday morning
    assert hours.opens_when(at(3, 3, 21)) == "jutro od 7:30"
    assert hours.opens_when(at(3, 8, 16)) == "w poniedziałek od 7:30"  # Saturday after closing
    assert hours.opens_when(at(3, 7, 21)) == "jutro od 9:00"  # Friday evening: Saturday's hours
    assert hours.opens_when(at(4, 30, 21)) == "w piątek od 7:30"  # skips 1 May, and 3 May is a Saturday holiday
    assert hours.opens_when(at(3, 3, 12)) is None  # open now: nothing to wait for
    assert hours.callback_when(at(3, 3, 21)) == "jutro od siódmej trzydzieści"  # the phone's, unchanged


def test_a_closed_chat_is_told_when_it_opens() -> None:
    reply = unavailable_reply("closed", None, "jutro od 8:00")
    assert reply.startswith("Konsultanci czatu są teraz poza godzinami pracy") and "jutro od 8:00" in reply
    assert "{" not in reply
    vague = unavailable_reply("closed")  # no opening in sight (no hours in the next two weeks)
    assert catalogue.CHAT_OPENS_UNKNOWN in vague and "{" not in vague


def test_an_override_may_name_the_opening_or_leave_it_out() -> None:
    named = parse_prompts({"prompts": {"chat_unavailable_closed": "Czat nieczynny. Zapraszamy {when}."}}, "p.yaml")
    catalogue.configure(named.texts)
    told = unavailable_reply("closed", None, "w poniedziałek od 8:00")
    assert told == "Czat nieczynny. Zapraszamy w poniedziałek od 8:00."
    old = parse_prompts({"prompts": {"chat_unavailable_closed": "Czat jest teraz nieczynny."}}, "p.yaml")
    catalogue.configure(old.texts)  # written before {when} existed: kept as the operator wrote it
    assert unavailable_reply("closed", None, "jutro od 8:00") == "Czat jest teraz nieczynny."
    with pytest.raises(PromptsError, match="unknown placeholder"):
        parse_prompts({"prompts": {"chat_unavailable_closed": "Czat nieczynny do {day}."}}, "p.yaml")
