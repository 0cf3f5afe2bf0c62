"""The session lease (``telephony/chat/session_lease.py``) through faults, on a real redis-server: a take whose
answer was lost and that redis-py sends again, a worker's turns queued behind a long one, a stall longer than the
TTL, a Redis that refuses connections, a turn cancelled by a cancel scope, and the releases still running at
shutdown. Found by a review of the lease, each a test that failed before its fix.

Nothing is asserted on timing: what happened is read from Redis and the lease, and a wait that would hang is
bounded by ``GUARD_S``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.redis_connect import connect_redis
from telephony.chat.lease_doubts import may_have_run
from telephony.chat.session_lease import LeaseTiming, SessionBusy, SessionLease
from telephony.chat.session_locks import SessionLocks
from telephony.store_health import StoreHealth
from tests.support.cancels import CancelAfterWrite, victim_hit
from tests.support.clock import FakeClock
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply
from tests.support.servers import free_port

GUARD_S = 20.0  # a wait that never ends fails the test instead of hanging it; far above any real run
LONG = LeaseTiming(ttl_s=60.0, wait_s=60.0)  # waits the tests must never sit out


def prefix() -> str:
    return f"f{uuid.uuid4().hex[:8]}:"


async def until(check: Callable[[], Awaitable[Any]]) -> None:
    """Ask ``check`` again until it is true, within ``GUARD_S``."""
    async with asyncio.timeout(GUARD_S):
        while not await check():
            await asyncio.sleep(0.005)


@pytest.fixture
async def lossy(redis_url: str) -> AsyncIterator[tuple[Redis, Redis, LoseOneReply]]:
    """The project's client (its retries) through a proxy that loses one EVALSHA answer; a direct client."""
    where = urlsplit(redis_url)
    proxy = LoseOneReply(where.hostname or "127.0.0.1", where.port or 6379)
    port = await proxy.start()
    client, direct = connect_redis(f"redis://127.0.0.1:{port}/0"), Redis.from_url(redis_url)
    yield client, direct, proxy
    await client.aclose()
    await direct.aclose()
    proxy.close()


async def test_a_take_sent_again_after_its_answer_was_lost_takes_its_own_lease(
    lossy: tuple[Redis, Redis, LoseOneReply],
) -> None:
    """redis-py sends the script again after a reset while reading its answer: the first run had set the lease to
    this turn's token. The turn waited for itself until ``SessionBusy``, and the lease blocked the session for
    the whole TTL."""
    client, direct, proxy = lossy
    lease = SessionLease(client, prefix(), timing=LeaseTiming(ttl_s=60.0, wait_s=0.05))
    await direct.script_load(lease._acquire.script)  # the first EVALSHA is the take itself, not a NOSCRIPT
    async with asyncio.timeout(GUARD_S):
        token = await lease.take("s1")
    assert proxy.dropped  # the first answer was lost: this was the retry
    assert token is not None and await direct.get(lease.key("s1")) == token.encode()
    await lease.give_back("s1", token)
    assert not await direct.exists(lease.key("s1"))


async def test_a_turn_queued_behind_a_long_turn_of_its_worker_is_busy_within_the_wait(redis_url: str) -> None:
    """The wait starts when the turn arrives, not when this worker's lock is free: a message queued behind a
    turn that runs long (or behind others that each waited on another worker's lease) waited for the lock
    without bound, then a whole lease wait of its own."""
    redis = Redis.from_url(redis_url)
    locks = SessionLocks(SessionLease(redis, prefix(), timing=LeaseTiming(ttl_s=60.0, wait_s=0.05)))
    running, done = asyncio.Event(), asyncio.Event()

    async def long_turn() -> None:
        async with locks.hold("s1"):
            running.set()
            await done.wait()

    first = asyncio.create_task(long_turn())
    await running.wait()
    try:
        with pytest.raises(SessionBusy):
            async with asyncio.timeout(GUARD_S), locks.hold("s1"):
                pass
    finally:
        done.set()
        await first
        await redis.aclose()
    assert len(locks) == 0  # nothing left behind for the session


async def test_a_take_stalled_past_the_ttl_does_not_block_the_session_after_it(own_redis: RedisServer) -> None:  # noqa: F811
    """The doubtful take was forgotten a TTL after it *failed*; the stalled Redis runs it when it *resumes*, and
    the lease then lives a whole TTL from there: this worker's next turn was busy, and the background release
    had given up, so every worker's were. (The lease's clock moves by more than the TTL; Redis's does not.)"""
    redis, other = connect_redis(own_redis.url, timeout_s=0.2), Redis.from_url(own_redis.url)
    breaker, clock = StoreHealth(backoff_s=600.0), FakeClock()  # open until the watcher says Redis answers
    timing = LeaseTiming(ttl_s=60.0, wait_s=0.0, unsure_s=0.01)
    lease = SessionLease(redis, prefix(), timing=timing, breaker=breaker, clock=clock)
    await lease.give_back("s0", str(await lease.take("s0")))  # the scripts are loaded: EVALSHA runs on resume
    try:
        for sid in ("s1", "s2"):
            await redis.ping()  # connected before the stall: the take itself is what waits in Redis
            own_redis.pause()
            try:
                assert await lease.take(sid) is None  # timed out: the command waits in the stalled Redis
            finally:
                own_redis.resume()
            await until(partial(other.exists, lease.key(sid)))  # it ran after all; nothing was sent meanwhile
            clock.t += 2 * timing.ttl_s  # the stall outlasted the TTL
            breaker.answered()  # the recovery watcher found Redis answering
        async with asyncio.timeout(GUARD_S):
            token = await lease.take("s1")  # this worker's next turn: its own doubtful lease counts as free
        assert token is not None
        await lease.give_back("s1", token)
        await until(lambda: _gone(other, lease.key("s2")))  # released in the background for the other workers
        await until(lambda: _settled(lease))
    finally:
        await redis.aclose()
        await other.aclose()


