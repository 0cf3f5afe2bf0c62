"""A gateway process (re)started while Redis is down (a worker respawned during the outage, a host rebooted with the
gateway up before Redis): once Redis answers it must become ready and serve, without anyone restarting it.

Before: start-up published the roster first, that failed, and the process stayed up for good with ``/readyz`` 503
(``startup_error``: the Redis connection refused) while ``/healthz`` said alive, so no orchestrator restarted it
either: every worker started during the outage stayed out of service after Redis came back.

Real parts: the whole gateway (``build_gateway``, served by uvicorn) over a real redis-server killed before it
starts and restarted, real HTTP.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import uvicorn

from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services
from telephony.devtools.faults_world import world_settings
from telephony.devtools.twilio_standin import TwilioStandin
from tests.support.call import ScriptedDialog
from tests.support.outage import bearer, stopped
from tests.support.redis import RedisServer, own_redis  # noqa: F401  (fixture)
from tests.support.servers import free_port
from tests.support.speech import ToneSynthesizer

GUARD_S = 20.0  # bounds a hang only


async def _ready(http: httpx.AsyncClient, base: str) -> httpx.Response:
    """/readyz once it says ready, or its last answer after ``GUARD_S``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GUARD_S
    while True:
        answer = await http.get(f"{base}/readyz")
        if answer.status_code == 200 or loop.time() > deadline:
            return answer
        await asyncio.sleep(0.2)


async def test_a_gateway_started_while_redis_is_down_serves_once_it_is_back(
    own_redis: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    own_redis.kill()
    twilio = TwilioStandin("AC" + "4" * 32, "faults-bench-token-0123456789")
    api, port = await twilio.start(), free_port()
    settings = world_settings(own_redis.url, port, api, tmp_path, agent_status="available")
    gateway = build_gateway(settings)
    loaded = Services(settings, gateway.store, ScriptedDialog(), synthesizer=ToneSynthesizer(ms_per_char=2.0))
    server = uvicorn.Server(
        uvicorn.Config(gateway_app(gateway, loaded), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            while not server.started:
                await asyncio.sleep(0.01)
            assert (await http.get(f"{base}/healthz")).status_code == 200
            assert (await http.get(f"{base}/readyz")).status_code == 503  # Redis is down: not ready, rightly
            await asyncio.sleep(2)
            own_redis.restart()
            ready = await _ready(http, base)
            assert ready.status_code == 200, ready.text  # was: 503 for good, startup_error "Connection refused"
            chat = await http.post(f"{base}/v1/chat", json={"text": "Dzień dobry"})
            assert chat.status_code == 200, chat.text
            agents = await http.get(f"{base}/v1/agents", headers=bearer("anna"))
            assert agents.status_code == 200 and [a["id"] for a in agents.json()["agents"]] == ["anna"], agents.text
    finally:
        server.should_exit = True
        await stopped(task, 10.0)
        await twilio.stop()
