"""Twilio endpoints over a real uvicorn server: signed webhook -> TwiML -> signed WebSocket -> pipeline."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dialog import catalogue
from telephony.call.admission import Admission
from telephony.ports import AudioChannel, AudioIn, CallEnded, CallStarted, Dtmf, InboundEvent, MarkPlayed
from telephony.twilio.deps import TwilioDeps
from telephony.twilio.routes import build_twilio_router
from tests.support.paths import FIXTURES
from tests.support.servers import serve_in_thread
from tests.support.store import FakeStore

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC = "https://voice.example.pl"
FALLBACK = "+48221112233"
FIXTURE = FIXTURES / "twilio_frames.jsonl"
CALL_SID = "CAf0e1d2c3b4a5968778695a4b3c2d1e0f"
STREAM_SID = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALLER, CALLED = "+48600100200", "+48221234567"
BOT_PCM = (np.sin(np.arange(320) / 3) * 9000).astype(np.int16)  # 40 ms of bot audio


@dataclass
class FakePipeline:
    """Stands in for telephony/call/loop.py: records events; answers the first audio with media, mark, clear."""

    fail: bool = False
    started: list[CallStarted] = field(default_factory=list)
    events: list[InboundEvent] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    async def run_call(self, channel: AudioChannel, started: CallStarted) -> None:
        self.started.append(started)
        if self.fail:
            raise RuntimeError("pipeline exploded")
        answered = False
        while True:
            event = await channel.receive()
            self.events.append(event)
            if isinstance(event, AudioIn) and not answered:
                answered = True
                await channel.send_audio(BOT_PCM)
                await channel.send_mark("utt-1-seg-1")
                await channel.clear()
            if isinstance(event, CallEnded):
                break
        self.done.set()


@dataclass
class Gateway:
    base: str
    ws_base: str
    store: FakeStore
    pipeline: FakePipeline


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """A real uvicorn server on a free port, serving only the Twilio router."""
    store, pipeline = FakeStore(), FakePipeline()
    deps = TwilioDeps(
        public_url=PUBLIC,
        auth_token=AUTH_TOKEN,
        fallback_number=FALLBACK,
        store=store,
        run_call=pipeline.run_call,
        start_timeout_s=1.0,
    )
    app = FastAPI()
    app.include_router(build_twilio_router(deps))
    with serve_in_thread(app) as base:
        yield Gateway(base, base.replace("http://", "ws://"), store, pipeline)


@pytest.fixture
async def http(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.base, timeout=5.0) as client:
        yield client


def sign(url: str, params: dict[str, str]) -> str:
    return str(RequestValidator(AUTH_TOKEN).compute_signature(url, params))


def voice_params(call_sid: str = CALL_SID) -> dict[str, str]:
    return {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": "ringing",
        "Called": CALLED,
        "Caller": CALLER,
        "Direction": "inbound",
        "From": CALLER,
        "FromCountry": "PL",
        "To": CALLED,
    }


async def post_signed(http: httpx.AsyncClient, path: str, params: dict[str, str]) -> httpx.Response:
    return await http.post(path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC + path, params)})


async def answer_call(http: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """Signed incoming-call webhook; returns the stream URL and its <Parameter>s."""
    response = await post_signed(http, "/twilio/voice", voice_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert [c.tag for c in root] == ["Connect", "Say", "Dial"]  # fallback after </Connect>
    assert root.findtext("Dial") == FALLBACK
    stream = root.find("Connect/Stream")
    assert stream is not None
    params = {str(p.get("name")): str(p.get("value")) for p in stream.findall("Parameter")}
    return str(stream.get("url")), params


def open_stream(gateway: Gateway, stream_url: str, signature: str | None = "valid", path_suffix: str = "") -> Any:
    """Connect like Twilio: to our server, with the signature Twilio computes for the public wss URL."""
    assert stream_url.startswith("wss://voice.example.pl/twilio/stream/")
    headers = {}
    if signature == "valid":
        headers["X-Twilio-Signature"] = sign(stream_url, {})
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    local = stream_url.replace("wss://voice.example.pl", gateway.ws_base) + path_suffix
    return connect(local, additional_headers=headers, open_timeout=5)


def recorded(event: str) -> list[dict[str, Any]]:
    frames = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    return [f for f in frames if f["event"] == event]


def start_frame(params: dict[str, str], call_sid: str = CALL_SID) -> str:
    start = recorded("start")[0]
    start["start"]["customParameters"] = params  # Twilio echoes the TwiML <Parameter>s
    start["start"]["callSid"] = call_sid
    return json.dumps(start)


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes; the close code it sent."""
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    return info.value.rcvd.code if info.value.rcvd else None


