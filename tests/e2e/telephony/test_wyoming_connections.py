"""How many connections one Wyoming server holds (a probe, 2026-12-07): real TCP, the server of
``test_wyoming.py`` with fake speech. 400 connections each holding a declared 1 MiB payload grew the server by
445 MB and nothing bounded their number but the file limit; now past ``max_connections`` a new connection gets a
``busy`` error and is closed, and it is served again once one of the others leaves."""

from __future__ import annotations

import asyncio
import json

from wyoming.event import Event, async_read_event, async_write_event
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


async def _held(port: int, count: int, host: str) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """``count`` connections from ``host``, each in the middle of a payload it never finishes."""
    held = [await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0)) for _ in range(count)]
    for _, writer in held:
        writer.write(HOLD)
        await writer.drain()
    return held


async def test_one_address_cannot_hold_every_connection() -> None:
    """Past ``max_connections_per_peer`` from one address, that address is told busy (it alone: another
    address is still served), and served again once one of its own connections leaves."""
    limits = WyomingLimits(max_connections=4, max_connections_per_peer=2)
    async with serving(fake_services(), limits) as port, asyncio.timeout(GUARD_S):
        held = await _held(port, 2, "127.0.0.2")
        refused = await _exchange_from(port, "127.0.0.2")
        assert [e.type for e in refused] == ["error"] and refused[0].data["code"] == "busy"
        assert "address" in refused[0].data["text"]  # says why: this address, not the server, is full
        assert [e.type for e in await _exchange_from(port, "127.0.0.3")] == ["pong"]  # other peers still served
        held[0][1].close()
        while [e.type for e in await _exchange_from(port, "127.0.0.2")] != ["pong"]:
            await asyncio.sleep(0.05)  # served again once the server saw its connection leave
        held[1][1].close()


async def _exchange_from(port: int, host: str) -> list[Event]:
    """A ping on a new connection from ``host``; the replies until the pong or the close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))
    try:
        await async_write_event(Ping().event(), writer)
        got: list[Event] = []
        while (event := await async_read_event(reader)) is not None:
            got.append(event)
            if event.type == "pong":
                break
        return got
    finally:
        writer.close()
