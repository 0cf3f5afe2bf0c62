"""The session lease (``telephony/chat/session_lease.py``) on a real redis-server: one turn of a session at a time
across workers, released only by its own turn, bounded waits, fair turns, and no waiting on a Redis that is down.

Each "worker" is a ``SessionLease`` on a Redis client of its own. Nothing is asserted on timing: the order of
turns is observed through the keys in Redis, and a wait that would hang is bounded by ``GUARD_S``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.chat.session_lease import LeaseTiming, SessionBusy, SessionLease
from telephony.chat.session_locks import SessionLocks
from telephony.store_health import StoreHealth
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.servers import free_port

GUARD_S = 20.0  # a wait that never ends fails the test instead of hanging it; far above any real run
LONG = LeaseTiming(ttl_s=60.0, wait_s=60.0)  # waits the tests must never sit out


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    a, b = Redis.from_url(redis_url), Redis.from_url(redis_url)
    yield a, b
    await a.aclose()
    await b.aclose()


def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}:"


async def until(check: Callable[[], Awaitable[Any]]) -> None:
    """Ask ``check`` again until it is true (a key appeared in Redis), within ``GUARD_S``."""
    async with asyncio.timeout(GUARD_S):
        while not await check():
            await asyncio.sleep(0.005)


async def test_a_second_worker_waits_for_the_first_workers_turn(clients: tuple[Redis, Redis]) -> None:
    p = prefix()
    a, b = SessionLease(clients[0], p, timing=LONG), SessionLease(clients[1], p, timing=LONG)
    order: list[str] = []
    async with a.hold("s1") as leased:
        assert leased
        waiting = asyncio.create_task(_turn(b, "s1", "b", order))
        await until(lambda: clients[0].exists(a.key("s1") + ":next"))  # b tried, found it taken, claimed the next
        assert not waiting.done()
        order.append("a out")
    async with asyncio.timeout(GUARD_S):
        await waiting
    assert order == ["a out", "b in"]
    assert not await clients[0].exists(a.key("s1"), a.key("s1") + ":next")  # nothing left behind


async def _turn(lease: SessionLease, sid: str, name: str, order: list[str]) -> None:
    async with lease.hold(sid) as leased:
        assert leased
        order.append(f"{name} in")


async def test_other_sessions_are_not_held_up(clients: tuple[Redis, Redis]) -> None:
    p = prefix()
    a, b = SessionLease(clients[0], p, timing=LONG), SessionLease(clients[1], p, timing=LONG)
    async with a.hold("s1"), asyncio.timeout(GUARD_S), b.hold("s2") as leased:
        assert leased


async def test_a_turn_whose_lease_lapsed_never_frees_the_next_turns(clients: tuple[Redis, Redis]) -> None:
    p = prefix()
    short = SessionLease(clients[0], p, timing=LeaseTiming(ttl_s=0.05, wait_s=60.0))
    other = SessionLease(clients[1], p, timing=LONG)
    old = await short.take("s1")
    assert old is not None
    new = await other.take("s1")  # waits out the lapsed lease (a worker that died mid-turn), then takes it
    assert new is not None and new != old
    await short.give_back("s1", old)  # the first turn ends late: compare-and-delete leaves the new lease alone
    assert (await clients[0].get(other.key("s1"))) == new.encode()
    await other.give_back("s1", new)
    assert not await clients[0].exists(other.key("s1"))


async def test_the_lease_expires_within_its_ttl(clients: tuple[Redis, Redis]) -> None:
    lease = SessionLease(clients[0], prefix(), timing=LeaseTiming(ttl_s=30.0, wait_s=1.0))
    token = await lease.take("s1")
    assert token is not None
    assert 0 < await clients[0].pttl(lease.key("s1")) <= 30_000  # a crashed worker blocks it 30 s at most
    await lease.give_back("s1", token)


async def test_a_wait_past_its_bound_is_busy_and_leaves_no_claim(clients: tuple[Redis, Redis]) -> None:
    p = prefix()
    holder = SessionLease(clients[0], p, timing=LONG)
    impatient = SessionLease(clients[1], p, timing=LeaseTiming(ttl_s=60.0, wait_s=0.05))
    token = await holder.take("s1")
    assert token is not None
    with pytest.raises(SessionBusy):
        await impatient.take("s1")
    assert not await clients[0].exists(holder.key("s1") + ":next")  # its claim withdrawn: nobody waits for it
    await holder.give_back("s1", token)
    assert await holder.take("s1") is not None  # taken again at once


async def test_a_waiting_worker_gets_the_next_turn_before_the_holders_next_one(clients: tuple[Redis, Redis]) -> None:
    """Without the claim the worker that released would take the lease straight back for its next queued turn,
    before the other's next poll: the other worker's turns could starve until their wait ran out."""
    p = prefix()
    a, b = SessionLease(clients[0], p, timing=LONG), SessionLease(clients[1], p, timing=LONG)
    order: list[str] = []
    first = await a.take("s1")
    assert first is not None
    waiting = asyncio.create_task(_turn(b, "s1", "b", order))
    await until(lambda: clients[0].exists(a.key("s1") + ":next"))
    await a.give_back("s1", first)
    await _turn(a, "s1", "a again", order)  # a's next queued turn asks at once
    async with asyncio.timeout(GUARD_S):
        await waiting
    assert order == ["b in", "a again in"]


async def test_redis_down_is_not_waited_for(caplog: pytest.LogCaptureFixture) -> None:
    down = connect_redis(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    lease = SessionLease(down, prefix(), timing=LONG)
    async with asyncio.timeout(GUARD_S):  # a 60 s wait would fail here
        assert await lease.take("s1") is None  # the turn goes on under its worker's lock only
    assert "session lease unavailable" in caplog.text
    await down.aclose()


async def test_an_open_breaker_sends_nothing_and_waits_for_nothing(caplog: pytest.LogCaptureFixture) -> None:
    down = connect_redis(f"redis://127.0.0.1:{free_port()}/0")
    breaker = StoreHealth(backoff_s=60.0)
    breaker.saw(TimeoutError())  # Redis timed out a moment ago
    lease = SessionLease(down, prefix(), timing=LONG, breaker=breaker)
    with caplog.at_level(logging.WARNING):
        assert await lease.take("s1") is None
    assert "session lease unavailable" not in caplog.text  # not even tried
    await down.aclose()


async def test_a_stalled_redis_opens_the_breaker_and_the_next_turn_skips_it(own_redis: RedisServer) -> None:  # noqa: F811
    stalled = connect_redis(own_redis.url, timeout_s=0.3)
    breaker = StoreHealth(backoff_s=60.0)
    lease = SessionLease(stalled, prefix(), timing=LONG, breaker=breaker)
    await stalled.ping()  # connected before the pause
    own_redis.pause()
    try:
        async with asyncio.timeout(GUARD_S):
            assert await lease.take("s1") is None  # one command's timeout, then the turn goes on
        assert breaker.stalled
    finally:
        own_redis.resume()
        await stalled.aclose()


async def test_locks_hold_another_workers_session_without_waiting_while_the_breaker_is_open(
    clients: tuple[Redis, Redis],
) -> None:
    """A Redis outage must not make a turn wait on the lease: here another worker holds it, and this worker's
    breaker is open, so the turn runs at once under this worker's lock (its degraded path)."""
    p = prefix()
    other = SessionLease(clients[0], p, timing=LONG)
    breaker = StoreHealth(backoff_s=60.0)
    locks = SessionLocks(SessionLease(clients[1], p, timing=LONG, breaker=breaker))
    token = await other.take("s1")
    assert token is not None
    breaker.saw(TimeoutError())
    ran = False
    async with asyncio.timeout(GUARD_S), locks.hold("s1"):
        ran = True
    assert ran and len(locks) == 0
    await other.give_back("s1", token)


