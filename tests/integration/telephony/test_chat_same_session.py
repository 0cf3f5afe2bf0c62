"""Messages of one chat session sent at once are answered one after the other, none lost.

Found by a hostile probe: 30 messages of one session posted at once all got a 200 and a reply, and the
stored conversation kept 2 of them (each turn read the same old session; the last write won).
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
from fastapi import FastAPI

from dialog.engine import DialogEngine
from dialog.store import RedisStore, SessionRepo
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.routes import device_threads
from telephony.app.services import Services
from telephony.chat.api import build_chat_router
from telephony.chat.session_locks import SessionLocks
from tests.support.access import API_KEY, PUBLIC, key, settings_for
from tests.support.lost_session import demo_engine
from tests.support.speech import EchoRecognizer, ToneSynthesizer

MESSAGES = 12


async def test_messages_of_one_session_sent_at_once_all_stay_in_its_conversation(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:8]}:")
    engine: DialogEngine = demo_engine(store)

    async def get_dialog() -> DialogEngine:
        return engine

    app = FastAPI()
    app.include_router(build_chat_router(get_dialog, store=store))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as http:
        first = (await http.post("/v1/chat", json={"text": "Dzień dobry"})).json()
        sid = first["session_id"]
        texts = [f"Ile kosztuje dostawa numer {i}?" for i in range(MESSAGES)]
        answers = await asyncio.gather(*(http.post("/v1/chat", json={"session_id": sid, "text": t}) for t in texts))
    assert [a.status_code for a in answers] == [200] * MESSAGES
    session = await SessionRepo(store).load(sid)
    assert session is not None
    said = [text for role, text in session.history if role == "caller"]
    assert sorted(said[1:]) == sorted(texts)  # every message, none overwritten by another
    assert said[0] == "Dzień dobry"
    await store.close()


async def test_locks_queue_one_session_and_leave_others_and_new_chats_alone() -> None:
    locks, order = SessionLocks(), list[str]()

    async def turn(sid: str | None, name: str, pause: float) -> None:
        async with locks.hold(sid):
            order.append(f"{name} in")
            await asyncio.sleep(pause)
            order.append(f"{name} out")

    await asyncio.gather(turn("a", "a1", 0.05), turn("a", "a2", 0.0), turn("b", "b1", 0.01), turn(None, "new", 0.0))
    assert order.index("a2 in") > order.index("a1 out")  # the session's second turn waited for its first
    assert order.index("b1 in") < order.index("a1 out") and order.index("new in") < order.index("a1 out")
    assert len(locks) == 0  # nothing kept once the turns are done


async def test_a_chat_message_waits_for_a_device_turn_of_its_session_in_the_same_gateway(tmp_path: Path) -> None:
    """A device may go on with a chat's session id (``/v1/voice/turn`` is a turn of the same dialog): the chat and
    the devices of a gateway hold one ``SessionLocks``. Each had its own, so a chat message and a device turn of
    one session ran at once in a worker without Redis, and the later save won."""
    gateway = build_gateway(settings_for("", tmp_path, speech=True))  # one worker, its sessions in memory
    assert gateway.locks.lease is None and device_threads(gateway).locks is gateway.locks
    services = Services(
        gateway.settings, gateway.store, demo_engine(gateway.store), EchoRecognizer(), ToneSynthesizer()
    )
    app = gateway_app(gateway, services)
    await gateway.start(services)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC, timeout=60) as http:
            sid = (await http.post("/v1/chat", json={"text": "Dzień dobry"}, headers=key(API_KEY))).json()["session_id"]
            async with gateway.locks.hold(sid):  # the device's turn of this session is running
                sent = http.post(
                    "/v1/chat", json={"session_id": sid, "text": "Ile kosztuje dostawa?"}, headers=key(API_KEY)
                )
                chat = asyncio.ensure_future(sent)
                done, _ = await asyncio.wait({chat}, timeout=1.0)
                assert not done  # queued behind the device's turn, not answered from the session it is changing
            assert (await chat).status_code == 200
    finally:
        await gateway.close()
