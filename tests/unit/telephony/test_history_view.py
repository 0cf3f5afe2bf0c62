"""How history reads to agents (pure): relative times, the card's sentence about an earlier contact, the
topic by transfer reason or the caller's words, wrap-up labels, and search dates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from telephony.history.store import caller_digits, outcome_of
from telephony.history.view import ago, contact_line, earlier_view, row_view
from telephony.history.when import BadDate, parse_when

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
HOUR, DAY = 3600.0, 86400.0


def test_relative_times_read_naturally() -> None:
    cases = [(30, "przed chwilą"), (600, "10 min temu"), (5 * HOUR, "5 godz. temu"), (DAY + 60, "wczoraj"),
             (2 * DAY, "2 dni temu"), (21 * DAY, "3 tyg. temu"), (90 * DAY, "3 mies. temu")]  # fmt: skip
    assert [ago(NOW - s, NOW) for s, _ in cases] == [text for _, text in cases]


def test_the_card_says_who_contacted_when_and_about_what() -> None:
    complaint = {"channel": "phone", "started_at": NOW - 2 * DAY, "reason": "complaint", "outcome": "transferred",
                 "notes": [{"agent": "kasia", "outcome": "follow_up", "note": ""}]}  # fmt: skip
    assert contact_line(complaint, NOW) == "Klient dzwonił(a) 2 dni temu w sprawie skargi lub reklamacji"
    urgent = {**complaint, "reason": "urgent"}
    assert contact_line(urgent, NOW) == "Klient dzwonił(a) 2 dni temu w pilnej sprawie"
    chat = {"channel": "chat", "started_at": NOW - 600, "topic": "Czy robicie grawer?", "order_id": "12345"}
    said = "Klient pisał(a) na czacie 10 min temu w sprawie: „Czy robicie grawer?” (zamówienie 12345)"
    assert contact_line(chat, NOW) == said
    view = earlier_view([complaint], NOW)
    assert view[0]["outcome"] == "przełączono do konsultanta" and view[0]["note"] == "Wymaga dalszych działań"


def test_a_history_row_and_the_outcome_of_a_session() -> None:
    record = {"id": "s1", "channel": "phone", "started_at": NOW, "caller": "+48600100200", "outcome": "ended",
              "notes": [{"agent": "anna", "outcome": "resolved", "note": "ok"}],
              "transcript": [{"role": "caller", "text": "Dzień dobry"}]}  # fmt: skip
    row = row_view(record, "Europe/Warsaw")
    assert (row["when"], row["caller"]) == ("04.12.2026 12:00", "+48 600 100 200")
    assert row["outcome"] == "zakończona przez klienta"
    assert row["notes"][0]["outcome"] == "Sprawa rozwiązana" and row["transcript"][0]["who"] == "Klient"
    assert outcome_of({"slots": {"transfer_reason": "urgent"}}, None) == "transferred"
    assert outcome_of({"kb_given": ["dostawa-czas"]}, None) == "answered"
    assert outcome_of({}, None) == "unanswered"
    assert caller_digits("+48 600-100-200") == caller_digits("0048600100200") == "600100200"


def test_search_dates() -> None:
    start = parse_when("2026-12-04", "Europe/Warsaw")
    end = parse_when("2026-12-04", "Europe/Warsaw", end=True)
    assert start is not None and end is not None and start < NOW < end and end - start == pytest.approx(DAY, abs=0.01)
    assert parse_when("1700000000") == 1700000000.0 and parse_when("") is None
    assert parse_when("2026-12-04T12:00", "Europe/Warsaw") == NOW
    with pytest.raises(BadDate):
        parse_when("wczoraj")


def test_search_dates_in_every_iso_form_are_whole_days_weeks_and_months() -> None:
    """As ``/v1/stats`` reads them: 20261204 is that day (it was epoch seconds, 1970), a week or month all of it."""
    day = (parse_when("2026-12-04"), parse_when("2026-12-04", end=True))
    assert (parse_when("20261204"), parse_when("20261204", end=True)) == day
    assert (parse_when("2026-W49-5"), parse_when("2026-W49-5", end=True)) == day
    monday = datetime(2026, 11, 30, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
    assert (parse_when("2026-W49"), parse_when("2026-W49", end=True)) == (monday, monday + 7 * DAY - 0.001)
    december = datetime(2026, 12, 1, tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()
    assert parse_when("2026-12") == december and parse_when("2026-12", end=True) == NOW + 27.5 * DAY - 0.001
    assert parse_when("2026-12-04T12:00 01:00") == NOW  # an unencoded '+', decoded as a space
    assert parse_when("1765000000") == 1765000000.0  # epoch seconds still are
    for wrong in ("2026-13", "2026-W60", "9999-12-31"):
        with pytest.raises(BadDate):
            parse_when(wrong, end=True)
