"""A master behind Sentinel that *stalls* (SIGSTOP: the kernel still accepts, nobody answers), on real
redis-server processes (a master, a replica, a sentinel; ``tests/support/sentinel.py``).

What must hold: a command on a master that merely stalls fails after ``timeout_s``, not after the failover
window (it was tried again on the same master for up to 10 s, and a write that timed out may have been
applied: sent again, an INCR would land twice once the master goes on); it is applied exactly once when
the master goes on. A command that times out on a master the sentinel has meanwhile replaced is tried
again on the new one and answered. (A master that dies, refusing connections, is
``tests/integration/telephony/test_redis_failover.py``.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
import redis
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.redis_connect import connect_redis
from tests.support.redis import RedisMissing
from tests.support.sentinel import SentinelGroup, sentinel_group, start_group  # noqa: F401  (fixture)

TIMEOUT_S = 1.0
FAILOVER_S = 10.0
GUARD_S = 60.0  # bounds a hang on a loaded machine


@pytest.fixture
def patient_group() -> Iterator[SentinelGroup]:
    """A sentinel that waits a minute before calling the master down: a stall in the test stays a stall."""
    try:
        group = start_group(down_after_ms=60_000)
    except RedisMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield group
    finally:
        group.stop()


async def test_a_stalled_master_fails_a_write_after_the_timeout_and_applies_it_once(
    patient_group: SentinelGroup,
) -> None:
    group = patient_group
    client = connect_redis(group.url, timeout_s=TIMEOUT_S, failover_s=FAILOVER_S)
    try:
        await client.set("count", 0)
        group.master.pause()
        try:
            started = time.monotonic()
            with pytest.raises(RedisTimeoutError):
                await asyncio.wait_for(client.incr("count"), GUARD_S)
            took = time.monotonic() - started
        finally:
            group.master.resume()
        assert TIMEOUT_S <= took < FAILOVER_S / 2, took  # one timeout, not the failover window
        assert group.master_port() == group.master.port  # no failover happened: the same master
        await asyncio.sleep(0.5)  # the resumed master reads what it was sent meanwhile
        assert await client.get("count") == "1"  # the INCR that timed out was applied, once
    finally:
        await client.aclose()


async def test_a_write_timed_out_on_a_replaced_master_is_tried_again_on_the_new_one(
    sentinel_group: SentinelGroup,  # noqa: F811
) -> None:
    group = sentinel_group
    client = connect_redis(group.url, timeout_s=TIMEOUT_S, failover_s=FAILOVER_S)
    try:
        await client.set("before", "1")  # leaves a pooled connection to the master about to stall
        old = group.master.port
        group.master.pause()
        try:
            new = await asyncio.to_thread(group.wait_promoted, old)
            # Sent to the stalled old master, timed out; the sentinel names the new one: tried there.
            assert await asyncio.wait_for(client.incr("count"), GUARD_S) == 1
        finally:
            group.master.resume()
        with redis.Redis(port=new, decode_responses=True, socket_timeout=5) as promoted:
            assert promoted.get("count") == "1" and promoted.get("before") == "1"
    finally:
        await client.aclose()
