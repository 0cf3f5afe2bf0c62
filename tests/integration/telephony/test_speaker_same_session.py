"""Turns of one speaker conversation sent at once are answered one after the other, none lost: a device's
``POST /v1/voice/turn`` by its session id, a Home Assistant conversation over Wyoming by its conversation id.

The chat had it (``tests/integration/telephony/test_chat_same_session.py``: 30 messages of one session sent
at once, 2 kept); the speakers load and save their sessions the same way, on the same real Redis here.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from dialog.store import RedisStore, SessionRepo
from telephony.access.lanes import RecognizerLanes
from telephony.app.services import Services
from telephony.settings import Settings
from telephony.speaker.conversation import SpeakerConversations
from telephony.speaker.device_turn import DeviceThreads
from telephony.speaker.voice_turn import build_voice_turn_router
from tests.support.lost_session import demo_engine
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm

TURNS = 8
TEXTS = [f"Ile kosztuje dostawa numer {i}?" for i in range(TURNS)]


def redis_store(redis_url: str) -> RedisStore:
    return RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:8]}:")


async def test_voice_turns_of_one_session_sent_at_once_all_stay_in_its_conversation(redis_url: str) -> None:
    store = redis_store(redis_url)
    engine, recognizer = demo_engine(store), EchoRecognizer()
    lanes = RecognizerLanes(recognizer, queue=TURNS)  # every turn gets its recognition: this is about sessions
    services = Services(Settings(), store, engine, recognizer, ToneSynthesizer(), lanes=lanes)

    async def get_services() -> Services:
        return services

    app = FastAPI()
    app.include_router(build_voice_turn_router(get_services, threads=DeviceThreads(store_timeout_s=5.0)))
    raw = {"content-type": "application/octet-stream"}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as http:

            async def turn(text: str, sid: str | None) -> httpx.Response:
                pcm = text_to_pcm(text).astype("<i2").tobytes()
                query = {"rate": "16000", **({"session_id": sid} if sid else {})}
                return await http.post("/v1/voice/turn", params=query, content=pcm, headers=raw)

            first = await turn("Dzień dobry", None)
            sid = first.json()["outcome"]["session_id"]
            answers = await asyncio.gather(*(turn(text, sid) for text in TEXTS))
        assert [a.status_code for a in answers] == [200] * TURNS, [a.text for a in answers]
        session = await SessionRepo(store).load(sid)
    finally:
        await store.close()
    assert session is not None
    said = session.caller_turns()
    assert said[0] == "Dzień dobry" and sorted(said[1:]) == sorted(TEXTS)  # every turn, none overwritten


async def test_wyoming_turns_of_one_conversation_at_once_all_stay_in_its_session(redis_url: str) -> None:
    store = redis_store(redis_url)
    speaker = SpeakerConversations(demo_engine(store), store)
    try:
        first = await speaker.turn("Dzień dobry", "01JHA5SPEAKERKITCHEN")
        replies = await asyncio.gather(*(speaker.turn(text, "01JHA5SPEAKERKITCHEN") for text in TEXTS))
        assert {r.session_id for r in replies} == {first.session_id}  # one conversation, one session
        assert first.session_id is not None
        session = await SessionRepo(store).load(first.session_id)
    finally:
        await store.close()
    assert session is not None
    said = session.caller_turns()
    assert said[0] == "Dzień dobry" and sorted(said[1:]) == sorted(TEXTS)
