"""A *stalled* Redis under a whole gateway: the process stopped with SIGSTOP, so the kernel still accepts
connections and nobody answers (a frozen process, a host swapping). Before ``INFOLINIA_REDIS_TIMEOUT_S``
a command on a pooled connection waited until Redis went on, and a new connection for 15 s: a chat, a new
call's webhook and a callback step hung, the console's live stream went silent.

What must hold: every request is answered as when Redis is down (a 503 with the Polish reply, the spool,
spoken TwiML), the console stream stays open and tells the console to re-read once Redis goes on, and
nothing is lost when it does. The HTTP client gives up after ``BOUND_S``, well past the 2 s timeout and
far short of "until Redis answers", so a hang fails the test instead of waiting. Where a bound is asserted
(a chat's 503 after one timeout, not four), it counts the commands that waited on the stalled Redis: each
waits a whole ``TIMEOUT_S``, so under two of them means at most one command, under one means none, with
most of a timeout to spare for a slow machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any

import httpx
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from dialog import catalogue
from dialog.ports import CallerInfo
from dialog.redis_connect import connect_redis
from dialog.store import RedisStore, SessionRepo
from telephony.access.keys import hash_secret
from telephony.agents.events import STORE_BACK, EventBus
from telephony.call.timing import TurnTiming
from telephony.console.sse import agent_stream
from telephony.devtools.faults_world import AUTH
from telephony.twilio.routes import WS_INTERNAL_ERROR
from tests.support.line import call, harness
from tests.support.lost_session import CALLER, EMPTY, demo_engine, replies, script
from tests.support.outage import bearer, form, outage_gateway, spoken, twiml
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

BOUND_S = 15.0
ASKED = "Gdzie jest moja paczka?"
OFFER = "Czy chodzi o zamówienie numer 48213?"  # the demo orders know the caller's number
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
KEY = "inf_stall-test-key-0123456789abcdef"
TIMEOUT_S = 1.5  # INFOLINIA_REDIS_TIMEOUT_S of the tests below that bound a wait
ONE_WAIT_S = 2 * TIMEOUT_S - 0.1  # faster than this: at most one command waited on the stalled Redis
NO_WAIT_S = TIMEOUT_S - 0.1  # faster than this: none did


async def test_chat_console_and_callers_are_answered_while_redis_is_stalled(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with outage_gateway(own_redis, tmp_path) as w, httpx.AsyncClient(base_url=w.base, timeout=BOUND_S) as c:
        session = (await c.post("/v1/chat", json={"text": "dzień dobry"})).json()["session_id"]
        assert (await c.post("/agents/login", data={"token": "token-anna"})).status_code == 303
        tid, sid = await w.start("obsluga")  # nobody serves it: the callback offer
        own_redis.pause()
        try:
            ready = await c.get("/readyz")
            assert ready.status_code == 503 and "store" in ready.json()["degraded"]
            chat = await c.post("/v1/chat", json={"session_id": session, "text": "a gdzie paczka?"})
            assert chat.status_code == 503 and chat.json()["reply"] == catalogue.STORE_DOWN_REPLY
            for path in ("/v1/agents", "/agents/dashboard"):
                page = await c.get(path, headers=bearer("anna"))
                assert page.status_code == 503 and page.json()["reply"] == catalogue.STORE_DOWN_REPLY, path
            console = await c.get("/agents", headers=BROWSER)
            assert console.status_code == 503 and "Konsola jest chwilowo niedostępna" in console.text
            booked = twiml(await w.signed(f"/twilio/transfer/{tid}/callback-answer", form(sid, Digits="1")))
            assert spoken(booked), "the caller is told the request is saved"
            new_call = twiml(await w.signed("/twilio/voice", form("CA" + "7" * 32)))
            assert spoken(new_call), "a new caller hears the apology, not silence"
            assert w.recovery.spool.pending() == 1
        finally:
            own_redis.resume()
        assert await w.recovery.check()  # the spooled request reaches Redis once it answers
        stored = await w.gateway.transfer.agents.callbacks.get(f"cb-{tid}")  # type: ignore[union-attr]
        assert stored is not None and stored["requested"] == "callback"
        assert (await c.get("/readyz")).status_code == 200
        again = await c.post("/v1/chat", json={"session_id": session, "text": "a gdzie paczka?"})
        assert again.status_code == 200 and again.json()["session_id"] == session  # the session was kept


async def test_a_chat_waits_for_one_redis_timeout_at_most_and_works_once_redis_goes_on(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A hostile probe: a chat with an API key waited four timeouts for its 503 (the failed-credential brake,
    the rate limit, the session save, the turn's undo record). Now the first command that times out opens
    the store-health back-off: the limits let the request through, the chat is answered 503 at once, and
    the chats after it do not wait at all, until the recovery watcher finds Redis answering again. A new
    chat and a continued one, each as the first request of a stall."""
    extra = {"api_keys": f"kiosk={hash_secret(KEY)}", "redis_timeout_s": TIMEOUT_S}
    headers = {"Authorization": f"Bearer {KEY}"}
    async with (
        outage_gateway(own_redis, tmp_path, dialog=demo_engine, extra=extra) as w,
        httpx.AsyncClient(base_url=w.base, timeout=BOUND_S, headers=headers) as c,
    ):
        session = (await c.post("/v1/chat", json={"text": "dzień dobry"})).json()["session_id"]
        new, going_on = {"text": "dzień dobry"}, {"session_id": session, "text": ASKED}
        for first, then in ((new, going_on), (going_on, new)):
            own_redis.pause()
            try:
                assert await _refused(c, first) < ONE_WAIT_S, first  # one timeout, and the back-off opens
                assert await _refused(c, then) < NO_WAIT_S, then  # not sent to the stalled Redis at all
            finally:
                own_redis.resume()
            assert await w.recovery.check()  # the watcher's check finds Redis answering: the back-off ends
            again = await c.post("/v1/chat", json=going_on)
            assert again.status_code == 200 and again.json()["session_id"] == session
            assert (await c.post("/v1/chat", json=new)).status_code == 200
        kept = await SessionRepo(w.gateway.store).load(session)
    assert kept is not None and kept.caller_turns() == ["dzień dobry", ASKED, ASKED]  # the answered turns only


