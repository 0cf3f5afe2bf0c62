"""The playground's page and socket over real HTTP/WebSocket (Starlette's test client), with the call
pipeline's fakes (``tests/support/call.py``: echo recognizer, tones, scripted dialog, amplitude VAD).

What the browser relies on: the page needs a credential outside development mode (the docs' guard), its
ticket opens one socket once, the page gets the caller's words, the bot's replies, the turn's timings and
audio with marks; a "0" hands over (shown on the page, nothing dialled) and the socket then closes.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from dialog import catalogue
from dialog.store import MemoryStore
from telephony.access.guard import DocsGuard
from telephony.access.keys import AccessPolicy, ApiKeys, hash_secret
from telephony.access.ratelimit import Limiter, limits_storage
from telephony.app.workers import GracefulDrain
from telephony.call.admission import Admission
from telephony.call.deps import CallDeps
from telephony.playground.routes import WS_TRY_AGAIN, build_playground_router
from tests.support.access import gateways, key, settings_for
from tests.support.call import GREETING, FakeCallControl, call_deps, speech
from tests.support.servers import free_port, serve_in_loop

KEY = "playground-test-key-0123456789"
GUARD_S = 20.0  # bounds a hang; never a timing assertion


def client(dev_mode: bool, deps: CallDeps | None, admission: Admission | None = None) -> TestClient:
    return TestClient(playground_app(dev_mode, deps, admission))


def playground_app(dev_mode: bool, deps: CallDeps | None, admission: Admission | None = None) -> FastAPI:
    store = MemoryStore()
    policy = AccessPolicy(ApiKeys.parse(f"ops={hash_secret(KEY)}"), dev_mode)
    guard = DocsGuard(policy, Limiter(limits_storage(None, "t:")))

    async def provider() -> CallDeps | None:
        return deps

    app = FastAPI()
    app.include_router(build_playground_router(store, provider, guard, admission))
    return app


def ws_path(page: str) -> str:
    found = re.search(r'data-ws="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def events_until(ws: Any, kinds: set[str], limit: int = 2000) -> tuple[list[dict[str, Any]], int]:
    """Page events up to (and with) the first of ``kinds``; marks answered as the page does; audio counted."""
    events: list[dict[str, Any]] = []
    audio = 0
    for _ in range(limit):
        message = ws.receive()
        if message.get("bytes") is not None:
            audio += len(message["bytes"]) // 2
            continue
        body = json.loads(message["text"])
        if body["type"] == "mark":
            ws.send_text(json.dumps({"type": "mark", "name": body["name"]}))
        elif body["type"] == "event":
            events.append(body)
            if body["kind"] in kinds:
                return events, audio
    raise AssertionError(f"no {kinds} in {events}")


def test_outside_development_mode_the_page_needs_a_key() -> None:
    with client(False, call_deps()) as c:
        refused = c.get("/playground")
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
        page = c.get("/playground", auth=("operator", KEY))
        assert page.status_code == 200 and "/playground/ws/" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_talk_shows_words_replies_timings_and_a_hand_over_and_the_ticket_is_single_use(
    caplog: pytest.LogCaptureFixture,
) -> None:
    control = FakeCallControl()
    with client(True, call_deps(call_control=control)) as c:
        path = ws_path(c.get("/playground").text)
        with c.websocket_connect(path) as ws:
            ws.send_bytes(b"\x01\x02")  # audio before start: skipped, the talk goes on
            ws.send_text(json.dumps({"type": "start", "rate": 8000}))
            ws.send_text("not json")
            ws.send_text(json.dumps({"type": "dtmf", "digit": "x"}))
            ws.send_bytes(b"\x01")  # odd length
            greeting, audio = events_until(ws, {"bot"})
            assert greeting[-1]["text"] == GREETING
            ws.send_bytes(speech("gdzie jest paczka", 1.0).astype("<i2").tobytes())
            ws.send_bytes(np.zeros(8000, dtype="<i2").tobytes())
            seen, more = events_until(ws, {"turn"})
            ws.send_text(json.dumps({"type": "dtmf", "digit": "0"}))
            ended, tail = events_until(ws, {"done"})
            closing = ws.receive()
        with c.websocket_connect(path) as again, pytest.raises(WebSocketDisconnect) as refused:
            again.receive_text()
    assert audio + more + tail > 8000  # the greeting and the replies were spoken (tones), not only written
    by_kind = {e["kind"]: e for e in seen}
    assert by_kind["caller"]["text"] == "gdzie jest paczka"
    assert by_kind["bot"]["text"] == "Odpowiedź na: gdzie jest paczka."
    assert by_kind["turn"]["turn"] == 1 and by_kind["turn"]["stages"]["dialog_decided"] is not None
    end = next(e for e in ended if e["kind"] == "end")
    assert end["how"] == "transfer" and end["queue"] == "support" and end["summary"] == "Klient prosi."
    assert ended[-1] == {"type": "event", "kind": "done", "ended": "transferred"}
    assert control.actions == []  # nothing was dialled: the page is the line
    assert refused.value.code == 1008
    assert closing["type"] == "websocket.close", closing  # the talk is over: the page's socket closes
    skipped = [r.getMessage() for r in caplog.records if "skipping a message" in r.getMessage()]
    assert len(skipped) == 4, skipped  # the four bad messages, each named in the log, none fatal


def test_speech_off_says_so_instead_of_hanging() -> None:
    with client(True, None) as c, c.websocket_connect(ws_path(c.get("/playground").text)) as ws:
        body = json.loads(ws.receive_text())
        assert body["kind"] == "end" and body["how"] == "unavailable"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1013


def test_a_talk_takes_a_line_of_the_calls_limit_and_is_refused_when_they_are_full() -> None:
    """Found by a hostile probe: with INFOLINIA_MAX_CONCURRENT_CALLS=1, three playground talks ran the whole
    pipeline at once and a phone call was still admitted beside them."""
    admission = Admission(max_calls=1)
    with client(True, call_deps(), admission) as c, c.websocket_connect(ws_path(c.get("/playground").text)) as ws:
        ws.send_text(json.dumps({"type": "start", "rate": 8000}))
        greeting, _ = events_until(ws, {"bot"})
        assert greeting[-1]["text"] == GREETING
        assert admission.active == 1 and admission.active_calls == []  # a line taken; no caller to hand over
        assert not admission.admit()  # the phone call that would cross the limit gets the busy answer
        with c.websocket_connect(ws_path(c.get("/playground").text)) as second:
            body = json.loads(second.receive_text())
            with pytest.raises(WebSocketDisconnect) as closed:
                second.receive_text()
        ws.send_text(json.dumps({"type": "hangup"}))
        while ws.receive()["type"] != "websocket.close":  # the rest of the greeting, then the end
            pass
    assert body["kind"] == "end" and body["how"] == "busy" and closed.value.code == 1013
    assert admission.active == 0 and admission.admit()  # the line is back once the talk ended


def test_a_draining_worker_starts_no_talk() -> None:
    admission = Admission(max_calls=0)
    admission.drain()
    with client(True, call_deps(), admission) as c, c.websocket_connect(ws_path(c.get("/playground").text)) as ws:
        assert json.loads(ws.receive_text())["how"] == "busy"
    assert admission.idle


class _Records(MemoryStore):
    """The store of the talks' call records, keeping how each ended (a talk's id is made up inside)."""

    def __init__(self) -> None:
        super().__init__()
        self.ended: dict[str, str] = {}

    async def set(self, key: str, value: dict[str, Any], ttl_s: int | None = None) -> None:
        await super().set(key, value, ttl_s)
        if key.endswith(":transcript"):
            self.ended[key] = value["ended"]


def test_a_talk_whose_audio_pauses_longer_than_the_phones_stall_goes_on_when_it_comes_back() -> None:
    """Found by a review: the playground took the phone's stalled-stream rule with its deps, so a browser whose
    audio paused (a tab in the background, a suspended audio context) got the phone's fail-safe: the apology
    and "transferred to the fallback number". A browser's pause is no broken media path."""
    stall_s = 0.3  # the phone's rule, as the phone's deps carry it (INFOLINIA_STREAM_STALL_S)
    with (
        client(True, call_deps(stream_stall_s=stall_s)) as c,
        c.websocket_connect(ws_path(c.get("/playground").text)) as ws,
    ):
        ws.send_text(json.dumps({"type": "start", "rate": 8000}))
        greeting, _ = events_until(ws, {"bot"})
        time.sleep(stall_s * 5)  # no audio from the browser: far past the phone's stall
        ws.send_bytes(speech("gdzie jest paczka", 1.0).astype("<i2").tobytes())
        ws.send_bytes(np.zeros(8000, dtype="<i2").tobytes())
        seen, _ = events_until(ws, {"turn", "end"})
        ws.send_text(json.dumps({"type": "hangup"}))
    assert greeting[-1]["text"] == GREETING
    by_kind = {e["kind"]: e for e in seen}
    assert "end" not in by_kind, seen  # no fail-safe: answered, not ended
    assert by_kind["bot"]["text"] == "Odpowiedź na: gdzie jest paczka."


