"""Agents at a live console put back after Redis came back empty (``Presence``), on a real redis-server: a
console request racing the recovery watcher, and a put-back that Redis interrupts half way.

Interleavings and failures are scripted, never timed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from telephony.agents.presence import Presence
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from telephony.console.sessions import ConsoleSessions, resolve_present
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

ANNA = Agent(id="anna", name="Anna", contact="client:anna", queues=("obsluga",), token_sha256="a" * 64)


class _WatcherWinsTheMiss(ConsoleSessions):
    """A lookup that misses, then the watcher's heartbeat (it noticed the empty Redis a moment earlier)."""

    presence: Presence

    async def resolve(self, sid: str | None) -> str | None:
        agent_id = await super().resolve(sid)
        if agent_id is None:
            await self.presence.heartbeat()
        return agent_id


@pytest.fixture
async def redis(own_redis: RedisServer) -> AsyncIterator[Redis]:  # noqa: F811
    client = Redis.from_url(own_redis.url, decode_responses=True)
    yield client
    await client.aclose()


async def test_a_request_racing_the_watcher_keeps_the_agent_logged_in(redis: Redis) -> None:
    agents = AgentRepo(redis)
    await agents.sync_roster([ANNA])
    await agents.set_status("anna", "available")
    sessions = _WatcherWinsTheMiss(redis)
    presence = sessions.presence = Presence.of(agents)
    sid = await sessions.create("anna")
    presence.attach("anna", lambda: sessions.adopt(sid, "anna"), sid)  # her console stream is open here
    assert await presence.heartbeat() == 0  # what Redis says now, and its epoch

    await redis.flushdb()  # a failover without persistence: Redis back empty

    assert await resolve_present(sessions, presence, sid) == "anna"
    assert (await agents.get("anna")).status == "available"  # type: ignore[union-attr]


async def test_a_put_back_interrupted_by_redis_is_done_again_at_the_next_heartbeat(redis: Redis) -> None:
    """Redis answers the epoch, then fails while the sessions are put back (it flaps as it comes back): the
    next heartbeat must still see the loss, not an epoch it already took as known."""
    agents = AgentRepo(redis)
    await agents.sync_roster([ANNA])
    await agents.set_status("anna", "available")
    sessions = ConsoleSessions(redis)
    sid = await sessions.create("anna")
    tries: list[int] = []

    async def restore() -> None:
        tries.append(1)
        if len(tries) == 1:
            raise RedisConnectionError("Connection reset by peer")
        await sessions.adopt(sid, "anna")

    presence = Presence.of(agents)
    presence.attach("anna", restore, sid)
    assert await presence.heartbeat() == 0

    await redis.flushdb()
    with pytest.raises(RedisConnectionError):
        await presence.heartbeat()
    assert await presence.heartbeat() == 1
    assert await sessions.peek(sid) == "anna"
    assert (await agents.get("anna")).status == "available"  # type: ignore[union-attr]
