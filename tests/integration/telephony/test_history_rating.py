"""A customer's rating reaches the conversation's history record, on real Redis: the chat rating endpoint
(``on_rated``, as the composition root wires it) and the phone survey (``rate_call``: the call record names
the dialog session the history is keyed by)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis

from dialog.ports import CallerInfo
from dialog.store import RedisStore
from telephony.history.store import HistoryStore, rate_call
from telephony.insights.kpis import KpiStore
from telephony.insights.rating import build_rating_router
from telephony.twilio.wire import call_key


def _session(sid: str) -> dict[str, object]:
    return {"id": sid, "created_at": 1.0, "updated_at": 2.0, "channel": "chat", "history": [["caller", "Hej"]]}


async def test_a_chat_rating_and_a_phone_survey_rating_land_in_the_history(redis_url: str) -> None:
    prefix = f"hr{uuid.uuid4().hex[:8]}:"
    redis = Redis.from_url(redis_url, decode_responses=True)
    store = RedisStore(redis_url, prefix=prefix)
    history = HistoryStore(redis, prefix)
    kpis = KpiStore(redis, prefix=prefix)
    try:
        chat_sid, call_session = uuid.uuid4().hex, uuid.uuid4().hex
        await store.set(f"session:{chat_sid}", _session(chat_sid))
        await history.saved(_session(chat_sid), CallerInfo(channel="chat"))
        await history.saved(_session(call_session), CallerInfo(channel="phone", phone="+48600100200"))

        async def provide() -> KpiStore:
            return kpis

        app = FastAPI()
        app.include_router(build_rating_router(provide, store, on_rated=history.set_rating))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            rated = await client.post(f"/v1/chat/{chat_sid}/rating", json={"score": 4})
        assert rated.status_code == 201
        assert (await history.get(chat_sid) or {})["rating"] == 4

        await store.set(call_key("CA1"), {"call_sid": "CA1", "session_id": call_session})
        assert await rate_call(store, history, "CA1", 2) is True
        assert (await history.get(call_session) or {})["rating"] == 2
        assert await rate_call(store, history, "CA-unknown", 5) is False  # no call record: nothing to rate
    finally:
        await store.close()
        await redis.aclose()
