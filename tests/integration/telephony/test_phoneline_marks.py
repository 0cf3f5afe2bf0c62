"""``bench faults``' Twilio stand-in (``PhoneLine``) answers a mark as Twilio does: once the audio before it has
played, or at once when ``clear`` drops that audio. With ``INFOLINIA_PLAYOUT_LEAD_S`` the gateway sends up to
2 s ahead; an echo on arrival would let it hang up or hand over while the caller still hears the apology, and
the bench could not catch one cut short. A real WebSocket server plays the gateway.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from telephony.devtools.faults_process import PhoneLine

TWO_SECONDS = base64.b64encode(b"\xff" * 16000).decode()  # 2 s of μ-law silence, in one message


async def mark_returned_after(*then: dict[str, Any]) -> float:
    """Seconds from the gateway sending 2 s of audio and a mark (then ``then``) to the line's echo of it."""
    echoed: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def gateway(ws: ServerConnection) -> None:
        await ws.send(json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": TWO_SECONDS}}))
        await ws.send(json.dumps({"event": "mark", "streamSid": "MZ1", "mark": {"name": "t1-1"}}))
        sent = time.monotonic()
        for message in then:
            await ws.send(json.dumps(message))
        async for raw in ws:
            msg = json.loads(raw)
            if msg.get("event") == "mark" and not echoed.done():
                assert msg["mark"] == {"name": "t1-1"} and msg["streamSid"] == "MZ1", msg
                echoed.set_result(time.monotonic() - sent)

    async with serve(gateway, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        line = PhoneLine("https://x.example", f"http://127.0.0.1:{port}")
        line.ws = await connect(f"ws://127.0.0.1:{port}")
        line._tasks.append(asyncio.create_task(line._receive()))
        try:
            return await asyncio.wait_for(echoed, 10.0)
        finally:
            await line.hang_up()


async def test_a_mark_returns_only_after_the_audio_before_it_has_played() -> None:
    after = await mark_returned_after()
    assert after >= 1.9, f"mark echoed {after:.3f} s after it was sent, before its 2 s of audio played"


async def test_clear_returns_the_pending_mark_at_once() -> None:
    after = await mark_returned_after({"event": "clear", "streamSid": "MZ1"})
    assert after < 1.5, f"after clear the mark still waited {after:.3f} s for audio that was dropped"
