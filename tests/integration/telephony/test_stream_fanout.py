"""A worker's live console streams share one Redis subscription, over real HTTP (a whole gateway, uvicorn).

Found after the cap on stream subscriptions (half the pool: 50): each stream still subscribed on its own, so
one agent's tabs (or a reconnect storm) took all 50 slots and another agent's console waited, without live
updates, until some closed. Now 120 open streams hold one subscription between them; each gets what is
addressed to its agent and every broadcast, as before, and all of them hear ``store.back`` after a restart.
No timing is asserted: ``GUARD_S`` only bounds a hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from redis.asyncio import Redis

from telephony.agents.events import TRANSFER_RINGING, TRANSFER_WAITING, ConsoleEvent, EventBus
from tests.support.outage import Outage, outage_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

GUARD_S = 60.0
TABS = {"anna": 100, "bartek": 20}  # one agent with far more tabs than the old cap, and another after her


@dataclass
class Tab:
    """One open console stream and the lines it delivered so far."""

    agent: str
    lines: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self, lines: AsyncIterator[str]) -> None:
        async for line in lines:
            self.lines.append(line)
            self.arrived.set()

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def delivered(self, text: str) -> None:
        while not self.saw(text):
            self.arrived.clear()
            await self.arrived.wait()


async def _open_tabs(w: Outage, held: AsyncExitStack, agent: str, count: int) -> list[Tab]:
    """``count`` console streams of ``agent``, each connected (its first line) before the next opens."""
    limits = httpx.Limits(max_connections=count + 5, max_keepalive_connections=count + 5)
    client = await held.enter_async_context(httpx.AsyncClient(base_url=w.base, timeout=GUARD_S, limits=limits))
    login = await client.post("/agents/login", data={"token": f"token-{agent}"})
    assert login.status_code == 303, login.text
    tabs = []
    for _ in range(count):
        response = await held.enter_async_context(client.stream("GET", "/agents/events"))
        lines = aiter(response.aiter_lines())
        first = await asyncio.wait_for(anext(lines), GUARD_S)
        assert first.startswith("retry:"), f"{agent}'s tab {len(tabs) + 1} is not live: {first!r}"
        tab = Tab(agent)
        reader = asyncio.create_task(tab.read(lines))
        held.callback(reader.cancel)
        tabs.append(tab)
    return tabs


async def _all_delivered(tabs: list[Tab], text: str) -> None:
    async with asyncio.timeout(GUARD_S):
        await asyncio.gather(*(tab.delivered(text) for tab in tabs))


async def _subscribers(probe: Redis) -> int:
    """Connections of this Redis in pub/sub mode (subscribed to a channel or a pattern)."""
    return sum(1 for c in await probe.client_list() if int(c.get("sub", 0)) + int(c.get("psub", 0)) > 0)


async def test_120_console_streams_share_one_subscription_and_get_only_their_events(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    probe = Redis.from_url(own_redis.url, decode_responses=True)
    async with outage_gateway(own_redis, tmp_path, others=("bartek",)) as w, AsyncExitStack() as held:
        before = await _subscribers(probe)  # the chat watch's own subscription
        tabs = [tab for agent, count in TABS.items() for tab in await _open_tabs(w, held, agent, count)]
        assert before <= (await _subscribers(probe)) <= 2 <= len(tabs)  # not one per stream
        assert w.gateway.transfer is not None
        bus: EventBus = w.gateway.transfer.agents.events
        await bus.publish(ConsoleEvent(TRANSFER_RINGING, agent_id="bartek", transfer_id="for-bartek"))
        await bus.publish(ConsoleEvent(TRANSFER_WAITING, transfer_id="for-all"))
        await _all_delivered(tabs, '"transfer_id":"for-all"')  # a broadcast reaches every stream
        for tab in tabs:  # events reach a stream in order: what was addressed to bartek arrived before
            assert tab.saw('"transfer_id":"for-bartek"') == (tab.agent == "bartek"), tab.agent

        own_redis.kill()
        await _all_delivered(tabs, ": store unavailable")
        own_redis.restart()
        await _all_delivered(tabs, '"type":"store.back"')  # every stream tells its console to re-read
        assert await _subscribers(probe) <= 2
        await bus.publish(ConsoleEvent(TRANSFER_WAITING, transfer_id="after-restart"))
        await _all_delivered(tabs, '"transfer_id":"after-restart"')

        await held.aclose()  # every tab closed: the shared subscription ends with the last one
        async with asyncio.timeout(GUARD_S):
            while await _subscribers(probe) > before:
                await asyncio.sleep(0.1)
    await probe.aclose()
