"""One gateway serving the real engine over real HTTP on the tests' Redis, with a chat client holding the chat's
API key: what the chat tests that need the agents' roster and the catalogue as configured share."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services, build_dialog
from tests.support.access import key, settings_for
from tests.support.servers import free_port, serve_in_loop


@asynccontextmanager
async def chat_gateway(
    redis_url: str, tmp_path: Path, agents: Sequence[Agent], tag: str, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, AgentRepo]]:
    """The client and the agents' repo (to put an agent on duty); ``settings`` as ``settings_for`` takes them.
    The keys under the gateway's own prefix (``tag`` + random) are removed after. Its hours are the whole week
    unless given: with the default office hours a test that expects "nobody staffs the queue" read "outside
    business hours" when it ran after 18:00 in Warsaw."""
    settings.setdefault("business_hours", "pn-nd 0:00-24:00, święta 0:00-24:00")
    port = free_port()
    prefix = f"{tag}{uuid.uuid4().hex[:8]}:"
    config = settings_for(redis_url, tmp_path, list(agents), redis_prefix=prefix,
                          public_url=f"http://127.0.0.1:{port}", **settings)  # fmt: skip
    gateway = build_gateway(config)
    assert gateway.transfer is not None
    services = Services(config, gateway.store, build_dialog(config, gateway.store))
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        async with (
            serve_in_loop(gateway_app(gateway, services), port) as url,
            httpx.AsyncClient(base_url=url, headers=key(), timeout=30) as http,
        ):
            yield http, gateway.transfer.agents.agents
    finally:
        keys = [k async for k in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def first_chat(http: httpx.AsyncClient, text: str, channel: str = "chat") -> dict[str, Any]:
    """The first message of a new conversation, and the reply's fields."""
    response = await http.post("/v1/chat", json={"text": text, "channel": channel})
    assert response.status_code == 200, response.text
    return dict(response.json())
