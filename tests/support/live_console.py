"""anna at her console over a whole gateway (``tests/support/outage.py``): logged in, her live stream open and
read in the background, for the tests that take Redis away under it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from tests.support.outage import Outage

FETCH = {"X-Requested-With": "fetch"}
GUARD_S = 30.0  # bounds a hang; never a timing assertion


@dataclass
class Console:
    """anna's console: the HTTP client with her cookie, and the lines her live stream delivered so far."""

    client: httpx.AsyncClient
    lines: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self, stream: AsyncIterator[str]) -> None:
        async for line in stream:
            self.lines.append(line)
            self.arrived.set()

    async def delivered(self, text: str) -> None:
        """Wait until the stream delivered a line holding ``text`` (GUARD_S only bounds a hang)."""
        async with asyncio.timeout(GUARD_S):
            while not any(text in line for line in self.lines):
                self.arrived.clear()
                await self.arrived.wait()


@asynccontextmanager
async def console(w: Outage) -> AsyncIterator[Console]:
    """anna logged in to the console with its live stream open (read in the background)."""
    async with httpx.AsyncClient(base_url=w.base, timeout=30) as client:
        login = await client.post("/agents/login", data={"token": "token-anna"})
        assert login.status_code == 303, login.text
        async with client.stream("GET", "/agents/events") as stream:
            lines = aiter(stream.aiter_lines())
            assert (await anext(lines)).startswith("retry:")  # the stream is open: anna is at her console
            seen = Console(client)
            reader = asyncio.create_task(seen.read(lines))
            try:
                yield seen
            finally:
                reader.cancel()