async def test_call_end_to_end(gateway: Gateway, http: httpx.AsyncClient) -> None:
    stream_url, params = await answer_call(http)
    token = stream_url.rsplit("/", 1)[1]
    assert params["call_sid"] == CALL_SID and params["from"] == CALLER and params["to"] == CALLED
    record = gateway.store.data[f"call:{CALL_SID}"]
    assert (record["from"], record["to"], record["status"], record["stream_token"]) == (
        CALLER,
        CALLED,
        "ringing",
        token,
    )
    assert record["session_id"] == params["session_id"] and record["created"]

    async with open_stream(gateway, stream_url) as ws:
        media = recorded("media")
        await ws.send(json.dumps(recorded("connected")[0]))
        await ws.send(json.dumps(media[2]))  # before start: skipped
        await ws.send(start_frame(params))
        await ws.send(start_frame(params, call_sid="CA" + "9" * 32))  # a second start: ignored
        await ws.send(json.dumps({**media[2], "streamSid": "MZ" + "0" * 32}))  # another stream: skipped
        await ws.send(json.dumps(media[0]))
        replies = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(3)]
        no_media = json.dumps({"event": "media", "streamSid": STREAM_SID})
        for junk in ("{not json", no_media, '{"event":"newThing"}'):
            await ws.send(junk)  # malformed / unknown: skipped, the call goes on
        await ws.send(b'{"event":"media"')  # a binary, broken frame too
        for frame in [*media[1:], *recorded("dtmf"), *recorded("mark"), *recorded("stop")]:
            await ws.send(json.dumps(frame))
        assert await close_code(ws) == 1000  # the pipeline returned after stop; we close normally

    assert [r["event"] for r in replies] == ["media", "mark", "clear"]
    assert replies[0].keys() == {"event", "streamSid", "media"} and replies[0]["media"].keys() == {"payload"}
    assert all(r["streamSid"] == STREAM_SID for r in replies)
    assert len(base64.b64decode(replies[0]["media"]["payload"])) == len(BOT_PCM)
    assert replies[1]["mark"] == {"name": "utt-1-seg-1"}

    assert gateway.pipeline.done.wait(5)
    (started,) = gateway.pipeline.started
    assert (started.call_sid, started.stream_sid) == (CALL_SID, STREAM_SID)
    assert started.params["session_id"] == params["session_id"] and started.params["from"] == CALLER
    events = gateway.pipeline.events
    assert [type(e) for e in events] == [AudioIn, AudioIn, AudioIn, Dtmf, MarkPlayed, CallEnded]
    assert [len(e.pcm) for e in events if isinstance(e, AudioIn)] == [160, 160, 160]
    assert events[3] == Dtmf("1") and events[4] == MarkPlayed("utt-1-seg-1") and events[5] == CallEnded("stop")

    # the token was single-use: the same, correctly signed URL is refused now
    async with open_stream(gateway, stream_url) as again:
        assert await close_code(again) == 1008
    assert f"stream:{token}" not in gateway.store.data


@pytest.mark.parametrize("signature", [None, "bm90IGEgc2lnbmF0dXJl", "https-form"])
async def test_stream_with_bad_signature_is_refused_and_keeps_the_token(
    gateway: Gateway, http: httpx.AsyncClient, signature: str | None
) -> None:
    stream_url, params = await answer_call(http)
    if signature == "https-form":
        signature = sign(stream_url.replace("wss://", "https://"), {})
    async with open_stream(gateway, stream_url, signature=signature) as ws:
        with contextlib.suppress(ConnectionClosed):  # the server may already have closed
            await ws.send(start_frame(params))
        assert await close_code(ws) == 1008
    assert gateway.pipeline.started == []
    async with open_stream(gateway, stream_url) as ws:  # an unsigned attempt did not burn the token
        await ws.send(start_frame(params))
        await ws.send(json.dumps(recorded("stop")[0]))
        assert await close_code(ws) == 1000
    assert gateway.pipeline.done.wait(5)


async def test_stream_with_unknown_token_is_refused(gateway: Gateway) -> None:
    url = "wss://voice.example.pl/twilio/stream/" + "A" * 32
    async with open_stream(gateway, url) as ws:
        assert await close_code(ws) == 1008
    assert gateway.pipeline.started == []


