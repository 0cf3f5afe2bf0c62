"""A gateway stopped right after its last requests (SIGTERM, a rolling deploy), on a real redis-server: what it
still held for Redis is there after ``Gateway.close``: the KPI recorded a moment before, and a device's
conversation whose latest turn was kept in the process while Redis was down (``telephony/shutdown.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from dialog.store import RedisStore, SessionRepo
from telephony.app.build import Gateway, build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services
from telephony.insights.buckets import hour_of
from tests.support.access import API_KEY, key, settings_for
from tests.support.lost_session import demo_engine
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm

ASKED = "Gdzie jest moja paczka?"
DIGITS = "cztery osiem dwa jeden trzy"  # said while Redis is down: the turn only this process has


@pytest.fixture
async def stopping(own_redis: RedisServer, tmp_path: Path) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:  # noqa: F811
    """A gateway on ``own_redis`` (a device's API key, fake models, the demo engine over its Redis), in process;
    the test closes it."""
    settings = settings_for(own_redis.url, tmp_path, speech=True, call_session_timeout_s=1.0,
                            twilio_auth_token="", spool_file=str(tmp_path / "spool.jsonl"))  # fmt: skip
    gateway = build_gateway(settings)
    engine = demo_engine(gateway.store)
    services = Services(settings, gateway.store, engine, EchoRecognizer(), ToneSynthesizer())
    app = gateway_app(gateway, services)
    await gateway.start(services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080", timeout=30) as client:
        yield gateway, client


async def device_turn(client: httpx.AsyncClient, text: str, session_id: str | None = None) -> str:
    """One turn of a device (its words as audio); the session id the gateway answers with."""
    query = f"rate=16000&session_id={session_id}" if session_id else "rate=16000"
    body = text_to_pcm(text).astype("<i2").tobytes()
    response = await client.post(
        f"/v1/voice/turn?{query}", content=body, headers={"content-type": "application/octet-stream", **key(API_KEY)}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["outcome"]["session_id"])


async def test_a_kpi_recorded_just_before_close_is_in_redis(
    stopping: tuple[Gateway, httpx.AsyncClient],
    own_redis: RedisServer,  # noqa: F811
) -> None:
    gateway, _ = stopping
    assert gateway.kpis is not None
    key = gateway.kpis.key("chat", hour_of(gateway.kpis.clock()))
    gateway.kpis.started("chat")
    await gateway.close()
    async with Redis.from_url(own_redis.url, decode_responses=True) as redis:
        assert await redis.hget(key, "conversations") == "1"


async def test_a_device_turn_kept_through_an_outage_is_in_redis_after_close(
    stopping: tuple[Gateway, httpx.AsyncClient],
    own_redis: RedisServer,  # noqa: F811
) -> None:
    gateway, client = stopping
    session_id = await device_turn(client, ASKED)
    own_redis.kill()
    assert await device_turn(client, DIGITS, session_id) == session_id  # the copy here went on under the same id
    own_redis.restart()
    await gateway.close()
    store = RedisStore(own_redis.url, prefix=gateway.settings.redis_prefix)
    try:
        session = await SessionRepo(store).load(session_id)
    finally:
        await store.close()
    assert session is not None
    said = [text for role, text in session.history if role == "caller"]
    assert said == [ASKED, DIGITS]  # the question before the outage and the order number given during it
    assert session.order_id == "48213"
