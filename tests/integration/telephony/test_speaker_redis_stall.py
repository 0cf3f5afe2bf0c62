"""A device's voice turns (``POST /v1/voice/turn``) while its gateway's Redis is *stalled* (SIGSTOPped: the kernel
accepts connections, nobody answers), through the whole gateway in process, on a private redis-server.

Found by a review: the chats' store-health breaker (``telephony/store_health.py``) spared a chat the timeouts
after the first, but a device's turn still sent its session read and save to the stalled Redis, and waited a
timeout for each before going on from the copy its worker keeps. Now the turn's keeper consults the breaker:
inside the back-off it goes straight to the copy, and once the recovery watcher finds Redis answering the
conversation reaches Redis again. Bounds as in ``test_redis_stall.py``: each command that waits on the stalled
Redis takes a whole ``TIMEOUT_S``, so under one means none did.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from redis.exceptions import TimeoutError as RedisTimeoutError

from dialog.ports import CallerInfo, Hypothesis
from dialog.redis_connect import connect_redis
from dialog.store import RedisStore, SessionRepo
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services
from telephony.speaker.device_turn import DeviceThreads
from telephony.store_health import StoreHealth
from tests.support.access import API_KEY, key, settings_for
from tests.support.lost_session import demo_engine
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm

ASKED = "Gdzie jest moja paczka?"
DIGITS = "cztery osiem dwa jeden trzy"
ANSWERED = "Zamówienie numer 48213 zostało wysłane."
TIMEOUT_S = 1.5  # the Redis client's and the session keeper's (INFOLINIA_CALL_SESSION_TIMEOUT_S) limit
ONE_WAIT_S = 2 * TIMEOUT_S - 0.1  # faster than this: at most one command waited on the stalled Redis
NO_WAIT_S = TIMEOUT_S - 0.1  # faster than this: no command waited on the stalled Redis


async def test_a_device_turn_inside_the_back_off_does_not_wait_and_is_saved_once_redis_answers(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = settings_for(own_redis.url, tmp_path, speech=True, call_session_timeout_s=TIMEOUT_S,
                            redis_timeout_s=TIMEOUT_S, recovery_interval_s=60.0, twilio_auth_token="",
                            spool_file=str(tmp_path / "spool.jsonl"))  # fmt: skip
    gateway = build_gateway(settings)
    services = Services(settings, gateway.store, demo_engine(gateway.store), EchoRecognizer(), ToneSynthesizer())
    app = gateway_app(gateway, services)
    await gateway.start(services)
    assert gateway.recovery is not None
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080", timeout=30) as client:
            session_id, _, _ = await device_turn(client, ASKED)
            own_redis.pause()
            try:
                first = await device_turn(client, DIGITS, session_id)  # a timeout here opens the back-off
                second = await device_turn(client, "tak", session_id)
            finally:
                own_redis.resume()
            assert await gateway.recovery.check()  # the watcher finds Redis answering: the back-off ends
            after = await device_turn(client, ASKED, session_id)
    finally:
        await gateway.close()
    assert first[0] == second[0] == after[0] == session_id  # one conversation, its copy went on under its id
    assert first[1].startswith(ANSWERED)  # the order number asked for before the stall was understood
    assert first[2] < ONE_WAIT_S, f"the first turn of the stall waited {first[2]:.2f} s: more than one timeout"
    assert second[2] < NO_WAIT_S, f"the turn inside the back-off waited {second[2]:.2f} s on the stalled Redis"
    store = RedisStore(own_redis.url, prefix=settings.redis_prefix)
    try:
        kept = await SessionRepo(store).load(session_id)
    finally:
        await store.close()
    assert kept is not None and kept.caller_turns() == [ASKED, DIGITS, "tak", ASKED]  # the stall's turns too


async def test_a_timeout_of_the_device_turns_own_session_read_opens_the_breaker(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """In the gateway the rate limit's check is the first command to time out; here the session keeper's own
    read is (no limiter in front): it opens the worker's breaker, so the next turn sends Redis nothing."""
    store = RedisStore("", client=connect_redis(own_redis.url, timeout_s=TIMEOUT_S))
    health, engine, caller = StoreHealth(backoff_s=60.0), demo_engine(store), CallerInfo(channel="voice")
    threads = DeviceThreads(store_timeout_s=TIMEOUT_S, breaker=health)

    async def turn(text: str, session_id: str | None) -> tuple[str, float]:
        began = time.monotonic()
        outcome, _ = await threads.turn(engine, session_id, [Hypothesis(text, 0.9)], caller)
        return outcome.session_id, time.monotonic() - began

    try:
        session_id, _ = await turn(ASKED, None)
        own_redis.pause()
        try:
            during = [await turn(DIGITS, session_id), await turn("tak", session_id)]
        finally:
            own_redis.resume()
        assert health.stalled  # the keeper's timeout opened it
        health.answered()  # what the recovery watcher's check does once Redis answers
        assert (await turn(ASKED, session_id))[0] == session_id
        kept = await SessionRepo(store).load(session_id)
    finally:
        await store.close()
    assert [sid for sid, _ in during] == [session_id] * 2
    assert during[0][1] < ONE_WAIT_S and during[1][1] < NO_WAIT_S, during
    assert kept is not None and kept.caller_turns() == [ASKED, DIGITS, "tak", ASKED]


