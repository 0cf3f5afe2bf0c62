"""Which voice webhooks take a line (``INFOLINIA_MAX_CONCURRENT_CALLS``), over real HTTP to a real uvicorn with
the real Twilio router, its store in a real redis-server.

A line is held for the stream the answer promises. Before these fixes copies of one call's webhook sent together
each got a stream (and a line), and signed webhooks that could never get a stream (no valid ``CallSid``, or a
store that refused the call's record) held a line for ``reserve_s`` each: with two lines, two of them made the
next real caller hear "all lines busy".
"""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from twilio.request_validator import RequestValidator

from dialog.store import RedisStore
from telephony.call.admission import Admission
from telephony.ports import AudioChannel, CallStarted
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.servers import free_port, serve_in_loop

TOKEN = "lines-auth-token-0123456789abcdef"
FALLBACK = "+48221112233"
LINES = 2


class CallRecordsRefused(RedisStore):
    """The product's Redis store, except that while ``refusing`` it cannot write a call's record."""

    refusing = False

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        if self.refusing and key.startswith("call:"):
            raise ConnectionError("store refused the write")
        await super().set(key, value, ttl_s)


async def _no_call(channel: AudioChannel, started: CallStarted) -> None:
    """No stream connects in these tests: the pipeline is never run."""


@dataclass
class Line:
    base: str
    store: CallRecordsRefused

    async def answer(self, http: httpx.AsyncClient, call_sid: str) -> str:
        """The TwiML answering the signed voice webhook of ``call_sid``."""
        params = {"CallSid": call_sid, "AccountSid": "AC" + "8" * 32, "From": "+48600100200", "CallStatus": "ringing"}
        signature = RequestValidator(TOKEN).compute_signature(self.base + "/twilio/voice", params)
        resp = await http.post(self.base + "/twilio/voice", data=params, headers={"X-Twilio-Signature": signature})
        assert resp.status_code == 200
        return resp.text

    async def webhook(self, http: httpx.AsyncClient, call_sid: str) -> str:
        """The signed voice webhook of ``call_sid``: "stream", "busy", "fallback" or "hangup"."""
        text = await self.answer(http, call_sid)
        if "<Stream" in text:
            return "stream"
        if "<Hangup" in text:
            return "hangup"
        return "busy" if "zajęte" in text else "fallback"


@pytest.fixture
async def line(redis_url: str) -> AsyncIterator[Line]:
    store = CallRecordsRefused(redis_url, prefix=f"lines{uuid.uuid4().hex[:8]}:")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    deps = TwilioDeps(base, TOKEN, FALLBACK, store, _no_call, admission=Admission(LINES))
    app = FastAPI()
    app.include_router(build_twilio_router(deps))
    async with serve_in_loop(app, port):
        yield Line(base, store)
    await store.close()


def _sid() -> str:
    return "CA" + uuid.uuid4().hex


async def test_copies_of_one_webhook_sent_together_get_one_stream(line: Line) -> None:
    """Each copy gets the first's answer (a Twilio retry is the one that reaches the caller): the same
    single-use stream, so one stream at most, and one line."""
    sid = _sid()
    async with httpx.AsyncClient(timeout=10.0) as http:
        answers = await asyncio.gather(*[line.answer(http, sid) for _ in range(5)])
        urls = {str(ET.fromstring(a).find("Connect/Stream").get("url")) for a in answers}  # type: ignore[union-attr]
        assert len(urls) == 1 and all("/twilio/stream/" in u for u in urls)
        assert await line.webhook(http, _sid()) == "stream"  # the copies took no line: the second one is free


async def test_webhooks_that_can_get_no_stream_take_no_line(line: Line) -> None:
    async with httpx.AsyncClient(timeout=10.0) as http:
        assert [await line.webhook(http, f"CAnot-a-call-sid-{i}") for i in range(LINES)] == ["fallback"] * LINES
        line.store.refusing = True
        assert [await line.webhook(http, _sid()) for _ in range(LINES)] == ["fallback"] * LINES
        line.store.refusing = False
        assert [await line.webhook(http, _sid()) for _ in range(LINES)] == ["stream"] * LINES
        assert await line.webhook(http, _sid()) == "busy"  # the limit itself still holds