async def _refused(c: httpx.AsyncClient, body: dict[str, Any]) -> float:
    """Send a chat message that must get the 503 with the Polish reply; how long it took."""
    began = time.monotonic()
    answer = await c.post("/v1/chat", json=body)
    seconds = time.monotonic() - began
    assert answer.status_code == 503 and answer.json()["reply"] == catalogue.STORE_DOWN_REPLY, answer.text
    return seconds


async def test_a_turn_whose_save_timed_out_does_not_wait_again_for_its_undo_record(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """The engine writes what ``retract`` restores after each turn: after a save that timed out, that second
    write went to the same stalled Redis and held the turn a second timeout. The turn is reported unsaved
    (its client sends it again), so nothing takes it back: it is no longer written."""
    store = RedisStore("", client=connect_redis(own_redis.url, timeout_s=TIMEOUT_S))
    engine = demo_engine(store)
    try:
        own_redis.pause()
        try:
            began = time.monotonic()
            outcome = await engine.handle(None, "dzień dobry", CallerInfo(channel="chat"))
            seconds = time.monotonic() - began
        finally:
            own_redis.resume()
        assert not outcome.saved and seconds < ONE_WAIT_S
        said = await engine.handle(outcome.session_id, ASKED, CallerInfo(channel="chat"))
        assert said.saved  # Redis goes on: the next turn is stored as before
    finally:
        await store.close()


async def test_a_call_answered_just_before_the_stall_falls_back_to_its_apology(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Twilio opens the media stream after the webhook's answer: its single-use token is read from Redis. A
    stalled Redis held that read, and the caller in silence, until Redis went on; now the stream is closed
    (1011) and Twilio plays what follows ``</Connect>``: the apology and the fallback number."""
    async with outage_gateway(own_redis, tmp_path) as w:
        answer = twiml(await w.signed("/twilio/voice", form("CA" + "8" * 32)))
        stream = answer.find("Connect/Stream")
        assert stream is not None and spoken(answer) and answer.findtext("Dial")  # the fallback after </Connect>
        own_redis.pause()
        try:
            assert await _close_code(str(stream.get("url"))) == WS_INTERNAL_ERROR
        finally:
            own_redis.resume()


async def _close_code(url: str) -> int | None:
    """Connect like Twilio (signed) and read until the gateway closes; the code it sent."""
    signature = RequestValidator(AUTH).compute_signature(url, {})
    async with connect(url, additional_headers={"X-Twilio-Signature": signature}, open_timeout=BOUND_S) as ws:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), BOUND_S)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


async def test_the_console_stream_stays_open_through_a_stall_and_says_when_redis_is_back(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """The live stream checks the agent's console session at each keep-alive: with a stalled Redis that
    check waited forever and the stream went silent (no keep-alives: a proxy closes it, the agent is
    'gone'). Now the check fails like a down Redis: the stream says so, subscribes again, and sends
    ``store.back`` when Redis answers (the console re-reads what it missed)."""
    redis = connect_redis(own_redis.url)
    store = RedisStore("", client=redis)
    await store.set("console:s1", {"agent": "anna"}, ttl_s=600)

    async def still_valid() -> bool:
        return await store.get("console:s1") is not None

    stream = agent_stream(EventBus(redis), "anna", still_valid=still_valid, keepalive_s=0.2, reconnect_s=0.1)
    try:
        assert (await _next(stream)).startswith("retry:")  # subscribed
        own_redis.pause()
        try:
            assert await _until(stream, lambda chunk: chunk == ": store unavailable\n\n")
        finally:
            own_redis.resume()
        assert await _until(stream, lambda chunk: STORE_BACK in chunk)
        assert await _until(stream, lambda chunk: chunk == ": keep-alive\n\n")  # and it goes on as before
    finally:
        await stream.aclose()
        await redis.aclose()


async def test_a_call_is_answered_turn_after_turn_while_redis_is_stalled(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """Two turns with Redis stalled, on the product's defaults (the client's timeout, the call's session
    timeout): each reply is sent, from the call's own copy of its session, and the session reaches Redis
    once it goes on. Stalled commands time out and give their connections back to the pool."""
    store, answered, steps = RedisStore(own_redis.url), list[TurnTiming](), list[str]()

    async def stall() -> None:
        steps.append("step")
        if len(steps) == 1:
            own_redis.pause()
        else:
            own_redis.resume()

    h = await harness(dialog=demo_engine(store), store=store, on_turn=answered.append)
    script(h.line, [ASKED, EMPTY, "nie", "cztery osiem dwa jeden trzy", EMPTY, ASKED], stall, answered)
    try:
        report = await call(h, {"from": CALLER})
    finally:
        own_redis.resume()
    try:
        kept = await SessionRepo(store).load(report.session_id)
    finally:
        await store.close()
    said = replies(report)
    assert said[1] == OFFER and said[2] == catalogue.ASK_ORDER_NUMBER  # "nie", Redis stalled: answered
    assert said[3].startswith(ANSWERED) and said[4].startswith(ANSWERED)  # the number, then after the stall
    assert report.ended == "caller_hung_up" and not report.errors and len(steps) == 2
    assert kept is not None and kept.id == report.session_id and len(kept.caller_turns()) == 4


async def _next(stream: AsyncGenerator[str, None]) -> str:
    return await asyncio.wait_for(anext(stream), BOUND_S)


async def _until(stream: AsyncGenerator[str, None], wanted: Callable[[str], bool]) -> bool:
    """Read chunks until one is ``wanted``; a stream that falls silent for ``BOUND_S`` fails."""
    while True:
        if wanted(await _next(stream)):
            return True


async def test_a_paused_redis_still_shuts_down_on_sigterm() -> None:
    """Teardown after a failed test may find Redis paused: ``stop`` resumes it first, so it acts on the
    SIGTERM (exit code 0) instead of waiting 5 s for the SIGKILL fallback."""
    server = RedisServer.start()
    server.pause()
    server.stop()
    assert server.proc.returncode == 0
