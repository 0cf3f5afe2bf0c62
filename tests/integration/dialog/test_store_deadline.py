"""The session keeper's own deadline counts Redis' time, not the wait for a pooled connection
(``dialog/store_deadline.py``), on a private redis-server.

Found by a review: with every pooled connection busy (a burst, Redis answering well), a device turn's session
read waited in the pool, the keeper's 2 s deadline fired there, and its ``TimeoutError`` opened the worker's
store breaker (``telephony/store_health.py``) as if Redis had stalled: rate limits and chats then skipped a
Redis that answered. The pool's own "No connection available" was already no stall; the keeper's deadline now
stands still while the call waits for a connection. A Redis that stalls still times out and opens it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError

from dialog.redis_connect import connect_redis
from dialog.session import Session
from dialog.session_keeper import SessionKeeper
from dialog.store import RedisStore, SessionRepo
from telephony.store_health import StoreHealth
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

SID = uuid.uuid4().hex  # the suite shares one redis-server
KEEPER_S = 0.5  # the keeper's deadline (INFOLINIA_CALL_SESSION_TIMEOUT_S)
HOLD_S = 2 * KEEPER_S  # how long the pool's only connection stays busy: longer than the keeper's deadline


@pytest.fixture
async def one_connection(redis_url: str) -> AsyncIterator[Redis]:
    """A client whose pool has one connection, waited for up to 3 s; the session stored through it."""
    redis = connect_redis(redis_url, max_connections=1, wait_s=3.0)
    await SessionRepo(RedisStore("", client=redis)).save(Session(id=SID, channel="voice", topic="paczka"))
    yield redis
    await redis.aclose()


def _keeper(redis: Redis, health: StoreHealth) -> SessionKeeper:
    return SessionKeeper(SessionRepo(RedisStore("", client=redis)), KEEPER_S, shared=True, breaker=health)


async def _release_later(redis: Redis, held: AbstractConnection, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await redis.connection_pool.release(held)


async def test_a_read_that_waited_for_a_busy_pool_past_the_keepers_deadline_gets_the_session(
    one_connection: Redis,
) -> None:
    health = StoreHealth(backoff_s=60.0)
    held = await one_connection.connection_pool.get_connection()  # every connection busy
    releasing = asyncio.create_task(_release_later(one_connection, held, HOLD_S))
    session = await _keeper(one_connection, health).load(SID)
    await releasing
    assert session is not None and session.topic == "paczka"
    assert not health.stalled  # a busy pool is no stalled Redis


async def test_a_pool_that_stays_busy_fails_as_the_pool_says_and_leaves_the_breaker_shut(
    one_connection: Redis,
) -> None:
    health = StoreHealth(backoff_s=60.0)
    held = await one_connection.connection_pool.get_connection()
    try:
        with pytest.raises(RedisConnectionError, match="No connection available"):
            await _keeper(one_connection, health).load(SID)  # no copy here: the store's error reaches the caller
    finally:
        await one_connection.connection_pool.release(held)
    assert not health.stalled


async def test_a_redis_that_stalls_once_the_connection_is_had_still_times_out_and_opens_the_breaker(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    redis = connect_redis(own_redis.url, max_connections=1, wait_s=3.0, timeout_s=None)  # only the keeper's bound
    health = StoreHealth(backoff_s=60.0)
    try:
        assert await redis.ping()  # connected: the stall is met on a connection the read holds
        own_redis.pause()
        try:
            loading = asyncio.create_task(_keeper(redis, health).load(SID))
            done, _ = await asyncio.wait({loading}, timeout=10 * KEEPER_S)  # bounds a hang
            assert loading in done and isinstance(loading.exception(), TimeoutError)  # the keeper's deadline
        finally:
            own_redis.resume()
    finally:
        await redis.aclose()
    assert health.stalled


async def _release_unconnected_later(redis: Redis, held: AbstractConnection, seconds: float) -> float:
    """``held`` back to the pool after ``seconds``, disconnected (the waiter must connect it); when that was."""
    await asyncio.sleep(seconds)
    await held.disconnect()
    await redis.connection_pool.release(held)
    return asyncio.get_running_loop().time()


async def test_a_connection_freed_after_a_pool_wait_connects_to_a_stalled_redis_within_the_keepers_deadline(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    redis = connect_redis(own_redis.url, max_connections=1, wait_s=3.0, timeout_s=None)  # only the keeper's bound
    health = StoreHealth(backoff_s=60.0)
    try:
        held = await redis.connection_pool.get_connection()  # every connection busy
        own_redis.pause()
        try:
            releasing = asyncio.create_task(_release_unconnected_later(redis, held, HOLD_S))
            loading = asyncio.create_task(_keeper(redis, health).load(SID))  # waits in the pool meanwhile
            done, _ = await asyncio.wait({loading}, timeout=HOLD_S + 10 * KEEPER_S)  # bounds a hang
            failed_at = asyncio.get_running_loop().time()
            released_at = await releasing
        finally:
            own_redis.resume()
    finally:
        await redis.aclose()
    # the wait did not count; connecting (TCP, handshake) to the stalled Redis is work with it, and does
    assert loading in done and isinstance(loading.exception(), TimeoutError)
    assert failed_at - released_at < KEEPER_S + 1.0
    assert health.stalled
