"""The next opening more than a week away is named with its date (a review of 2076153): a queue open on
Mondays only, closed on Easter Monday, told a customer on the Monday before Easter "w poniedziałek od 8:00",
read as the coming Monday (the holiday, closed), while it meant the one after; the phone's callback promise
said the same."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telephony.agents.hours import BusinessHours

WAW = ZoneInfo("Europe/Warsaw")


def test_an_opening_past_the_coming_weekday_names_its_date() -> None:
    hours = BusinessHours.from_spec("pn 8:00-16:00")
    before_easter = datetime(2027, 3, 22, 17, 0, tzinfo=WAW)  # Easter Monday: 29 March 2027
    assert hours.opens_when(before_easter) == "w poniedziałek 5 kwietnia od 8:00"
    assert hours.callback_when(before_easter) == "w poniedziałek 5 kwietnia od ósmej"


def test_an_opening_within_a_week_names_the_weekday_alone() -> None:
    hours = BusinessHours.from_spec("pn 8:00-16:00")
    assert hours.opens_when(datetime(2027, 3, 15, 17, 0, tzinfo=WAW)) == "w poniedziałek od 8:00"  # in 7 days
    assert hours.opens_when(datetime(2027, 3, 17, 9, 0, tzinfo=WAW)) == "w poniedziałek od 8:00"
