"""Shared pieces of the agents tests: a roster with known tokens, a private key prefix on the suite's
real Redis, and a small gateway app (only the agents API) that tests start as real uvicorn processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from redis.asyncio import Redis

from telephony.agents.roster import Agent, hash_token
from telephony.console.api import AgentsDeps, build_agents_deps, build_agents_router
from tests.conftest import free_port


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
        **os.environ,
        "AGENTS_TEST_REDIS": redis_url,
        "AGENTS_TEST_PREFIX": prefix,
        "AGENTS_TEST_ROSTER": json.dumps([a.model_dump() for a in agents]),
    }
    root = Path(__file__).resolve().parents[1]
    ports = [free_port() for _ in range(count)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "tests.agents_fixtures:make_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=root, env=env,
        )
        for port in ports
    ]  # fmt: skip
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, proc in zip(urls, procs, strict=True):
            _wait_ready(url, proc)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"test server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"test server at {url} did not start")
