"""Live streams' Redis subscriptions never take the pool that calls and chats need.

Found by a hostile probe: 105 console SSE streams of one logged-in agent (each its own pub/sub
subscription, each holding a pooled connection) took all 100 connections of the gateway's pool; a chat
then got a 503 after 20 s and ``/readyz`` reported the store down until the streams closed.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

import pytest

from dialog.redis_connect import connect_redis
from telephony.agents.events import AGENT_STATUS, ConsoleEvent, EventBus, SubscriptionsFull
from telephony.console.sse import agent_stream
from telephony.spool import STORE_DOWN
from tests.support.agents import new_prefix

POOL = 4  # the bus may hold half of it: 2 subscriptions


async def test_subscriptions_past_their_share_are_refused_and_commands_keep_their_connections(redis_url: str) -> None:
    redis = connect_redis(redis_url, max_connections=POOL, wait_s=1.0)
    bus = EventBus(redis, prefix=new_prefix())
    assert bus.max_subscriptions == POOL // 2
    async with AsyncExitStack() as held:
        first = await held.enter_async_context(bus.subscribe(stream=True))
        await held.enter_async_context(bus.subscribe(stream=True))
        with pytest.raises(SubscriptionsFull) as refused:
            async with bus.subscribe(stream=True):
                pass
        assert isinstance(refused.value, STORE_DOWN)  # the streams' "kept open, subscribe again" path
        began = time.monotonic()
        assert await asyncio.gather(*(redis.ping() for _ in range(POOL))) == [True] * POOL
        assert time.monotonic() - began < 0.5  # commands never waited for a connection
        async with bus.subscribe() as watch:  # the process's own watcher (ChatWatch) is never refused
            assert await bus.publish(ConsoleEvent(AGENT_STATUS, "anna")) == 3
            assert await watch.get(2.0) == ConsoleEvent(AGENT_STATUS, "anna")
        assert await first.get(2.0) == ConsoleEvent(AGENT_STATUS, "anna")
        assert bus.subscriptions == 2
    assert bus.subscriptions == 0
    async with bus.subscribe(stream=True) as again:  # slots come back when streams close
        assert await bus.publish(ConsoleEvent(AGENT_STATUS, "piotr")) == 1
        assert await again.get(2.0) == ConsoleEvent(AGENT_STATUS, "piotr")
    await redis.aclose()


async def test_a_console_stream_past_the_limit_stays_open_without_holding_a_connection(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    redis = connect_redis(redis_url, max_connections=POOL, wait_s=1.0)
    bus = EventBus(redis, prefix=new_prefix(), max_subscriptions=1)

    async def valid() -> bool:
        return True

    async with bus.subscribe(stream=True):
        stream = agent_stream(bus, "anna", still_valid=valid, keepalive_s=1.0, reconnect_s=0.05)
        first = await asyncio.wait_for(anext(stream), 2.0)
        assert first == ": store unavailable\n\n"  # open, waiting for a slot, not holding the pool
        assert bus.subscriptions == 1
        assert await redis.ping()
    chunk = await asyncio.wait_for(anext(stream), 2.0)  # a slot is free: it subscribes
    assert chunk.startswith("retry:")
    assert bus.subscriptions == 1
    await stream.aclose()
    assert bus.subscriptions == 0
    said = [r.getMessage() for r in caplog.records]
    assert not [m for m in said if "Redis unavailable" in m], said  # the limit, not an outage: no false alarm
    assert [m for m in said if "live streams already subscribed" in m]
    await redis.aclose()
