"""The warm-transfer world the transfer tests share: a real uvicorn serving the transfer routes, a real
Redis under a private prefix, the local Twilio REST stand-in, and helpers that play Twilio's side
(ring an agent, answer with a digit, post conference events) with signed webhooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator

from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.agents.callbacks_redis import RedisCallbacks
from telephony.agents.events import ConsoleEvent
from telephony.agents.hours import QueueConfig, QueueHours
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent, hash_token
from telephony.call.deps import CallContext
from telephony.devtools.twilio_standin import RestRequest, TwilioStandin, new_call_sid
from telephony.transfer.routes import build_warm_transfer
from telephony.transfer.store import TransferStore
from telephony.transfer.warm import TransferConfig, WarmTransfer
from telephony.twilio.rest import TwilioRestClient
from tests.support.clock import FakeClock
from tests.support.servers import free_port
from tests.support.speech import ToneSynthesizer

ACCOUNT = "AC" + "1" * 32
AUTH = "transfer-test-token-0123456789"
CALLER, CALLED = "+48600100200", "+48221234567"
# Wednesday 19 November 2025, 12:00 Warsaw: a working day, not a holiday.
NOON = datetime(2025, 11, 19, 11, 0, tzinfo=UTC).timestamp()
ALWAYS = "pn-nd 0:00-24:00, święta 0:00-24:00"
SUMMARY = "Reklamacja lub skarga. Sprawa: „uszkodzony czajnik”.\nZamówienie 12345: dostarczone."
TRANSCRIPT = [{"who": "bot", "text": "W czym mogę pomóc?"}, {"who": "caller", "text": "czajnik jest zepsuty"}]


class NoChannel:
    """The media stream is not used by the warm transfer (the REST redirect ends it)."""

    async def receive(self) -> Any: ...

    async def send_audio(self, pcm8k: Any) -> None: ...

    async def send_mark(self, name: str) -> None: ...

    async def clear(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class Env:
    base: str
    http: httpx.AsyncClient
    twilio: TwilioStandin
    transfer: WarmTransfer
    store: TransferStore
    agents: AgentRepo
    callbacks: RedisCallbacks
    redis: Redis
    prefix: str
    clock: FakeClock
    synth: ToneSynthesizer
    events: list[ConsoleEvent] = field(default_factory=list)

    async def post(self, url: str, params: dict[str, str], signed: bool = True) -> httpx.Response:
        """A Twilio webhook: form POST with ``X-Twilio-Signature`` over the full URL and params."""
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = RequestValidator(AUTH).compute_signature(url, params)
        return await self.http.post(url, data=params, headers=headers)

    async def start(
        self, *, queue: str = "reklamacje", priority: int = 0, call_sid: str = "", transfer: Transfer | None = None
    ) -> tuple[str, str]:
        """The pipeline hands the call over (``transfer``: the engine's, else a complaint); returns (transfer
        id, caller CallSid)."""
        sid = call_sid or new_call_sid()
        ctx = CallContext(
            sid,
            "MZ" + "0" * 32,
            "sess-1",
            CallerInfo("phone", CALLER, {"to": CALLED}),
            TRANSCRIPT,
            NoChannel(),
        )
        outcome = Outcome(
            "sess-1",
            "transfer",
            "Łączę.",
            order_id="12345",
            transfer=transfer or Transfer(queue, "complaint", priority, SUMMARY),
        )
        tid = await self.transfer.start(ctx, outcome)
        return tid, sid

    async def status(self, tid: str) -> str:
        record = await self.store.get(tid)
        assert record is not None
        return record.status

    async def agent_status(self, agent_id: str) -> str:
        state = await self.agents.get(agent_id)
        assert state is not None
        return state.status


def agent(agent_id: str, status: str = "available", queues: tuple[str, ...] = ("reklamacje",)) -> Agent:
    return Agent.model_validate(
        {
            "id": agent_id,
            "name": agent_id.title(),
            "contact": f"client:{agent_id}",
            "queues": list(queues),
            "token_sha256": hash_token(agent_id),
            "status": status,
        }
    )


async def make_env(
    redis_url: str, roster: list[Agent], hours: str = ALWAYS, max_wait_s: float = 180, synth: Any = None
) -> Env:
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    redis = Redis.from_url(redis_url, decode_responses=True)
    clock = FakeClock(NOON)
    twilio = TwilioStandin(ACCOUNT, AUTH)
    rest = TwilioRestClient(ACCOUNT, AUTH, api_base=await twilio.start())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    agents = AgentRepo(redis, prefix=prefix, clock=clock)
    await agents.sync_roster(roster)
    for offset, a in enumerate(roster):  # idle order = roster order (first = idle longest)
        await redis.hset(f"{prefix}agent:{a.id}", "idle_since", str(NOON - 1000 + offset))
    callbacks = RedisCallbacks(redis, prefix=prefix, clock=clock)
    queue_hours = QueueHours({"reklamacje": QueueConfig(max_wait_s, hours)}, default=hours)
    synth = synth or ToneSynthesizer(ms_per_char=2.0)
    transfer, router = build_warm_transfer(
        TransferConfig(public_url=base, twilio_number=CALLED),
        redis,
        synth,
        rest,
        queue_hours,
        auth_token=AUTH,
        prefix=prefix,
        agents=agents,
        callbacks=callbacks,
    )
    transfer.p.clock = clock
    transfer.p.store = TransferStore(redis, prefix=prefix, clock=clock)
    app = FastAPI()
    app.include_router(router)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    env = Env(
        base,
        httpx.AsyncClient(timeout=10),
        twilio,
        transfer,
        transfer.p.store,
        agents,
        callbacks,
        redis,
        prefix,
        clock,
        synth,
    )
    env._server, env._task, env._rest = server, task, rest  # type: ignore[attr-defined]
    return env


@pytest.fixture
async def envs(redis_url: str) -> AsyncIterator[list[Env]]:
    made: list[Env] = []
    yield made
    for env in made:
        env._server.should_exit = True  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(env._task, 5)  # type: ignore[attr-defined]
        await env.http.aclose()
        await env._rest.aclose()  # type: ignore[attr-defined]
        await env.twilio.stop()
        keys = [k async for k in env.redis.scan_iter(f"{env.prefix}*")]
        if keys:
            await env.redis.delete(*keys)
        await env.redis.aclose()


@pytest.fixture
def setup(envs: list[Env], redis_url: str) -> Any:
    async def make(roster: list[Agent], **kwargs: Any) -> Env:
        env = await make_env(redis_url, roster, **kwargs)
        envs.append(env)
        return env

    return make


def xml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


async def ring(env: Env, agent_id: str) -> RestRequest:
    """The next outbound call the gateway created (must be to ``agent_id``)."""
    created = await env.twilio.next("create")
    assert created.get("To") == f"client:{agent_id}"
    assert created.get("From") == CALLED
    assert created.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    return created


async def answer(env: Env, created: RestRequest, digit: str) -> ET.Element:
    """The agent picks up (Twilio fetches the leg's URL), hears the briefing and presses ``digit``."""
    leg = xml(await env.post(created.get("Url"), {"CallSid": created.call_sid, "CallStatus": "in-progress"}))
    gather = leg.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    return xml(await env.post(gather.get("action", ""), {"CallSid": created.call_sid, "Digits": digit}))


def conf(tid: str, env: Env, event: str, seq: int, **extra: str) -> tuple[str, dict[str, str]]:
    params = {
        "ConferenceSid": "CF" + tid,
        "FriendlyName": f"room-{tid}",
        "StatusCallbackEvent": event,
        "SequenceNumber": str(seq),
        "AccountSid": ACCOUNT,
        **extra,
    }
    return f"{env.base}/twilio/transfer/{tid}/conference", params
