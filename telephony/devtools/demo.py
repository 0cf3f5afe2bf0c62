"""``infolinia demo``: the whole gateway on a laptop in one command, a warm transfer visible end to end.

What it starts, in one process (stopped together with Ctrl+C): a private ``redis-server`` (the launcher the
tests use), a demo roster of two agents with fresh tokens (printed: they log in to ``/agents``), the phone
network stand-in (``demo_phones``: Twilio's REST API and the agents' phones), and the gateway itself in
development mode with speech on, pointed at them. It then prints what to open and the exact
``simulate-call`` command that calls it with a sample recording from ``samples/``.

Why a separate command and not settings for ``serve``: everything here is throw-away (a Redis without
persistence, tokens that live as long as the process, a Twilio that is not one); an operator must never end
up running it in production by a setting left behind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import shlex
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
import yaml

from telephony.agents.roster import hash_token
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.devtools.demo_phones import DemoPhones
from telephony.devtools.redis_server import RedisMissing, RedisServer
from telephony.devtools.twilio_standin import TwilioStandin
from telephony.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ACCOUNT = "AC" + "d" * 32
DEMO_AGENTS = (
    ("anna", "Anna Nowak (demo)", "+48221000001", ("obsluga", "reklamacje"), "supervisor"),
    ("piotr", "Piotr Zieliński (demo)", "+48221000002", ("obsluga",), "agent"),
)


@dataclass(frozen=True)
class DemoAgent:
    id: str
    name: str
    token: str


def write_roster(folder: Path) -> tuple[Path, list[DemoAgent]]:
    """Two agents with fresh random tokens (the roster keeps only their sha256, as in production)."""
    agents, entries = [], []
    for aid, name, contact, queues, role in DEMO_AGENTS:
        token = f"{aid}-" + secrets.token_urlsafe(12)
        agents.append(DemoAgent(aid, name, token))
        entries.append({"id": aid, "name": name, "contact": contact, "queues": list(queues), "role": role,
                        "token_sha256": hash_token(token)})  # fmt: skip
    path = folder / "agents.yaml"
    path.write_text(yaml.safe_dump({"agents": entries}, allow_unicode=True), encoding="utf-8")
    return path, agents


def demo_settings(base: Settings, redis_url: str, roster: Path, api_base: str, port: int, token: str) -> Settings:
    """The gateway's settings for the demo: everything local, open all day, development mode."""
    return base.model_copy(
        update={
            "redis_url": redis_url,
            "redis_prefix": "demo:",
            "agents_path": roster,
            "twilio_account_sid": ACCOUNT,
            "twilio_auth_token": token,
            "twilio_api_base": api_base,
            "twilio_number": "+48221000000",
            "fallback_number": base.fallback_number or "+48221000099",
            "public_url": f"http://127.0.0.1:{port}",
            "host": "127.0.0.1",
            "port": port,
            "business_hours": "pn-nd 0:00-24:00, święta 0:00-24:00",  # agents take calls whenever the demo runs
            "dev_mode": True,
            "speech": True,
        }
    )


def banner(settings: Settings, agents: list[DemoAgent], phones_url: str) -> str:
    """What to open and try, printed once everything is ready (copy-paste friendly)."""
    base = settings.public_url
    env = (f"INFOLINIA_TWILIO_AUTH_TOKEN={settings.twilio_auth_token} INFOLINIA_PUBLIC_URL={base} "
           f"INFOLINIA_REDIS_URL={settings.redis_url} INFOLINIA_REDIS_PREFIX={settings.redis_prefix}")  # fmt: skip
    consultant = shlex.quote(str(SAMPLES / "consultant.wav"))
    question = shlex.quote(str(SAMPLES / "question.wav"))
    lines = [
        "",
        "=== infolinia demo is ready (Ctrl+C stops everything) ===",
        f"  landing page        {base}/",
        f"  talk in the browser {base}/playground",
        f"  agent console       {base}/agents    (log in with a token below)",
        f"  agents' phones      {phones_url}/phones    (the phone network stand-in: answer here)",
        "  agent tokens:",
        *[f"    {a.id:6} {a.name:26} {a.token}" for a in agents],
        "",
        "  A warm transfer, end to end:",
        f"   1. open {base}/agents, log in as anna, press 'Dostępny'",
        "   2. in another terminal, a phone call asking for a consultant:",
        f"      {env} \\",
        f"      .venv/bin/infolinia simulate-call --url {base} {consultant}",
        f"   3. anna's phone rings at {phones_url}/phones: 'Odbierz i naciśnij 1'; the console shows the caller",
        "   4. 'Rozłącz' there ends the call; finish the wrap-up in the console",
        f"  A question instead: the same command with {question}",
        "",
    ]
    return "\n".join(lines)


class DemoServer(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which would kill the process before the
    demo stops what it started (redis-server, the stand-ins): here a signal only ends ``serve``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


async def wait_ready(base: str, task: asyncio.Task[None], timeout_s: float = 600.0) -> None:
    """Until ``/readyz`` answers 200 (the models are loaded); the server's own error if it stops first."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per readiness poll
    print("infolinia demo: starting (Redis, the phone network stand-in, the gateway; loading models)...", flush=True)
    async with httpx.AsyncClient() as client, asyncio.timeout(timeout_s):
        while True:
            if task.done():
                task.result()
                raise RuntimeError("the gateway stopped during start-up (see the log above)")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.25)


async def run_demo(port: int, base: Settings) -> int:
    """Start everything, print the banner, serve until interrupted; stop everything on the way out."""
    redis = RedisServer.start()
    folder = Path(tempfile.mkdtemp(prefix="infolinia-demo-"))
    token = secrets.token_hex(16)
    standin = TwilioStandin(ACCOUNT, token)
    phones: DemoPhones | None = None
    try:
        roster, agents = write_roster(folder)
        api_base = await standin.start()
        settings = demo_settings(base, redis.url, roster, api_base, port, token)
        phones = DemoPhones(standin, token, settings.public_url)
        phones_url = await phones.start()
        config = uvicorn.Config(gateway_app(build_gateway(settings)), host="127.0.0.1", port=port, log_config=None)
        server = DemoServer(config)
        task = asyncio.create_task(server.serve())
        await wait_ready(settings.public_url, task)
        print(banner(settings, agents, phones_url), flush=True)
        await task
        return 0
    finally:
        if phones is not None:
            await phones.stop()
        await standin.stop()
        redis.stop()
        with contextlib.suppress(OSError):
            for item in folder.iterdir():
                item.unlink()
            folder.rmdir()


def run_demo_cli(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return asyncio.run(run_demo(args.port, settings))
    except RedisMissing as exc:  # the one system package the demo needs beyond the venv
        print(f"infolinia demo: {exc}")
        return 2
    except KeyboardInterrupt:
        return 0
