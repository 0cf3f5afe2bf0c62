"""Around a warm transfer, through the app's real wiring (``create_app``'s composition root from Settings:
agents API, console, Twilio status callback) on a real redis-server and the local Twilio REST stand-in: whatever
makes an agent available rings a waiting caller before its request returns (the hold loop, which would
otherwise find the agent 30-60 s later, is never fetched here), and a caller who hangs up during the
callback offer leaves the record ``abandoned`` with its end time, not ``callback_offered`` for ever.
"""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from twilio.request_validator import RequestValidator

from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.agents.roster import hash_token
from telephony.app.build import Gateway, build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services
from telephony.call.deps import CallContext
from telephony.console.deps import AgentsDeps
from telephony.devtools.twilio_standin import RestRequest, TwilioStandin, new_call_sid
from telephony.exposition import parse_exposition
from telephony.metrics import Metrics
from telephony.settings import Settings
from telephony.transfer.warm import WarmTransfer
from tests.support.servers import free_port
from tests.support.speech import ToneSynthesizer
from tests.support.transfer import Env, NoChannel, agent, answer, ring

ACCOUNT = "AC" + "2" * 32
AUTH = "hooks-test-token-0123456789"
CALLER, CALLED = "+48600100300", "+48221234500"


@dataclass
class World:
    base: str
    http: httpx.AsyncClient
    twilio: TwilioStandin
    gateway: Gateway

    @property
    def metrics(self) -> Metrics:
        return self.gateway.metrics

    @property
    def deps(self) -> AgentsDeps:
        assert self.gateway.transfer is not None
        return self.gateway.transfer.agents

    @property
    def warm(self) -> WarmTransfer:
        assert self.gateway.transfer is not None
        return self.gateway.transfer.warm

    async def start(self, queue: str, caller: str = CALLER) -> tuple[str, str]:
        """The call pipeline hands a caller (From ``caller``) over to ``queue``; returns (transfer id, CallSid)."""
        sid = new_call_sid()
        ctx = CallContext(sid, "MZ" + "1" * 32, "sess-h", CallerInfo("phone", caller, {"to": CALLED}), [], NoChannel())
        outcome = Outcome("sess-h", "transfer", "Łączę.", transfer=Transfer(queue, "complaint", 0, "Czajnik."))
        return await self.warm.start(ctx, outcome), sid

    async def signed(self, path_or_url: str, params: dict[str, str]) -> httpx.Response:
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        signature = RequestValidator(AUTH).compute_signature(url, params)
        return await self.http.post(url, data=params, headers={"X-Twilio-Signature": signature})

    async def available(self, agent_id: str) -> httpx.Response:
        """``PUT /v1/agents/{id}/status`` available, with the agent's own token."""
        url = f"{self.base}/v1/agents/{agent_id}/status"
        return await self.http.put(url, json={"status": "available"}, headers=_bearer(agent_id))

    async def offered(self) -> tuple[str, str, ET.Element]:
        """A caller for "obsluga", which nobody serves: redirected straight to the callback offer."""
        tid, sid = await self.start("obsluga")
        redirect = await self.twilio.next("update")
        assert redirect.get("Url").endswith(f"/{tid}/callback-offer?queue=obsluga")
        offer = ET.fromstring((await self.signed(redirect.get("Url"), {"CallSid": sid})).text)
        assert offer.find("Gather") is not None and await self.status(tid) == "callback_offered"
        return tid, sid, offer

    async def status(self, tid: str) -> str:
        record = await self.deps.transfers.get(tid)
        assert record is not None
        return record.status


def _roster(path: Path) -> Path:
    """anna in wrap-up (staffed, not free), bartek offline, both on "reklamacje"; nobody on "obsluga"."""
    agents = [
        {"id": i, "name": i.title(), "contact": f"client:{i}", "queues": ["reklamacje"], "status": s}
        for i, s in (("anna", "wrap_up"), ("bartek", "offline"))
    ]
    for a in agents:
        a["token_sha256"] = hash_token(f"token-{a['id']}")
    path.write_text(yaml.safe_dump({"agents": agents}), encoding="utf-8")
    return path


def _settings(port: int, prefix: str, redis_url: str, twilio_base: str, roster: Path) -> Settings:
    return Settings(
        redis_url=redis_url,
        redis_prefix=prefix,
        public_url=f"http://127.0.0.1:{port}",
        twilio_api_base=twilio_base,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=AUTH,
        twilio_number=CALLED,
        agents_path=roster,
        business_hours="pn-nd 0:00-24:00, święta 0:00-24:00",
    )


