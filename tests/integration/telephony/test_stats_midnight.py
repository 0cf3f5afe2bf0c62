"""A day's figures across Warsaw midnight and the DST change, through the real gateway and Redis with the KPI
store on a fake clock: a conversation's outcome (solved by the bot, handed to a person, gone quiet) is counted
on the day it began, with its ``conversations``, so no day shows chats solved out of none begun."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dialog.ports import CallerInfo, Outcome
from telephony.devtools.day_world import day_world, token
from telephony.insights.kpis import KpiStore
from telephony.insights.recorder import InsightMetrics
from tests.support.clock import FakeClock
from tests.support.insights import InsightsWorld, PhoneDialog, insights_world

WARSAW = ZoneInfo("Europe/Warsaw")
WORDS = ["Gdzie jest paczka?", "Dziękuję, do widzenia", "Chcę rozmawiać z konsultantem"]


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW).timestamp()


async def _day(w: InsightsWorld, day: str) -> tuple[Any, ...]:
    response = await w.agent("GET", f"/v1/stats?channel=chat&from={day}&to={day}", "szef")
    assert response.status_code == 200, response.text
    chat = response.json()["channels"]["chat"]
    return chat["conversations"], chat["contained"], chat["transferred"], chat["unresolved"], chat["containment"]


async def test_a_chat_across_midnight_counts_on_the_day_it_began(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        clock = FakeClock(at("2026-12-06T23:40"))
        for worker in (w.chat_worker, w.agents_worker):
            assert worker.gateway.kpis is not None
            worker.gateway.kpis.clock = clock
        quiet = await w.chat("Jakie są koszty dostawy?")  # answered; asks again after midnight, then goes quiet
        clock.t = at("2026-12-06T23:50")
        bye = await w.chat("Gdzie jest paczka?")  # solved by "do widzenia" after midnight
        clock.t = at("2026-12-06T23:55")
        asked = await w.chat("mam pytanie")  # asks for a person after midnight, anna takes it
        clock.t = at("2026-12-07T00:05")
        await w.chat("A zwroty?", quiet["session_id"])
        assert (await w.chat("Dziękuję, do widzenia", bye["session_id"]))["action"] == "end"
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        handed = await w.chat("Chcę rozmawiać z konsultantem", asked["session_id"])
        assert handed["handoff"]["status"] != "unavailable"
        clock.t = at("2026-12-07T00:40")  # the quiet chat is decided (INFOLINIA_CHAT_IDLE_MIN: 15)
        metrics = w.chat_worker.gateway.metrics
        assert isinstance(metrics, InsightMetrics)
        await metrics.outcomes.sweep()

        assert await _day(w, "2026-12-06") == (3, 2, 1, 0, 0.6667)
        assert await _day(w, "2026-12-07") == (0, 0, 0, 0, None)  # was (0, 2, 1, 0, None): solved out of none


async def test_the_dst_days_have_23_and_25_hours(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        kpis = KpiStore(w.redis, prefix=w.prefix, clock=lambda: at("2027-04-01T12:00"))
        for moment in ("2026-10-25T00:30", "2026-10-25T23:30", "2027-03-28T00:30", "2027-03-28T23:30"):
            await kpis.write("chat", {"conversations": 1}, at(moment))
        twice = datetime.fromisoformat("2026-10-25T02:30").replace(tzinfo=WARSAW)  # 02:30 comes twice that night
        for fold in (0, 1):  # the first (CEST, 00:30 UTC) and the second (CET, 01:30 UTC): two hours, both its own
            await kpis.write("chat", {"conversations": 1}, twice.replace(fold=fold).timestamp())
        for neighbour in ("2026-10-24T23:30", "2026-10-26T00:30", "2027-03-27T23:30", "2027-03-29T00:30"):
            await kpis.write("chat", {"conversations": 10}, at(neighbour))
        w.chat_worker.gateway.kpis.clock = w.agents_worker.gateway.kpis.clock = kpis.clock  # type: ignore[union-attr]
        assert (await _day(w, "2026-10-25"))[0] == 4  # 25 hours: 00:30, both 02:30s and 23:30
        assert (await _day(w, "2027-03-28"))[0] == 2


class _MidnightDialog(PhoneDialog):
    """``PhoneDialog`` whose caller's second sentence comes after midnight: the clock moves as it is heard."""

    clock = FakeClock(at("2026-12-06T23:58"))

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        if "do widzenia" in text.lower() or "konsultant" in text.lower():
            self.clock.t = at("2026-12-07T00:03")
        return await super().handle(session_id, text, caller)


