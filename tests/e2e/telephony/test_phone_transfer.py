"""A whole phone call through the gateway as it is deployed, ending in a warm transfer to an agent.

What is real: ``create_app`` from ``Settings`` (speech on) with its lifespan start-up, Whisper base, the
configured Piper voice and Silero VAD, the dialog engine with its bundled shop, the suite's redis-server,
an agents roster, uvicorn serving HTTP and the media-stream WebSocket, and Twilio's part played on the
wire: the call simulator (signed webhook, signed WebSocket, 20 ms μ-law frames in real time, marks) and
the Twilio REST stand-in (``telephony.devtools.twilio_standin``), which receives the redirect and the
agent's call exactly as api.twilio.com would.

What is not: the words. No recording in the shared Polish eval set asks for a person, and Whisper cannot
understand our offline Piper voice (English timbre), so synthesized speech cannot play the caller.
The caller speaks a real Polish recording (so the real VAD hears a real turn, and real Whisper
transcribes it), and ``ScriptedWords`` at the ASR seam then replaces Whisper's text with what this
caller asks: "Chciałbym porozmawiać z konsultantem." Everything after the transcript is the product.

This is the test that fails if start-up stops handing the call pipeline the warm transfer
(``build_services`` -> ``build_call_deps(..., phone.transfer)``): the call then goes blind to the
fallback number and no agent is rung.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from twilio.request_validator import RequestValidator

from telephony.agents.roster import hash_token
from telephony.app import services as startup
from telephony.app.factory import create_app
from telephony.devtools.simulator_run import format_result, run_simulation
from telephony.devtools.twilio_standin import TwilioStandin
from telephony.settings import Settings
from tests.support.needs import eval_file
from tests.support.paths import EVAL_DIR
from tests.support.servers import free_port, serve_in_thread
from voice.ports import PCM, Recognizer, Transcript

pytestmark = [pytest.mark.models, pytest.mark.redis]

ACCOUNT = "AC" + "7" * 32
TOKEN = "phone-transfer-test-token-0123456789"
AGENT_TOKEN = "anna-token-3c9f1e"
FALLBACK = "+48220000000"
ASKS_FOR_A_PERSON = "Chciałbym porozmawiać z konsultantem."
# Any real Polish sentence carries the turn; its words are replaced at the ASR seam (see above).
CALLER_WAV = EVAL_DIR / "wav8k_ulaw_telephony" / "nemo" / "nemo_EB0_neutral_1.wav"  # "Lubię czytać przed snem."


class ScriptedWords:
    """The ASR seam: real Whisper runs on the caller's audio, then the scripted words are returned."""

    def __init__(self, whisper: Any, words: str) -> None:
        self.whisper, self.words = whisper, words
        self.heard: list[str] = []  # what Whisper really heard, for the log

    async def load(self) -> None:
        await self.whisper.load()

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        real = await self.whisper.transcribe(pcm, rate, hotwords)
        self.heard.append(real.text)
        return dataclasses.replace(real, text=self.words, segments=())


def _roster(path: Path) -> Path:
    anna = {"id": "anna", "name": "Anna", "contact": "client:anna", "queues": ["obsluga"]}
    path.write_text(yaml.safe_dump({"agents": [{**anna, "token_sha256": hash_token(AGENT_TOKEN)}]}), encoding="utf-8")
    return path


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioStandin]:
    standin = TwilioStandin(ACCOUNT, TOKEN)
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture
def scripted_words(monkeypatch: pytest.MonkeyPatch) -> list[ScriptedWords]:
    """Start-up builds (and loads) the real Whisper; the call pipeline gets it behind ``ScriptedWords``."""
    real_build = startup.build_recognizer
    built: list[ScriptedWords] = []  # the call pipeline reaches it through the phone lane (telephony/access)

    def build_recognizer(settings: Settings, model: str) -> Recognizer:
        scripted = ScriptedWords(real_build(settings, model), ASKS_FOR_A_PERSON)
        built.append(scripted)
        return scripted

    monkeypatch.setattr(startup, "build_recognizer", build_recognizer)
    return built


async def _ready(http: httpx.AsyncClient, base: str, attempts: int = 1200) -> None:
    """Poll /readyz until start-up (models, dialog, roster) is done; the bound only stops a hang."""
    for _ in range(attempts):
        response = await http.get(f"{base}/readyz")
        if response.status_code == 200:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"the gateway never became ready: {response.text}")