@pytest.fixture
async def world(redis_url: str, tmp_path: Path) -> AsyncIterator[World]:
    twilio = TwilioStandin(ACCOUNT, AUTH)
    port, prefix = free_port(), f"h{uuid.uuid4().hex[:8]}:"
    settings = _settings(port, prefix, redis_url, await twilio.start(), _roster(tmp_path / "agents.yaml"))
    gateway = build_gateway(settings)
    # What start-up would have loaded: the prompts (hold, callback offer) are spoken by this voice.
    loaded = Services(settings, gateway.store, dialog=None, synthesizer=ToneSynthesizer(ms_per_char=2.0))  # type: ignore[arg-type]
    server = uvicorn.Server(
        uvicorn.Config(gateway_app(gateway, loaded), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    await gateway.services.get()  # start-up has published the roster
    async with httpx.AsyncClient(timeout=10) as http:
        world = World(settings.public_url, http, twilio, gateway)
        yield world
    redis = world.deps.agents.redis
    keys = [k async for k in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    server.should_exit = True  # the app's lifespan closes the gateway (REST client, Redis pool)
    await asyncio.wait_for(task, 5)
    await twilio.stop()


def _bearer(agent_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{agent_id}"}


def _one_ring(requests: list[RestRequest], agent_id: str, tid: str) -> RestRequest:
    created = [r for r in requests if r.kind == "create"]
    assert len(created) == 1, requests
    assert created[0].get("To") == f"client:{agent_id}" and created[0].get("Url").endswith(f"/{tid}/agent/{agent_id}")
    return created[0]


async def _waiting(world: World, queue: str = "reklamacje") -> tuple[str, str]:
    """A caller is moved into the conference and waits: nobody is free, so nobody is rung."""
    tid, sid = await world.start(queue)
    redirect = await world.twilio.next("update")
    assert redirect.call_sid == sid and redirect.get("Twiml")
    assert await world.status(tid) == "waiting" and world.twilio.drain() == []
    return tid, sid


# --- an agent becomes available ----------------------------------------------------------------------------
async def test_agent_set_available_over_the_api_is_dialled_before_the_request_returns(world: World) -> None:
    tid, _ = await _waiting(world)
    reply = await world.available("bartek")
    assert reply.status_code == 200 and reply.json()["previous"] == "offline"
    # Already recorded by the stand-in when the PUT answered: the API request itself dialled bartek.
    _one_ring(world.twilio.drain(), "bartek", tid)
    assert await world.status(tid) == "ringing"
    state = await world.deps.agents.get("bartek")
    assert state is not None and state.status == "busy" and state.reserved_for == tid
    # "available" again while the phone rings is refused, and dials nobody a second time.
    again = await world.available("bartek")
    assert again.status_code == 409 and world.twilio.drain() == []


async def test_end_of_wrap_up_over_the_api_dials_the_waiting_caller(world: World) -> None:
    tid, _ = await _waiting(world)
    reply = await world.http.post(
        f"{world.base}/v1/agents/me/wrap-up",
        json={"outcome": "resolved", "note": "  Zwrot zlecony, klient poinformowany\n"},
        headers=_bearer("anna"),
    )
    assert reply.status_code == 200 and reply.json()["status"] == "available"
    assert reply.json()["note"] == "Zwrot zlecony, klient poinformowany"  # as the console's form takes it
    _one_ring(world.twilio.drain(), "anna", tid)
    assert await world.status(tid) == "ringing"


async def test_console_status_button_uses_the_same_dispatch(world: World) -> None:
    """The console is built without a hook of its own: the gateway's ``AgentsDeps.on_available`` rings."""
    tid, _ = await _waiting(world)
    async with httpx.AsyncClient(base_url=world.base, timeout=10) as browser:
        login = await browser.post("/agents/login", data={"token": "token-bartek"})
        assert login.status_code == 303
        reply = await browser.post(
            "/agents/status", data={"status": "available"}, headers={"x-requested-with": "fetch"}
        )
    assert reply.status_code == 200 and reply.json()["ok"] is True
    _one_ring(world.twilio.drain(), "bartek", tid)


# --- the caller hangs up -----------------------------------------------------------------------------------
def _status_callback(sid: str, seq: int) -> dict[str, str]:
    return {"CallSid": sid, "AccountSid": ACCOUNT, "CallStatus": "completed", "SequenceNumber": str(seq)}


def _offers_ended(world: World) -> dict[str, float]:
    samples = parse_exposition(world.metrics.render().decode(), ["infolinia_callback_offers_ended"])
    return {name: value for name, value in samples.items() if "_total" in name}


async def test_hang_up_during_the_callback_offer_closes_the_record(world: World) -> None:
    tid, sid, _ = await world.offered()
    world.warm.p.clock = lambda: 1_800_000_000.0
    # The caller hangs up instead of answering: Twilio calls no Gather action, only the status callback.
    assert (await world.signed("/twilio/status", _status_callback(sid, 1))).status_code == 204
    record = await world.deps.transfers.get(tid)
    assert record is not None and record.status == "abandoned" and record.ended_at == 1_800_000_000.0
    assert _offers_ended(world) == {"infolinia_callback_offers_ended_total{outcome=abandoned}": 1.0}
    # A repeated callback, and a late answer to the offer, change nothing and book no callback.
    await world.signed("/twilio/status", _status_callback(sid, 1))
    late = ET.fromstring((await world.signed(f"/twilio/transfer/{tid}/callback-answer", {"Digits": "1"})).text)
    assert late.find("Hangup") is not None and await world.status(tid) == "abandoned"
    assert await world.deps.callbacks.pending() == []
    assert _offers_ended(world) == {"infolinia_callback_offers_ended_total{outcome=abandoned}": 1.0}
    call = await world.deps.agents.redis.get(f"{world.deps.agents.prefix}call:{sid}")
    assert call is not None and '"completed"' in call  # the call record itself is still kept up to date


async def test_answered_offer_is_counted_and_a_later_hang_up_keeps_the_callback(world: World) -> None:
    tid, sid, offer = await world.offered()
    action = offer.find("Gather").get("action", "")  # type: ignore[union-attr]
    await world.signed(action, {"CallSid": sid, "Digits": "1"})
    await world.signed("/twilio/status", _status_callback(sid, 1))
    assert await world.status(tid) == "callback" and len(await world.deps.callbacks.pending()) == 1
    assert _offers_ended(world) == {"infolinia_callback_offers_ended_total{outcome=callback}": 1.0}


async def test_hang_up_while_waiting_is_caught_by_the_status_callback_too(world: World) -> None:
    """The conference's participant-leave normally ends the wait; the call's own end does it as well."""
    tid, sid = await _waiting(world)
    await world.signed("/twilio/status", _status_callback(sid, 1))
    assert await world.status(tid) == "abandoned"
    assert await world.deps.transfers.waiting("reklamacje") == []


async def test_agent_freed_by_a_caller_who_hung_up_rings_the_next_caller_at_once(world: World) -> None:
    first, first_sid = await _waiting(world)
    second, _ = await _waiting(world)
    await world.available("bartek")
    ringing = _one_ring(world.twilio.drain(), "bartek", first)
    await world.signed("/twilio/status", _status_callback(first_sid, 1))  # the first caller gives up
    requests = world.twilio.drain()
    cancel = [r for r in requests if r.kind == "update"]
    assert [(r.call_sid, r.get("Status")) for r in cancel] == [(ringing.call_sid, "canceled")]
    _one_ring(requests, "bartek", second)  # no hold-loop tick in between: the release itself dispatched
    assert await world.status(first) == "abandoned" and await world.status(second) == "ringing"


async def test_agent_who_declines_is_offered_to_their_other_queues_at_once(setup: Any) -> None:
    env: Env = await setup([agent("anna", queues=("reklamacje", "obsluga")), agent("bartek")])
    first, _ = await env.start(queue="reklamacje")
    await env.twilio.next("update")
    offered = await ring(env, "anna")
    other, _ = await env.start(queue="obsluga")  # anna is busy ringing: this caller waits
    await env.twilio.next("update")
    assert env.twilio.drain() == []
    await answer(env, offered, "2")  # anna declines the first caller
    created = {r.get("Url").rsplit("/twilio/transfer/", 1)[1] for r in env.twilio.drain() if r.kind == "create"}
    assert created == {f"{first}/agent/bartek", f"{other}/agent/anna"}
    assert await env.status(first) == "ringing" and await env.status(other) == "ringing"
