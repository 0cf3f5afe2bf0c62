"""The world ``infolinia bench faults`` and the fault tests run in: the real gateway (``build_gateway``
from Settings, its start-up building the real dialog engine, speech off), a private redis-server with
persistence that a scenario kills and restarts, and the Twilio REST stand-in with its fault modes.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from twilio.request_validator import RequestValidator

from dialog.ports import CallerInfo, Outcome, Transfer
from telephony.agents.roster import hash_token
from telephony.app.build import Gateway, build_gateway
from telephony.app.factory import gateway_app
from telephony.call.deps import CallContext
from telephony.devtools.redis_server import RedisServer
from telephony.devtools.twilio_standin import TwilioStandin, new_call_sid
from telephony.settings import Settings
from telephony.transfer.warm import WarmTransfer

ACCOUNT = "AC" + "4" * 32
AUTH = "faults-bench-token-0123456789"
CALLER, CALLED, FALLBACK = "+48600100500", "+48221234700", "+48221110000"


class _Silent:
    """The media stream the warm transfer is handed (it redirects the call over REST; nothing is read)."""

    async def receive(self) -> None: ...

    async def send_audio(self, pcm8k: object) -> None: ...

    async def send_mark(self, name: str) -> None: ...

    async def clear(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class FaultWorld:
    base: str
    http: httpx.AsyncClient
    twilio: TwilioStandin
    gateway: Gateway
    redis: RedisServer

    @property
    def warm(self) -> WarmTransfer:
        """The gateway's warm transfer (the fault world always configures Redis and a Twilio token)."""
        warm = self.gateway.warm
        assert warm is not None, "the fault world needs the warm transfer"
        return warm

    async def signed(self, path: str, params: dict[str, str]) -> httpx.Response:
        url = self.base + path
        signature = RequestValidator(AUTH).compute_signature(url, params)
        return await self.http.post(url, data=params, headers={"X-Twilio-Signature": signature})

    async def transfer(self, queue: str) -> tuple[str, str]:
        """The call pipeline hands a caller over to ``queue``: (transfer id, CallSid); raises like it."""
        assert self.gateway.transfer is not None
        sid = new_call_sid()
        caller = CallerInfo("phone", CALLER, {"to": CALLED})
        ctx = CallContext(sid, "MZ" + "4" * 32, None, caller, [], _Silent())  # type: ignore[arg-type]
        outcome = Outcome("s", "transfer", "Łączę.", transfer=Transfer(queue, "complaint", 0, "Czajnik."))
        return await self.warm.start(ctx, outcome), sid

    async def transfer_status(self, tid: str) -> str | None:
        assert self.gateway.transfer is not None
        record = await self.warm.p.store.get(tid)
        return None if record is None else record.status

    async def agent_status(self, agent_id: str) -> str | None:
        assert self.gateway.transfer is not None
        state = await self.gateway.transfer.agents.agents.get(agent_id)
        return None if state is None else state.status

    def restart_redis(self, *, empty: bool = False) -> None:
        """Kill Redis (if running) and start it again, with its data or (``empty``) without."""
        if self.redis.proc.poll() is None:
            self.redis.kill()
        if empty:
            for item in Path(self.redis.workdir).iterdir():
                if item.is_dir():
                    for f in item.iterdir():
                        f.unlink()
                else:
                    item.unlink()
        self.redis.restart()


def _roster(path: Path, status: str) -> Path:
    """anna serves "reklamacje" (``status``; wrap-up: staffed, not free); nobody serves "obsluga"."""
    anna = {"id": "anna", "name": "Anna", "contact": "client:anna", "queues": ["reklamacje"], "status": status}
    anna["token_sha256"] = hash_token("token-anna")
    path.write_text(yaml.safe_dump({"agents": [anna]}), encoding="utf-8")
    return path


def world_settings(
    redis_url: str,
    port: int,
    twilio_api: str,
    tmp: Path,
    *,
    agent_status: str = "wrap_up",
    twilio_timeout_s: float = 2.5,
    **extra: Any,
) -> Settings:
    """The gateway's settings in a fault world: the stand-in's account, anna's roster, the spool in ``tmp``;
    ``extra``: more settings (a scenario's orders service)."""
    return Settings(
        redis_url=redis_url,
        redis_prefix=f"f{uuid.uuid4().hex[:8]}:",
        host="127.0.0.1",  # where it listens: its "ready on" line names them
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        twilio_api_base=twilio_api,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=AUTH,
        twilio_number=CALLED,
        twilio_timeout_s=twilio_timeout_s,
        fallback_number=FALLBACK,
        agents_path=_roster(tmp / "agents.yaml", agent_status),
        business_hours="pn-nd 0:00-24:00, święta 0:00-24:00",
        spool_path=tmp / "spool.jsonl",
        recovery_interval_s=3600,  # scenarios and tests run the recovery check when they choose
        rate_limit_ip="100000/minute",  # the bursts come from one address: they test storage, not rate limits
        speech=False,
        **extra,
    )


@asynccontextmanager
async def fault_world(twilio_timeout_s: float = 2.5, **extra: Any) -> AsyncIterator[FaultWorld]:
    """Everything started and torn down; the dialog engine is built by the gateway's own start-up."""
    redis = RedisServer.start(persist=True)
    twilio = TwilioStandin(ACCOUNT, AUTH)
    tmp = Path(tempfile.mkdtemp(prefix="infolinia-faults-"))
    port = _free_port()
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None
    try:
        api = await twilio.start()
        settings = world_settings(redis.url, port, api, tmp, twilio_timeout_s=twilio_timeout_s, **extra)
        gateway = build_gateway(settings)
        server = uvicorn.Server(uvicorn.Config(gateway_app(gateway), host="127.0.0.1", port=port, log_level="error"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        await gateway.services.get()
        async with httpx.AsyncClient(timeout=60) as http:
            yield FaultWorld(settings.public_url, http, twilio, gateway, redis)
    finally:
        if server is not None and task is not None:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        await twilio.stop()
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
