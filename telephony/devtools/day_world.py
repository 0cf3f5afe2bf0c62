"""The world a scripted day runs in: the real gateway (``build_gateway`` from Settings, served by uvicorn
on real HTTP), the real dialog engine, a real Redis, the Twilio REST stand-in, the call simulator on the
media-stream WebSocket, and Twilio's part (agent legs, conference events, the survey's ``<Gather>``)
played on the wire with signed requests. Only the ears and the voice are stand-ins (``day_speech``).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator

from dialog.ports import Dialog, KeyValueStore
from telephony.agents.roster import hash_token
from telephony.app.build import Gateway, build_gateway
from telephony.app.factory import gateway_app
from telephony.app.services import Services, build_dialog
from telephony.call.deps import CallDeps
from telephony.devtools.day_speech import LoudnessVAD, ToneVoice, WordsByLength, utterance_s
from telephony.devtools.simulator import CallSimulator, SimulationResult
from telephony.devtools.simulator_audio import CallerTurn
from telephony.devtools.twilio_standin import RestRequest, TwilioStandin
from telephony.insights.recorder import TurnKpis
from telephony.settings import Settings
from telephony.speaker.conversation import SpeakerConversations

ACCOUNT = "AC" + "5" * 32
AUTH = "scripted-day-token-0123456789"
CALLED, FALLBACK = "+48221234800", "+48221110000"
QUEUE = "obsluga"
ROSTER = {"anna": ("Anna Nowak", "agent"), "bartek": ("Bartek Wiśniewski", "agent"), "szef": ("Ewa Szef", "supervisor")}


def token(agent_id: str) -> str:
    return f"day-token-{agent_id}"


def _roster(path: Path) -> Path:
    rows = [
        {"id": i, "name": n, "contact": f"client:{i}", "queues": [QUEUE], "status": "offline", "role": role,
         "token_sha256": hash_token(token(i))}
        for i, (n, role) in ROSTER.items()
    ]  # fmt: skip
    path.write_text(yaml.safe_dump({"agents": rows}, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class DayWorld:
    base: str
    gateway: Gateway
    twilio: TwilioStandin
    http: httpx.AsyncClient
    ears: WordsByLength
    speaker: SpeakerConversations  # the Wyoming server's conversations, over this gateway's Redis

    async def signed(self, url: str, params: dict[str, str]) -> ET.Element:
        """Twilio fetching ``url`` with ``params`` (signed): the TwiML it gets."""
        signature = RequestValidator(AUTH).compute_signature(url, params)
        response = await self.http.post(url, data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
        return ET.fromstring(response.text)

    async def call(self, says: Sequence[str]) -> SimulationResult:
        """One phone call: the caller says each of ``says`` (a vocabulary entry, or ``dtmf:DIGITS``)."""
        turns = [
            CallerTurn(label=s, digits=s[5:]) if s.startswith("dtmf:")
            else CallerTurn(label=s, pcm=self.ears.turn(s), voiced_end_s=utterance_s(self.ears.vocabulary.index(s)))
            for s in says
        ]  # fmt: skip
        sim = CallSimulator(self.base, public_url=self.base, auth_token=AUTH, account_sid=ACCOUNT, rest=self.twilio)
        return await sim.run(turns, max_s=120)

    def redirect_of(self, call_sid: str) -> RestRequest:
        """The last update the gateway asked for this call (the survey, or the transfer's conference)."""
        return [r for r in self.twilio.history if r.kind == "update" and r.call_sid == call_sid][-1]

    async def after_dial(self, twiml: str, call_sid: str) -> str:
        """The caller's ``<Dial>`` into the room ended (the agent hung up): Twilio asks its ``action`` what
        next; the URL that answer redirects to (the survey), or "" when it does not redirect."""
        dial = ET.fromstring(twiml).find("Dial")
        action = dial.get("action", "") if dial is not None else ""
        if not action:
            return ""
        page = await self.signed(action, {"CallSid": call_sid, "DialCallStatus": "completed"})
        return page.findtext("Redirect") or ""

    async def survey(self, url: str, call_sid: str, answer: dict[str, str]) -> str:
        """Twilio runs the survey at ``url``: the question, then ``answer`` (Digits / SpeechResult / none)."""
        page = await self.signed(url, {"CallSid": call_sid})
        gather = page.find("Gather")
        if gather is None:  # nothing to rate (e.g. the caller never reached an agent)
            return page.findtext("Say") or ""
        return (await self.signed(gather.get("action", ""), {"CallSid": call_sid, **answer})).findtext("Say") or ""

    async def agent_takes_call(self, tid: str) -> str:
        """The rung agent answers, presses 1 and is bridged; returns their id."""
        leg = await self.twilio.next("create", timeout_s=30)
        gather = (await self.signed(leg.get("Url"), {"CallSid": leg.call_sid, "CallStatus": "in-progress"})).find(
            "Gather"
        )
        assert gather is not None, "the agent's leg has no briefing"
        await self.signed(gather.get("action", ""), {"CallSid": leg.call_sid, "Digits": "1"})
        await self.conference(tid, "participant-join", 1, ParticipantLabel="agent", CallSid=leg.call_sid)
        return leg.get("To").removeprefix("client:")

    async def conference(self, tid: str, event: str, seq: int, **extra: str) -> None:
        params = {"ConferenceSid": "CF" + tid, "FriendlyName": f"room-{tid}", "StatusCallbackEvent": event,
                  "SequenceNumber": str(seq), "AccountSid": ACCOUNT, **extra}  # fmt: skip
        await self.signed(f"{self.base}/twilio/transfer/{tid}/conference", params)

    async def agent(self, method: str, path: str, agent_id: str, **kw: Any) -> httpx.Response:
        response = await self.http.request(
            method, self.base + path, headers={"Authorization": f"Bearer {token(agent_id)}"}, **kw
        )
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response

    async def chat(self, text: str, session_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text, **({"session_id": session_id} if session_id else {})}
        response = await self.http.post(self.base + "/v1/chat", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


def day_settings(redis_url: str, port: int, twilio_api: str, tmp: Path) -> Settings:
    return Settings(
        redis_url=redis_url,
        redis_prefix=f"day{uuid.uuid4().hex[:8]}:",
        host="127.0.0.1",  # where it listens: its "ready on" line names them
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        twilio_api_base=twilio_api,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=AUTH,
        twilio_number=CALLED,
        fallback_number=FALLBACK,
        agents_path=_roster(tmp / "agents.yaml"),
        business_hours="pn-nd 0:00-24:00, święta 0:00-24:00",
        spool_path=tmp / "spool.jsonl",
        rate_limit_ip="100000/minute",
        speech=False,  # the stand-in ears and voice below take the models' place
        log_json=False,
    )


def call_deps(gateway: Gateway, dialog: Dialog, ears: WordsByLength) -> CallDeps:
    """The phone pipeline as start-up builds it (the gateway's REST client, warm transfer, metrics and
    survey), with the stand-in ears, voice and VAD."""
    return CallDeps(
        recognizer=ears,
        synthesizer=ToneVoice(),
        dialog=dialog,
        vad_factory=LoudnessVAD,
        call_control=gateway.rest,
        store=gateway.store,
        fallback_number=FALLBACK,
        transfer=gateway.warm,
        metrics=gateway.metrics,
        after_solved=gateway.survey.after_solved if gateway.survey else None,
        silence_prompt_s=30.0,
    )


async def day_services(
    settings: Settings, gateway: Gateway, vocabulary: Sequence[str], dialog: Callable[[KeyValueStore], Dialog] | None
) -> tuple[Services, WordsByLength]:
    """The gateway's services with the day's stand-ins for the models (words by length for ears, returned too:
    the calls' turns are scripted for them; tones for a voice) and the real engine, unless ``dialog`` builds
    another: it keeps the day's conversations and misses, as the gateway's would."""
    h = gateway.history
    logs = (h.gaps.book, h.store) if h is not None else (None, None)
    real = partial(build_dialog, settings, gateway.store, *logs)
    engine = dialog(gateway.store) if dialog else await asyncio.to_thread(real)
    ears = WordsByLength(vocabulary)
    return Services(settings, gateway.store, engine, ears, ToneVoice(), call_deps(gateway, engine, ears)), ears


@contextlib.asynccontextmanager
async def day_world(
    redis_url: str, vocabulary: Sequence[str], dialog: Callable[[KeyValueStore], Dialog] | None = None
) -> AsyncIterator[DayWorld]:
    """Start everything (the real engine, unless ``dialog`` builds another over the gateway's store) and
    tear it down, Redis keys included."""
    twilio = TwilioStandin(ACCOUNT, AUTH)
    tmp = Path(tempfile.mkdtemp(prefix="infolinia-day-"))
    port = _free_port()
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None
    settings = day_settings(redis_url, port, await twilio.start(), tmp)
    try:
        gateway = build_gateway(settings)
        services, ears = await day_services(settings, gateway, vocabulary, dialog)
        engine = services.dialog
        app = gateway_app(gateway, services)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        await gateway.services.get()
        assert gateway.kpis is not None and gateway.transfer is not None
        speaker = SpeakerConversations(
            engine, gateway.store, callbacks=gateway.transfer.agents.callbacks, kpis=TurnKpis(gateway.kpis)
        )
        async with httpx.AsyncClient(timeout=60) as http:
            yield DayWorld(settings.public_url, gateway, twilio, http, ears, speaker)
    finally:
        if server is not None and task is not None:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        await twilio.stop()
        await _forget(redis_url, settings.redis_prefix)
        shutil.rmtree(tmp, ignore_errors=True)


async def _forget(redis_url: str, prefix: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [k async for k in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
