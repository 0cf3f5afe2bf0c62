"""Session ids a client may not make up (``dialog/session_ids.py``): two gateway workers on one real Redis,
built from settings with one ``INFOLINIA_SESSION_SECRET``, served by uvicorn and spoken to over real HTTP
(``POST /v1/chat`` and ``POST /v1/voice/turn``), with the real dialog engine on the demo shop.

What must hold: an id the gateway issued goes on (on either worker); one whose session Redis lost is still
told the thread was lost and counted; an id a client made up, altered, signed under another secret or kept in
the unsigned form of old starts a new conversation under a new signed id: no apology, nothing counted in
``infolinia_threads_lost_total`` (read from ``GET /metrics``), nothing stored under it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from dialog import catalogue
from dialog.engine import DialogEngine
from dialog.factory import bundled
from dialog.orders import JsonOrders
from dialog.session_ids import SessionIds
from dialog.store import SessionRepo
from telephony.app.build import Gateway, build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services
from telephony.app.session_ids import session_ids
from telephony.settings import Settings
from telephony.speaker.voice_input import encode_wav
from tests.support.lost_session import KB
from tests.support.servers import free_port, serve_in_loop
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm

SECRET = "7f3c9a1e5b2d4f6081a3c5e7092b4d6f8a1c3e5f7092b4d6f8a1c3e5f7092b4d"
ASKED = "Gdzie jest moja paczka?"
FOLLOW_UP = "a kiedy dojdzie?"
DIGITS = "cztery osiem dwa jeden trzy"  # the order number asked for, spoken digit by digit
LOST = "infolinia_threads_lost_total"


@dataclass
class Workers:
    bases: list[str]
    http: httpx.AsyncClient
    redis: Redis
    prefix: str

    async def chat(self, worker: int, text: str, session_id: str | None = None) -> dict[str, Any]:
        body = {"text": text, **({"session_id": session_id} if session_id is not None else {})}
        response = await self.http.post(f"{self.bases[worker]}/v1/chat", json=body)
        assert response.status_code == 200, response.text
        outcome: dict[str, Any] = response.json()
        return outcome

    async def voice(self, worker: int, text: str | None, session_id: str | None = None) -> dict[str, Any]:
        """One voice turn saying ``text`` (None: a sound nothing is heard in)."""
        params = {"session_id": session_id} if session_id is not None else {}
        pcm = text_to_pcm(text) if text is not None else np.full(1600, -1, dtype=np.int16)  # not UTF-8: unheard
        audio = {"file": ("turn.wav", encode_wav(pcm, 16000), "audio/wav")}
        response = await self.http.post(f"{self.bases[worker]}/v1/voice/turn", files=audio, params=params)
        assert response.status_code == 200, response.text
        outcome: dict[str, Any] = response.json()["outcome"]
        return outcome

    async def lose(self, session_id: str) -> None:
        """What Redis coming back empty does to one conversation: its session gone."""
        await self.redis.delete(f"{self.prefix}session:{session_id}", f"{self.prefix}session:{session_id}:before")

    async def stored(self, session_id: str) -> bool:
        return bool(await self.redis.exists(f"{self.prefix}session:{session_id}"))

    async def lost(self, channel: str) -> float:
        """Threads lost on ``channel``, all verdicts, summed over both workers' ``/metrics``."""
        total = 0.0
        for base in self.bases:
            text = (await self.http.get(f"{base}/metrics")).text
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == LOST and sample.labels.get("channel") == channel:
                        total += sample.value
        return total


def _settings(port: int, redis_url: str, prefix: str) -> Settings:
    return Settings(
        redis_url=redis_url,
        redis_prefix=prefix,
        public_url=f"http://127.0.0.1:{port}",
        session_secret=SECRET,
        speech=False,  # the recognizer and the voice are given: nothing to load
        log_json=False,
    )


def _app(settings: Settings) -> tuple[Any, Gateway]:
    gateway = build_gateway(settings)
    sessions = SessionRepo(gateway.store, ids=session_ids(settings))  # as ``build_dialog`` wires the engine
    engine = DialogEngine(KB, JsonOrders(bundled("orders.json")), sessions)
    services = Services(settings, gateway.store, engine, EchoRecognizer(), ToneSynthesizer())
    return gateway_app(gateway, services), gateway


