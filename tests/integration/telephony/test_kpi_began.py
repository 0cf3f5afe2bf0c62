"""A conversation's start hour (``kpi:began:<channel>:<id>``) against a real redis-server: its outcome is counted
on the hour it began, and a new conversation under an id used before (a chat whose session expired, continued
the next morning as a fresh one under the client's id: ``telephony/chat/turn.py``) begins when it begins."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.insights.kpis import KpiStore
from tests.support.clock import FakeClock
from tests.support.insights import insights_world

WARSAW = ZoneInfo("Europe/Warsaw")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW).timestamp()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = connect_redis(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def _day(kpis: KpiStore, day: str) -> tuple[int, int]:
    chat = (await kpis.sums(at(f"{day}T00:00"), at(f"{day}T00:00") + 86400, ("chat",)))["chat"]
    return chat.get("conversations", 0), chat.get("contained", 0)


async def test_a_new_conversation_under_an_old_id_counts_its_outcome_on_its_own_day(redis: Redis) -> None:
    """The chat 's' began on 6 December at 23:40 and went quiet; its session expired, and on 7 December at 10:00
    the customer wrote again under the same id: a fresh conversation (``turn.new``), solved. Its start was kept
    with SET NX, so the first start stood: 7 December counted 1 conversation and 0 solved, 6 December 1
    conversation and its solved one (and the quiet chat's verdict: over 100 % there)."""
    clock = FakeClock(at("2026-12-06T23:40"))
    kpis = KpiStore(redis, prefix=f"began{uuid.uuid4().hex[:8]}:", clock=clock)
    kpis.started("chat", "s")
    await kpis.flush()
    clock.t = at("2026-12-07T10:00")
    kpis.started("chat", "s")  # the fresh conversation under the client's id
    await kpis.flush()
    kpis.contained("chat", "s")
    await kpis.flush()
    assert await _day(kpis, "2026-12-07") == (1, 1)  # was (1, 0)
    assert await _day(kpis, "2026-12-06") == (1, 0)  # was (1, 1)


async def test_an_outcome_counts_on_the_hour_its_conversation_began(redis: Redis) -> None:
    """The case the start hour is kept for, and its fallbacks: begun 23:50, solved 00:10 is the first day's; one
    whose start is not known (an older worker wrote it, Redis lost it) is counted on the hour it was decided."""
    clock = FakeClock(at("2026-12-06T23:50"))
    kpis = KpiStore(redis, prefix=f"began{uuid.uuid4().hex[:8]}:", clock=clock)
    kpis.started("chat", "late")
    await kpis.flush()
    clock.t = at("2026-12-07T00:10")
    kpis.contained("chat", "late")
    kpis.contained("chat", "unknown")  # no start kept
    await kpis.flush()
    assert await _day(kpis, "2026-12-06") == (1, 1)
    assert await _day(kpis, "2026-12-07") == (0, 1)


async def test_a_new_conversation_under_an_old_id_can_be_rated(redis_url: str, tmp_path: Path) -> None:
    """One rating per conversation: the chat 's' was solved and rated; its session expired and the customer came
    back under the same id, a fresh conversation, solved again. Its rating was a 409 "already rated" (the first
    one's marker, a day), so the day's CSAT never heard of it."""
    async with insights_world(redis_url, tmp_path) as w:
        sid = (await w.chat("Gdzie jest paczka?"))["session_id"]
        assert (await w.chat("Dziękuję, do widzenia", sid))["action"] == "end"
        assert (await w.rate(sid, 5)).status_code == 201
        await w.redis.delete(f"{w.prefix}session:{sid}")  # its session expired (INFOLINIA_SESSION_TTL_S)
        assert (await w.chat("Jakie są koszty dostawy?", sid))["session_id"] == sid  # a fresh conversation
        assert (await w.chat("Dziękuję, do widzenia", sid))["action"] == "end"
        again = await w.rate(sid, 3)
        assert again.status_code == 201, again.text  # was 409
        assert (await w.rate(sid, 1)).status_code == 409  # still once per conversation
        chat = (await w.agent("GET", "/v1/stats?channel=chat", "szef")).json()["channels"]["chat"]
        assert (chat["conversations"], chat["csat_count"], chat["csat_avg"]) == (2, 2, 4.0)