async def test_a_call_across_midnight_counts_on_the_day_it_began(redis_url: str) -> None:
    async with day_world(redis_url, WORDS, _MidnightDialog) as w:
        assert w.gateway.kpis is not None
        w.gateway.kpis.clock = _MidnightDialog.clock
        for says in (
            ["Gdzie jest paczka?", "Dziękuję, do widzenia"],
            ["Gdzie jest paczka?", "Chcę rozmawiać z konsultantem"],
        ):
            _MidnightDialog.clock.t = at("2026-12-06T23:58")
            assert (await w.call(says)).action is not None
        figures = []
        for day in ("2026-12-06", "2026-12-07"):
            response = await w.http.get(
                f"{w.base}/v1/stats?channel=phone&from={day}&to={day}",
                headers={"Authorization": f"Bearer {token('szef')}"},
            )
            phone = response.json()["channels"]["phone"]
            figures.append((phone["conversations"], phone["contained"], phone["transferred"]))
        assert figures == [(2, 1, 1), (0, 0, 0)]


async def test_a_wait_across_midnight_counts_on_the_day_its_conversation_began(redis_url: str, tmp_path: Path) -> None:
    """Answered and abandoned waits and the agent's first response go with their conversation: a chat handed over
    at 23:59 and answered at 00:04 was 'transferred' on one day and 'answered' on the next, and one begun at 23:50
    and handed over at 00:01 is the first day's, its abandonment too."""
    async with insights_world(redis_url, tmp_path) as w:
        clock = FakeClock(at("2026-12-06T23:50"))
        for worker in (w.chat_worker, w.agents_worker):
            assert worker.gateway.kpis is not None and worker.gateway.transfer is not None
            assert worker.gateway.transfer.chat is not None
            worker.gateway.kpis.clock = worker.gateway.transfer.chat.handoff.p.clock = clock
        late = await w.chat("Gdzie jest paczka?")
        clock.t = at("2026-12-06T23:59")
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        taken = (await w.chat("Chcę rozmawiać z konsultantem"))["handoff"]
        clock.t = at("2026-12-07T00:01")
        left = await w.chat("konsultant proszę", late["session_id"])  # anna has the first one's offer: it waits
        assert left["handoff"]["status"] == "waiting"
        clock.t = at("2026-12-07T00:04")
        tid = taken["transfer_id"]
        assert (await w.agent("POST", f"/v1/chats/{tid}/accept", "anna")).status_code == 200
        wrote = await w.agent("POST", f"/v1/chats/{tid}/messages", "anna", json={"text": "Dzień dobry"})
        assert wrote.status_code in (200, 201), wrote.text
        assert (await w.http.post(f"{w.chat_worker.base}/v1/chat/{late['session_id']}/end")).status_code == 200
        figures = []
        for day in ("2026-12-06", "2026-12-07"):
            response = await w.agent("GET", f"/v1/stats?channel=chat&from={day}&to={day}", "szef")
            chat = response.json()["channels"]["chat"]
            counts = ("conversations", "transferred", "answered_by_agent", "abandoned")
            figures.append((*(chat[k] for k in counts), chat["agent_frt"]["count"], chat["wait"]["count"]))
        assert figures == [(2, 2, 1, 1, 1, 2), (0, 0, 0, 0, 0, 0)]


async def test_a_chat_continued_fresh_the_next_day_counts_its_outcome_that_day(redis_url: str, tmp_path: Path) -> None:
    """A chat answered at 23:40 went quiet (solved: it was given an answer); its session expired, and at 10:00 the
    next day the customer wrote again under the same id: a fresh conversation (``telephony/chat/turn.py``), counted
    as begun that day, solved with "do widzenia". The first start (SET NX) and the first verdict (the outcome's
    marker, 2 days) stood: 7 December read 1 conversation and 0 solved, its solution counted nowhere."""
    async with insights_world(redis_url, tmp_path) as w:
        clock = FakeClock(at("2026-12-06T23:40"))
        for worker in (w.chat_worker, w.agents_worker):
            assert worker.gateway.kpis is not None
            worker.gateway.kpis.clock = clock
        sid = (await w.chat("Gdzie jest paczka?"))["session_id"]
        clock.t = at("2026-12-07T00:40")
        metrics = w.chat_worker.gateway.metrics
        assert isinstance(metrics, InsightMetrics)
        await metrics.outcomes.sweep()  # the quiet chat: solved, on 6 December
        await w.redis.delete(f"{w.prefix}session:{sid}")  # its session expired (INFOLINIA_SESSION_TTL_S)
        clock.t = at("2026-12-07T10:00")
        assert (await w.chat("Gdzie jest paczka?", sid))["session_id"] == sid  # a fresh conversation
        assert (await w.chat("Dziękuję, do widzenia", sid))["action"] == "end"
        await metrics.outcomes.sweep()
        assert await _day(w, "2026-12-06") == (1, 1, 0, 0, 1.0)
        assert await _day(w, "2026-12-07") == (1, 1, 0, 0, 1.0)  # was (1, 0, 0, 0, 0.0)
