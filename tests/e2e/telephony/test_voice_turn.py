"""``POST /v1/voice/turn`` over real HTTP: uvicorn serving ``create_app`` on a free port in a thread.

The exact-format tests use ``EchoRecognizer`` (it "hears" text encoded in the samples, so a wrong byte
order or a lost sample shows up as a wrong transcript) with the real dialog engine; the
``@pytest.mark.models`` tests send real Polish speech through real Whisper and Piper.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import httpx
import numpy as np
import pytest
import soundfile as sf

from dialog import catalogue
from telephony.app.factory import create_app
from telephony.app.services import Services
from telephony.settings import Settings
from tests.support.needs import eval_file
from tests.support.servers import serve_in_thread
from tests.support.speaker import EVAL_WAV, real_engine, services_with
from tests.support.speech import EchoRecognizer, ToneSynthesizer, text_to_pcm
from voice.ports import PCM, Transcript
from voice.resample import resample

OUTCOME_KEYS = {"session_id", "action", "reply", "kb_id", "order_id", "expects", "transfer", "handoff"}  # /v1/chat's


def wav_bytes(pcm: PCM, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.asarray(pcm, dtype=np.int16), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def serve(services: Services) -> Iterator[str]:
    """Run the gateway app with injected services on a free port; yield its base URL."""
    app = create_app(Settings.model_validate({}), services=services)
    with serve_in_thread(app, lifespan="auto") as base:
        yield base


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    engine, store = real_engine()
    yield from serve(services_with(engine, store, EchoRecognizer(), ToneSynthesizer()))


@pytest.fixture(scope="module")
def real_url(recognizer: Any, synthesizer: Any) -> Iterator[str]:
    engine, store = real_engine()
    yield from serve(services_with(engine, store, recognizer, synthesizer))


class BeamRecognizer(EchoRecognizer):
    """Hears the text in the samples; for a text it was told about, the beam holds a second wording too."""

    def __init__(self, beams: dict[str, str]) -> None:
        super().__init__()
        self.beams = beams

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        heard = await super().transcribe(pcm, rate, hotwords)
        other = self.beams.get(heard.text)
        return replace(heard, alternatives=((heard.text, -0.2), (other, -0.4))) if other else heard


@pytest.fixture(scope="module")
def beam_url() -> Iterator[str]:
    engine, store = real_engine()
    yield from serve(
        services_with(engine, store, BeamRecognizer({"Czteryś oś dwa jedentsy": "4 8 2 1 3"}), ToneSynthesizer())
    )


def post(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{url}/v1/voice/turn", timeout=120, **kwargs)


def reply_audio(body: dict[str, Any]) -> tuple[PCM, int]:
    samples, rate = sf.read(io.BytesIO(base64.b64decode(body["audio_wav_base64"])), dtype="int16")
    return samples, rate


def test_a_device_asking_for_a_person_is_not_promised_one(fake_url: str) -> None:
    """A device has no line to an agent: the engine decides a transfer, the device is told to call the
    hotline (an emergency first hears 112, an angry caller the apology the phone and the chat give), and the
    history keeps that sentence, not "łączę"."""
    asked = post(fake_url, files={"file": ("q.wav", wav_bytes(text_to_pcm("Chcę rozmawiać z konsultantem"), 16000))})
    outcome = asked.json()["outcome"]
    assert outcome["action"] == "transfer" and outcome["transfer"]["reason"] == "requested_human"
    assert outcome["reply"] == catalogue.HANDOFF_NOT_HERE
    assert outcome["handoff"] == {"status": "unavailable", "reason": "channel", "transfer_id": None, "position": None}
    gas = post(fake_url, files={"file": ("q.wav", wav_bytes(text_to_pcm("Czuję gaz w kuchni, syczy"), 16000))})
    assert gas.json()["outcome"]["reply"] == f"{catalogue.EMERGENCY_ADVICE} {catalogue.HANDOFF_NOT_HERE}"
    angry = text_to_pcm("Jesteście złodziejami, znowu zawyżona faktura!")
    told = post(fake_url, files={"file": ("q.wav", wav_bytes(angry, 16000))}).json()["outcome"]
    assert told["transfer"]["reason"] == "urgent"  # first to a person, for anger alone: no 112
    assert told["reply"] == f"{catalogue.ANGRY_APOLOGY} {catalogue.HANDOFF_NOT_HERE}"


def test_multipart_wav_then_raw_wav_continue_the_same_session(fake_url: str) -> None:
    question = wav_bytes(text_to_pcm("Gdzie jest moje zamówienie?"), 16000)
    first = post(fake_url, files={"file": ("q.wav", question, "audio/wav")})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["transcript"] == "Gdzie jest moje zamówienie?" and body["confidence"] == 1.0
    assert set(body["outcome"]) == OUTCOME_KEYS and body["outcome"]["reply"] == catalogue.ASK_ORDER_NUMBER
    samples, rate = reply_audio(body)
    assert rate == body["audio_rate"] == 22050 and len(samples) > rate // 2
    session = body["outcome"]["session_id"]
    second = post(
        fake_url,
        content=wav_bytes(text_to_pcm("48213"), 16000),
        headers={"Content-Type": "audio/wav"},
        params={"session_id": session, "reply_rate": 16000},
    ).json()
    assert second["outcome"]["session_id"] == session and second["outcome"]["order_id"] == "48213"
    assert second["audio_rate"] == 16000 and reply_audio(second)[1] == 16000
    form_session = post(
        fake_url,
        files={"file": ("a.wav", wav_bytes(text_to_pcm("48214"), 16000))},
        data={"session_id": session},
    )
    assert form_session.json()["outcome"]["session_id"] == session


def test_the_dialog_takes_the_asked_for_number_from_the_second_wording_and_says_so(beam_url: str) -> None:
    """The device API hands the recognizer's n-best to the dialog; ``transcript`` and ``confidence`` are
    those of the wording the dialog went ahead with."""
    wav = {"Content-Type": "audio/wav"}
    asked = post(beam_url, content=wav_bytes(text_to_pcm("Gdzie jest moje zamówienie?"), 16000), headers=wav).json()
    assert asked["outcome"]["reply"] == catalogue.ASK_ORDER_NUMBER
    params = {"session_id": asked["outcome"]["session_id"]}
    number = wav_bytes(text_to_pcm("Czteryś oś dwa jedentsy"), 16000)
    said = post(beam_url, content=number, headers=wav, params=params).json()
    assert said["outcome"]["order_id"] == "48213"
    assert said["transcript"] == "4 8 2 1 3" and said["confidence"] == pytest.approx(math.exp(-0.4))


def test_raw_pcm_byte_orders(fake_url: str) -> None:
    pcm = text_to_pcm("Chcę zwrócić towar")
    l16 = post(fake_url, content=pcm.astype(">i2").tobytes(), headers={"Content-Type": "audio/L16; rate=16000"})
    raw = post(
        fake_url,
        content=pcm.astype("<i2").tobytes(),
        headers={"Content-Type": "application/octet-stream"},
        params={"rate": 16000},
    )
    assert l16.status_code == raw.status_code == 200
    assert l16.json()["transcript"] == raw.json()["transcript"] == "Chcę zwrócić towar"


def test_accept_audio_wav_returns_the_reply_as_wav_with_headers(fake_url: str) -> None:
    resp = post(
        fake_url,
        content=wav_bytes(text_to_pcm("Gdzie jest moje zamówienie?"), 16000),
        headers={"Content-Type": "audio/wav", "Accept": "audio/wav"},
    )
    assert resp.status_code == 200 and resp.headers["content-type"] == "audio/wav"
    assert unquote(resp.headers["x-infolinia-transcript"]) == "Gdzie jest moje zamówienie?"
    assert unquote(resp.headers["x-infolinia-reply"]) == catalogue.ASK_ORDER_NUMBER
    assert resp.headers["x-infolinia-action"] == "clarify" and len(resp.headers["x-infolinia-session-id"]) >= 16
    samples, rate = sf.read(io.BytesIO(resp.content), dtype="int16")
    assert rate == 22050 and len(samples) > rate // 2


def test_silence_asks_to_repeat(fake_url: str) -> None:
    body = post(fake_url, content=wav_bytes(np.zeros(8000, np.int16), 16000), headers={"Content-Type": "audio/wav"})
    assert body.json()["transcript"] == "" and body.json()["outcome"]["reply"] == catalogue.NOT_HEARD


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        (
            {"content": b"x" * (2 * 1024 * 1024 + 1), "headers": {"Content-Type": "audio/wav"}},
            413,
            "larger than",
        ),
        (
            {"content": iter([b"\0" * 65536] * 40), "headers": {"Content-Type": "audio/wav"}},
            413,
            "larger than",
        ),
        (
            {
                "content": wav_bytes(np.zeros(31 * 8000, np.int16), 8000),
                "headers": {"Content-Type": "audio/wav"},
            },
            413,
            "limit is 30 s",
        ),
        (
            {"content": b"RIFF but not really", "headers": {"Content-Type": "audio/wav"}},
            422,
            "not a readable WAV",
        ),
        ({"content": b"", "headers": {"Content-Type": "audio/wav"}}, 422, "empty"),
        (
            {"content": wav_bytes(np.ones(4000, np.int16), 4000), "headers": {"Content-Type": "audio/wav"}},
            422,
            "4000 Hz",
        ),
        (
            {"content": wav_bytes(np.zeros(0, np.int16), 16000), "headers": {"Content-Type": "audio/wav"}},
            422,
            "no samples",
        ),
        ({"content": b"\0" * 100, "headers": {"Content-Type": "application/octet-stream"}}, 422, "?rate="),
        ({"content": b"\0" * 101, "headers": {"Content-Type": "audio/L16;rate=16000"}}, 422, "multiple of 2"),
        ({"content": b"\0" * 100, "headers": {"Content-Type": "audio/L16"}}, 422, "rate must be an integer"),
        ({"content": b"hello", "headers": {"Content-Type": "text/plain"}}, 415, "multipart/form-data"),
        ({"files": {"other": ("a.txt", b"x")}}, 422, "'file' part"),
    ],
)
def test_limits_and_bad_input(fake_url: str, kwargs: dict[str, Any], status: int, message: str) -> None:
    resp = post(fake_url, **kwargs)
    assert resp.status_code == status, resp.text
    assert message in resp.json()["detail"]


@pytest.mark.models
def test_real_polish_speech_turn(real_url: str) -> None:
    eval_file(EVAL_WAV)
    samples, rate = sf.read(str(EVAL_WAV), dtype="int16")
    louder = resample(samples, rate, 44100)
    stereo = np.column_stack([louder, louder // 2])  # a 44.1 kHz stereo recording, as a phone app sends
    body = post(real_url, files={"file": ("q.wav", wav_bytes(stereo, 44100), "audio/wav")})
    assert body.status_code == 200, body.text
    result = body.json()
    words = set(re.findall(r"\w+", result["transcript"].lower()))
    assert {"miesiąc", "szybko"} <= words and 0.3 < result["confidence"] <= 1.0
    assert set(result["outcome"]) == OUTCOME_KEYS and result["outcome"]["reply"]
    audio, out_rate = reply_audio(result)
    assert out_rate == result["audio_rate"] and len(audio) / out_rate > 0.5 and np.abs(audio).max() > 1000


@pytest.mark.models
async def test_bench_voice_turn(real_url: str) -> None:
    from telephony.devtools.wyoming_bench import bench_voice_turn

    eval_file(EVAL_WAV)
    result = await bench_voice_turn(real_url, EVAL_WAV.read_bytes(), runs=1)
    assert "szybko" in result["transcript"].lower()
    assert result["ms"]["total"]["median"] >= result["ms"]["server_asr"]["median"] > 0
