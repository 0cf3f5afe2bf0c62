"""Which line a media stream refused before ``start`` holds, over a real uvicorn (HTTP and WebSocket) with the
Twilio router, its store a real redis-server, one line (``Admission(1)``).

A refused stream takes no line of its own: the one held is its webhook's reservation, promised to the stream
of the token that webhook issued. A stranger's stream (no signature, a token never issued) must leave it, since
the call's own stream still comes and needs it; a copy of a stream whose token its call already spent finds
the line settled by that call. What was wrong: a token our own pop had spent. Redis ran the GETDEL, its reply
was lost and redis-py sent it again, which found the token gone: the call's only stream was refused as a
reused one (Twilio then sends the caller to the fallback) and its line stayed promised for ``reserve_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dialog.redis_connect import connect_redis
from dialog.store import RedisStore
from telephony.call.admission import Admission
from telephony.ports import AudioChannel, CallEnded, CallStarted
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.redis_proxy import LoseOneReply
from tests.support.servers import free_port, serve_in_loop

TOKEN = "refused-streams-token-0123456789abcd"
BOUND_S = 10.0  # only bounds a hang


@dataclass
class Calls:
    """The pipeline: each started call runs until its stream ends."""

    started: list[str] = field(default_factory=list)

    async def run_call(self, channel: AudioChannel, started: CallStarted) -> None:
        self.started.append(started.call_sid)
        while not isinstance(await channel.receive(), CallEnded):
            pass


@dataclass
class Edge:
    base: str
    admission: Admission
    calls: Calls
    proxy: LoseOneReply

    async def webhook(self, http: httpx.AsyncClient, call_sid: str) -> str:
        """The signed voice webhook of ``call_sid``; the stream URL it answers with."""
        params = {"CallSid": call_sid, "From": "+48600100200", "To": "+48221234567"}
        url = self.base + "/twilio/voice"
        headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, params)}
        text = (await http.post(url, data=params, headers=headers)).text
        assert "<Stream" in text, text
        return text.split('url="', 1)[1].split('"', 1)[0]


@pytest.fixture
async def edge(redis_url: str) -> AsyncIterator[Edge]:
    """The store's client goes through a proxy that loses the reply to the first pop (GETDEL or script)."""
    where = urlsplit(redis_url)
    proxy = LoseOneReply(where.hostname or "127.0.0.1", where.port or 6379, (b"EVALSHA", b"GETDEL"), b"$")
    client = connect_redis(f"redis://127.0.0.1:{await proxy.start()}/0")
    store = RedisStore(redis_url, prefix=f"refused{uuid.uuid4().hex[:8]}:", client=client)
    direct = Redis.from_url(redis_url)
    await direct.script_load(store._pop_once.script)  # type: ignore[attr-defined]  # no NOSCRIPT round first
    port, admission, calls = free_port(), Admission(1), Calls()
    base = f"http://127.0.0.1:{port}"
    app = FastAPI()
    app.include_router(build_twilio_router(TwilioDeps(base, TOKEN, "", store, calls.run_call, admission=admission)))
    try:
        async with serve_in_loop(app, port):
            yield Edge(base, admission, calls, proxy)
    finally:
        await client.aclose()
        await direct.aclose()
        proxy.close()


async def _open(url: str, signed: bool = True) -> ClientConnection:
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, {})} if signed else {}
    return await connect(url, additional_headers=headers, open_timeout=BOUND_S)


async def _start(ws: ClientConnection, call_sid: str) -> None:
    sid = "MZ" + uuid.uuid4().hex
    with contextlib.suppress(ConnectionClosed):  # a refused stream is closed already
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        start = {"callSid": call_sid, "streamSid": sid}
        await ws.send(json.dumps({"event": "start", "streamSid": sid, "start": start}))


async def _close_code(ws: ClientConnection) -> int | None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), BOUND_S)
    return ws.close_code


async def _until(predicate: object) -> None:
    async with asyncio.timeout(BOUND_S):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.01)


async def test_a_stream_whose_pop_reply_was_lost_is_its_call_not_a_reused_token(edge: Edge) -> None:
    call_sid = "CA" + uuid.uuid4().hex
    async with httpx.AsyncClient(timeout=BOUND_S) as http:
        url = await edge.webhook(http, call_sid)
        ws = await _open(url)
        await _start(ws, call_sid)
        await _until(lambda: edge.calls.started or ws.close_code is not None)
        assert edge.proxy.dropped  # Redis popped the token; the client heard nothing and sent it again
        assert edge.calls.started == [call_sid]  # was: 1008, "bad token", the caller sent to the fallback
        assert (edge.admission.active, edge.admission.reserved) == (1, 0)  # the call is on its own line
        await ws.close()
        await _until(lambda: edge.admission.active == 0)
        assert edge.admission.reserved == 0  # was: its line promised to no one for 15 s after the refusal


async def test_strangers_streams_leave_the_webhooks_line_for_its_own_stream(edge: Edge) -> None:
    call_sid = "CA" + uuid.uuid4().hex
    async with httpx.AsyncClient(timeout=BOUND_S) as http:
        url = await edge.webhook(http, call_sid)
        edge.proxy.dropped = True  # no reply lost in this test
        assert await _close_code(await _open(url, signed=False)) == 1008  # a stranger who saw the URL
        assert await _close_code(await _open(url.rsplit("/", 1)[0] + "/" + "A" * 32)) == 1008  # a forged token
        assert (edge.admission.active, edge.admission.reserved) == (0, 1)  # the webhook's, nothing more
        ws = await _open(url)  # the call's own stream still comes: the line is there for it
        await _start(ws, call_sid)
        await _until(lambda: edge.calls.started == [call_sid])
        assert await _close_code(await _open(url)) == 1008  # a copy of the spent token: nothing taken
        assert (edge.admission.active, edge.admission.reserved) == (1, 0)
        await ws.close()
        await _until(lambda: edge.admission.active == 0)
        assert await _close_code(await _open(url)) == 1008
        assert edge.admission.reserved == 0  # the next caller gets the line