@pytest.fixture
async def workers(redis_url: str) -> AsyncIterator[Workers]:
    prefix, ports = f"sig{uuid.uuid4().hex[:8]}:", [free_port(), free_port()]
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        async with contextlib.AsyncExitStack() as stack:
            urls = []
            for port in ports:
                app, gateway = _app(_settings(port, redis_url, prefix))
                urls.append(await stack.enter_async_context(serve_in_loop(app, port)))
                await gateway.services.get()
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
            yield Workers(urls, http, redis, prefix)
    finally:
        keys = [key async for key in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def _altered(session_id: str) -> str:
    """The issued id with its last digit changed: the signature no longer holds."""
    return session_id[:-1] + ("0" if session_id[-1] != "0" else "1")


async def test_a_chat_goes_on_under_its_signed_id_on_either_worker(workers: Workers) -> None:
    first = await workers.chat(0, ASKED)
    sid = first["session_id"]
    assert first["reply"] == catalogue.ASK_ORDER_NUMBER and SessionIds(SECRET).issued(sid)
    assert set(first) >= {"session_id", "action", "reply", "kb_id", "order_id", "expects", "transfer"}
    answered = await workers.chat(1, "48213", sid)  # the other worker: the same secret, the same conversation
    assert answered["session_id"] == sid and answered["order_id"] == "48213"
    assert await workers.lost("chat") == 0.0


async def test_a_chat_whose_session_redis_lost_is_told_so_by_the_other_worker(workers: Workers) -> None:
    sid = (await workers.chat(0, ASKED))["session_id"]
    await workers.lose(sid)
    lost = await workers.chat(1, FOLLOW_UP, sid)
    assert lost["session_id"] == sid and lost["reply"] == catalogue.CHAT_THREAD_LOST and lost["action"] == "clarify"
    assert await workers.lost("chat") == 1.0
    again = await workers.chat(0, ASKED, sid)  # the whole question again: answered, under the same id
    assert again["session_id"] == sid and again["reply"] == catalogue.ASK_ORDER_NUMBER


async def test_a_chat_id_of_a_client_s_making_is_a_new_conversation_never_a_lost_thread(workers: Workers) -> None:
    issued = (await workers.chat(0, ASKED))["session_id"]
    await workers.lose(issued)
    made_up = [
        _altered(issued),  # tampered with
        "0" * 64,  # the issued form, invented
        SessionIds("another-deployment-secret-0123456789").new(),  # signed, but not by this deployment
        uuid.uuid4().hex,  # the unsigned form of old
        "customer-42",
    ]
    for forged in made_up:
        body = await workers.chat(1, FOLLOW_UP, forged)
        assert body["reply"] != catalogue.CHAT_THREAD_LOST, forged
        new = body["session_id"]
        assert new != forged and SessionIds(SECRET).issued(new), forged  # a fresh id, signed
        assert not await workers.stored(forged), forged  # nothing kept under the client's id
        assert (await workers.chat(0, "48213", new))["order_id"] == "48213"  # and the new one goes on
    assert await workers.lost("chat") == 0.0  # nothing counted


async def test_a_device_s_signed_session_goes_on_and_a_lost_one_is_told_so(workers: Workers) -> None:
    first = await workers.voice(0, ASKED)
    sid = first["session_id"]
    assert first["reply"] == catalogue.ASK_ORDER_NUMBER and SessionIds(SECRET).issued(sid)
    answered = await workers.voice(1, DIGITS, sid)
    assert answered["session_id"] == sid and answered["order_id"] == "48213"
    await workers.lose(sid)
    lost = await workers.voice(1, DIGITS, sid)
    assert lost["session_id"] == sid and lost["reply"] == catalogue.CALL_THREAD_LOST
    assert await workers.lost("voice") == 1.0


async def test_a_device_s_first_turn_nothing_was_heard_in_gets_a_signed_id(workers: Workers) -> None:
    unheard = await workers.voice(0, None)
    assert unheard["reply"] == catalogue.NOT_HEARD and SessionIds(SECRET).issued(unheard["session_id"])


async def test_a_device_s_turn_after_a_silent_first_one_goes_on_and_counts_no_lost_thread(workers: Workers) -> None:
    """A false wake word, then the question: the id the silence got is a conversation the store knows, so the
    next turn (on the other worker) is no thread Redis lost (it was: "straciłem wątek", threads_lost + 1)."""
    sid = (await workers.voice(0, None))["session_id"]
    assert await workers.stored(sid)
    asked = await workers.voice(1, ASKED, sid)
    assert asked["session_id"] == sid and asked["reply"] == catalogue.ASK_ORDER_NUMBER
    assert (await workers.voice(0, DIGITS, sid))["order_id"] == "48213"
    assert await workers.lost("voice") == 0.0


async def test_a_device_id_of_a_client_s_making_is_a_new_conversation_never_a_lost_thread(workers: Workers) -> None:
    issued = (await workers.voice(0, ASKED))["session_id"]
    await workers.lose(issued)
    for forged in (_altered(issued), "f" * 64, uuid.uuid4().hex):
        body = await workers.voice(1, DIGITS, forged)
        assert body["reply"] != catalogue.CALL_THREAD_LOST, forged
        assert body["session_id"] != forged and SessionIds(SECRET).issued(body["session_id"]), forged
        assert not await workers.stored(forged), forged
    assert await workers.lost("voice") == 0.0
