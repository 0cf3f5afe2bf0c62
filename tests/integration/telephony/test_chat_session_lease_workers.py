"""Two workers (two real gateways served by uvicorn, one Redis, one key prefix) receive the messages of ONE chat
session at once, split between them: every message stays in the stored conversation, none overwritten.

Why: the in-worker lock (``SessionLocks``) queues one worker's turns only; across ``--workers N`` each worker read
the same old session and the last save won. Measured with this burst before the Redis lease: 24 of 24 answered
200, the stored conversation kept 12 to 19 of them. The lease (``telephony/chat/session_lease.py``) makes the
turns of one session queue across the workers too: 24 of 24 kept.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from dialog import catalogue
from dialog import session as session_module
from dialog.engine import DialogEngine
from dialog.store import RedisStore, SessionRepo
from telephony.app.factory import add_error_replies
from telephony.chat.api import build_chat_router
from telephony.chat.session_lease import LeaseTiming, SessionLease
from telephony.chat.session_locks import SessionLocks
from tests.support.lost_session import demo_engine
from tests.support.outage import Outage, outage_gateway
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)

MESSAGES = 24


@asynccontextmanager
async def two_workers(redis: RedisServer, tmp_path: Path) -> AsyncIterator[tuple[Outage, Outage]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    prefix = "lease2:"  # one deployment: both workers use the same keys
    async with (
        outage_gateway(redis, tmp_path / "a", prefix=prefix, dialog=demo_engine) as a,
        outage_gateway(redis, tmp_path / "b", prefix=prefix, dialog=demo_engine) as b,
    ):
        yield a, b


async def test_one_sessions_messages_split_between_two_workers_are_all_kept(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session_module, "MAX_HISTORY", 4 * MESSAGES)  # the cap would drop the first ones, not a race
    async with two_workers(own_redis, tmp_path) as (a, b), httpx.AsyncClient(timeout=60) as http:
        first = await http.post(f"{a.base}/v1/chat", json={"text": "Dzień dobry"})
        assert first.status_code == 200, first.text
        sid = first.json()["session_id"]
        texts = [f"Ile kosztuje dostawa numer {i}?" for i in range(MESSAGES)]
        bases = [(a, b)[i % 2].base for i in range(MESSAGES)]  # every other message on the other worker
        sent = (
            http.post(f"{base}/v1/chat", json={"session_id": sid, "text": t})
            for base, t in zip(bases, texts, strict=True)
        )
        answers = await asyncio.gather(*sent)
        assert [r.status_code for r in answers] == [200] * MESSAGES, [r.text for r in answers if r.status_code != 200]
        session = await SessionRepo(a.gateway.store).load(sid)
    assert session is not None
    said = [text for role, text in session.history if role == "caller"]
    assert said[0] == "Dzień dobry"
    assert sorted(said[1:]) == sorted(texts), f"kept {len(said) - 1} of {MESSAGES}"  # each once, none overwritten


async def test_a_message_held_up_past_the_wait_is_refused_with_send_again_and_kept_when_sent_again(
    redis_url: str,
) -> None:
    """Another worker's turn of the session runs past ``session_lease_wait_s``: 503, ``Retry-After`` and the Polish
    "send it again" for the widget; the message is not half-answered, and sent again it is answered and kept."""
    store = RedisStore(redis_url, prefix=f"t{uuid.uuid4().hex[:8]}:")
    redis = Redis.from_url(redis_url)
    lease = SessionLease(redis, store.prefix, timing=LeaseTiming(ttl_s=60.0, wait_s=0.05))
    engine = demo_engine(store)

    async def get_dialog() -> DialogEngine:
        return engine

    app = FastAPI()
    add_error_replies(app)
    app.include_router(build_chat_router(get_dialog, store=store, locks=SessionLocks(lease)))
    holder = SessionLease(redis, store.prefix)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as http:
            sid = (await http.post("/v1/chat", json={"text": "Dzień dobry"})).json()["session_id"]
            token = await holder.take(sid)  # the other worker's turn
            assert token is not None
            busy = await http.post("/v1/chat", json={"session_id": sid, "text": "Ile kosztuje dostawa?"})
            await holder.give_back(sid, token)
            again = await http.post("/v1/chat", json={"session_id": sid, "text": "Ile kosztuje dostawa?"})
        session = await SessionRepo(store).load(sid)
    finally:
        await store.close()
        await redis.aclose()
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
    assert busy.json()["reply"] == catalogue.SESSION_BUSY_REPLY
    assert again.status_code == 200, again.text
    assert session is not None and session.caller_turns() == ["Dzień dobry", "Ile kosztuje dostawa?"]
