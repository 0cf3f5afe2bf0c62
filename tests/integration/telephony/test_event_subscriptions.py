"""Live streams share the process's one events subscription (``EventBus.listen``, ``agents/fanout.py``).

Found by hostile probes: 105 console SSE streams of one logged-in agent (each its own pub/sub subscription,
each holding a pooled connection) took all 100 connections of the gateway's pool; a chat then got a 503
after 20 s. A cap of half the pool then let one agent's tabs take every slot, and another agent's console
went without live updates. Now streams cost a queue each, never a connection, and a slow one is told to
re-read rather than holding up the rest.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from dialog.redis_connect import connect_redis
from telephony.agents.events import AGENT_STATUS, RESYNC, STORE_BACK, TRANSFER_WAITING, ConsoleEvent, EventBus
from telephony.chat.stream import ChatWatch
from telephony.console.sse import agent_stream, sse_message
from tests.support.agents import new_prefix
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

POOL = 4
GUARD_S = 10.0  # bounds a hang; never a timing assertion


@pytest.fixture
async def redis(redis_url: str) -> Redis:
    return connect_redis(redis_url, max_connections=POOL, wait_s=1.0)


async def test_120_listeners_hold_one_connection_and_commands_keep_the_pool(redis: Redis) -> None:
    bus = EventBus(redis, prefix=new_prefix())
    async with AsyncExitStack() as held:
        listeners = [await held.enter_async_context(bus.listen()) for _ in range(120)]
        began = time.monotonic()
        assert await asyncio.gather(*(redis.ping() for _ in range(POOL))) == [True] * POOL
        assert time.monotonic() - began < 0.5  # commands never waited for a connection
        assert await bus.publish(ConsoleEvent(AGENT_STATUS, "anna")) == 1  # one subscriber in Redis: this process
        got = await asyncio.gather(*(listener.get(GUARD_S) for listener in listeners))
        assert got == [ConsoleEvent(AGENT_STATUS, "anna")] * 120
        async with bus.subscribe() as watch:  # the process's own watcher (ChatWatch) subscribes beside them
            assert await bus.publish(ConsoleEvent(AGENT_STATUS, "piotr")) == 2
            assert await watch.get(GUARD_S) == ConsoleEvent(AGENT_STATUS, "piotr")
    assert not bus.fanout.listeners and not bus.fanout.up  # the last one out unsubscribed
    async with bus.listen() as again:  # and the next one subscribes again
        assert await bus.publish(ConsoleEvent(AGENT_STATUS, "ewa")) == 1
        assert await again.get(GUARD_S) == ConsoleEvent(AGENT_STATUS, "ewa")
    await redis.aclose()


async def test_a_listener_that_falls_behind_is_told_to_resync_and_holds_up_nobody(redis: Redis) -> None:
    bus = EventBus(redis, prefix=new_prefix(), stream_queue=3)
    sent = [ConsoleEvent(TRANSFER_WAITING, transfer_id=f"t{i}") for i in range(10)]
    async with bus.listen() as slow, bus.listen() as reader:
        for event in sent:
            await bus.publish(event)
            assert await reader.get(GUARD_S) == event  # in order, none lost, while ``slow`` reads nothing
        assert slow.overflows > 0
        assert await slow.get(GUARD_S) == ConsoleEvent(RESYNC)  # what it missed is dropped: it re-reads
    await redis.aclose()


async def test_a_console_stream_that_fell_behind_runs_its_hooks_and_makes_the_browser_re_read(redis: Redis) -> None:
    bus, hooks = EventBus(redis, prefix=new_prefix(), stream_queue=3), list[str]()

    async def valid() -> bool:
        return True

    async def on_own() -> None:
        hooks.append("own")

    async def on_back() -> None:
        hooks.append("back")

    stream = agent_stream(bus, "anna", still_valid=valid, keepalive_s=GUARD_S, on_own=on_own, on_back=on_back)
    assert (await asyncio.wait_for(anext(stream), GUARD_S)).startswith("retry:")
    (listener,) = bus.fanout.listeners
    for i in range(10):  # the browser reads nothing meanwhile (the generator is not advanced)
        await bus.publish(ConsoleEvent(AGENT_STATUS, "anna", transfer_id=f"t{i}"))
    async with asyncio.timeout(GUARD_S):
        while listener.overflows == 0:
            await asyncio.sleep(0.01)
    assert await asyncio.wait_for(anext(stream), GUARD_S) == sse_message(ConsoleEvent(RESYNC))
    assert hooks == ["back", "own"]  # a missed PRESENCE_WANTED or own event is made up for
    await stream.aclose()
    assert not bus.fanout.listeners
    await redis.aclose()


def _in_use(redis: Redis) -> int:
    """The pool's connections taken and not given back (redis-py's own gauge)."""
    counts = redis.connection_pool.get_connection_count()
    return sum(n for n, labels in counts if labels["db.client.connection.state"] == "used")


async def test_subscribes_that_fail_on_a_stalled_redis_give_their_pooled_connections_back(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """SUBSCRIBE was sent before the ``try`` that closes the pub/sub: when the command itself failed after
    taking a pooled connection, that connection was never given back, one per attempt, while ``ChatWatch``
    and the fan-out retry through an outage; the pool ran dry and stayed so after Redis came back. The
    channel name here is 16 MB, so against a stalled (SIGSTOPped) Redis the SUBSCRIBE write itself times
    out once the kernel's buffers are full: the command fails on a connection it has taken."""
    redis = connect_redis(own_redis.url, max_connections=POOL, wait_s=1.0, timeout_s=0.5)
    bus = EventBus(redis, prefix="x" * 16_000_000 + ":")
    try:
        await asyncio.gather(*(redis.ping() for _ in range(POOL)))  # idle, connected: what SUBSCRIBE takes
        own_redis.pause()
        try:
            for _ in range(POOL + 2):
                with pytest.raises(RedisError):
                    async with bus.subscribe():
                        pass
                assert _in_use(redis) == 0
        finally:
            own_redis.resume()
        assert await redis.ping()
        async with bus.subscribe() as watch:  # Redis answers again: subscribing works as before
            assert await bus.publish(ConsoleEvent(AGENT_STATUS, "anna")) == 1
            assert await watch.get(GUARD_S) == ConsoleEvent(AGENT_STATUS, "anna")
        assert _in_use(redis) == 0
    finally:
        await redis.aclose()


