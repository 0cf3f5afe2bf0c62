"""A chat handed to an agent reads a chat's words, over real HTTP and a real Redis, with the real engine on the
demo shop and an agent who staffs the queues: "Przekazuję rozmowę konsultantowi", the wait and "Konsultant odpowie
w tym oknie czatu", never the phone's "łączę z konsultantem, proszę chwilę poczekać"; the refusal when nobody
staffs them; and the privacy notice the operator wrote for the chat when the phone's says calls are recorded. A
phone integration on the same API (``channel: "phone"``, it hands over itself) still gets the spoken line.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from dialog import catalogue
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from tests.support.chat_gateway import chat_gateway
from tests.support.chat_gateway import first_chat as chat

ANNA = Agent(id="anna", name="Anna", contact="client:anna", queues=("obsluga", "reklamacje"), token_sha256="a" * 64)
PHONE_NOTICE = "Rozmowa jest nagrywana. Administratorem danych jest Zielony Ogród sp. z o.o."
CHAT_NOTICE = "Administratorem danych jest Zielony Ogród sp. z o.o. Szczegóły są w polityce prywatności."
# A line to wait on, a signal, a recording, a key to press, words to say, a call being connected.
PHONE_ONLY = re.compile(
    r"\b(?:powiedz|usłysz|słysz|nacisn|naciśn|rozłącz|łączę|poczeka|sygna|nagryw)|na linii|cyfra po cyfrze",
    re.IGNORECASE,
)
ASKED = {
    "requested_human": "Chcę rozmawiać z konsultantem",
    "complaint": "chcę złożyć reklamację, pralka nie działa",
    "urgent": "z ładowarki leci dym",
}


@pytest.fixture(autouse=True)
def default_wording() -> Iterator[None]:
    """The gateway applies the prompts file to this process's catalogue: the next test starts from the defaults."""
    yield
    catalogue.configure({})


@pytest.fixture
async def world(redis_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, AgentRepo]]:
    """One gateway (the agents' roster: Anna, offline; the operator's two notices) serving the real engine,
    and a client with the chat's API key; the prefix's keys are removed after."""
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(f"prompts:\n  rodo_notice: {PHONE_NOTICE}\n  rodo_notice_written: {CHAT_NOTICE}\n", "utf-8")
    async with chat_gateway(redis_url, tmp_path, [ANNA], "wr", prompts_path=str(prompts)) as world:
        yield world


async def test_a_chat_handed_to_an_agent_or_refused_reads_no_phone_wording(
    world: tuple[httpx.AsyncClient, AgentRepo],
) -> None:
    http, agents = world
    refused = await chat(http, ASKED["requested_human"])  # Anna is offline: nobody staffs the queue
    assert refused["action"] == "transfer" and refused["reply"] == catalogue.CHAT_UNAVAILABLE_BUSY
    await agents.set_status("anna", "wrap_up", expect=())  # on duty, finishing a call: the chats wait for her
    replies = {reason: await chat(http, words) for reason, words in ASKED.items()}
    for reason, reply in replies.items():
        text = reply["reply"]
        assert reply["action"] == "transfer" and reply["handoff"]["status"] == "waiting", reply
        assert text.startswith(catalogue.TRANSFER_WRITTEN[reason]) and text.endswith(catalogue.CHAT_QUEUED), text
        assert not PHONE_ONLY.search(text), text
    greeting = (await http.get("/v1/chat/greeting")).json()
    assert greeting["privacy_notice"] == CHAT_NOTICE and not PHONE_ONLY.search(str(greeting))


async def test_a_phone_integration_on_the_chat_api_still_hears_the_spoken_line(
    world: tuple[httpx.AsyncClient, AgentRepo],
) -> None:
    http, _ = world
    said = await chat(http, ASKED["complaint"], channel="phone")  # it hands the caller over itself
    assert (said["action"], said["reply"]) == ("transfer", catalogue.TRANSFER["complaint"])
    assert catalogue.RODO_NOTICE == PHONE_NOTICE  # the phone greeting's notice, as the operator wrote it
    assert PHONE_NOTICE in catalogue.greeting("Zielony Ogród", phone=True)