async def test_a_turn_dropped_while_waiting_withdraws_its_claim(clients: tuple[Redis, Redis]) -> None:
    p = prefix()
    a, b = SessionLease(clients[0], p, timing=LONG), SessionLease(clients[1], p, timing=LONG)
    token = await a.take("s1")
    assert token is not None
    waiting = asyncio.create_task(b.take("s1"))
    await until(lambda: clients[0].exists(a.key("s1") + ":next"))
    waiting.cancel()  # the client went away
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not await clients[0].exists(a.key("s1") + ":next")  # nobody is left waiting for a claim that never comes
    await a.give_back("s1", token)


async def test_a_release_while_the_breaker_is_open_does_not_hold_the_turn(own_redis: RedisServer) -> None:  # noqa: F811
    redis, breaker = connect_redis(own_redis.url, timeout_s=60.0), StoreHealth(backoff_s=60.0)
    lease = SessionLease(redis, prefix(), timing=LONG, breaker=breaker)
    token = await lease.take("s1")
    assert token is not None
    own_redis.pause()  # Redis stalls during the turn, and another request's command timed out
    breaker.saw(TimeoutError())
    try:
        async with asyncio.timeout(GUARD_S):  # awaiting the release would sit out the 60 s command timeout
            await lease.give_back("s1", token)
    finally:
        own_redis.resume()
    await until(lambda: _gone(redis, lease.key("s1")))  # sent in the background: lands once Redis answers
    await redis.aclose()


async def _gone(redis: Redis, key: str) -> bool:
    return not await redis.exists(key)


async def test_a_take_that_timed_out_and_landed_later_does_not_block_the_session(own_redis: RedisServer) -> None:  # noqa: F811
    """A review of a Wyoming stall: the take sent to the stalled Redis timed out, and Redis ran it when it
    resumed; the lease then blocked the conversation for its whole TTL ("still answering" after the stall).
    This worker's next turn takes it over at once, and the other workers find it freed once Redis answers."""
    redis = connect_redis(own_redis.url, timeout_s=0.3)
    other = Redis.from_url(own_redis.url)
    p = prefix()
    quiet = LeaseTiming(ttl_s=60.0, wait_s=60.0, unsure_s=600.0)  # no background release within this test
    lease = SessionLease(redis, p, timing=quiet, breaker=StoreHealth(backoff_s=0.0))
    await lease.give_back("s0", str(await lease.take("s0")))  # the scripts are loaded: EVALSHA runs on resume
    own_redis.pause()
    try:
        assert await lease.take("s1") is None  # the command is in Redis's socket, not yet run
    finally:
        own_redis.resume()
    await until(lambda: other.exists(lease.key("s1")))  # Redis ran the timed-out take after all
    async with asyncio.timeout(GUARD_S):
        token = await lease.take("s1")  # this worker's next turn: the doubtful lease counts as free
    assert token is not None and await other.get(lease.key("s1")) == token.encode()
    await lease.give_back("s1", token)
    lease = SessionLease(redis, p, timing=LeaseTiming(ttl_s=60.0, wait_s=60.0, unsure_s=0.05))
    await lease.give_back("s0", str(await lease.take("s0")))
    own_redis.pause()
    try:
        assert await lease.take("s2") is None
    finally:
        own_redis.resume()
    stranger = SessionLease(other, p, timing=LONG)  # another worker, far inside the 60 s TTL
    async with asyncio.timeout(GUARD_S):
        assert await stranger.take("s2") is not None
    await redis.aclose()
    await other.aclose()
