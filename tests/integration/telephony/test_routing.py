"""Routing (pure), the transfer store's queue and guarded transitions (real Redis), business hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from telephony.agents.hours import (
    BusinessHours,
    HoursError,
    QueueHours,
    parse_hours,
    parse_queues,
    spoken_hour,
)
from telephony.agents.routing import (
    AgentView,
    Waiting,
    choose_agent,
    count_serving,
    order_waiting,
    position,
    queue_score,
)
from telephony.transfer.record import TransferRecord, conference_name, new_transfer_id
from telephony.transfer.store import TransferStore
from tests.support.agents import new_prefix, redis_client

WAW = ZoneInfo("Europe/Warsaw")


def agent(id_: str, idle: float, status: str = "available", queues: tuple[str, ...] = ("obsluga",)) -> AgentView:
    return AgentView(id_, frozenset(queues), status, idle)


def test_longest_idle_available_agent_of_the_queue_not_tried_yet() -> None:
    agents = [
        agent("busy", 1, "busy"),
        agent("other-queue", 2, queues=("reklamacje",)),
        agent("recent", 50),
        agent("longest", 10),
        agent("tried", 5),
    ]
    chosen = choose_agent(agents, "obsluga", exclude={"tried"})
    assert chosen is not None and chosen.id == "longest"
    assert choose_agent(agents, "sprzedaz") is None
    assert choose_agent([agent("b", 1), agent("a", 1)], "obsluga").id == "a"  # type: ignore[union-attr]
    assert count_serving(agents, "obsluga") == (3, 4)


def test_urgent_first_then_longest_waiting() -> None:
    items = [Waiting("late", 0, 300.0), Waiting("urgent", 5, 400.0), Waiting("early", 0, 100.0)]
    assert [w.transfer_id for w in order_waiting(items)] == ["urgent", "early", "late"]
    assert position(items, "late") == 3 and position(items, "gone") is None
    scores = sorted(items, key=lambda w: queue_score(w.priority, w.enqueued_at))
    assert [w.transfer_id for w in scores] == ["urgent", "early", "late"]  # the zset agrees


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[TransferStore]:
    client = redis_client(redis_url)
    yield TransferStore(client, prefix=new_prefix())
    await client.aclose()


def record(tid: str, enqueued_at: float, priority: int = 0) -> TransferRecord:
    return TransferRecord(
        tid=tid, call_sid=f"CA{tid}", caller="+48600100200", queue="obsluga", reason="requested_human",
        priority=priority, summary="s", transcript=[{"role": "caller", "text": "halo"}],
        created_at=enqueued_at, enqueued_at=enqueued_at, conference=conference_name(tid),
    )  # fmt: skip


async def test_queue_order_positions_and_round_trip(store: TransferStore) -> None:
    for r in (record("late", 300.0), record("urgent", 400.0, priority=5), record("early", 100.0)):
        await store.create(r)
    assert await store.waiting("obsluga") == ["urgent", "early", "late"]
    assert await store.position("obsluga", "late") == 3
    got = await store.get("late")
    assert got == record("late", 300.0)
    assert await store.queue_names() == ["obsluga"]
    assert len(new_transfer_id()) == 32 and conference_name("x") == "room-x"


async def test_transitions_are_compare_and_set_and_leave_the_queue(store: TransferStore) -> None:
    await store.create(record("t", 100.0))
    ringing = await store.transition("t", "ringing", agent_id="anna")
    assert ringing is not None and ringing.status == "ringing" and ringing.agent_id == "anna"
    assert await store.position("obsluga", "t") == 1  # still waiting while an agent is rung
    await store.add_tried("t", "anna")
    back = await store.transition("t", "waiting", agent_id=None)
    assert back is not None and back.tried_agents == ["anna"] and back.agent_id is None
    assert await store.transition("t", "completed") is None  # not connected: refused
    connected = await store.transition("t", "connected", connected_at=500.0)
    assert connected is not None and connected.connected_at == 500.0
    assert await store.transition("t", "connected") is None  # a repeated callback changes nothing
    assert await store.transition("t", "abandoned") is None  # out of order: too late to abandon
    assert await store.waiting("obsluga") == []
    assert await store.update("t", outcome="ok") and not await store.update("gone", outcome="x")
    with pytest.raises(ValueError):
        await store.update("t", status="completed")
    assert await store.transition("gone", "ringing") is None


async def test_first_time_marks_an_event_once(store: TransferStore) -> None:
    assert await store.first_time("CA1:ringing:3") is True
    assert await store.first_time("CA1:ringing:3") is False
    assert await store.first_time("CA1:ringing:4") is True


# --- business hours ----------------------------------------------------------------------------------


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WAW)


def test_default_hours_weekdays_saturday_and_polish_holidays() -> None:
    hours = BusinessHours.from_spec()
    assert hours.is_open(at(2025, 3, 3, 8, 0)) and not hours.is_open(at(2025, 3, 3, 20, 0))  # Monday
    assert hours.is_open(at(2025, 3, 8, 14, 59)) and not hours.is_open(at(2025, 3, 8, 15, 0))  # Saturday
    assert not hours.is_open(at(2025, 3, 9, 12, 0))  # Sunday
    assert not hours.is_open(at(2025, 5, 1, 12, 0))  # Święto Pracy (Thursday)
    assert not hours.is_open(at(2025, 6, 19, 12, 0))  # Boże Ciało: a movable feast
    assert not hours.is_open(at(2025, 12, 24, 12, 0))  # Wigilia, a public holiday since 2025
    utc = datetime(2025, 3, 3, 7, 30, tzinfo=ZoneInfo("UTC"))  # 8:30 in Warsaw (CET)
    assert hours.is_open(utc)


def test_a_24_hour_line_can_be_open_on_public_holidays() -> None:
    """A water utility's emergency line or the test suite's always-open world: "pn-nd 0:00-24:00" alone closed
    on every public holiday (Christmas, Easter Monday), so a test run on one read "outside business hours".
    "święta 0:00-24:00" gives holidays their own hours; without it they stay closed."""
    always = BusinessHours.from_spec("pn-nd 0:00-24:00, święta 0:00-24:00")
    assert always.is_open(at(2026, 12, 25, 3, 0)) and always.is_open(at(2026, 4, 6, 12, 0))  # Christmas, Easter Monday
    on_duty = BusinessHours.from_spec("pn-pt 8:00-20:00; swieta 10:00-14:00")
    assert on_duty.is_open(at(2026, 12, 25, 12, 0)) and not on_duty.is_open(at(2026, 12, 25, 15, 0))
    assert on_duty.next_open(at(2026, 12, 25, 15, 0)) == at(2026, 12, 26, 10, 0)  # the second day of Christmas
    assert not BusinessHours.from_spec("pn-nd 0:00-24:00").is_open(at(2026, 12, 25, 3, 0))  # as before


def test_callback_promise_follows_the_hours() -> None:
    hours = BusinessHours.from_spec()
    assert hours.callback_when(at(2025, 3, 3, 12, 0)) == "w ciągu dwóch godzin roboczych"
    assert hours.callback_when(at(2025, 3, 3, 6, 0)) == "dzisiaj od ósmej"
    assert hours.callback_when(at(2025, 3, 3, 21, 0)) == "jutro od ósmej"
    assert hours.callback_when(at(2025, 3, 8, 16, 0)) == "w poniedziałek od ósmej"  # Saturday evening
    assert hours.callback_when(at(2025, 4, 30, 21, 0)) == "w piątek od ósmej"  # skips 1 May
    assert spoken_hour(parse_hours("pn 9:30-10:00").days[0][0][0]) == "dziewiątej trzydzieści"


def test_a_queue_named_only_for_its_wait_keeps_the_business_hours_and_one_named_for_hours_the_wait() -> None:
    """Found by a telecom operator's walkthrough: ``INFOLINIA_QUEUES='{"reklamacje": {"max_wait_s": 180}}'``
    with ``INFOLINIA_BUSINESS_HOURS="pn-pt 8:00-20:00"`` left reklamacje open on Saturdays (the built-in hours
    came with the wait), so a complaint was queued while nobody worked."""
    queues = parse_queues({"reklamacje": {"max_wait_s": 120}, "sprzedaz": {"hours": "pn-pt 9:00-17:00"}})
    table = QueueHours(queues, "pn-pt 8:00-20:00")
    saturday, monday_8_30 = at(2025, 3, 8, 11, 0), at(2025, 3, 3, 8, 30)
    assert not table.hours("reklamacje").is_open(saturday) and table.hours("reklamacje").is_open(monday_8_30)
    assert table.spec("reklamacje") == "pn-pt 8:00-20:00" and table.spec("sprzedaz") == "pn-pt 9:00-17:00"
    assert not table.hours("sprzedaz").is_open(monday_8_30)
    assert table.max_wait_s("reklamacje", 300) == 120 and table.max_wait_s("sprzedaz", 300) == 300


@pytest.mark.parametrize("spec", ["pn–pt 7:30 – 15:30", "pn - pt 7:30-15:30", "pn-pt 7.30–15.30", "pn-pt 7:30-15:30"])
def test_hours_as_an_office_website_writes_them(spec: str) -> None:
    """Spaced dashes and dotted times stopped the gateway with "bad time range '-'" (a review)."""
    assert parse_hours(spec).days == ((((time(7, 30), time(15, 30)),),) * 5) + ((), ())


@pytest.mark.parametrize(
    "spec",
    [
        "pn-pt 7:30-15:30, święta nieczynne",
        "pn-pt 7:30-15:30, sob-nd nieczynne, święta nieczynne",
        "pn–pt 7.30–15.30; sob – zamknięte; święta: nieczynne",
        "pn-pt 7:30-15:30, Święta Nieczynny",
    ],
)
def test_a_group_written_closed_as_a_website_writes_it(spec: str) -> None:
    """An office wrote its holiday line as its website does, "święta nieczynne", and the gateway refused to start
    with "bad time range 'nieczynne': write e.g. 8:00-20:00" (an operator's walkthrough): a group marked
    "nieczynne" or "zamknięte" is closed, as a day left out is."""
    week = parse_hours(spec)
    assert week.days == ((((time(7, 30), time(15, 30)),),) * 5) + ((), ()) and week.holidays == ()


@pytest.mark.parametrize(
    "spec",
    [
        "poniedziałek – piątek: 7:30 – 15:30, wtorek: 7:30 – 17:00",
        "pon.-pt. 7.30-15.30, wt. 7.30-17.00",
        "Poniedzialek-Piatek 7:30-15:30; Wtorek 7:30-17:00; sobota-niedziela nieczynne",
    ],
)
def test_days_written_out_as_an_office_website_writes_them(spec: str) -> None:
    """An office's website says "poniedziałek – piątek: 7:30 – 15:30": copied into INFOLINIA_BUSINESS_HOURS it
    stopped the gateway with "unknown day(s) 'poniedziałek-piątek:'" (an operator's walkthrough)."""
    week = parse_hours(spec)
    short, long = (time(7, 30), time(15, 30)), (time(7, 30), time(17, 0))
    assert week.days == ((short,), (long,), (short,), (short,), (short,), (), ())  # Tuesday's own: its hours


@pytest.mark.parametrize(
    ("spec", "holidays"),
    [
        ("pn-pt 7:30-15:30, nd+święta nieczynne", ()),
        ("pn-pt 7:30-15:30, Św. 8:00-12:00", ((time(8, 0), time(12, 0)),)),
        ("pn-pt 7:30-15:30, sob+św 8:00-12:00", ((time(8, 0), time(12, 0)),)),
    ],
)
def test_public_holidays_in_a_list_of_days_or_dotted(spec: str, holidays: tuple[tuple[time, time], ...]) -> None:
    """ "pon." was read since c41b258 but "św." was not, and "nd+święta" stopped the gateway with "unknown
    day(s) 'nd+święta': use ... (or święta for public holidays)", telling the office to write what it wrote."""
    week = parse_hours(spec)
    assert week.days[:5] == ((((time(7, 30), time(15, 30)),),) * 5) and week.holidays == holidays
    assert week.days[6] == () and week.days[5] == (holidays if spec.startswith("pn-pt 7:30-15:30, sob") else ())


def test_a_closed_group_naming_days_in_words_is_told_how_to_list_them() -> None:
    """ "niedziela i święta nieczynne", as a website says it, was refused with "either hours or „nieczynne”, not
    both": the office gave no hours, and was not told what to write instead."""
    with pytest.raises(HoursError, match=r"'niedziela i święta nieczynne': .*'i'.*nd\+święta nieczynne"):
        parse_hours("pn-pt 7:30-15:30, niedziela i święta nieczynne")


@pytest.mark.parametrize(
    "spec",
    [
        "pn-pt 8:00-16:00, pt 8:00-14:00",
        "pt 8:00-14:00, pn-pt 8:00-16:00",
        "poniedziałek – piątek: 8:00 – 16:00, piątek: 8:00 – 14:00",
    ],
)
def test_a_day_s_own_shorter_hours_are_its_hours(spec: str) -> None:
    """ "pn-pt 8:00-16:00, pt 8:00-14:00" (Fridays until 14, as an office writes it) kept Fridays open until 16:
    groups added up, so callers queued from 14 to 16 while nobody worked and a callback was promised for then.
    Where two groups give one day hours one within the other, the group naming fewer days says that day's hours
    (a longer day, "wt 7:30-17:00" after "pn-pt 7:30-15:30", reads as before)."""
    week = parse_hours(spec)
    assert week.days[:4] == ((((time(8, 0), time(16, 0)),),) * 4)
    assert week.days[4] == ((time(8, 0), time(14, 0)),)
    assert not BusinessHours(week, WAW).is_open(at(2025, 3, 7, 15, 0))  # a Friday at 15:00


def test_hours_of_two_groups_crossing_on_one_day_are_refused() -> None:
    """ "pn-pt 8:00-16:00, pt 14:00-18:00": Fridays 8-18, or 14-18? Not to be guessed: refused, naming both."""
    with pytest.raises(HoursError, match=r"'pt': 14:00-18:00 crosses 8:00-16:00 of 'pn-pt 8:00-16:00'"):
        parse_hours("pn-pt 8:00-16:00, pt 14:00-18:00")
    week = parse_hours("pn-pt 8:00-12:00, pn 13:00-16:00, pt 12:00-14:00")  # beside each other: both
    assert week.days[0] == ((time(8, 0), time(12, 0)), (time(13, 0), time(16, 0)))
    assert week.days[4] == ((time(8, 0), time(12, 0)), (time(12, 0), time(14, 0)))


def test_a_group_both_closed_and_open_is_refused() -> None:
    with pytest.raises(HoursError, match="'sob nieczynne 9:00-12:00': either hours or"):
        parse_hours("pn-pt 7:30-15:30, sob nieczynne 9:00-12:00")


@pytest.mark.parametrize(
    ("spec", "day"),
    [
        ("pn-sob 8:00-16:00, sob nieczynne", "sob"),
        ("pn-pt 8:00-16:00, sob nieczynne, pn-nd 9:00-10:00", "pn-nd"),
        ("pn-pt 8:00-16:00, święta 0:00-24:00, Święta: zamknięte", "Święta"),
    ],
)
def test_a_day_given_hours_and_written_closed_in_another_group_is_refused(spec: str, day: str) -> None:
    """Groups add up ("pn-pt 7:30-15:30, wt 7:30-17:00"), so a closed group took nothing away: "pn-sob
    8:00-16:00, sob nieczynne" left Saturdays open 8-16, and callers queued while nobody worked. Which one the
    office meant cannot be told: refused at start-up, naming the day, as a group both closed and open is."""
    with pytest.raises(HoursError, match=f"{day}.*both hours and „nieczynne”"):
        parse_hours(spec)


def test_hours_specs_and_queue_settings() -> None:
    week = parse_hours("pn+śr 8:00-12:00 13:00-16:00; pt-nd 10:00-24:00")
    assert len(week.days[0]) == 2 and week.days[1] == () and len(week.days[6]) == 1
    assert parse_hours("").days == ((),) * 7
    for bad in ("xx 8:00-9:00", "pn 9:00-8:00", "pn 25:00-26:00", "pn"):
        with pytest.raises(HoursError):
            parse_hours(bad)
    queues = parse_queues({"reklamacje": {"max_wait_s": 120, "hours": "pn-pt 9:00-17:00"}})
    table = QueueHours(queues)
    assert table.max_wait_s("reklamacje") == 120 and table.max_wait_s("obsluga") == 180
    assert not table.hours("reklamacje").is_open(at(2025, 3, 3, 8, 30)) and table.hours("x").is_open(
        at(2025, 3, 3, 8, 30)
    )
    with pytest.raises(HoursError, match="unknown"):
        parse_queues({"q": {"max_wait": 1}})
