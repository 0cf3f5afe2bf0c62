"""A whole gateway (``build_gateway`` from Settings, served by uvicorn) over a redis-server the test may kill
and restart, and the local Twilio REST stand-in: for the Redis-outage and Twilio-outage tests.

Start-up is injected (a scripted dialog, a tone voice) so nothing loads models; everything else is the
product's own wiring: the spool in the test's tmp folder, the recovery watcher, the routes.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import uvicorn
import yaml
from twilio.request_validator import RequestValidator

from dialog.ports import CallerInfo, Dialog, KeyValueStore, Outcome, Transfer
from telephony.agents.roster import hash_token
from telephony.app.build import Gateway, build_gateway
from telephony.app.factory import gateway_app
from telephony.app.recovery import Recovery
from telephony.app.services import Services
from telephony.call.deps import CallContext
from telephony.devtools.faults_world import ACCOUNT, AUTH, CALLED, CALLER, world_settings
from telephony.devtools.twilio_standin import TwilioStandin, new_call_sid
from telephony.tasks import awaiting
from telephony.transfer.warm import WarmTransfer
from tests.support.call import ScriptedDialog
from tests.support.redis import RedisServer
from tests.support.redis_proxy import LoseOneReply
from tests.support.servers import free_port
from tests.support.speech import ToneSynthesizer
from tests.support.transfer import NoChannel


@dataclass
class Outage:
    base: str
    http: httpx.AsyncClient
    twilio: TwilioStandin
    gateway: Gateway
    redis: RedisServer

    @property
    def warm(self) -> WarmTransfer:
        assert self.gateway.transfer is not None
        return self.gateway.transfer.warm

    @property
    def recovery(self) -> Recovery:
        assert self.gateway.recovery is not None
        return self.gateway.recovery

    async def signed(self, path_or_url: str, params: dict[str, str]) -> httpx.Response:
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        signature = RequestValidator(AUTH).compute_signature(url, params)
        return await self.http.post(url, data=params, headers={"X-Twilio-Signature": signature})

    async def start(self, queue: str, caller: str = CALLER) -> tuple[str, str]:
        """The pipeline hands a caller (From ``caller``) to ``queue``; (transfer id, CallSid)."""
        sid = new_call_sid()
        ctx = CallContext(sid, "MZ" + "3" * 32, "sess-o", CallerInfo("phone", caller, {"to": CALLED}), [], NoChannel())
        outcome = Outcome("sess-o", "transfer", "Łączę.", transfer=Transfer(queue, "complaint", 0, "Czajnik."))
        return await self.warm.start(ctx, outcome), sid

    async def status(self, tid: str) -> str | None:
        record = await self.warm.p.store.get(tid)
        return None if record is None else record.status


def bearer(agent_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{agent_id}"}


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


def spoken(doc: ET.Element) -> bool:
    """The document makes the caller hear something (our audio or Twilio's <Say>) anywhere in it."""
    return any(el.tag in ("Play", "Say") and (el.text or "").strip() for el in doc.iter())


@asynccontextmanager
async def outage_gateway(
    redis: RedisServer,
    tmp_path: Path,
    *,
    agent_status: str = "offline",
    twilio_timeout_s: float = 2.5,
    queues: tuple[str, ...] = ("reklamacje",),
    dialog: Callable[[KeyValueStore], Dialog] | None = None,
    prefix: str | None = None,
    recovery_grace_s: float | None = None,
    extra: dict[str, Any] | None = None,
    others: tuple[str, ...] = (),
) -> AsyncIterator[Outage]:
    """The gateway on ``redis``; anna (``queues``, by default "reklamacje" only: nobody serves "obsluga")
    starts ``agent_status``; ``dialog``: built over the gateway's store (default: ``ScriptedDialog``);
    ``prefix``: another gateway's key prefix (two workers of one deployment); ``recovery_grace_s``: the setting;
    ``extra``: more settings (API keys, the Redis timeout); ``others``: more agents like anna, each logging in
    with ``token-<id>``."""
    twilio = TwilioStandin(ACCOUNT, AUTH)
    port = free_port()
    api = await twilio.start()
    settings = world_settings(
        redis.url, port, api, tmp_path, agent_status=agent_status, twilio_timeout_s=twilio_timeout_s
    )
    given = {"redis_prefix": prefix, "recovery_grace_s": recovery_grace_s, **(extra or {})}
    settings = settings.model_copy(update={k: v for k, v in given.items() if v is not None})
    _serve(settings.agents_path, queues, others)
    gateway = build_gateway(settings)
    engine = ScriptedDialog() if dialog is None else dialog(gateway.store)
    loaded = Services(settings, gateway.store, engine, synthesizer=ToneSynthesizer(ms_per_char=2.0))
    server = uvicorn.Server(
        uvicorn.Config(gateway_app(gateway, loaded), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    await gateway.services.get()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            yield Outage(settings.public_url, http, twilio, gateway, redis)
    finally:
        server.should_exit = True
        await stopped(task, 10.0)
        await twilio.stop()


@dataclass
class _Proxied:
    """What ``outage_gateway`` reads of a redis-server: its URL, here a proxy's."""

    url: str


@asynccontextmanager
async def proxied_gateway(proxy: LoseOneReply, tmp_path: Path, **kwargs: Any) -> AsyncIterator[Outage]:
    """``outage_gateway`` over ``proxy`` (in front of a redis-server), the proxy disarmed (``dropped``) until the
    test arms it for the step under test."""
    port = await proxy.start()
    proxy.dropped = True
    try:
        async with outage_gateway(cast(RedisServer, _Proxied(f"redis://127.0.0.1:{port}/0")), tmp_path, **kwargs) as w:
            yield w
    finally:
        proxy.close()


def _serve(roster: Path | None, queues: tuple[str, ...], others: tuple[str, ...] = ()) -> None:
    """The roster's agents serve ``queues``; ``others`` join them, as anna but for their id and token."""
    assert roster is not None
    data = yaml.safe_load(roster.read_text(encoding="utf-8"))
    anna = data["agents"][0]
    for other in others:
        token = hash_token(f"token-{other}")
        data["agents"].append(
            {**anna, "id": other, "name": other.title(), "contact": f"client:{other}", "token_sha256": token}
        )
    for agent in data["agents"]:
        agent["queues"] = list(queues)
    roster.write_text(yaml.safe_dump(data), encoding="utf-8")


async def stopped(server_task: asyncio.Task[None], timeout_s: float) -> None:
    """Wait for the server to stop; if it does not, fail naming where every other task is waiting.

    Seen once in a full run (not alone): the gateway did not stop within 10 s after a Redis restart. A bare
    timeout says nothing; the tasks' stacks say what held the shutdown.
    """
    done, _ = await asyncio.wait({server_task}, timeout=timeout_s)
    if done:
        server_task.result()
        return
    stacks = [
        f"{t.get_name()}: " + " -> ".join(awaiting(t.get_coro()))
        for t in asyncio.all_tasks()
        if t is not asyncio.current_task() and not t.done()
    ]
    server_task.cancel()
    raise AssertionError(f"the gateway did not stop within {timeout_s} s; tasks still running:\n" + "\n".join(stacks))


def form(sid: str, **extra: Any) -> dict[str, str]:
    return {"CallSid": sid, "From": CALLER, "To": CALLED, **{k: str(v) for k, v in extra.items()}}
