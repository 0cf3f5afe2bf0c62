"""``infolinia bench pace [--leads 0.25,1,2,3] [--flood 2000] [--repeats 3]``: what a webhook burst does
to the audio of a call in progress, for each outbound lead (``INFOLINIA_PLAYOUT_LEAD_S``).

Why: the paced sender (``telephony/call/playout.py``) keeps only ``playout_lead_s`` of audio queued at
Twilio, and one worker serves calls and webhooks on one event loop. A burst of webhooks (even unsigned
ones, answered 403) keeps that loop busy; when it is busy longer than the lead, Twilio's buffer runs dry
and the caller hears a hole in the sentence. This runs the real thing: a real gateway process (``uvicorn
telephony.app.workers:app_from_env``, speech on, a private redis-server, the Twilio REST stand-in), a call
over the real WebSocket whose far end plays the bot's audio as Twilio does (from the first frame on, 8000
samples/s, marks echoed once played), and, a second into the greeting, ``--flood`` unsigned webhooks at
once from another process (``telephony/devtools/webhook_flood.py``). Measured per call, over the greeting:
the longest wait between two audio frames on the wire (how long the loop was away) and the longest
silence the far end plays inside it (its buffer ran dry: what the caller hears).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.exceptions import ConnectionClosed

from telephony.devtools.faults_process import GatewayProcess, PhoneLine, process_env
from telephony.devtools.faults_world import ACCOUNT, AUTH
from telephony.devtools.load_test_report import machine_line
from telephony.devtools.redis_server import RedisServer
from telephony.devtools.twilio_standin import TwilioStandin

RATE = 8000
PUBLIC = "https://voice.infolinia.example"  # what Twilio signs; the far end connects to the process itself
FLOOD_AFTER_S = 1.0  # into the greeting (about 20 s of audio): the burst lands while it is being paced out
AFTER_BURST_S = 4.0  # then the call goes on this long and ends: the greeting is still being sent


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``infolinia bench pace`` (added to the ``bench`` parser)."""
    p.add_argument("--leads", default="0.25,1.0,2.0,3.0", help="bench pace: outbound leads to compare (s)")
    p.add_argument("--flood", type=int, default=2000, help="bench pace: unsigned webhooks sent at once")
    p.add_argument("--repeats", type=int, default=3, help="bench pace: calls per lead")


def silences(events: Sequence[tuple[float, str, int]]) -> list[float]:
    """What the far end plays as silence inside the bot's audio, from ``(arrival s, "audio"|"mark", samples)``.

    The far end plays from the first frame's arrival on at 8000 samples/s; a frame that arrives after all
    audio before it has played leaves a hole as long as it was late. After a mark (a sentence's end) a late
    frame starts the next sentence: a pause between sentences is no hole."""
    holes: list[float] = []
    play_end: float | None = None
    for at, kind, samples in events:
        if kind == "mark":
            play_end = None if play_end is None or at >= play_end else play_end
            continue
        if play_end is None:
            play_end = at
        elif at > play_end:
            holes.append(at - play_end)
            play_end = at
        play_end += samples / RATE
    return holes


