"""Several gateway processes behind a real load balancer (Debian's haproxy), for the scale-out test.

- ``HAProxy``: round-robin over the gateways, every request balanced on its own (no sticky sessions),
  WebSocket upgrades passed through (haproxy tunnels them in HTTP mode), health-checked on ``/readyz`` so
  a dead gateway leaves the rotation, and one log line per request naming the gateway that served it
  (``gateways/gw1 200 POST /twilio/voice``), so a test can show where each step of a call landed.
- ``app_from_env``: the product's own uvicorn factory (``telephony.app.workers:app_from_env``) with the
  speech models replaced by stand-ins *at the model seams only* (tone voice, a recognizer that tells turns
  apart by length, an amplitude VAD): three processes loading Whisper and Piper would not fit a 2-core CI
  machine. The dialog engine, the call pipeline, the warm transfer and the drain are the real ones.
- ``CallRouter``: the Twilio stand-in's REST actions handed to the simulated call they are for (the
  simulator takes actions from one queue and would drop another call's).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI

from telephony.app import phone, services, workers
from telephony.devtools.simulator_rest import CallAction
from telephony.devtools.twilio_standin import TwilioStandin
from tests.support.call import AmplitudeVAD
from tests.support.gateway import LengthRecognizer
from tests.support.servers import wait_for_port
from tests.support.speech import ToneSynthesizer

ASKED = "Ile kosztuje dostawa?"  # a short turn (under 1.6 s)
REPEAT = "Proszę powtórzyć"  # a long turn
HAPROXY_HINT = "Install it (Debian: apt-get install haproxy) or run `make test`, which does (make system-deps)."


class _AmplitudeVadModel:
    """Stands for ``SileroModel``: ``detector(rate)`` gives the amplitude VAD (tones carry no speech)."""

    def detector(self, rate: int) -> AmplitudeVAD:
        return AmplitudeVAD()


async def _stand_in_speech(settings: object) -> tuple[LengthRecognizer, ToneSynthesizer]:
    return LengthRecognizer(ASKED, REPEAT), ToneSynthesizer(ms_per_char=15.0)


def app_from_env() -> FastAPI:
    """``telephony.app.workers:app_from_env`` with the model seams stood in (see the module docstring)."""
    services.build_speech = _stand_in_speech
    phone.SileroModel = _AmplitudeVadModel  # type: ignore[assignment,misc]
    return workers.app_from_env()


@dataclass
class CallRouter:
    """One ``actions`` queue per call (the simulator's ``CallActions``), fed from the stand-in's one queue."""

    standin: TwilioStandin
    queues: dict[str, asyncio.Queue[CallAction]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    def for_call(self, call_sid: str) -> _Actions:
        return _Actions(self.queues.setdefault(call_sid, asyncio.Queue()))

    def start(self) -> None:
        self.task = asyncio.create_task(self._route())

    async def _route(self) -> None:
        while True:
            action = await self.standin.actions.get()
            self.queues.setdefault(action.call_sid, asyncio.Queue()).put_nowait(action)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


@dataclass
class _Actions:
    actions: asyncio.Queue[CallAction]


@dataclass
class HAProxy:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    workdir: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def served(self) -> list[tuple[str, str, str]]:
        """(gateway, method, path) of every request logged so far (WebSockets when their tunnel closes)."""
        out = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0].startswith("gateways/"):
                out.append((parts[0].removeprefix("gateways/"), parts[2], parts[3]))
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def haproxy_config(port: int, backends: Sequence[int]) -> str:
    servers = "".join(f"    server gw{i} 127.0.0.1:{p} check inter 500 fall 3 rise 2\n" for i, p in enumerate(backends))
    return (
        "global\n    log stdout format raw local0\n    maxconn 2000\n"
        "defaults\n    mode http\n    log global\n    log-format \"%b/%s %ST %HM %HU\"\n"
        "    timeout connect 5s\n    timeout client 300s\n    timeout server 300s\n    timeout tunnel 1h\n"
        "    retries 3\n    option redispatch 1\n"
        f"frontend infolinia\n    bind 127.0.0.1:{port}\n    default_backend gateways\n"
        "backend gateways\n    balance roundrobin\n    option httpchk GET /readyz\n"
        "    http-check expect status 200\n" + servers
    )  # fmt: skip


def start_haproxy(port: int, backends: Sequence[int]) -> HAProxy:
    binary = shutil.which("haproxy")
    if binary is None:  # an error, never a skip: this tests what operators run
        pytest.fail(f"haproxy is not installed. {HAPROXY_HINT}", pytrace=False)
    workdir = tempfile.mkdtemp(prefix="infolinia-haproxy-")
    config, log = Path(workdir) / "haproxy.cfg", Path(workdir) / "haproxy.log"
    config.write_text(haproxy_config(port, backends), encoding="utf-8")
    check = subprocess.run([str(binary), "-c", "-f", str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy refused the configuration:\n{check.stdout}{check.stderr}")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(binary), "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT)
    lb = HAProxy(proc, port, log, workdir)
    try:
        wait_for_port(port, proc, "haproxy")
    except BaseException:
        lb.stop()
        raise
    return lb
