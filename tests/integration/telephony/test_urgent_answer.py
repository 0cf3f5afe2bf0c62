"""An emergency nobody can take at once, over real HTTP and a real Redis with the real engine on the telecom
walkthrough's KB (tests/data/walkthrough_telecom): the 112 advice, then what the KB was sure of for that turn
("ukradli mi telefon": how to block the SIM card), then why no agent takes it; on a device the same before
"Stąd nie mogę połączyć…". Nothing is added for an emergency the KB knows nothing of (gas), for an angry
caller, or for a request for a person; and the urgent hand-off itself is unchanged when an agent is on duty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from dialog import catalogue
from dialog.kb import load_kb
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from tests.support.chat_gateway import chat_gateway
from tests.support.chat_gateway import first_chat as chat
from tests.support.paths import DATA

KB = DATA / "walkthrough_telecom" / "kb.yaml"
ANNA = Agent(id="anna", name="Anna", contact="client:anna", queues=("obsluga",), token_sha256="a" * 64)
STOLEN = "ukradli mi telefon i ktoś dzwoni z mojego numeru"
BLOCK_SIM = load_kb(KB).entries["kradziez-telefonu"].answer


@pytest.fixture
async def world(redis_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, AgentRepo]]:
    """One gateway serving the real engine on the walkthrough's KB (Anna offline), and a chat client."""
    async with chat_gateway(redis_url, tmp_path, [ANNA], "ua", kb_path=str(KB)) as world:
        yield world


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
