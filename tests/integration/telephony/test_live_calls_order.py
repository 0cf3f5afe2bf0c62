"""The phone calls in progress of one worker, said twice in a row (a call refused or hung up at once): the two
``HSET``s go on two pooled connections, and the first one's can reach Redis last (a new connection still in its
handshake). Real parts: a real redis-server behind a proxy that slows the client's first connection."""

from __future__ import annotations

import asyncio
import uuid

from dialog.redis_connect import connect_redis
from telephony.insights.kpis import KpiStore
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.redis_proxy import SlowFirstConnection


async def test_a_workers_last_word_on_its_calls_is_its_count_now(own_redis: RedisServer) -> None:  # noqa: F811
    """A call began and ended at once: the worker has none. Its "1" (sent first, on the slow connection) landed
    after its "0", and the tile read 1 call with the bot until the next gauges refresh (15 s), or for good in a
    worker that has no other call and no refresh running."""
    proxy = SlowFirstConnection("127.0.0.1", own_redis.port, delay_s=0.3)
    port = await proxy.start()
    redis = connect_redis(f"redis://127.0.0.1:{port}/0")
    try:
        kpis = KpiStore(redis, prefix=f"order{uuid.uuid4().hex[:8]}:")
        kpis.active("phone", 1)
        await asyncio.sleep(0.05)  # its word is on the way (the first connection: slow)
        kpis.active("phone", -1)
        await kpis.flush()
        assert proxy.connections >= 1
        assert kpis.calls.count == 0
        assert (await kpis.in_progress())["phone"] == 0  # was 1
    finally:
        await redis.aclose()
        proxy.close()
