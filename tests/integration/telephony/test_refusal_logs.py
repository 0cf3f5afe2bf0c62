"""A flood of refused Twilio requests over a real uvicorn (forged webhooks, streams with a bad signature or token,
signed webhooks past the lines) writes one warning per reason, not one per request. Before: 2,000 forged
webhooks wrote 2,000 lines. The throttle's clock is frozen, so the flood is one window however slow the host."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from telephony.call.admission import Admission
from telephony.logs import LogThrottle
from telephony.ports import AudioChannel, CallStarted
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.servers import free_port, serve_in_thread
from tests.support.store import FakeStore

TOKEN = "refusal-logs-token-0123456789abcdef"
FLOOD = 30
EVENTS: list[str] = []  # the deps' on_event (metrics: infolinia_errors by kind, admission decisions)


async def _no_call(channel: AudioChannel, started: CallStarted) -> None:
    """No stream is admitted in these tests."""


@pytest.fixture
def base() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    deps = TwilioDeps(
        url,
        TOKEN,
        "+48221112233",
        FakeStore(),
        _no_call,
        admission=Admission(1),
        refusal_logs=LogThrottle(clock=lambda: 1000.0),
        on_event=EVENTS.append,
    )
    EVENTS.clear()
    app = FastAPI()
    app.include_router(build_twilio_router(deps))
    with serve_in_thread(app, port=port) as served:
        yield served


async def _stream(url: str, signed: bool) -> None:
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, {})} if signed else {}
    async with connect(url, additional_headers=headers) as ws:
        with contextlib.suppress(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10.0)
        assert ws.close_code == 1008


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "telephony.twilio.routes"]


async def test_a_flood_of_refusals_writes_one_line_per_reason(base: str, caplog: pytest.LogCaptureFixture) -> None:
    voice = base + "/twilio/voice"
    params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+48600100200"}
    with caplog.at_level(logging.WARNING, logger="telephony.twilio.routes"):
        async with httpx.AsyncClient(timeout=10.0) as http:
            for _ in range(FLOOD):
                assert (
                    await http.post(voice, data=params, headers={"X-Twilio-Signature": "forged"})
                ).status_code == 403
                assert (await http.post(voice, data=params)).status_code == 403
            ws_base = base.replace("http://", "ws://") + "/twilio/stream/"
            for _ in range(FLOOD):
                await _stream(ws_base + "A" * 32, signed=False)
                await _stream(ws_base + "A" * 32, signed=True)
            for _ in range(FLOOD + 1):  # one line, then every webhook finds it busy
                sid = "CA" + uuid.uuid4().hex
                call = {"CallSid": sid, "From": "+48600100200"}
                signature = RequestValidator(TOKEN).compute_signature(voice, call)
                assert (await http.post(voice, data=call, headers={"X-Twilio-Signature": signature})).status_code == 200
    assert sorted(_warnings(caplog)) == [
        "/twilio/voice: refused a request with a bad signature",
        "/twilio/voice: refused a request with a missing signature",
        "all lines busy (or draining): the call goes to the fallback number",
        "stream refused: bad or missing signature",
        "stream refused: bad token",
    ]  # was: 30 lines of each
    # with the lines held back, what counts a flood is the metrics: every refusal, forged webhooks too (they
    # had no event: 2 x 30 forged webhooks were told only by one line, the rest never, once the flood stopped)
    assert (EVENTS.count("webhook_forged"), EVENTS.count("stream_refused"), EVENTS.count("refused")) == (
        2 * FLOOD,
        2 * FLOOD,
        FLOOD,
    )
