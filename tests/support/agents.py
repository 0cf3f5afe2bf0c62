"""Shared pieces of the agents tests: a roster with known tokens, a private key prefix on the suite's
real Redis, and a small gateway app (only the agents API) that tests start as real uvicorn processes."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI, Request
from redis.asyncio import Redis

from telephony.agents.roster import Agent, hash_token
from telephony.console.api import build_agents_router
from telephony.console.deps import AgentsDeps, build_agents_deps
from tests.support.servers import free_port, spawn, stop, uvicorn_factory, wait_ready


def token_of(agent_id: str) -> str:
    return f"secret-token-of-{agent_id}"


def roster(ids: list[str], queues: tuple[str, ...] = ("obsluga",), status: str = "available") -> list[Agent]:
    return [
        Agent.model_validate(
            {
                "id": i,
                "name": f"Agent {i}",
                "contact": f"client:{i}",
                "queues": list(queues),
                "token_sha256": hash_token(token_of(i)),
                "status": status,
            }
        )
        for i in ids
    ]


def new_prefix() -> str:
    """A key prefix of its own per test: tests share one redis-server and never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}:"


def redis_client(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=True)


def make_app() -> FastAPI:
    """uvicorn factory for the process tests: env AGENTS_TEST_{REDIS,PREFIX,ROSTER} (test-only wiring)."""
    url, prefix = os.environ["AGENTS_TEST_REDIS"], os.environ["AGENTS_TEST_PREFIX"]
    agents = [Agent.model_validate(a) for a in json.loads(os.environ["AGENTS_TEST_ROSTER"])]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = redis_client(url)
        app.state.agents = build_agents_deps(redis, prefix=prefix)
        await app.state.agents.agents.sync_roster(agents)
        yield
        await redis.aclose()

    async def provider(request: Request) -> AgentsDeps:
        deps: AgentsDeps = request.app.state.agents
        return deps

    app = FastAPI(lifespan=lifespan)
    app.include_router(build_agents_router(provider))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextmanager
def agents_servers(redis_url: str, prefix: str, agents: list[Agent], count: int = 2) -> Iterator[list[str]]:
    """``count`` separate uvicorn processes serving the agents API over the same Redis; yields base URLs."""
    env = {
        "AGENTS_TEST_REDIS": redis_url,
        "AGENTS_TEST_PREFIX": prefix,
        "AGENTS_TEST_ROSTER": json.dumps([a.model_dump() for a in agents]),
    }
    ports = [free_port() for _ in range(count)]
    servers = [spawn(uvicorn_factory("tests.support.agents:make_app", port), port, env) for port in ports]
    try:
        for server in servers:
            wait_ready(server)
        yield [server.url for server in servers]
    finally:
        for server in servers:
            stop(server)
