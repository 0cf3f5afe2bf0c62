"""A media stream that connects but never sends ``start``, against a whole gateway (``build_gateway`` from
Settings, served by uvicorn, its Redis a real redis-server) and the local Twilio REST stand-in.

Before: a fixed 10 s wait, then a close for Twilio to run the TwiML after ``</Connect>``; a close that the
broken media path never carried left the caller in silence. Now the wait is ``INFOLINIA_STREAM_STALL_S`` and
the call, known by its webhook's CallSid, is handed over over REST as a stalled call is.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dialog import catalogue
from telephony.devtools.faults_world import AUTH, FALLBACK
from telephony.devtools.simulator_rest import CallAction
from telephony.devtools.twilio_standin import new_call_sid
from telephony.twilio.routes import WS_POLICY_VIOLATION
from tests.support.outage import Outage, form, outage_gateway, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

STALL_S = 1.0
BOUND_S = 15.0  # only bounds a hang: the old wait was 10 s


async def _connect_without_start(w: Outage, sid: str) -> ClientConnection:
    """The call's webhook, then its stream opened like Twilio's (signed) with ``connected`` and nothing more."""
    stream = twiml(await w.signed("/twilio/voice", form(sid))).find("Connect/Stream")
    assert stream is not None
    url = str(stream.get("url"))
    signature = RequestValidator(AUTH).compute_signature(url, {})
    ws = await connect(url, additional_headers={"X-Twilio-Signature": signature}, open_timeout=BOUND_S)
    await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    return ws


async def _close_code(ws: ClientConnection) -> int | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), BOUND_S)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def _handed_over(w: Outage, sid: str) -> tuple[CallAction, float]:
    start = time.monotonic()
    action = await asyncio.wait_for(w.twilio.actions.get(), BOUND_S)
    assert action.call_sid == sid
    return action, time.monotonic() - start


async def test_a_stream_without_start_goes_to_the_fallback_number_after_the_stall_setting(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = {"stream_stall_s": STALL_S, "max_concurrent_calls": 1}
    async with outage_gateway(own_redis, tmp_path, extra=settings) as w:
        sid = new_call_sid()
        ws = await _connect_without_start(w, sid)
        action, took = await _handed_over(w, sid)
        assert (action.kind, action.number, action.announcement) == ("transfer", FALLBACK, catalogue.FALLBACK_APOLOGY)
        assert took < STALL_S + 5.0  # was: nothing over REST, a close after 10 s (only a bound: CI may be busy)
        assert await _close_code(ws) == 1000
        assert w.gateway.admission.reserved == 0  # its line is back at once (not after 15 s)
        assert twiml(await w.signed("/twilio/voice", form(new_call_sid()))).find("Connect/Stream") is not None


async def test_without_a_fallback_number_twilio_says_the_apology_and_hangs_up(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path, extra={"stream_stall_s": STALL_S, "fallback_number": ""}) as w:
        sid = new_call_sid()
        ws = await _connect_without_start(w, sid)
        action, _ = await _handed_over(w, sid)
        assert (action.kind, action.announcement) == ("hang_up", catalogue.UNAVAILABLE_APOLOGY)
        assert await _close_code(ws) == 1000


async def test_with_twilio_rest_down_the_close_carries_the_call(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Only the close is left: Twilio then runs the TwiML after ``</Connect>`` (the apology, the number)."""
    async with outage_gateway(own_redis, tmp_path, extra={"stream_stall_s": STALL_S}) as w:
        ws = await _connect_without_start(w, new_call_sid())
        w.twilio.set_outage("refuse")
        start = time.monotonic()
        assert await _close_code(ws) == WS_POLICY_VIOLATION
        assert time.monotonic() - start < STALL_S + 5.0
        assert w.twilio.actions.empty()


async def test_a_stream_closed_before_start_gives_its_line_back(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Twilio gave up on the stream before ``start`` (the caller goes on to the TwiML after ``</Connect>``): its
    token is spent, so its call can never start here, and its line is back at once. It stayed promised for
    ``reserve_s`` (a review): with one line the next caller heard "all lines busy"."""
    async with outage_gateway(own_redis, tmp_path, extra={"stream_stall_s": 5.0, "max_concurrent_calls": 1}) as w:
        ws = await _connect_without_start(w, new_call_sid())
        await ws.close()
        async with asyncio.timeout(BOUND_S):  # the server sees the close
            while w.gateway.admission.reserved:
                await asyncio.sleep(0.02)
        assert twiml(await w.signed("/twilio/voice", form(new_call_sid()))).find("Connect/Stream") is not None