@dataclass
class Ear(PhoneLine):
    """Twilio's side of the call, noting when each frame of the bot's audio and each mark arrived."""

    events: list[tuple[float, str, int]] = field(default_factory=list)

    async def _receive(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                msg, now = json.loads(raw), time.monotonic()
                if msg.get("event") == "media":
                    samples = len(base64.b64decode(msg["media"]["payload"]))  # μ-law: a byte a sample
                    self.first_audio_at = self.first_audio_at or now
                    self._play_end = max(self._play_end, now) + samples / RATE
                    self.events.append((now, "audio", samples))
                elif msg.get("event") == "mark":
                    self.events.append((now, "mark", 0))
                    self._tasks.append(asyncio.create_task(self._echo(msg, self._play_end - now, self._cleared)))
        except ConnectionClosed:
            pass
        finally:
            self.closed_at = time.monotonic()


async def flood(url: str, n: int) -> dict[str, Any]:
    """``n`` unsigned webhooks at once from another process (niced: the sender's CPU is not the gateway's)."""
    parts = urlsplit(url)
    argv = ["nice", "-n", "10", sys.executable, "-m", "telephony.devtools.webhook_flood"]
    proc = await asyncio.create_subprocess_exec(
        *argv, parts.hostname or "127.0.0.1", str(parts.port), str(n), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return dict(json.loads(out)) if out else {"statuses": {}, "wall_s": None}


async def one_call(gateway: GatewayProcess, http: httpx.AsyncClient, n: int) -> dict[str, Any]:
    """One call: the greeting, the burst a second into it, the call ended a few seconds after the burst; the
    figures of what its far end heard until then."""
    ear = Ear(PUBLIC, gateway.url)
    load = os.getloadavg()[0]
    await ear.dial(http)
    try:
        if not await ear.wait(lambda: ear.first_audio_at is not None, 30.0):
            raise RuntimeError(f"no greeting within 30 s: {gateway.tail()}")
        await asyncio.sleep(FLOOD_AFTER_S)
        burst = await flood(gateway.url, n) if n else {"statuses": {}, "wall_s": 0.0}
        await asyncio.sleep(AFTER_BURST_S)  # the loop catches up; the far end plays what was queued
    finally:
        await ear.hang_up()
    events = list(ear.events)  # the greeting's, as far as it had come (about half of it)
    audio = [at for at, kind, _ in events if kind == "audio"]
    holes = silences(events)
    return {
        "load_1min": round(load, 2),
        "audio_received_s": round(sum(s for _, k, s in events if k == "audio") / RATE, 2),
        "longest_frame_wait_s": round(max((b - a for a, b in itertools.pairwise(audio)), default=0.0), 3),
        "longest_silence_s": round(max(holes, default=0.0), 3),
        "silence_s": round(sum(holes), 3),
        "burst": burst,
        "greeting_sent_whole": any(kind == "mark" for _, kind, _ in events),  # True: the window was too short
    }


@contextlib.asynccontextmanager
async def world() -> AsyncIterator[tuple[RedisServer, str, Path]]:
    """A private redis-server, the Twilio REST stand-in and a scratch folder, torn down after."""
    redis = RedisServer.start()
    twilio = TwilioStandin(ACCOUNT, AUTH)
    tmp = Path(tempfile.mkdtemp(prefix="infolinia-pace-"))
    try:
        api = await twilio.start()
        yield redis, api, tmp
    finally:
        await twilio.stop()
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def bench_lead(lead: float, args: argparse.Namespace, redis: RedisServer, api: str, tmp: Path) -> list[dict]:
    """A fresh gateway process with ``INFOLINIA_PLAYOUT_LEAD_S=lead``; ``--repeats`` calls against it."""
    env = process_env(redis.url, f"pace{lead:g}:", api, tmp, speech=True)
    env.update(INFOLINIA_PLAYOUT_LEAD_S=str(lead), INFOLINIA_MAX_CONCURRENT_CALLS="4")
    gateway = GatewayProcess.spawn(env, PUBLIC, tmp / f"gateway-{lead:g}.log")
    runs = []
    try:
        async with httpx.AsyncClient(timeout=30.0) as http:
            await gateway.ready(http)
            for i in range(args.repeats):
                run = await one_call(gateway, http, args.flood)
                print(f"lead {lead:g} s, call {i + 1}: {json.dumps(run)}", file=sys.stderr, flush=True)
                runs.append({"lead_s": lead, **run})
                await asyncio.sleep(2.0)  # the gateway settles the call before the next one
    finally:
        gateway.stop()
    return runs


def table(runs: Sequence[dict[str, Any]], flood_n: int) -> str:
    """One line per lead: the worst and each call's figures, the load the machine had meanwhile."""
    lines = [
        f"| lead | calls | longest wait between frames on the wire (s) | longest silence heard (s) | "
        f"silence heard in all (s) | {flood_n} webhooks answered | load (1 min) |",
        "|---|---|---|---|---|---|---|",
    ]
    for lead in dict.fromkeys(r["lead_s"] for r in runs):
        rs = [r for r in runs if r["lead_s"] == lead]

        def each(key: str, rs: list[dict[str, Any]] = rs) -> str:
            return " / ".join(f"{r[key]:.2f}" for r in rs)

        answered = " / ".join(",".join(f"{k}×{v}" for k, v in sorted(r["burst"]["statuses"].items())) for r in rs)
        lines.append(
            f"| {lead:g} s | {len(rs)} | {each('longest_frame_wait_s')} | {each('longest_silence_s')} | "
            f"{each('silence_s')} | {answered} | {each('load_1min')} |"
        )
    return "\n".join(lines)


async def bench_pace(args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per readiness poll
    leads = [float(x) for x in str(args.leads).split(",") if x.strip()]
    runs: list[dict[str, Any]] = []
    async with world() as (redis, api, tmp):
        for lead in leads:
            runs.extend(await bench_lead(lead, args, redis, api, tmp))
    print(f"{machine_line()}; a burst of {args.flood} unsigned webhooks {FLOOD_AFTER_S:g} s into the greeting")
    print(table(runs, args.flood))
    if getattr(args, "json_out", None):
        Path(args.json_out).write_text(json.dumps(runs, indent=2))
    return 0