async def _page_events_until(ws: ClientConnection, kinds: set[str]) -> list[dict[str, Any]]:
    """``events_until`` over a real socket: page events up to the first of ``kinds``, marks answered."""
    events: list[dict[str, Any]] = []
    while not events or events[-1]["kind"] not in kinds:
        message = await ws.recv()
        if isinstance(message, bytes):
            continue
        body = json.loads(message)
        if body["type"] == "mark":
            await ws.send(json.dumps({"type": "mark", "name": body["name"]}))
        elif body["type"] == "event":
            events.append(body)
    return events


async def test_a_drain_tells_an_open_talk_why_and_ends_it_so_the_worker_stops_before_its_grace() -> None:
    """Found by a review: a talk counts as a line, so a draining worker waited for it (a page left open: the
    whole grace, 60 s) and then stopped under it without a word. Now the page is told why, the socket closes
    with 1012 (service restart), and the drain goes on at once. Real uvicorn, real WebSocket, the real drain
    (``GracefulDrain``, as the first SIGTERM starts it)."""
    admission = Admission(max_calls=0)
    handed: list[list[str]] = []

    async def hand_off(calls: list[str]) -> None:
        handed.append(calls)

    drain = GracefulDrain(admission, hand_off, grace_s=60.0, poll_s=0.05)
    records = _Records()
    async with serve_in_loop(playground_app(True, call_deps(store=records), admission), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            path = ws_path((await http.get("/playground")).text)
        async with asyncio.timeout(GUARD_S), connect(url.replace("http", "ws", 1) + path) as ws:
            await ws.send(json.dumps({"type": "start", "rate": 8000}))
            assert (await _page_events_until(ws, {"bot"}))[-1]["text"] == GREETING
            draining = asyncio.create_task(drain.drain())
            ended = await _page_events_until(ws, {"end"})
            with pytest.raises(ConnectionClosed):
                while True:  # the rest of the greeting's audio, then the close
                    await ws.recv()
            await draining  # the worker may stop: long before the drain's grace is over
    assert ended[-1]["how"] == "draining" and ended[-1]["text"] == catalogue.PLAYGROUND_DRAINING
    assert ws.close_code == 1012
    assert admission.idle and handed == []  # nothing to hand over: a talk is no phone call
    assert list(records.ended.values()) == ["drained"]  # the worker ended it, not the person at the page


def _first_event(url: str, page: httpx.Response) -> tuple[dict[str, Any], int | None]:
    """The one page event a talk that cannot start sends, over a real WebSocket, and the socket's close code."""
    assert page.status_code == 200, page.text
    with ws_connect(url.replace("http", "ws", 1) + ws_path(page.text), open_timeout=GUARD_S) as ws:
        event = json.loads(ws.recv(timeout=GUARD_S))
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=GUARD_S)
    return event, ws.close_code