async def test_a_subscription_redis_py_reconnected_on_its_own_tells_every_stream_to_re_read(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """redis-py reconnects a pub/sub whose connection broke inside its retry window and subscribes again by
    itself: no error reaches the fan-out, yet what was published meanwhile is lost. Every open stream must be
    told ``resync`` (its browser re-reads), not left showing a state that missed events. The connection is
    killed by Redis itself (CLIENT KILL), as a proxy's idle cut or a failover would."""
    redis = connect_redis(own_redis.url, max_connections=POOL, wait_s=1.0)
    bus = EventBus(redis, prefix=new_prefix())
    try:
        async with bus.listen() as first, bus.listen() as second:
            assert await redis.client_kill_filter(_type="pubsub") == 1  # the fan-out's one subscription
            assert await first.get(GUARD_S) == ConsoleEvent(RESYNC)
            assert await second.get(GUARD_S) == ConsoleEvent(RESYNC)
            assert bus.fanout.up  # subscribed again, by redis-py: the streams stay on it
            assert await bus.publish(ConsoleEvent(AGENT_STATUS, "anna")) == 1
            assert await first.get(GUARD_S) == ConsoleEvent(AGENT_STATUS, "anna")
            assert await second.get(GUARD_S) == ConsoleEvent(AGENT_STATUS, "anna")
    finally:
        await redis.aclose()


async def test_a_console_stream_open_through_a_redis_restart_makes_its_browser_re_read(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """A restarted redis-server: whichever way the subscription comes back (redis-py's own reconnect within
    its retries, or the fan-out's after an error), the browser is told to re-read before the next event."""
    redis = connect_redis(own_redis.url, max_connections=POOL, wait_s=1.0)
    bus = EventBus(redis, prefix=new_prefix())

    async def valid() -> bool:
        return True

    stream = agent_stream(bus, "anna", still_valid=valid, keepalive_s=GUARD_S, reconnect_s=0.05)
    try:
        assert (await asyncio.wait_for(anext(stream), GUARD_S)).startswith("retry:")
        own_redis.kill()  # a crash; back on the same port, its data kept (persist)
        own_redis.restart()
        told = [await asyncio.wait_for(anext(stream), GUARD_S)]
        while told[-1].startswith(":"):  # comment lines while Redis was away
            told.append(await asyncio.wait_for(anext(stream), GUARD_S))
        assert told[-1] in (sse_message(ConsoleEvent(RESYNC)), sse_message(ConsoleEvent(STORE_BACK))), told
        assert await bus.publish(ConsoleEvent(AGENT_STATUS, "anna")) == 1
        assert await asyncio.wait_for(anext(stream), GUARD_S) == sse_message(ConsoleEvent(AGENT_STATUS, "anna"))
    finally:
        await stream.aclose()
        await redis.aclose()


async def test_the_chat_watch_wakes_every_waiting_chat_when_its_subscription_was_reconnected_on_its_own(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """The customers' chat streams re-read Redis whenever woken; after redis-py's own reconnect (events lost)
    each is woken at once instead of waiting out its keep-alive for a message whose event was lost."""
    redis = connect_redis(own_redis.url, max_connections=POOL, wait_s=1.0)
    bus = EventBus(redis, prefix=new_prefix())
    watch = ChatWatch(bus, sweep_s=GUARD_S)
    watch.start()
    try:
        async with watch.watch("t1") as first, watch.watch("t2") as second:
            async with asyncio.timeout(GUARD_S):
                while not first.is_set():  # until the watch's subscription is up (confirmed, events arrive)
                    await bus.publish(ConsoleEvent(AGENT_STATUS, transfer_id="t1"))
                    await asyncio.sleep(0.01)
                first.clear()
                assert await redis.client_kill_filter(_type="pubsub") == 1
                await asyncio.gather(first.wait(), second.wait())
    finally:
        await watch.close()
        await redis.aclose()
