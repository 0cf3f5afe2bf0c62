"""A phone call whose Redis is *down* (not emptied) for some turns (``dialog/session_keeper.py`` behind
``telephony/call/resume.py``), driven through the call loop by a scripted caller on the in-memory line: the real
dialog engine, its sessions and the call record in a store double that fails on demand.

What must hold: the turns during the outage go on from the call's own copy of its session (an order number
asked for before the outage is still expected; one asked for during it is expected after), under the one
session id of the call; the session reaches the store once it answers, at the next turn or when the call ends;
the caller is never apologised to for a thread that was never lost, never dropped, never silent.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dialog import catalogue
from dialog.store import SessionRepo
from telephony.call.deps import record_key
from telephony.call.timing import TurnTiming
from telephony.ports import CallStarted
from tests.support.line import SID, call, harness, run_call
from tests.support.lost_session import CALLER, EMPTY, demo_engine, replies, script
from tests.support.store import FakeStore

ASKED = "Gdzie jest moja paczka?"
OFFER = "Czy chodzi o zamówienie numer 48213?"  # the demo orders know the caller's number
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
DIGITS = "cztery osiem dwa jeden trzy"
FLIP = EMPTY  # a script entry between two turns: here the store goes down, or comes back


async def _call(turns: list[str], down_from_the_start: bool = False) -> tuple[Any, FakeStore]:
    """A call of ``turns`` after the greeting, each ``FLIP`` taking the store down or bringing it back."""
    store, answered = FakeStore(), list[TurnTiming]()
    store.fail = down_from_the_start

    async def flip() -> None:
        store.fail = not store.fail

    h = await harness(dialog=demo_engine(store), store=store, on_turn=answered.append)
    script(h.line, turns, flip, answered)
    return await call(h, {"from": CALLER}), store


async def _session(store: FakeStore, session_id: str) -> Any:
    store.fail = False
    return await SessionRepo(store).load(session_id)


async def test_a_step_asked_for_during_an_outage_is_still_expected_after_it_under_the_same_id() -> None:
    report, store = await _call([ASKED, FLIP, "nie", FLIP, DIGITS])
    said = replies(report)
    assert said[1] == OFFER and said[2] == catalogue.ASK_ORDER_NUMBER  # "nie", with Redis down: from the copy
    assert said[3].startswith(ANSWERED)  # the number asked for during the outage, after it: answered
    assert catalogue.CALL_THREAD_LOST not in said and report.ended == "caller_hung_up" and not report.errors
    session = await _session(store, report.session_id)
    assert session is not None and session.id == report.session_id  # one id, written back after the outage
    assert session.caller_turns()[:2] == [ASKED, "nie"] and len(session.caller_turns()) == 3
    assert [k for k in store.data if k.startswith("session:") and not k.endswith(":before")] == [
        f"session:{report.session_id}"
    ]  # the call was never split into a second session


async def test_a_session_still_only_in_the_call_when_it_ends_is_written_back_then() -> None:
    report, store = await _call([ASKED, FLIP, "nie", FLIP])  # back only after the last turn
    assert replies(report)[2] == catalogue.ASK_ORDER_NUMBER
    session = await _session(store, report.session_id)
    assert session is not None and session.caller_turns() == [ASKED, "nie"] and session.expects == "order_number"
    record = store.data.get(record_key(SID))  # the call's record, saved after it, names that session
    assert record is not None and record["session_id"] == report.session_id


async def test_a_call_that_starts_while_redis_is_down_keeps_its_session_until_redis_answers() -> None:
    report, store = await _call([ASKED, FLIP, "tak"], down_from_the_start=True)
    said = replies(report)
    assert said[1] == OFFER and said[2].startswith(ANSWERED)  # "tak" to the offer made during the outage
    session = await _session(store, report.session_id)
    assert session is not None and session.caller_turns() == [ASKED, "tak"]


async def test_a_call_that_ends_while_redis_is_still_down_is_not_dropped() -> None:
    report, store = await _call([ASKED, FLIP, "nie"])  # down to the end: nothing to write back to
    assert replies(report)[2] == catalogue.ASK_ORDER_NUMBER
    assert report.ended == "caller_hung_up" and not report.errors
    session = await _session(store, report.session_id)
    assert session is not None and session.caller_turns() == [ASKED]  # the store kept what it took


async def test_a_call_still_in_progress_when_the_gateway_stops_writes_its_kept_session_back() -> None:
    """The server cancels a call's task at shutdown (what the drain left): the call's close path still runs."""
    store, answered, flips = FakeStore(), list[TurnTiming](), asyncio.Event()

    async def flip() -> None:
        store.fail = not store.fail  # the second time: Redis answers again, and no later turn writes the copy
        if not store.fail:
            flips.set()

    h = await harness(dialog=demo_engine(store), store=store, on_turn=answered.append)
    script(h.line, [ASKED, FLIP, "nie", FLIP], flip, answered)
    h.line.until(lambda: False, timeout_s=60.0)  # the caller still on the line
    running = asyncio.ensure_future(run_call(h.deps, h.line, CallStarted(SID, "MZ" + "2" * 32, {"from": CALLER})))
    await asyncio.wait_for(flips.wait(), 20.0)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 20.0)
    sessions = [k.removeprefix("session:") for k in store.data if k.startswith("session:") and ":before" not in k]
    session = await _session(store, sessions[0])
    assert session is not None and session.caller_turns() == [ASKED, "nie"]  # the turn said during the outage