async def _gone(redis: Redis, key: str) -> bool:
    return not await redis.exists(key)


async def _settled(lease: SessionLease) -> bool:
    """Every doubtful take released and forgotten: no record, no loop left."""
    return len(lease.doubts) == 0 and lease.in_flight == 0


async def test_redis_refusing_connections_leaves_no_doubtful_takes_behind() -> None:
    """A refused connection sent nothing, yet each take while Redis was down was recorded as doubtful, with a
    background release loop each, and the record of a session with no other turn was never pruned."""
    down = connect_redis(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there: refused at once
    lease = SessionLease(down, prefix(), timing=LeaseTiming(ttl_s=0.3, wait_s=1.0, unsure_s=0.05))
    try:
        for i in range(10):
            assert await lease.take(f"s{i}") is None  # down: the turn runs under its worker's lock only
        assert len(lease.doubts) == 0 and lease.in_flight == 0
    finally:
        await down.aclose()


def test_only_a_command_redis_may_have_run_is_doubtful() -> None:
    """redis-py's own errors: a command that never left (the connect failed, no pooled connection, a connection
    closed before the write) against one Redis may have run (a timeout, a connection lost after the write)."""
    assert not may_have_run(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    assert not may_have_run(RedisConnectionError("No connection available."))
    assert not may_have_run(RedisTimeoutError("Timeout connecting to server"))
    assert not may_have_run(RedisConnectionError("Connection closed by the server before write"))
    assert may_have_run(RedisTimeoutError("Timeout reading from 127.0.0.1:6379"))
    assert may_have_run(TimeoutError())
    assert may_have_run(RedisConnectionError("Connection closed by server."))
    assert may_have_run(RedisConnectionError("Error while reading from 127.0.0.1:6379 : (104, 'reset by peer')"))


async def test_a_turn_cancelled_by_a_cancel_scope_releases_its_lease(redis_url: str) -> None:
    """A cancel scope (anyio's, which Starlette's task groups use) cancels again at every step: the release in
    ``hold``'s finally was cancelled with the turn, and the session stayed blocked for the TTL."""
    client = Redis.from_url(redis_url)
    lease = SessionLease(client, prefix(), timing=LONG)
    release = lease._release

    async def over_the_network(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.005)  # a Redis a little further away than loopback: the release takes a few steps
        return await release(*args, **kwargs)

    lease._release = over_the_network  # type: ignore[method-assign]
    try:
        with anyio.CancelScope() as scope:
            async with lease.hold("s1") as leased:
                assert leased
                scope.cancel()  # the request is cancelled mid-turn
                await asyncio.sleep(GUARD_S)
        assert not await client.exists(lease.key("s1"))
    finally:
        await client.aclose()


async def test_close_waits_for_a_release_sent_while_redis_stalled(own_redis: RedisServer) -> None:  # noqa: F811
    """At shutdown the pool was closed under the releases still running: each such lease blocked its session
    for the TTL. ``close`` waits for them (bounded), and cancels what is left after its bound."""
    redis, breaker = connect_redis(own_redis.url, timeout_s=60.0), StoreHealth(backoff_s=600.0)
    lease = SessionLease(redis, prefix(), timing=LONG, breaker=breaker)
    try:
        token, other = await lease.take("s1"), await lease.take("s2")
        assert token is not None and other is not None
        own_redis.pause()
        breaker.saw(TimeoutError())  # another command timed out: the releases go in the background
        await lease.give_back("s1", token)
        assert lease.in_flight == 1
        async with asyncio.timeout(GUARD_S):
            await lease.close(0.05)  # Redis still stalled: given up after the bound
        assert lease.in_flight == 0
        await lease.give_back("s2", other)
        own_redis.resume()
        async with asyncio.timeout(GUARD_S):
            await lease.close(GUARD_S)  # Redis answers: waited for
        assert lease.in_flight == 0 and not await redis.exists(lease.key("s2"))
    finally:
        own_redis.resume()
        await redis.aclose()


async def test_a_turn_dropped_as_its_poll_was_written_is_cancelled_and_takes_nothing(redis_url: str) -> None:
    """Under load the waiting turn's cancel (the client went away) landed just as a poll was written; redis-py's
    ``wait_for`` swallowed it, the take polled on, took the lease once it was freed and returned it to a turn
    nobody waited for: the session was blocked for the whole TTL (1 run in 5 of the lease tests under load)."""
    p = prefix()
    holder, dropped = Redis.from_url(redis_url), Redis.from_url(redis_url, connection_class=CancelAfterWrite)
    a, b = SessionLease(holder, p, timing=LONG), SessionLease(dropped, p, timing=LONG)
    token = await a.take("s1")
    assert token is not None
    waiting = asyncio.create_task(b.take("s1"))
    await until(lambda: holder.exists(a.key("s1") + ":next"))  # b waits, polling
    CancelAfterWrite.victim = waiting
    await until(victim_hit)  # b's next poll was written, and b cancelled right then
    await a.give_back("s1", token)  # the lease is free: a take that lost its cancel would take it now
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(GUARD_S):
            await asyncio.shield(waiting)
    assert not await holder.exists(a.key("s1"), a.key("s1") + ":next")  # nothing held or claimed for it
    await holder.aclose()
    await dropped.aclose()
