"""An emergency nobody can take at once, over real HTTP and a real Redis with the real engine on the telecom
walkthrough's KB (tests/data/walkthrough_telecom): the 112 advice, then what the KB was sure of for that turn
("ukradli mi telefon": how to block the SIM card), then why no agent takes it; on a device the same before
"Stąd nie mogę połączyć…". Nothing is added for an emergency the KB knows nothing of (gas), for an angry
caller, or for a request for a person; and the urgent hand-off itself is unchanged when an agent is on duty.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from dialog import catalogue
from dialog.kb import load_kb
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services, build_dialog
from tests.support.access import key, settings_for
from tests.support.paths import DATA
from tests.support.servers import free_port, serve_in_loop

KB = DATA / "walkthrough_telecom" / "kb.yaml"
ANNA = Agent(id="anna", name="Anna", contact="client:anna", queues=("obsluga",), token_sha256="a" * 64)
STOLEN = "ukradli mi telefon i ktoś dzwoni z mojego numeru"
BLOCK_SIM = load_kb(KB).entries["kradziez-telefonu"].answer


@pytest.fixture
async def world(redis_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, AgentRepo]]:
    """One gateway serving the real engine on the walkthrough's KB (Anna offline), and a chat client."""
    port = free_port()
    settings = settings_for(redis_url, tmp_path, [ANNA], redis_prefix=f"ua{uuid.uuid4().hex[:8]}:",
                            public_url=f"http://127.0.0.1:{port}", kb_path=str(KB))  # fmt: skip
    gateway = build_gateway(settings)
    assert gateway.transfer is not None
    services = Services(settings, gateway.store, build_dialog(settings, gateway.store))
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        async with (
            serve_in_loop(gateway_app(gateway, services), port) as url,
            httpx.AsyncClient(base_url=url, headers=key(), timeout=30) as http,
        ):
            yield http, gateway.transfer.agents.agents
    finally:
        keys = [k async for k in redis.scan_iter(f"{settings.redis_prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def chat(http: httpx.AsyncClient, text: str, channel: str = "chat") -> dict[str, Any]:
    response = await http.post("/v1/chat", json={"text": text, "channel": channel})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_emergency_nobody_takes_gets_the_kbs_answer_after_the_112_advice(
    world: tuple[httpx.AsyncClient, AgentRepo],
) -> None:
    http, agents = world
    stolen = await chat(http, STOLEN)  # nobody staffs the queue
    assert stolen["transfer"]["reason"] == "urgent" and stolen["handoff"]["status"] == "unavailable"
    assert stolen["reply"] == f"{catalogue.EMERGENCY_ADVICE} {BLOCK_SIM} {catalogue.CHAT_UNAVAILABLE_BUSY}"
    device = await chat(http, STOLEN, channel="voice")  # a device never hands over
    assert device["reply"] == f"{catalogue.EMERGENCY_ADVICE} {BLOCK_SIM} {catalogue.HANDOFF_NOT_HERE}"
    gas = await chat(http, "w domu czuć gaz, co robić")  # the KB has nothing sure: the advice alone
    assert gas["reply"] == f"{catalogue.EMERGENCY_ADVICE} {catalogue.CHAT_UNAVAILABLE_BUSY}"
    angry = await chat(http, "jesteście złodziejami, naliczyliście mi opłaty za coś czego nie zamawiałem")
    assert angry["reply"] == f"{catalogue.ANGRY_APOLOGY} {catalogue.CHAT_UNAVAILABLE_BUSY}"
    person = await chat(http, "poproszę konsultanta")
    assert person["reply"] == catalogue.CHAT_UNAVAILABLE_BUSY

    await agents.set_status("anna", "wrap_up", expect=())  # on duty: the chat waits for her, the line unchanged
    queued = await chat(http, STOLEN)
    assert queued["handoff"]["status"] == "waiting", queued
    assert queued["reply"].startswith(catalogue.TRANSFER_WRITTEN["urgent"]) and BLOCK_SIM not in queued["reply"]
    assert "answer" not in queued["transfer"]  # the API's shape is unchanged
