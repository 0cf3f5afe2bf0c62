"""The CSAT 'already rated' marker and the agent first-response marker (``SET NX``) whose reply Redis lost: Redis
set the marker, the connection broke before the answer, and redis-py sent the same SET again, which found the
marker (its own) and answered no. The first rating was then refused as a second one (409, the score never
counted) and the chat's first agent message gave no first-response sample. Each marker now holds its request's
token, as the transfer store's ``first_time`` does (43ed887); a real second request is still the second.

Real parts: a real redis-server behind a proxy that loses exactly one reply (``tests/support/redis_proxy.py``),
the gateway's own Redis client (``connect_redis``: redis-py retries a command whose connection broke).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from dialog.redis_connect import connect_redis
from telephony.insights.kpis import KpiStore
from telephony.insights.rating import first_rating
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import LoseOneReply


@asynccontextmanager
async def _losing_one_set(server: RedisServer) -> AsyncIterator[tuple[LoseOneReply, Redis]]:
    proxy = LoseOneReply("127.0.0.1", server.port, commands=(b"\r\nSET\r\n",), reply=b"+OK")
    port = await proxy.start()
    redis = connect_redis(f"redis://127.0.0.1:{port}/0")
    try:
        yield proxy, redis
    finally:
        await redis.aclose()
        proxy.close()


async def test_a_first_rating_whose_marker_reply_was_lost_is_the_first(own_redis: RedisServer) -> None:  # noqa: F811
    async with _losing_one_set(own_redis) as (proxy, redis):
        assert await first_rating(redis, "t:", "chat", "sess-1", 600)  # was: False, the rating refused as a copy
        assert proxy.dropped, "the proxy lost the marker's reply"
        assert not await first_rating(redis, "t:", "chat", "sess-1", 600)  # a real second rating: refused


async def test_a_first_response_whose_marker_reply_was_lost_is_a_sample(own_redis: RedisServer) -> None:  # noqa: F811
    async with _losing_one_set(own_redis) as (proxy, redis):
        kpis, now = KpiStore(redis, prefix="t:"), time.time()
        kpis.first_response("chat", "sess-2", 25.0)
        await kpis.flush()
        assert proxy.dropped, "the proxy lost the marker's reply"
        kpis.first_response("chat", "sess-2", 40.0)  # the agent's second message: no sample
        await kpis.flush()
        sums = await kpis.sums(now - 3600, now + 3600, ("chat",))
        samples = {k: v for k, v in sums["chat"].items() if k.startswith("agent_frt")}
        assert sum(v for k, v in samples.items() if k.startswith("agent_frt:")) == 1, samples  # was: none at all
