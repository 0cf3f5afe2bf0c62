"""The supervisor's live dashboard stream outlives a Redis outage (a private redis-server killed and
restarted): it says so in comment lines instead of dying with an error after the response started, and
sends fresh panels again once Redis is back. No timing is asserted: ``GUARD_S`` only bounds a hang."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from dialog.redis_connect import connect_redis
from telephony.console.deps import build_agents_deps
from telephony.insights.dashboard import _stream
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

GUARD_S = 30.0


async def _until(chunks: AsyncIterator[str], start: str) -> str:
    async with asyncio.timeout(GUARD_S):
        async for chunk in chunks:
            if chunk.startswith(start):
                return chunk
    raise AssertionError(f"the stream ended before {start!r}")


async def test_the_dashboard_stream_outlives_a_redis_outage(own_redis: RedisServer) -> None:  # noqa: F811
    redis = connect_redis(own_redis.url)
    deps = build_agents_deps(redis, prefix="dash:")

    async def render() -> str:
        return f"<p>{await redis.dbsize()}</p>"  # reads Redis, as the real panels do

    async def still_valid() -> bool:
        return True

    chunks = _stream(deps, render, still_valid, refresh_s=0.2)
    try:
        assert (await _until(chunks, "retry:")).startswith("retry:")
        await _until(chunks, "event: panels")
        own_redis.kill()
        await _until(chunks, ": store unavailable")
        own_redis.restart()
        await _until(chunks, "event: panels")  # the same stream, fresh panels again
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
        await redis.aclose()
