"""The quiet-chat sweep (``telephony/insights/outcomes.py``) on a real redis-server when Redis fails mid-sweep.

What must hold: a chat the sweep had started on but could not settle (a connection reset between taking it and
counting it, a shutdown cancelling the sweep) is still there for the next sweep, and is counted exactly once.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from telephony.insights.buckets import hour_of
from telephony.insights.idle import LastTurn
from telephony.insights.kpis import KpiStore
from telephony.insights.outcomes import ChatOutcomes

IDLE_S = 900.0


async def test_a_chat_the_sweep_failed_to_settle_is_counted_by_the_next_sweep(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    now = [1_000_000.0]
    kpis = KpiStore(redis, prefix=f"sweep-{uuid.uuid4().hex}:", clock=lambda: now[0])
    outcomes = ChatOutcomes(kpis, IDLE_S)
    outcomes.seen("chat", "c1", LastTurn(now[0], "answer", informed=True))  # answered; the window closed
    await kpis.flush()
    now[0] += IDLE_S + 1
    exists = redis.exists
    calls = [0]

    async def reset_once(*keys: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            raise RedisConnectionError("Connection reset by peer")
        return await exists(*keys)

    monkeypatch.setattr(redis, "exists", reset_once)
    with pytest.raises(RedisConnectionError):
        await outcomes.sweep()
    assert await outcomes.sweep() == 1  # still there: decided now
    assert await outcomes.sweep() == 0  # and only once
    bucket = kpis.key("chat", hour_of(now[0] - IDLE_S - 1))
    assert await redis.hget(bucket, "contained") == "1"
    await redis.aclose()
