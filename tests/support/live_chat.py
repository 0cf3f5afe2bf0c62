"""Live chat with agents over the gateway's real wiring: two gateway workers (``build_gateway`` from
Settings, served by real uvicorn servers) on one real Redis prefix, the customer on one worker and the
agents on the other, plus a reader for the customer's SSE stream.

The dialog is a small stand-in that keeps its history in the real session store (``SessionRepo``), as
the engine does: the hand-off reads the bot conversation from there for the agent. (The real engine
takes ~20 s to load its lemma dictionary on this machine; it is not what these tests are about.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from dialog.ports import CallerInfo, Handover, Hypothesis, KeyValueStore, Outcome, Reason, Transfer
from dialog.session import Session
from dialog.store import RedisStore, SessionRepo
from telephony.agents.roster import hash_token
from telephony.app.build import Gateway, build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services
from telephony.settings import Settings
from tests.support.servers import free_port, serve_in_thread

AUTH = "live-chat-test-token-0123456789"
SUMMARY = "Klient prosi o rozmowę z konsultantem. Sprawa: paczka nie dotarła."
GUARD_S = 30.0  # outer guard for events that arrive in milliseconds; never a timing assertion


class HistoryDialog:
    """Answers everything with "Bot: <text>"; asking for a "konsultant" is a transfer to ``obsluga``.
    Keeps the history in the session store the way the engine does."""

    def __init__(self, store: KeyValueStore) -> None:
        self.sessions = SessionRepo(store)
        self.handled: list[str] = []

    async def handle(self, session_id: str | None, text: str, caller: CallerInfo) -> Outcome:
        self.handled.append(text)
        session = (await self.sessions.load(session_id)) if session_id else None
        session = session or Session(id=session_id or self.sessions.new_id(), channel=caller.channel)
        session.add("caller", text)
        reason: Reason = "requested_human"
        if "konsultant" in text.lower():
            if order := re.search(r"\b\d{5}\b", text):  # as the engine's for_agent: a known order is the session's
                session.order_id, session.order_status = order.group(), "shipped"
            reply = "Oczywiście, łączę z konsultantem. Proszę chwilę poczekać."
            outcome = Outcome(session.id, "transfer", reply, transfer=Transfer("obsluga", reason, 3, SUMMARY))
            session.slots["transfer_reason"] = reason
        else:
            outcome = Outcome(session.id, "answer", f"Bot: {text}")
        session.add("bot", outcome.reply)
        await self.sessions.save(session)
        return outcome

    async def handle_nbest(
        self, session_id: str | None, hypotheses: Sequence[Hypothesis], caller: CallerInfo
    ) -> Outcome:
        return await self.handle(session_id, hypotheses[0].text if hypotheses else "", caller)

    async def handover_refused(self, session_id: str, reply: str, caller: CallerInfo) -> None:
        """As the engine: what the customer was told replaces the bot's announced transfer."""
        session = await self.sessions.load(session_id)
        if session is not None:
            session.history[-1] = ("bot", reply)
            await self.sessions.save(session)

    async def record(
        self, session_id: str, said: str | None, reply: str, caller: CallerInfo, handover: Handover | None = None
    ) -> None:
        """As the engine (``dialog.engine_record.record_turn``): ``said`` None replaces the bot's last words."""
        session = await self.sessions.load(session_id)
        if session is None:
            return
        if said is None and session.history and session.history[-1][0] == "bot":
            session.history.pop()
        elif said is not None:
            session.add("caller", said)
        session.add("bot", reply)
        await self.sessions.save(session)


def write_roster(path: Path, agents: dict[str, str], queues: dict[str, list[str]] | None = None) -> Path:
    """``agents``: id -> name; on ``obsluga`` unless ``queues`` names theirs, offline, token ``token-<id>``."""
    served = queues or {}
    rows = [
        {"id": i, "name": n, "contact": f"client:{i}", "queues": served.get(i, ["obsluga"]), "status": "offline"}
        for i, n in agents.items()
    ]
    for row in rows:
        row["token_sha256"] = hash_token(f"token-{row['id']}")
    path.write_text(yaml.safe_dump({"agents": rows}, allow_unicode=True), encoding="utf-8")
    return path


def bearer(agent_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{agent_id}"}


@dataclass
class Worker:
    base: str
    gateway: Gateway
    server: uvicorn.Server
    task: asyncio.Task[None]


@dataclass
class CustomerStream:
    """The customer's ``GET /v1/chat/{id}/events``, read in the background into (event, data) pairs."""

    events: asyncio.Queue[tuple[str, dict[str, Any]]] = field(default_factory=asyncio.Queue)
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # received, not taken yet
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self, http: httpx.AsyncClient, url: str) -> None:
        try:
            async with http.stream("GET", url, timeout=httpx.Timeout(10.0, read=None)) as response:
                assert response.status_code == 200, await response.aread()
                assert response.headers["content-type"].startswith("text/event-stream")
                kind = ""
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        await self.events.put((kind, json.loads(line[6:])))
        finally:
            self.closed.set()

    async def until(self, kind: str, **match: Any) -> dict[str, Any]:
        """The first ``kind`` event not taken yet whose data has ``match``, waiting for it if need be
        (events arrive in stream order; a test may take them in another)."""

        def matches(got: tuple[str, dict[str, Any]]) -> bool:
            return got[0] == kind and all(got[1].get(k) == v for k, v in match.items())

        for got in self.seen:
            if matches(got):
                self.seen.remove(got)
                return got[1]
        async with asyncio.timeout(GUARD_S):
            while True:
                got = await self.events.get()
                if matches(got):
                    return got[1]
                self.seen.append(got)


