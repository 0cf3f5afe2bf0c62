"""Chats that end by going quiet, through the real gateway and Redis: two workers' sweepers racing over the
same quiet chats count each exactly once (solved by the bot after an answer, unresolved after a hand-off
nobody could take), ``/v1/stats`` and the dashboard show it, and a chat continued after it was counted is
revised, never counted twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from telephony.insights.kpis import KpiStore
from telephony.insights.outcomes import ChatOutcomes
from telephony.insights.recorder import InsightMetrics
from tests.support.insights import InsightsWorld, insights_world, stats_since

IDLE_S = 900.0


async def _chat_stats(w: InsightsWorld) -> dict[str, Any]:
    response = await w.agent("GET", f"/v1/stats?{stats_since()}", "szef")
    assert response.status_code == 200, response.text
    chat: dict[str, Any] = response.json()["channels"]["chat"]
    return chat


def _sweepers(w: InsightsWorld, later_s: float) -> list[ChatOutcomes]:
    """One sweeper on each worker's Redis connection, with a clock ``later_s`` ahead (the chats went quiet)."""
    out = []
    for worker in (w.chat_worker, w.agents_worker):
        own = worker.gateway.kpis
        assert own is not None
        kpis = KpiStore(own.redis, prefix=own.prefix, ttl_s=own.ttl_s, clock=lambda: time.time() + later_s)
        out.append(ChatOutcomes(kpis, IDLE_S))
    return out


async def _sweep_all(sweepers: list[ChatOutcomes]) -> int:
    decided = await asyncio.gather(*(s.sweep() for s in sweepers for _ in range(3)))
    return sum(decided)


async def test_quiet_chats_are_counted_once_by_racing_sweepers(redis_url: str, tmp_path: Path) -> None:
    async with insights_world(redis_url, tmp_path) as w:
        for worker in (w.chat_worker, w.agents_worker):  # the composition root started each worker's sweep
            assert isinstance(worker.gateway.metrics, InsightMetrics) and worker.gateway._sweep is not None
        answered = await w.chat("Jakie są koszty dostawy?")  # answered, then the customer closed the window
        refused = await w.chat("Chcę rozmawiać z konsultantem")  # nobody on duty: no hand-off
        assert refused["handoff"]["status"] == "unavailable"
        bye = await w.chat("Gdzie jest paczka?")
        assert (await w.chat("Dziękuję, do widzenia", bye["session_id"]))["action"] == "end"  # solved explicitly
        assert (await w.agent("PUT", "/v1/agents/anna/status", "anna", json={"status": "available"})).status_code == 200
        helped = await w.chat("Poproszę konsultanta")  # a person takes it: never the bot's
        assert helped["handoff"]["status"] != "unavailable"

        before = await _chat_stats(w)
        assert (before["conversations"], before["contained"], before["unresolved"]) == (4, 1, 0)
        assert await _sweep_all(_sweepers(w, later_s=IDLE_S / 2)) == 0  # not quiet long enough yet, however slow
        assert await _sweep_all(_sweepers(w, later_s=IDLE_S + 1)) == 2  # each quiet chat decided once
        assert await _sweep_all(_sweepers(w, later_s=IDLE_S + 120)) == 0
        after = await _chat_stats(w)
        assert (after["contained"], after["unresolved"], after["transferred"]) == (2, 1, 1)
        assert after["containment"] == 0.5
        async with httpx.AsyncClient(base_url=w.agents_worker.base, timeout=10) as szef:
            assert (await szef.post("/agents/login", data={"token": "token-szef"})).status_code == 303
            page = (await szef.get("/agents/dashboard")).text
        assert 'data-kpi="today.chat.contained">2<' in page and 'data-kpi="today.chat.unresolved">1<' in page

        # continued after being counted: an explicit goodbye is the same verdict, not a second one
        assert (await w.chat("Dziękuję, do widzenia", answered["session_id"]))["action"] == "end"
        # the refused one is answered after all and goes quiet again: still not the bot's (a person was asked for)
        await w.chat("A jaki jest czas dostawy?", refused["session_id"])
        assert await _sweep_all(_sweepers(w, later_s=IDLE_S + 1)) == 0
        # one solved by the bot asks for a person after all: the bot's credit is taken back
        assert (await w.chat("Jednak konsultant", bye["session_id"]))["handoff"]["status"] != "unavailable"
        final = await _chat_stats(w)
        assert (final["conversations"], final["contained"], final["unresolved"], final["transferred"]) == (4, 1, 1, 2)


async def test_a_chat_that_only_said_hello_is_not_solved_by_the_bot(redis_url: str, tmp_path: Path) -> None:
    """An office's walkthrough: a citizen wrote "dzień dobry" (or "mam pytanie"), got the greeting (an
    ``answer`` with no entry) and left. The dashboard counted it „Rozwiązane przez bota” while the history
    said „bez odpowiedzi”. Solved takes an answer the customer was given (an entry, an order's status); the
    small talk after one ("dziękuję") keeps it solved."""
    async with insights_world(redis_url, tmp_path) as w:
        hello = await w.chat("Dzień dobry")
        assert (hello["action"], hello["kb_id"], hello["expects"]) == ("answer", None, "text")
        invited = await w.chat("Mam pytanie")
        assert (invited["action"], invited["kb_id"]) == ("answer", None)
        asked = await w.chat("Jakie są koszty dostawy?")
        assert asked["kb_id"] is not None, asked
        thanks = await w.chat("Dziękuję", asked["session_id"])
        assert (thanks["action"], thanks["kb_id"]) == ("answer", None)
        assert await _sweep_all(_sweepers(w, later_s=IDLE_S + 1)) == 3
        after = await _chat_stats(w)
        assert (after["conversations"], after["contained"], after["unresolved"]) == (3, 1, 2)