class CountingHealth(StoreHealth):
    """The worker's breaker, counting the timeouts it is told of (each a whole wait on the stalled Redis)."""

    timeouts = 0

    def saw(self, exc: BaseException) -> bool:
        timed_out = super().saw(exc)
        self.timeouts += timed_out
        return timed_out


async def test_a_device_turn_on_a_worker_without_its_copy_waits_one_timeout_at_most(
    own_redis: RedisServer,  # noqa: F811
) -> None:
    """Found by a review: a worker that never saw the conversation (no copy here) asked the stalled Redis for the
    session twice in one turn, once for the lost-thread check and once for the engine, each a whole timeout, even
    with its breaker already open. The keeper now asks once per turn: the engine's read goes on from that
    answer (none: a fresh session, as when Redis is down)."""
    store = RedisStore("", client=connect_redis(own_redis.url, timeout_s=TIMEOUT_S))
    engine, caller = demo_engine(store), CallerInfo(channel="voice")
    first = DeviceThreads(store_timeout_s=TIMEOUT_S, breaker=StoreHealth(backoff_s=60.0))
    try:
        session_id = (await first.turn(engine, None, [Hypothesis(ASKED, 0.9)], caller))[0].session_id
        own_redis.pause()
        try:
            for already_open in (False, True):
                health = CountingHealth(backoff_s=60.0)
                if already_open:
                    health.saw(RedisTimeoutError("a timeout a moment ago, elsewhere in the worker"))
                    health.timeouts = 0
                other = DeviceThreads(store_timeout_s=TIMEOUT_S, breaker=health)  # never saw the conversation
                began = time.monotonic()
                await other.turn(engine, session_id, [Hypothesis(DIGITS, 0.9)], caller)
                waited = time.monotonic() - began
                assert health.timeouts <= 1 and waited < ONE_WAIT_S, (already_open, health.timeouts, waited)
        finally:
            own_redis.resume()
    finally:
        await store.close()


async def device_turn(client: httpx.AsyncClient, text: str, session_id: str | None = None) -> tuple[str, str, float]:
    """One turn of a device (its words as audio): the session id and reply it is answered with, and how long
    the answer took."""
    query = f"rate=16000&session_id={session_id}" if session_id else "rate=16000"
    body = text_to_pcm(text).astype("<i2").tobytes()
    began = time.monotonic()
    response = await client.post(
        f"/v1/voice/turn?{query}", content=body, headers={"content-type": "application/octet-stream", **key(API_KEY)}
    )
    seconds = time.monotonic() - began
    assert response.status_code == 200, response.text
    outcome = response.json()["outcome"]
    return str(outcome["session_id"]), str(outcome["reply"]), seconds
