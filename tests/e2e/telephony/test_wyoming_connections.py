"""How many connections one Wyoming server holds (a probe, 2026-12-07): real TCP, the server of
``test_wyoming.py`` with fake speech. 400 connections each holding a declared 1 MiB payload grew the server by
445 MB and nothing bounded their number but the file limit; now past ``max_connections`` a new connection gets a
``busy`` error and is closed, and it is served again once one of the others leaves."""

from __future__ import annotations

import asyncio
import json

from wyoming.ping import Ping

from telephony.speaker.frames import WyomingLimits
from tests.e2e.telephony.test_wyoming import exchange, fake_services, serving

GUARD_S = 20.0  # bounds a hang; never a timing assertion
HOLD = json.dumps({"type": "audio-chunk", "payload_length": 1000}).encode() + b"\n" + b"\0" * 10  # never finished


async def _served_again(port: int) -> list[str]:
    """Pings on fresh connections until one is answered (the server saw a held connection leave)."""
    while True:
        got = [e.type for e in await exchange(port, [Ping().event()], ["pong"], timeout=GUARD_S)]
        if got != ["error"]:
            return got
        await asyncio.sleep(0.05)


async def test_past_the_connection_limit_a_client_is_told_busy_and_served_once_another_leaves() -> None:
    async with serving(fake_services(), WyomingLimits(max_connections=2)) as port, asyncio.timeout(GUARD_S):
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        for _, writer in held:
            writer.write(HOLD)
            await writer.drain()
        refused = await exchange(port, [Ping().event()], ["pong"], timeout=GUARD_S)
        assert [e.type for e in refused] == ["error"] and refused[0].data["code"] == "busy"  # then closed
        held[0][1].close()
        assert await _served_again(port) == ["pong"]
        held[1][1].close()
