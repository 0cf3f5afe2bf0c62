"""Two workers over one real redis-server after it came back empty: a console session missing on the worker
that does not hold its stream is waited for (the other worker puts it back), else "try again" (``StoreDown``:
a 503) while the loss is recent, and only then "log in" (None: a 401). A forged or logged-out session is
never let in. Interleavings are scripted and the clock is fake: nothing is timed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field

import pytest
from redis.asyncio import Redis

from telephony.access.ratelimit import Limiter, Rules, limits_storage
from telephony.agents.events import AGENT_STATUS, PRESENCE_WANTED, ConsoleEvent, EventBus
from telephony.agents.hours import DEFAULT_HOURS, DEFAULT_TZ, QueueHours
from telephony.agents.presence import Presence, lost_recently
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from telephony.app.transfer import agents_repos
from telephony.console.deps import build_agents_deps
from telephony.console.sessions import ConsoleSessions, resolve_present
from telephony.console.sse import agent_stream, sse_message
from telephony.settings import Settings
from telephony.spool import StoreDown
from tests.support.clock import FakeClock
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

ANNA = Agent(id="anna", name="Anna", contact="client:anna", queues=("obsluga",), token_sha256="a" * 64)
T0 = 1_800_000_000.0


@dataclass
class Bus:
    """The events channel as the asking worker sees it: what it published."""

    sent: list[ConsoleEvent] = field(default_factory=list)

    async def publish(self, event: ConsoleEvent) -> int:
        self.sent.append(event)
        return 1


class _OtherWorkerAnswers(ConsoleSessions):
    """The asking worker's lookups; the first miss after the ask is when worker A's put-back runs."""

    answer: Presence | None = None

    async def resolve(self, sid: str | None) -> str | None:
        agent_id = await super().resolve(sid)
        if agent_id is None and self.answer is not None:
            await self.answer.heartbeat()
        return agent_id


@pytest.fixture
async def redis(own_redis: RedisServer) -> AsyncIterator[Redis]:  # noqa: F811
    client = Redis.from_url(own_redis.url, decode_responses=True)
    yield client
    await client.aclose()


def test_a_loss_is_recent_within_the_grace_either_way_round() -> None:
    assert lost_recently(f"abc@{T0}", T0 + 29.9, 30.0)
    assert lost_recently(f"abc@{T0 + 0.0004}", T0, 30.0)  # rounded up, or another worker's clock ahead
    assert not lost_recently(f"abc@{T0}", T0 + 30.0, 30.0)
    assert not lost_recently("abc", T0, 30.0)  # a marker from before the time was written: old
    assert not lost_recently("abc@junk", T0, 30.0)


async def _workers(redis: Redis, clock: FakeClock) -> tuple[Presence, Presence, Bus, _OtherWorkerAnswers, str]:
    """Worker A holds anna's console stream (she is available); worker B asks on the events channel."""
    agents = AgentRepo(redis, clock=clock)
    await agents.sync_roster([ANNA])
    await agents.set_status("anna", "available")
    sessions = _OtherWorkerAnswers(redis)
    sid = await sessions.create("anna")
    a, bus = Presence.of(agents, clock=clock), Bus()
    b = Presence.of(agents, bus, clock)  # type: ignore[arg-type]
    b.wait_s = 0.5
    a.attach("anna", lambda: sessions.adopt(sid, "anna"), sid)
    assert await a.heartbeat() == 0 and await b.heartbeat() == 0
    return a, b, bus, sessions, sid


async def test_the_other_worker_waits_for_the_session_its_stream_puts_back(redis: Redis) -> None:
    clock = FakeClock(T0)
    a, b, bus, sessions, sid = await _workers(redis, clock)
    await redis.flushdb()  # Redis back empty
    sessions.answer = a
    assert await resolve_present(sessions, b, sid) == "anna"
    assert [e.type for e in bus.sent] == [PRESENCE_WANTED]
    assert (await a.agents.get("anna")).status == "available"  # type: ignore[union-attr]


