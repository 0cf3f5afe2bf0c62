"""An app factory for the console tests, run as separate server processes (``uvicorn --factory``).

Two processes sharing one Redis show that an agent whose browser is on worker B sees what worker A
does. Worker A also gets a few ``/test/...`` routes that drive a transfer the way the Twilio flow does
(``TransferStore`` CAS transitions, ``AgentRepo`` reservation and release, ``EventBus`` events), so the
test needs no Twilio. Configured only by environment variables, because it runs in a child process:
``CONSOLE_TEST_REDIS_URL``, ``CONSOLE_TEST_ROSTER`` (YAML path), ``CONSOLE_TEST_PREFIX``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from redis.asyncio import Redis

from telephony.agents import events as ev
from telephony.agents.events import ConsoleEvent
from telephony.agents.roster import load_roster
from telephony.console.api import AgentsDeps, build_agents_deps, build_agents_router
from telephony.console.pages import ConsoleConfig, build_console_router, console_static_files
from telephony.console.sessions import CookiePolicy
from telephony.transfer.store import TransferRecord, conference_name, new_transfer_id


async def _deps(request: Request) -> AgentsDeps:
    deps: AgentsDeps = request.app.state.agents
    return deps


def create_app() -> FastAPI:
    redis_url = os.environ["CONSOLE_TEST_REDIS_URL"]
    prefix = os.environ.get("CONSOLE_TEST_PREFIX", "infolinia:")
    roster = load_roster(Path(os.environ["CONSOLE_TEST_ROSTER"]))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(redis_url, decode_responses=True)
        app.state.agents = build_agents_deps(redis, prefix=prefix)
        await app.state.agents.agents.sync_roster(roster)
        try:
            yield
        finally:
            await redis.aclose()

    app = FastAPI(lifespan=lifespan)
    config = ConsoleConfig(cookie=CookiePolicy(secure=False), keepalive_s=1.0)
    app.include_router(build_agents_router(_deps))

    async def on_available(queues: Sequence[str]) -> None:
        for queue in queues:
            await ring_waiting(app.state.agents, queue)

    app.include_router(build_console_router(config, _deps, on_available))
    app.mount(config.static_path, console_static_files(), name="console-static")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "pid": str(os.getpid())}

    _test_routes(app)
    return app


async def ring_waiting(deps: AgentsDeps, queue: str) -> None:
    """Reserve a free agent for each waiting caller of ``queue`` and mark it ringing (as the Twilio
    flow's ``WarmTransfer.dispatch`` does, minus the agent's phone leg)."""
    for tid in await deps.transfers.waiting(queue):
        record = await deps.transfers.get(tid)
        if record is None or record.status != "waiting":
            continue
        agent = await deps.agents.reserve(queue, record.tried_agents, transfer_id=tid)
        if agent is None:
            return
        await deps.transfers.add_tried(tid, agent.id)
        await deps.transfers.transition(tid, "ringing", agent_id=agent.id)
        await deps.events.publish(ConsoleEvent(ev.TRANSFER_RINGING, agent.id, tid, {}))


def _test_routes(app: FastAPI) -> None:
    @app.post("/test/transfers")
    async def start_transfer(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Queue a caller and ring the longest-idle available agent (what WarmTransfer.start does)."""
        deps: AgentsDeps = request.app.state.agents
        tid, now = new_transfer_id(), time.time()
        record = TransferRecord(
            tid=tid,
            call_sid=f"CA{uuid.uuid4().hex}",
            conference=conference_name(tid),
            created_at=now,
            enqueued_at=now,
            **body,
        )
        await deps.transfers.create(record)
        await deps.events.publish(ConsoleEvent(ev.TRANSFER_WAITING, None, tid, {"queue": record.queue}))
        await ring_waiting(deps, record.queue)
        ringing = await deps.transfers.get(tid)
        return {"tid": tid, "agent_id": ringing.agent_id if ringing else None}

    @app.post("/test/transfers/{tid}/connect")
    async def connect(request: Request, tid: str) -> dict[str, Any]:
        """The agent pressed 1: the caller is bridged."""
        deps: AgentsDeps = request.app.state.agents
        record = await deps.transfers.transition(tid, "connected", connected_at=time.time())
        if record is None:
            raise HTTPException(409, "not connectable")
        await deps.events.publish(ConsoleEvent(ev.TRANSFER_CONNECTED, record.agent_id, tid, {}))
        return {"status": record.status}

    @app.post("/test/transfers/{tid}/end")
    async def end(request: Request, tid: str) -> dict[str, Any]:
        """The conference ended: transfer completed, the agent goes to wrap-up."""
        deps: AgentsDeps = request.app.state.agents
        record = await deps.transfers.transition(tid, "completed", ended_at=time.time())
        if record is None or record.agent_id is None:
            raise HTTPException(409, "not connected")
        await deps.agents.release(record.agent_id, "wrap_up", transfer_id=tid)
        await deps.events.publish(ConsoleEvent(ev.TRANSFER_ENDED, record.agent_id, tid, {}))
        return {"status": record.status}

    @app.post("/test/callbacks")
    async def new_callback(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        deps: AgentsDeps = request.app.state.agents
        callback_id = await deps.callbacks.add({"id": uuid.uuid4().hex, "status": "pending", **body})
        await deps.events.publish(ConsoleEvent(ev.CALLBACK_NEW, None, None, {"id": callback_id}))
        return {"id": callback_id}

    @app.post("/test/publish")
    async def publish(request: Request, body: dict[str, Any]) -> dict[str, int]:
        """Publish a raw console event (the SSE filtering test)."""
        deps: AgentsDeps = request.app.state.agents
        event = ConsoleEvent(body["type"], body.get("agent_id"), body.get("transfer_id"), {})
        return {"receivers": await deps.events.publish(event)}