async def test_stream_start_for_another_call_is_refused(gateway: Gateway, http: httpx.AsyncClient) -> None:
    stream_url, params = await answer_call(http)
    async with open_stream(gateway, stream_url) as ws:
        await ws.send(start_frame(params, call_sid="CA" + "9" * 32))
        assert await close_code(ws) == 1008
    assert gateway.pipeline.started == []


async def test_pipeline_crash_closes_with_1011(gateway: Gateway, http: httpx.AsyncClient) -> None:
    """Twilio then runs the apology + <Dial> after </Connect>: the caller is not dropped."""
    gateway.pipeline.fail = True
    stream_url, params = await answer_call(http)
    async with open_stream(gateway, stream_url) as ws:
        await ws.send(start_frame(params))
        assert await close_code(ws) == 1011


async def test_voice_webhook_refuses_bad_and_missing_signatures(gateway: Gateway, http: httpx.AsyncClient) -> None:
    params = voice_params()
    bad = await http.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    missing = await http.post("/twilio/voice", data=params)
    tampered = await http.post(
        "/twilio/voice",
        data={**params, "From": "+48700000000"},
        headers={"X-Twilio-Signature": sign(PUBLIC + "/twilio/voice", params)},
    )
    assert (bad.status_code, missing.status_code, tampered.status_code) == (403, 403, 403)
    assert "<Response" not in bad.text
    assert gateway.store.calls == []  # nothing else happened


async def test_host_header_is_not_trusted(gateway: Gateway, http: httpx.AsyncClient) -> None:
    params = voice_params()
    spoofed = await http.post(
        "/twilio/voice",
        data=params,
        headers={
            "Host": "evil.example",
            "X-Twilio-Signature": sign("http://evil.example/twilio/voice", params),
        },
    )
    assert spoofed.status_code == 403
    via_proxy = await http.post(
        "/twilio/voice",
        data=params,
        headers={"Host": "internal:8080", "X-Twilio-Signature": sign(PUBLIC + "/twilio/voice", params)},
    )
    assert via_proxy.status_code == 200  # the configured public URL is what counts


