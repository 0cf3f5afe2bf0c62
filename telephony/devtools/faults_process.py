"""Real gateway PROCESSES for the process-level fault scenarios (``telephony/devtools/faults_calls.py``):
``uvicorn telephony.app.workers:app_from_env --factory`` configured by ``INFOLINIA_*`` environment variables
(as ``infolinia serve`` runs it), speech on or off, over the fault world's private redis-server, the Twilio
REST stand-in and one spool file that every process shares (as the workers of one host do).

``PhoneLine`` plays Twilio's part of one call on the wire: the signed incoming-call webhook, the signed
media-stream WebSocket with ``connected`` and ``start``, 20 ms frames of silence, marks echoed back once the
audio before them has played (a play clock at 8000 samples/s; ``clear`` drops what is queued), and
what Twilio does when the stream ends: the TwiML after ``</Connect>`` (the gateway's apology and a
``<Dial>`` of the fallback number), which ``after_connect`` reads from the webhook's answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from telephony.devtools.faults_world import ACCOUNT, AUTH, CALLED, CALLER, FALLBACK, _free_port, _roster
from telephony.devtools.simulator_wire import parse_twiml, stream_target
from telephony.devtools.twilio_standin import new_call_sid

SILENT_FRAME = base64.b64encode(b"\xff" * 160).decode()  # 20 ms of μ-law silence
RATE = 8000  # μ-law samples a second: a byte a sample


def process_env(redis_url: str, prefix: str, twilio_api: str, tmp: Path, *, speech: bool) -> dict[str, str]:
    """The environment of one gateway process of the world (the same for every process but ``speech``)."""
    return {
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": prefix,
        "INFOLINIA_TWILIO_API_BASE": twilio_api,
        "INFOLINIA_TWILIO_ACCOUNT_SID": ACCOUNT,
        "INFOLINIA_TWILIO_AUTH_TOKEN": AUTH,
        "INFOLINIA_TWILIO_NUMBER": CALLED,
        "INFOLINIA_TWILIO_TIMEOUT_S": "1.5",
        "INFOLINIA_FALLBACK_NUMBER": FALLBACK,
        "INFOLINIA_AGENTS_PATH": str(_roster(tmp / "agents.yaml", "wrap_up")),
        "INFOLINIA_BUSINESS_HOURS": "pn-nd 0:00-24:00, święta 0:00-24:00",
        "INFOLINIA_SPOOL_PATH": str(tmp / "spool.jsonl"),
        "INFOLINIA_RECOVERY_INTERVAL_S": "0.5",
        "INFOLINIA_DRAIN_GRACE_S": "1",
        "INFOLINIA_SPEECH": "true" if speech else "false",
        "INFOLINIA_TTS_PRERENDER": "false",
        "INFOLINIA_LOG_JSON": "false",
        "INFOLINIA_LOG_LEVEL": "WARNING",
    }


@dataclass
class GatewayProcess:
    """One gateway process; ``public`` is the URL Twilio signs (the load balancer in front of all)."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    @classmethod
    def spawn(cls, env: dict[str, str], public: str, log: Path) -> GatewayProcess:
        port = _free_port()
        argv = [sys.executable, "-m", "uvicorn", "telephony.app.workers:app_from_env", "--factory"]
        argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        full = {**os.environ, **env, "INFOLINIA_PUBLIC_URL": public}
        with log.open("ab") as out:
            proc = subprocess.Popen(argv, env=full, stdout=out, stderr=subprocess.STDOUT)
        return cls(proc, f"http://127.0.0.1:{port}", log)

    async def ready(self, http: httpx.AsyncClient, timeout_s: float = 300.0) -> None:
        """Poll /readyz until start-up (models, dialog, roster) is done; the bound only stops a hang."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.proc.returncode}: {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(self.url + "/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.25)
        raise RuntimeError(f"gateway not ready in {timeout_s} s: {self.tail()}")

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    async def exited(self, timeout_s: float = 30.0) -> int | None:
        deadline = time.monotonic() + timeout_s
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.proc.poll()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-2000:]


@dataclass
class PhoneLine:
    """Twilio's side of one call against ``gateway`` (see the module doc)."""

    public: str
    gateway: str
    sid: str = field(default_factory=new_call_sid)
    twiml: str = ""
    first_audio_at: float | None = None
    last_audio_at: float | None = None
    closed_at: float | None = None
    close_code: int | None = None
    media: int = 0
    ws: ClientConnection | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _play_end: float = 0.0  # when the audio received so far will have played (monotonic seconds)
    _cleared: asyncio.Event = field(default_factory=asyncio.Event)  # set by ``clear``: pending marks go back

    def form(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": ACCOUNT, "From": CALLER, "To": CALLED, **extra}

    async def signed(self, http: httpx.AsyncClient, base: str, path: str, params: dict[str, str]) -> httpx.Response:
        signature = RequestValidator(AUTH).compute_signature(self.public + path, params)
        return await http.post(base + path, data=params, headers={"X-Twilio-Signature": signature})

    async def dial(self, http: httpx.AsyncClient, *, frames: bool = True) -> None:
        """The incoming-call webhook, then the media stream: ``connected``, ``start`` and (``frames``) the
        caller's silence every 20 ms; a mark is echoed when the audio before it has played, as Twilio does (the
        gateway sends up to ``INFOLINIA_PLAYOUT_LEAD_S`` ahead: an echo on arrival would hand over early)."""
        answer = await self.signed(http, self.gateway, "/twilio/voice", self.form(CallStatus="ringing"))
        self.twiml = answer.text
        url, params = parse_twiml(answer.text)
        signature = RequestValidator(AUTH).compute_signature(url, {})
        target = stream_target(url, self.gateway)
        self.ws = await connect(target, additional_headers={"X-Twilio-Signature": signature}, max_size=None)
        start = {"callSid": self.sid, "streamSid": "MZ" + self.sid[2:], "accountSid": ACCOUNT, "tracks": ["inbound"],
                 "customParameters": params,
                 "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}  # fmt: skip
        await self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await self.ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "start": start}))
        self._tasks.append(asyncio.create_task(self._receive()))
        if frames:
            self._tasks.append(asyncio.create_task(self._speak_silence()))

    async def _receive(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                now = time.monotonic()
                if msg.get("event") == "media":
                    samples = len(base64.b64decode(msg["media"]["payload"]))
                    self._play_end = max(self._play_end, now) + samples / RATE
                    self.first_audio_at = self.first_audio_at or now
                    self.last_audio_at, self.media = now, self.media + 1
                elif msg.get("event") == "clear":  # queued audio dropped; its pending marks come back now
                    self._play_end, cleared, self._cleared = now, self._cleared, asyncio.Event()
                    cleared.set()
                elif msg.get("event") == "mark":
                    echo = self._echo(msg, self._play_end - now, self._cleared)
                    self._tasks.append(asyncio.create_task(echo))
        except ConnectionClosed:
            pass
        finally:
            self.closed_at = time.monotonic()
            self.close_code = self.ws.close_code

    async def _echo(self, msg: dict[str, Any], after_s: float, cleared: asyncio.Event) -> None:
        """The mark goes back once the audio before it has played, or at once on ``clear``, as Twilio does."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(cleared.wait(), max(0.0, after_s))
        assert self.ws is not None
        echo = {"event": "mark", "streamSid": msg.get("streamSid"), "mark": msg.get("mark")}
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps(echo))

    async def _speak_silence(self) -> None:
        assert self.ws is not None
        seq = 1
        with contextlib.suppress(ConnectionClosed):
            while self.closed_at is None:
                seq += 1
                media = {"event": "media", "sequenceNumber": str(seq), "media": {"payload": SILENT_FRAME}}
                await self.ws.send(json.dumps(media))
                await asyncio.sleep(0.02)

    async def wait(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Poll until ``predicate`` holds; the bound only stops a hang."""
        deadline = time.monotonic() + timeout_s
        while not predicate() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return predicate()

    async def hang_up(self) -> None:
        """Twilio ends the stream (the call was redirected or ended)."""
        if self.ws is not None and self.closed_at is None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps({"event": "stop", "stop": {"callSid": self.sid}}))
                await self.ws.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def after_connect(self) -> tuple[bool, str | None]:
        """What Twilio runs when the stream ends: (something spoken, the number dialled)."""
        doc = ET.fromstring(self.twiml)
        spoken = any(el.tag in ("Say", "Play") and (el.text or "").strip() for el in doc)
        return spoken, doc.findtext("Dial")
