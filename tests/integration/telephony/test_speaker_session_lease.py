"""The speakers' turns across workers: a device's ``POST /v1/voice/turn`` by its session id and a Home Assistant
conversation over Wyoming by its conversation id, split between two workers (two routers or two
``SpeakerConversations``, each with its own Redis client and lease, one real Redis): every turn kept. And a turn
whose session another worker holds past the wait is told so aloud, never answered from a stale session (nor
counted as a turn of its conversation).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from dialog import catalogue
from dialog.store import RedisStore, SessionRepo
from telephony.access.lanes import RecognizerLanes
from telephony.app.services import Services
from telephony.chat.session_lease import LeaseTiming, SessionLease
from telephony.chat.session_locks import SessionLocks
from telephony.conversation_turn import ConversationTurn
from telephony.settings import Settings
from telephony.speaker.conversation import SpeakerConversations
from telephony.speaker.device_turn import DeviceThreads
from telephony.speaker.voice_turn import build_voice_turn_router
from tests.support.lost_session import demo_engine
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm

TURNS = 12
TEXTS = [f"Ile kosztuje dostawa numer {i}?" for i in range(TURNS)]
RAW = {"content-type": "application/octet-stream"}
IMPATIENT = LeaseTiming(ttl_s=60.0, wait_s=0.05)  # gives up at once on a lease another worker holds


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


class Turns:
    """The conversation KPIs' sink (``Metrics.conversation_turn``): the turns counted."""

    def __init__(self) -> None:
        self.counted: list[ConversationTurn] = []

    def conversation_turn(self, turn: ConversationTurn) -> None:
        self.counted.append(turn)


def device_app(
    store: RedisStore, redis: Redis, kind: str, timing: LeaseTiming | None = None, metrics: Turns | None = None
) -> FastAPI:
    """One worker's ``/v1/voice/turn``: the demo engine on the shared store, a lease on its own client."""
    lanes = RecognizerLanes(EchoRecognizer(), queue=TURNS)
    services = Services(Settings(), store, demo_engine(store), lanes.device, ToneSynthesizer(), lanes=lanes)

    async def get_services() -> Services:
        return services

    locks = SessionLocks(SessionLease(redis, store.prefix, kind, timing))
    app = FastAPI()
    threads = DeviceThreads(store_timeout_s=5.0, locks=locks)
    app.include_router(build_voice_turn_router(get_services, metrics, threads=threads))
    return app


async def voice_turn(app: FastAPI, text: str, sid: str | None) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as http:
        query = {"rate": "16000", **({"session_id": sid} if sid else {})}
        return await http.post(
            "/v1/voice/turn", params=query, content=text_to_pcm(text).astype("<i2").tobytes(), headers=RAW
        )


async def test_voice_turns_of_one_session_split_between_two_workers_are_all_kept(redis_url: str, redis: Redis) -> None:
    store = RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:8]}:")
    other = Redis.from_url(redis_url)
    workers = [device_app(store, redis, "session"), device_app(store, other, "session")]
    try:
        sid = (await voice_turn(workers[0], "Dzień dobry", None)).json()["outcome"]["session_id"]
        answers = await asyncio.gather(*(voice_turn(workers[i % 2], t, sid) for i, t in enumerate(TEXTS)))
        assert [a.status_code for a in answers] == [200] * TURNS, [a.text for a in answers]
        session = await SessionRepo(store).load(sid)
    finally:
        await store.close()
        await other.aclose()
    assert session is not None
    said = session.caller_turns()
    assert said[0] == "Dzień dobry" and sorted(said[1:]) == sorted(TEXTS)


async def test_a_voice_turn_held_up_past_the_wait_hears_why_and_the_session_is_untouched(
    redis_url: str, redis: Redis
) -> None:
    store, turns = RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:8]}:"), Turns()
    app = device_app(store, redis, "session", IMPATIENT, turns)
    holder = SessionLease(redis, store.prefix, "session")
    try:
        sid = (await voice_turn(app, "Dzień dobry", None)).json()["outcome"]["session_id"]
        token = await holder.take(sid)  # another worker's turn of this session is still running
        assert token is not None
        busy = await voice_turn(app, "Ile kosztuje dostawa?", sid)
        await holder.give_back(sid, token)
        session = await SessionRepo(store).load(sid)
    finally:
        await store.close()
    assert busy.status_code == 200, busy.text
    outcome = busy.json()["outcome"]
    assert outcome["reply"] == catalogue.SESSION_BUSY_SPOKEN and outcome["session_id"] == sid
    assert busy.json()["audio_wav_base64"]  # said aloud
    assert session is not None and session.caller_turns() == ["Dzień dobry"]  # asked again, not half-answered
    assert len(turns.counted) == 1  # the first turn; not the one that was not run (asked again, it counts then)


async def test_wyoming_turns_of_one_conversation_split_between_two_servers_are_all_kept(
    redis_url: str, redis: Redis
) -> None:
    store = RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:8]}:")
    other = Redis.from_url(redis_url)
    servers = [
        SpeakerConversations(
            demo_engine(store), store, locks=SessionLocks(SessionLease(r, store.prefix, "conversation"))
        )
        for r in (redis, other)
    ]
    try:
        first = await servers[0].turn("Dzień dobry", "01JHA5SPEAKERKITCHEN")
        turns = (servers[i % 2].turn(t, "01JHA5SPEAKERKITCHEN") for i, t in enumerate(TEXTS))
        replies = await asyncio.gather(*turns)
        assert {r.session_id for r in replies} == {first.session_id} and first.session_id is not None
        session = await SessionRepo(store).load(first.session_id)
    finally:
        await store.close()
        await other.aclose()
    assert session is not None
    said = session.caller_turns()
    assert said[0] == "Dzień dobry" and sorted(said[1:]) == sorted(TEXTS)


async def test_a_speaker_turn_held_up_past_the_wait_says_so(redis_url: str, redis: Redis) -> None:
    store = RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:8]}:")
    lease = SessionLease(redis, store.prefix, "conversation", IMPATIENT)
    speaker = SpeakerConversations(demo_engine(store), store, locks=SessionLocks(lease))
    holder = SessionLease(redis, store.prefix, "conversation")
    try:
        token = await holder.take("01JHA5SPEAKERKITCHEN")
        assert token is not None
        reply = await speaker.turn("Ile kosztuje dostawa?", "01JHA5SPEAKERKITCHEN")
        await holder.give_back("01JHA5SPEAKERKITCHEN", token)
        after = await speaker.turn("Ile kosztuje dostawa?", "01JHA5SPEAKERKITCHEN")  # asked again: answered
    finally:
        await store.close()
    assert reply.text == catalogue.SESSION_BUSY_SPOKEN and reply.conversation_id == "01JHA5SPEAKERKITCHEN"
    assert after.text != catalogue.SESSION_BUSY_SPOKEN and after.session_id is not None