def _signed(url: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, params)}


async def test_a_caller_asking_for_a_person_is_warm_transferred_to_a_free_agent(
    redis_url: str,
    models_dir: Path,
    whisper_base: str,
    twilio: TwilioStandin,
    tmp_path: Path,
    scripted_words: list[ScriptedWords],
) -> None:
    caller_wav = eval_file(CALLER_WAV)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    prefix = f"call-{uuid.uuid4().hex[:8]}:"
    settings = Settings(
        redis_url=redis_url,
        redis_prefix=prefix,
        public_url=base,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_api_base=twilio.url,
        fallback_number=FALLBACK,
        agents_path=_roster(tmp_path / "agents.yaml"),
        business_hours="pn-nd 0:00-24:00, święta 0:00-24:00",  # open whenever the suite runs
        models_dir=models_dir,
        tts_cache_dir=tmp_path / "tts-cache",
        tts_prerender=False,
        log_json=False,
    )
    app = create_app(settings)
    agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}
    try:
        with serve_in_thread(app, lifespan="on", port=port):
            async with httpx.AsyncClient(timeout=30) as http:
                await _ready(http, base)
                went = await http.put(f"{base}/v1/agents/anna/status", json={"status": "available"}, headers=agent)
                assert went.status_code == 200, went.text

                result = await run_simulation(
                    [str(caller_wav)], base, public_url=base, auth_token=TOKEN, account_sid=ACCOUNT, rest=twilio
                )
                print(format_result(result))
                print(f"Whisper heard {scripted_words[0].heard!r}; the caller's words: {ASKS_FOR_A_PERSON!r}")

                # Twilio was asked to move the caller into the transfer's conference (not a blind <Dial>).
                assert result.ended_by == "transferred" and result.action is not None
                assert result.action.call_sid == result.call_sid and result.action.number == ""
                redirect = next(r for r in twilio.history if r.kind == "update" and r.call_sid == result.call_sid)
                room = ET.fromstring(redirect.get("Twiml")).find("Dial/Conference")
                assert room is not None and room.text and room.text.startswith("room-")
                tid = room.text.removeprefix("room-")

                # ...and to ring the free agent, with the leg's TwiML on our transfer routes.
                leg = await twilio.next("create", timeout_s=30)
                assert leg.get("To") == "client:anna" and leg.get("Url") == f"{base}/twilio/transfer/{tid}/agent/anna"
                record = (await http.get(f"{base}/v1/transfers/{tid}", headers=agent)).json()
                assert record["status"] == "ringing" and record["agent_id"] == "anna"
                assert (record["queue"], record["reason"]) == ("obsluga", "requested_human")
                said = [e["text"] for e in record["transcript"] if e.get("role") == "caller"]
                assert said == [ASKS_FOR_A_PERSON]

                # The agent answers, hears the briefing in our voice and presses 1: bridged into the room.
                params = {"CallSid": leg.call_sid, "CallStatus": "in-progress"}
                page = await http.post(leg.get("Url"), data=params, headers=_signed(leg.get("Url"), params))
                gather = ET.fromstring(page.text).find("Gather")
                assert gather is not None, page.text
                play, say = gather.find("Play"), gather.find("Say")
                if play is not None:  # our voice had the briefing ready in time
                    briefing = await http.get(play.text or "")
                    assert briefing.status_code == 200 and briefing.headers["content-type"] == "audio/wav"
                else:  # synthesis slower than its deadline (a busy machine): Twilio's Polish <Say> reads it
                    assert say is not None and say.get("language") == "pl-PL", page.text
                    assert "konsultantem" in (say.text or "")
                press = {"CallSid": leg.call_sid, "Digits": "1"}
                action = gather.get("action", "")
                joined = ET.fromstring((await http.post(action, data=press, headers=_signed(action, press))).text)
                assert joined.findtext("Dial/Conference") == f"room-{tid}"
                record = (await http.get(f"{base}/v1/transfers/{tid}", headers=agent)).json()
                assert record["status"] == "connected"
                assert not [r for r in twilio.history if re.search(r"<Dial>\s*\+", r.get("Twiml"))]  # no blind dial
    finally:
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url, decode_responses=True)
        keys = [k async for k in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