@dataclass
class LiveChatWorld:
    customer: Worker  # the worker the customer's browser talks to
    agents: Worker  # the worker the agents' consoles and API clients talk to
    http: httpx.AsyncClient
    dialog: HistoryDialog
    prefix: str
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def chat(self, text: str, session_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text, **({"session_id": session_id} if session_id else {})}
        response = await self.http.post(f"{self.customer.base}/v1/chat", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def agent(self, method: str, path: str, agent_id: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, f"{self.agents.base}{path}", headers=bearer(agent_id), **kw)

    def open_stream(self, session_id: str) -> CustomerStream:
        stream = CustomerStream()
        url = f"{self.customer.base}/v1/chat/{session_id}/events"
        self.tasks.append(asyncio.create_task(stream.read(self.http, url)))
        return stream


def settings_for(
    port: int,
    prefix: str,
    redis_url: str,
    roster: Path,
    twilio_token: str = AUTH,
    kb_path: Path | None = None,
    **extra: Any,
) -> Settings:
    """A worker's settings; ``twilio_token=""``: a gateway without Twilio (chats only, no phone transfers);
    ``kb_path``: an operator's own KB, so no orders source (the demo orders come only with the demo KB);
    ``extra``: any other setting by its field name."""
    return Settings(
        kb_path=kb_path,
        redis_url=redis_url,
        redis_prefix=prefix,
        public_url=f"http://127.0.0.1:{port}",
        twilio_auth_token=twilio_token,
        agents_path=roster,
        business_hours="pn-nd 0:00-24:00, święta 0:00-24:00",
        speech=False,
        **extra,
    )


async def start_worker(settings: Settings, port: int, dialog: Any) -> Worker:
    gateway = build_gateway(settings)
    services = Services(settings, gateway.store, dialog)
    config = uvicorn.Config(gateway_app(gateway, services), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + GUARD_S
    while not server.started:
        assert not task.done() and time.monotonic() < deadline, "the gateway did not start"
        await asyncio.sleep(0.01)
    await gateway.services.get()  # start-up published the roster and started the chat watch
    return Worker(settings.public_url, gateway, server, task)


@contextlib.asynccontextmanager
async def live_chat_world(
    redis_url: str,
    tmp_path: Path,
    agents: dict[str, str],
    twilio_token: str = AUTH,
    kb_path: Path | None = None,
    queues: dict[str, list[str]] | None = None,
    **settings: Any,
) -> AsyncIterator[LiveChatWorld]:
    """``settings``: the workers' other settings (``settings_for``'s ``extra``)."""
    prefix = f"lc{uuid.uuid4().hex[:8]}:"
    roster = write_roster(tmp_path / "agents.yaml", agents, queues)
    ports = free_port(), free_port()
    store = RedisStore(redis_url, prefix=prefix)  # the dialog's sessions, in the workers' Redis
    dialog = HistoryDialog(store)
    workers = [
        await start_worker(settings_for(p, prefix, redis_url, roster, twilio_token, kb_path, **settings), p, dialog)
        for p in ports
    ]
    async with httpx.AsyncClient(timeout=10) as http:
        world = LiveChatWorld(workers[0], workers[1], http, dialog, prefix)
        try:
            yield world
        finally:
            for task in world.tasks:
                task.cancel()
            await asyncio.gather(*world.tasks, return_exceptions=True)
            for worker in workers:
                worker.server.should_exit = True  # the app's lifespan closes its gateway
                await asyncio.wait_for(worker.task, 10)
            redis = Redis.from_url(redis_url, decode_responses=True)
            keys = [k async for k in redis.scan_iter(f"{prefix}*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()
            await store.close()


@contextlib.contextmanager
def threaded_workers(
    redis_url: str, tmp_path: Path, agents: dict[str, str], twilio_token: str = AUTH, **extra: Any
) -> Iterator[tuple[str, str, str]]:
    """Two gateway workers on one Redis prefix, each served by uvicorn in its own thread (for a blocking
    client such as selenium); yields (customer worker URL, agents worker URL, prefix). ``extra``: other
    settings by field name (``settings_for``)."""
    prefix = f"lc{uuid.uuid4().hex[:8]}:"
    roster = write_roster(tmp_path / "agents.yaml", agents)
    with contextlib.ExitStack() as stack:
        bases = []
        for _ in range(2):
            port = free_port()
            settings = settings_for(port, prefix, redis_url, roster, twilio_token, **extra)
            gateway = build_gateway(settings)
            dialog: Any = HistoryDialog(gateway.store)  # used in this worker's thread only
            services = Services(settings, gateway.store, dialog)
            bases.append(stack.enter_context(serve_in_thread(gateway_app(gateway, services), lifespan="on")))
        for base in bases:
            deadline = time.monotonic() + GUARD_S
            while httpx.get(f"{base}/readyz").status_code != 200:
                assert time.monotonic() < deadline, f"{base} did not become ready"
                time.sleep(0.05)
        try:
            yield bases[0], bases[1], prefix
        finally:
            client = SyncRedis.from_url(redis_url, decode_responses=True)
            keys = list(client.scan_iter(f"{prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()
