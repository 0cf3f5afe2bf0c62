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


async def test_a_rolling_update_counts_chats_answered_before_it_as_they_were_counted(redis_url: str) -> None:
    """A quiet chat is solved only once it was given an entry (the ``informed`` flag, sticky per chat). The
    workers before that change never wrote the flag: a chat one of them answered from the KB, still quiet in
    Redis when the new workers' sweep came, was counted unresolved (every answered chat at the update: a dip in
    „Rozwiązane przez bota”). Their rows are judged as they judged them; the new workers' own are not."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    now = [1_000_000.0]
    kpis = KpiStore(redis, prefix=f"sweep-{uuid.uuid4().hex}:", clock=lambda: now[0])
    outcomes = ChatOutcomes(kpis, IDLE_S)
    idle, turns = outcomes._keys("chat")
    await redis.zadd(idle, {"old": now[0]})  # written by a worker before the change: no flag of any kind
    await redis.hset(turns, "old", "answer|text")
    outcomes.seen("chat", "hello", LastTurn(now[0], "answer", informed=False))  # "dzień dobry", the greeting
    outcomes.seen("chat", "thanks", LastTurn(now[0] - 5, "answer", informed=True))  # an entry, then
    outcomes.seen("chat", "thanks", LastTurn(now[0], "answer", informed=False))  # "dziękuję"
    await kpis.flush()
    now[0] += IDLE_S + 1
    assert await outcomes.sweep() == 3
    bucket = kpis.key("chat", hour_of(now[0] - IDLE_S - 1))
    assert await redis.hgetall(bucket) == {"contained": "2", "unresolved": "1"}
    assert not await redis.exists(outcomes._informed("chat", "hello"))  # as a worker at dba5871 reads it
    outcomes.seen("chat", "hello", LastTurn(now[0], "answer", informed=False))  # back: "mam pytanie", still none
    outcomes.seen("chat", "thanks", LastTurn(now[0], "answer", informed=False))  # back to say thanks again
    await kpis.flush()
    now[0] += IDLE_S + 1
    assert await outcomes.sweep() == 0  # each verdict stays what it was
    assert await redis.hgetall(bucket) == {"contained": "2", "unresolved": "1"}
    await redis.aclose()
