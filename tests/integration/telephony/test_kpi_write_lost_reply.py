"""A KPI write whose reply Redis lost: Redis added the counts, the connection broke before the answer, and
redis-py sent the same increments again (``connect_redis`` retries a command whose connection broke).

Real parts: a real redis-server behind a proxy that loses exactly one reply (``tests/support/redis_proxy.py``),
the gateway's own Redis client.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dialog.redis_connect import connect_redis
from telephony.insights.kpis import KpiStore
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


@asynccontextmanager
async def _losing_one_write(
    server: RedisServer, commands: tuple[bytes, ...] = (b"HINCRBY", b"EVALSHA")
) -> AsyncIterator[tuple[LoseOneReply, KpiStore]]:
    """A KPI store whose first write's reply (a plain ``HINCRBY``'s or the script's) is lost."""
    proxy = LoseOneReply("127.0.0.1", server.port, commands=commands, reply=b":")
    port = await proxy.start()
    redis = connect_redis(f"redis://127.0.0.1:{port}/0")
    try:
        yield proxy, KpiStore(redis, prefix=f"lost{port}:")
    finally:
        await redis.aclose()
        proxy.close()


async def test_a_kpi_write_whose_reply_was_lost_counts_once(own_redis: RedisServer) -> None:  # noqa: F811
    async with _losing_one_write(own_redis) as (proxy, kpis):
        now = time.time()
        kpis.started("chat")
        kpis.rated("chat", 5, "anna")
        await kpis.flush()
        assert proxy.dropped, "the proxy lost the write's reply"
        chat = (await kpis.sums(now - 3600, now + 3600, ("chat",)))["chat"]
        assert (chat.get("conversations"), chat.get("csat_count"), chat.get("csat_sum")) == (1, 1, 5), chat


async def test_a_call_in_progress_whose_reply_was_lost_counts_once(own_redis: RedisServer) -> None:  # noqa: F811
    async with _losing_one_write(own_redis, (b"HINCRBY", b"HSET")) as (proxy, kpis):
        kpis.active("phone", 1)  # the dashboard's "Rozmowy z botem teraz": one call
        await kpis.flush()
        assert proxy.dropped, "the proxy lost the write's reply"
        assert (await kpis.in_progress())["phone"] == 1  # was 2, and 1 after the call ended