def test_the_page_says_busy_and_unavailable_in_the_operators_words(redis_url: str, tmp_path: Path) -> None:
    """What the page says when a talk cannot start was written in the router, out of reach of the operator's
    prompts file. The real gateway, given ``playground_busy`` and ``playground_unavailable`` in its prompts file:
    with speech off the talk says the operator's "unavailable"; with its one line held by a phone call's webhook,
    the operator's "busy"."""
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(
        "prompts:\n"
        "  playground_busy: Linie Zielonego Ogrodu są zajęte, zapraszamy za minutę.\n"
        "  playground_unavailable: Rozmowa głosowa w Zielonym Ogrodzie jest dziś wyłączona.\n",
        encoding="utf-8",
    )
    settings = settings_for(redis_url, tmp_path, prompts_path=str(prompts), max_concurrent_calls=1)
    try:
        with gateways(settings) as (url,), httpx.Client(base_url=url, headers=key(), timeout=GUARD_S) as http:
            off, off_code = _first_event(url, http.get("/playground"))
            params = {"CallSid": "CA" + "1" * 32, "From": "+48600100200", "To": "+48221234567"}
            signature = RequestValidator(settings.twilio_auth_token).compute_signature(
                settings.public_url + "/twilio/voice", params
            )
            call = http.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": signature})
            assert call.status_code == 200 and "<Connect><Stream" in call.text  # the one line is this call's now
            busy, busy_code = _first_event(url, http.get("/playground"))
    finally:
        catalogue.configure({})  # the gateway applied the file to this process's catalogue
    assert off == {**off, "kind": "end", "how": "unavailable"} and off_code == WS_TRY_AGAIN
    assert off["text"] == "Rozmowa głosowa w Zielonym Ogrodzie jest dziś wyłączona."
    assert busy == {**busy, "kind": "end", "how": "busy"} and busy_code == WS_TRY_AGAIN
    assert busy["text"] == "Linie Zielonego Ogrodu są zajęte, zapraszamy za minutę."
