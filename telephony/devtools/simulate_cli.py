"""``infolinia simulate-call``: a phone call made the way Twilio makes it, against a running gateway or an
in-process one (started here with a local stand-in for Twilio's REST API, so hang-ups and transfers show)."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
from typing import Any

import httpx
import uvicorn

from dialog.ports import KeyValueStore
from dialog.store import RedisStore
from telephony.app.build import build_gateway
from telephony.app.factory import gateway_app
from telephony.devtools.simulator_rest import FakeTwilioRest
from telephony.devtools.simulator_run import format_result, run_simulation
from telephony.settings import Settings


def run_simulate_cli(args: argparse.Namespace, settings: Settings) -> int:
    if args.url:
        if not settings.twilio_auth_token:
            print("infolinia: set INFOLINIA_TWILIO_AUTH_TOKEN and INFOLINIA_PUBLIC_URL to the gateway's values")
            return 2
        return asyncio.run(_remote(args, settings))
    return asyncio.run(_in_process(args, settings))


async def _remote(args: argparse.Namespace, settings: Settings) -> int:
    """A running gateway: its call records are read from the Redis it shares (the same settings)."""
    if not settings.redis_url:
        print("infolinia: without INFOLINIA_REDIS_URL the dialogue cannot be read back; timings only")
        return await _against(args, args.url, settings.public_url, settings.twilio_auth_token, None)
    store = RedisStore(settings.redis_url, prefix=settings.redis_prefix)
    try:
        return await _against(args, args.url, settings.public_url, settings.twilio_auth_token, None, store)
    finally:
        await store.close()


async def _against(
    args: argparse.Namespace,
    url: str,
    public_url: str,
    token: str,
    rest: FakeTwilioRest | None,
    store: KeyValueStore | None = None,
) -> int:
    result = await run_simulation(
        args.wavs,
        url,
        public_url=public_url,
        auth_token=token,
        barge_in=args.barge_in,
        out=args.out,
        rest=rest,
        store=store,
    )
    print(format_result(result))
    print(f"stereo recording (left caller, right bot): {args.out}")
    return 0


async def _in_process(args: argparse.Namespace, settings: Settings) -> int:
    """Start the gateway on a free port with a fresh auth token and a fake Twilio REST API, then call it."""
    token = secrets.token_hex(16)
    rest = FakeTwilioRest(settings.twilio_account_sid, token)
    await rest.start()
    local = in_process_settings(settings, token, rest.url, _free_port())
    gateway = build_gateway(local)
    server = uvicorn.Server(uvicorn.Config(gateway_app(gateway), host=local.host, port=local.port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        base = local.public_url
        await _wait_ready(base, task)
        return await _against(args, base, local.public_url, token, rest, gateway.store)
    finally:
        server.should_exit = True
        await task
        await rest.stop()


def in_process_settings(settings: Settings, token: str, rest_url: str, port: int, **extra: Any) -> Settings:
    """The settings of a gateway a dev tool serves itself on ``port`` of the loopback, against the Twilio
    stand-in at ``rest_url`` with a fresh ``token``. Its host and port are the ones it listens on, so its "ready
    on" line names them (it said the configured 8080 while the gateway listened elsewhere); ``extra``: more."""
    return settings.model_copy(
        update={
            "twilio_auth_token": token,
            "twilio_api_base": rest_url,
            "host": "127.0.0.1",
            "port": port,
            "public_url": f"http://127.0.0.1:{port}",
            "fallback_number": settings.fallback_number or "+48000000000",
            **extra,
        }
    )


async def _wait_ready(base: str, task: asyncio.Task[None], timeout_s: float = 180.0) -> None:
    print("starting the gateway in-process (loading models)...")
    async with httpx.AsyncClient() as client:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            if task.done():
                raise RuntimeError("the in-process gateway stopped during start-up")
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError("the in-process gateway did not become ready in time (see the log above)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