async def test_voice_webhook_fails_safe_when_the_store_is_down(gateway: Gateway, http: httpx.AsyncClient) -> None:
    gateway.store.fail = True
    response = await post_signed(http, "/twilio/voice", voice_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert [c.tag for c in root] == ["Say", "Dial"]
    assert root.findtext("Say") == catalogue.FALLBACK_APOLOGY and root.find("Say").get("language") == "pl-PL"  # type: ignore[union-attr]
    assert root.findtext("Dial") == FALLBACK


async def test_status_callbacks_out_of_order(gateway: Gateway, http: httpx.AsyncClient) -> None:
    await answer_call(http)
    base = {
        "CallSid": CALL_SID,
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": CALLER,
        "To": CALLED,
    }
    completed = {
        **base,
        "CallStatus": "completed",
        "CallDuration": "37",
        "SequenceNumber": "3",
        "Timestamp": "Tue, 03 Mar 2026 10:15:07 +0000",
        "CallbackSource": "call-progress-events",
    }
    answered = {
        **base,
        "CallStatus": "in-progress",
        "SequenceNumber": "1",
        "CallbackSource": "call-progress-events",
    }
    for params in (completed, answered, completed):  # newest first, then a late older one, then a retry
        response = await post_signed(http, "/twilio/status", params)
        assert response.status_code == 204
    record = gateway.store.data[f"call:{CALL_SID}"]
    assert (record["status"], record["duration_s"], record["last_sequence"]) == ("completed", 37, 3)
    assert record["ended_at"] == "2026-03-03T10:15:07+00:00"
    assert record["from"] == CALLER  # the webhook's data is kept
    unsigned = await http.post("/twilio/status", data={**completed, "CallStatus": "failed", "SequenceNumber": "9"})
    assert unsigned.status_code == 403
    assert gateway.store.data[f"call:{CALL_SID}"]["status"] == "completed"


async def test_stream_without_start_is_closed(gateway: Gateway, http: httpx.AsyncClient) -> None:
    stream_url, _ = await answer_call(http)
    async with open_stream(gateway, stream_url) as ws:
        await ws.send(json.dumps(recorded("connected")[0]))
        assert await close_code(ws) == 1008  # after start_timeout_s
    assert gateway.pipeline.started == []


async def test_signed_webhook_without_call_sid_gets_fallback(gateway: Gateway, http: httpx.AsyncClient) -> None:
    params = {k: v for k, v in voice_params().items() if k != "CallSid"}
    response = await post_signed(http, "/twilio/voice", params)
    assert response.status_code == 200
    assert [c.tag for c in ET.fromstring(response.content)] == ["Say", "Dial"]
    assert not any(key.startswith("stream:") for key in gateway.store.data)


async def test_replayed_voice_webhook_changes_nothing(gateway: Gateway, http: httpx.AsyncClient) -> None:
    """A validly signed incoming-call webhook sent again (Twilio's retry of an answer it did not get, or a
    captured request played back) must not reset the call's record: before the stream comes it gets the same
    stream (one single-use token: one stream at most), after it a hang-up (it reaches no caller)."""
    stream_url, params = await answer_call(http)
    await post_signed(http, "/twilio/status", {"CallSid": CALL_SID, "CallStatus": "in-progress", "SequenceNumber": "1"})
    before = dict(gateway.store.data[f"call:{CALL_SID}"])
    for _ in range(3):
        assert await answer_call(http) == (stream_url, params)  # was <Hangup/>: a retry dropped the caller
    assert gateway.store.data[f"call:{CALL_SID}"] == before
    async with open_stream(gateway, stream_url) as ws:  # the original token was not replaced
        await ws.send(start_frame(params))
        await ws.send(json.dumps(recorded("stop")[0]))
    await asyncio.to_thread(gateway.pipeline.done.wait, 5)
    assert [s.call_sid for s in gateway.pipeline.started] == [CALL_SID]
    replay = await post_signed(http, "/twilio/voice", voice_params())
    assert [c.tag for c in ET.fromstring(replay.content)] == ["Hangup"]  # the stream came: Twilio had the answer
    assert gateway.store.data[f"call:{CALL_SID}"]["stream_token"] == before["stream_token"]


async def test_replays_do_not_take_the_lines_of_genuine_callers() -> None:
    admission = Admission(2)
    deps = TwilioDeps(public_url=PUBLIC, auth_token=AUTH_TOKEN, fallback_number=FALLBACK, store=FakeStore(),
                      run_call=FakePipeline().run_call, admission=admission)  # fmt: skip
    app = FastAPI()
    app.include_router(build_twilio_router(deps))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        await answer_call(client)
        for _ in range(5):
            await post_signed(client, "/twilio/voice", voice_params())
        genuine = await post_signed(client, "/twilio/voice", voice_params("CA" + "1" * 32))
    assert ET.fromstring(genuine.content).find("Connect/Stream") is not None  # answered, not "all lines busy"
    assert admission.reserved == 2


async def test_control_characters_from_the_caller_still_give_valid_twiml(
    gateway: Gateway, http: httpx.AsyncClient
) -> None:
    """A spoofed caller id with control characters made the TwiML unparsable, so Twilio could not even run
    the fallback; they are dropped from what we echo."""
    params = {**voice_params(), "From": "+48600\x00100\x07200\x1b", "Caller": "+48600\x00100\x07200"}
    response = await post_signed(http, "/twilio/voice", params)
    root = ET.fromstring(response.content)  # raises on an unparsable document
    stream = root.find("Connect/Stream")
    assert stream is not None
    sent = {str(p.get("name")): str(p.get("value")) for p in stream.findall("Parameter")}
    assert sent["from"] == "+48600100200"


async def test_a_frame_over_the_size_limit_ends_the_stream_with_a_logged_reason(
    gateway: Gateway, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """uvicorn closes the socket itself (1009) for a message over its 16 MiB limit: the pipeline ends (Twilio
    then runs the apology and <Dial> after </Connect>) and the log says why, not just a silent end."""
    stream_url, params = await answer_call(http)
    with caplog.at_level(logging.WARNING, logger="telephony.twilio.stream"):
        async with open_stream(gateway, stream_url) as ws:
            await ws.send(start_frame(params))
            with contextlib.suppress(ConnectionClosed):
                await ws.send("x" * (17 * 1024 * 1024))
            assert await close_code(ws) == 1009
        assert await asyncio.to_thread(gateway.pipeline.done.wait, 5)
    assert isinstance(gateway.pipeline.events[-1], CallEnded)
    assert any("1009" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