async def test_a_session_nobody_puts_back_is_try_again_then_log_in(redis: Redis) -> None:
    clock = FakeClock(T0)
    a, b, bus, sessions, sid = await _workers(redis, clock)
    gone = await sessions.create("anna")
    await sessions.revoke(gone)  # logged out in another tab
    await redis.flushdb()
    sessions.answer = a  # A puts back only the session of its own stream
    for cookie in (gone, "forged-session-id"):
        with pytest.raises(StoreDown):
            await resolve_present(sessions, b, cookie)
    assert len(bus.sent) == 1  # the other workers were asked once for this loss
    assert await resolve_present(sessions, b, sid) == "anna"
    assert await resolve_present(sessions, b, gone, hold=False) is None  # the login page: its form, no 503
    clock.t += b.grace_s
    for cookie in (gone, "forged-session-id"):
        assert await resolve_present(sessions, b, cookie) is None  # the grace is over: log in


async def test_without_a_loss_a_missing_session_is_log_in_at_once(redis: Redis) -> None:
    clock = FakeClock(T0 + 3600)
    _, b, bus, sessions, _ = await _workers(redis, clock)
    await redis.set(b.epoch.key, f"old@{T0}")  # the marker of a Redis that lost nothing for an hour
    assert await resolve_present(sessions, b, "forged-session-id") is None
    fresh = Presence.of(b.agents, b.bus, clock)  # a worker that knew no marker: a new Redis lost nothing
    await redis.flushdb()
    assert await resolve_present(sessions, fresh, "forged-session-id") is None
    assert bus.sent == []


async def test_a_stream_asked_for_its_agent_puts_them_back_and_tells_the_browser_nothing(redis: Redis) -> None:
    bus, backs = EventBus(redis), []

    async def on_back() -> None:
        backs.append(1)

    async def valid() -> bool:
        return True

    stream = agent_stream(bus, "anna", still_valid=valid, keepalive_s=30.0, on_back=on_back)
    async with aclosing(stream) as sse:
        assert (await anext(sse)).startswith("retry:")  # subscribed: nothing published from here is missed
        await bus.publish(ConsoleEvent(PRESENCE_WANTED))
        await bus.publish(ConsoleEvent(AGENT_STATUS, agent_id="anna"))
        assert await anext(sse) == sse_message(ConsoleEvent(AGENT_STATUS, agent_id="anna"))
    assert backs == [1]


async def test_every_stream_of_a_worker_asked_at_once_costs_the_worker_one_put_back_not_one_each(
    redis: Redis,
) -> None:
    clock = FakeClock(T0)
    a, _, _, sessions, sid = await _workers(redis, clock)
    for _ in range(19):  # 20 consoles open on worker A (the same agent's tabs: what counts is the streams)
        a.attach("anna", lambda: sessions.adopt(sid, "anna"), sid)
    reads = []
    read = a.epoch.read

    async def counted() -> str:
        reads.append(1)
        return await read()

    a.epoch.read = counted  # type: ignore[method-assign]
    await redis.flushdb()
    await asyncio.gather(*(a.refresh() for _ in range(20)))  # each stream heard PRESENCE_WANTED
    assert len(reads) <= 2  # one heartbeat begun after the ask covers every stream's ask
    assert await sessions.resolve(sid) == "anna" and a.restored >= 1
    await a.refresh()  # asked later: a heartbeat of its own
    assert len(reads) <= 3


async def test_the_deployments_grace_reaches_presence_at_construction(redis: Redis) -> None:
    """``INFOLINIA_RECOVERY_GRACE_S`` is given to ``Presence`` by the composition root's builder (it was set on
    the built object afterwards, so any other builder of the agents' deps kept the 30 s default)."""
    settings = Settings(recovery_grace_s=7.5, speech=False)
    hours = QueueHours({}, DEFAULT_HOURS, DEFAULT_TZ)
    repos = agents_repos(settings, redis, hours, Limiter(limits_storage(redis, "t:"), Rules()), None, None)
    assert repos.presence.grace_s == 7.5
    assert build_agents_deps(redis, recovery_grace_s=4.0).presence.grace_s == 4.0
