"""The console's view model (pure): what an agent reads about a transfer and a callback."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from telephony.agents.events import ConsoleEvent
from telephony.console.sse import sse_message
from telephony.console.view import (
    DEFAULT_OUTCOMES,
    callback_view,
    callbacks_view,
    display_number,
    duration_pl,
    local_time,
    outcome_label,
    queue_label,
    transcript_lines,
    transfer_view,
)
from telephony.console.web import ConsoleConfig, _Console


def test_transcript_shows_what_the_caller_heard() -> None:
    lines = transcript_lines(
        [
            {"role": "bot", "text": "Dzień dobry.", "status": "heard", "heard": "Dzień dobry."},
            {"role": "caller", "text": "  Gdzie jest moja paczka?  ", "source": "asr", "confidence": 0.9},
            {
                "role": "bot",
                "text": "Sprawdzam status zamówienia teraz.",
                "status": "interrupted",
                "heard": "Sprawdzam",
            },
            {"role": "bot", "text": "Czy mogę pomóc?", "status": "interrupted", "heard": ""},
            {"role": "caller", "text": ""},
        ]
    )
    assert [(x["who"], x["text"], x["note"]) for x in lines] == [
        ("Bot", "Dzień dobry.", ""),
        ("Klient", "Gdzie jest moja paczka?", ""),
        ("Bot", "Sprawdzam", "przerwane przez klienta"),
        ("Bot", "Czy mogę pomóc?", "klient nie usłyszał"),
    ]


def test_transfer_view_labels_in_polish() -> None:
    record = {
        "tid": "t1",
        "status": "connected",
        "caller": "+48601234567",
        "queue": "reklamacje",
        "reason": "urgent",
        "summary": "Pilne: brak prądu.",
        "order_id": "A-7",
        "order_status": "w drodze",
        "enqueued_at": 1000.0,
        "connected_at": 1095.0,
        "transcript": [],
    }
    view = transfer_view(record, now=2000.0)
    assert view["status_label"] == "Rozmowa w toku" and view["reason_label"] == "Pilna sprawa"
    assert view["urgent"] and view["caller_display"] == "+48 601 234 567"
    assert view["waited"] == "1 min"  # enqueued -> connected, not -> now
    assert (view["wait_since"], view["wait_until"]) == (1000.0, 1095.0)
    ringing = transfer_view({**record, "status": "ringing", "connected_at": None}, now=2000.0)
    assert (ringing["wait_since"], ringing["wait_until"], ringing["waited"]) == (1000.0, None, "")  # the page counts
    assert view["order_facts"] == [("Status", "w drodze")]
    done = transfer_view({**record, "status": "completed", "reason": "something_new"}, now=2000.0)
    assert done["heading"] == "Ostatnia rozmowa" and done["waited"] == "" and done["reason_label"] == "something_new"


def test_a_ringing_phone_transfer_says_to_answer_on_the_phone() -> None:
    """The console has no answer button for a call: the agent must be told where and how to pick it up."""
    ringing = transfer_view({"tid": "t1", "status": "ringing", "caller": "+48601234567"}, now=10.0)
    assert ringing["hint"].startswith("Dzwoni Twój telefon: odbierz i naciśnij 1")
    assert transfer_view({"tid": "t1", "status": "connected"}, now=10.0)["hint"] == ""
    assert transfer_view({"tid": "t1", "status": "ringing", "channel": "chat"}, now=10.0)["hint"] == ""


def test_numbers_durations_and_times() -> None:
    assert display_number("+48221112233") == "+48 221 112 233"
    assert display_number("client:anna") == "client:anna" and display_number(None) == ""
    assert [duration_pl(s) for s in (5, 125, 3725)] == ["5 s", "2 min", "1 h 02 min"]
    now = datetime(2025, 1, 7, 12, 0, tzinfo=UTC)
    assert local_time("2025-01-07T09:30:00+00:00", "Europe/Warsaw", now) == "dziś 10:30"
    assert local_time("2025-01-05T09:30:00+00:00", "Europe/Warsaw", now) == "05.01 10:30"
    assert local_time("wczoraj", "Europe/Warsaw", now) == "wczoraj"


def test_callbacks_mine_first_and_only_mine_closable() -> None:
    pending = [{"id": "p1", "status": "pending", "phone": "+48600100200", "summary": "s"}]
    claimed = [
        {"id": "c1", "status": "claimed", "claimed_by": "bartek", "phone": "+48600100201"},
        {"id": "c2", "status": "claimed", "claimed_by": "anna", "phone": "+48600100202"},
    ]
    items = callbacks_view(pending, claimed, "anna", "Europe/Warsaw")
    assert [(c["id"], c["mine"], c["state_label"]) for c in items] == [
        ("c2", True, "Przejęte przez Ciebie"),
        ("p1", False, "Do przejęcia"),
    ]


def test_a_callback_nobody_answered_shows_when_it_is_due_again_until_then() -> None:
    now = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)
    record = {"id": "p1", "status": "pending", "failed_attempts": 1, "retry_after": "2025-01-05T09:45:00+00:00"}
    assert callback_view(record, "anna", "Europe/Warsaw", now)["retry_at"] == "dziś 10:45"
    later = datetime(2025, 1, 5, 9, 45, tzinfo=UTC)
    assert callback_view(record, "anna", "Europe/Warsaw", later)["retry_at"] == ""  # due: nothing to wait for
    claimed = {**record, "status": "claimed", "claimed_by": "anna"}
    assert callback_view(claimed, "anna", "Europe/Warsaw", now)["retry_at"] == ""  # someone is calling now


def test_outcomes_are_a_closed_list() -> None:
    assert outcome_label(DEFAULT_OUTCOMES, "resolved") == "Sprawa rozwiązana"
    assert outcome_label(DEFAULT_OUTCOMES, "<script>") is None


def test_sse_message_carries_no_event_data() -> None:
    event = ConsoleEvent("transfer.ringing", "anna", "t1", {"caller": "+48601234567", "summary": "tajne"})
    assert sse_message(event) == 'data: {"type":"transfer.ringing","transfer_id":"t1"}\n\n'


@pytest.mark.parametrize(
    ("total", "groups", "line"),
    [(1, 1, "1 pytanie w 1 grupie"), (4, 3, "4 pytania w 3 grupach"), (5, 2, "5 pytań w 2 grupach"),
     (12, 4, "12 pytań w 4 grupach"), (22, 1, "22 pytania w 1 grupie"),
     (5, 0, "5 pytań, żadne nie nadaje się do bazy wiedzy"), (1, 0, "1 pytanie, które nie nadaje się do bazy wiedzy"),
     (0, 0, "")],  # an empty period: no count line (was "0 pytań, żadne nie nadaje się do bazy wiedzy")
)  # fmt: skip
def test_the_gaps_page_counts_in_polish(total: int, groups: int, line: str) -> None:
    from telephony.console.history_pages import questions_in_groups

    assert questions_in_groups(total, groups) == line


def test_the_history_form_explains_bad_dates_in_polish() -> None:
    from telephony.console.history_pages import search_range
    from telephony.history.when import BadDate

    start, end = search_range("2026-12-01", "2026-12-01", "Europe/Warsaw")
    assert start is not None and end is not None and end - start == pytest.approx(86400, abs=0.01)
    assert search_range("", "", "Europe/Warsaw") == (None, None)
    with pytest.raises(BadDate, match=r"^Nieprawidłowa data „Od”: wybierz ją w kalendarzu"):
        search_range("1.12.2026", "", "Europe/Warsaw")
    with pytest.raises(BadDate, match=r"^Nieprawidłowa data „Do”"):
        search_range("", "jutro", "Europe/Warsaw")
    with pytest.raises(BadDate, match=r"^Data „Od” jest późniejsza niż data „Do”"):
        search_range("2026-12-08", "2026-12-01", "Europe/Warsaw")


def test_queues_are_spelled_with_polish_letters_for_the_agent() -> None:
    """Found by a water utility's walkthrough: the console listed "obsluga" and "sprzedaz", the fixed ids,
    which read as typos to a Polish office; a queue of an integration's own is shown as written."""
    console = _Console(ConsoleConfig(), None)
    rows = [{"name": name, "phone": 1, "chat": 0, "estimate": ""} for name in ("obsluga", "sprzedaz", "vip")]
    html = console.templates.get_template("console_queues.html").render(queues=rows)
    heads = re.findall(r'<th scope="row">([^<]*)</th>', html)
    assert heads == ["obsługa", "sprzedaż", "vip"]
    assert queue_label("reklamacje") == "reklamacje" and queue_label(None) == ""


def test_a_withheld_caller_id_reads_numer_zastrzezony_and_is_no_number_to_call() -> None:
    assert display_number("anonymous") == display_number("+266696687") == "numer zastrzeżony"
    assert display_number("+48221112233") == "+48 221 112 233"
    view = transfer_view({"tid": "t1", "caller": "Anonymous", "status": "wrap_up"}, now=0.0)
    assert view["caller"] == "" and view["caller_display"] == "numer zastrzeżony"  # no tel: link, no callback
    withheld = {"id": "cb-1", "status": "pending", "phone": None, "phone_withheld": True}
    assert callback_view(withheld, "anna", "Europe/Warsaw")["number_display"] == "numer zastrzeżony"
    assert callback_view(withheld, "anna", "Europe/Warsaw")["number"] == ""
    old = {"id": "cb-2", "status": "pending", "phone": "anonymous"}  # stored before: not offered as a number
    assert callback_view(old, "anna", "Europe/Warsaw")["number"] == ""
    assert callback_view(old, "anna", "Europe/Warsaw")["number_display"] == "numer zastrzeżony"
