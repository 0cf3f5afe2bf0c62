"""Recognition as its own tier: the gateway's ``RemoteRecognizer`` against real ``infolinia wyoming``
processes running the real Whisper base model, fed a real Polish recording at the phone's 8 kHz.

A phone call through the gateway's call pipeline, its turns recognised by the tier, gets its KB answer.
One machine killed mid-shift: its turns go to the other; every machine down: the turn is recognised
locally; a machine that accepts but never answers costs one deadline, then the next one answers.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from wyoming.asr import Transcript as WyomingTranscript

from dialog.engine_text import fold
from dialog.store import MemoryStore
from telephony.app.phone import turn_config
from telephony.call.deps import record_key
from telephony.devtools.simulator_run import run_simulation
from telephony.settings import Settings
from tests.support.gateway import PUBLIC, TOKEN, deps_for, gateway
from tests.support.needs import eval_file
from tests.support.recognizers import kill, recognizer_tier
from tests.support.servers import Server, free_port
from tests.support.speaker import EVAL_WAV
from voice.asr import WhisperRecognizer
from voice.asr_remote import RemoteAsrError, RemoteRecognizer
from voice.ports import PCM
from voice.wavio import read_audio

pytestmark = pytest.mark.models
EXPECTED = {"miesiac", "szybko"}  # "Ten miesiąc minął bardzo szybko."


@pytest.fixture
def tier(models_dir: Path, tmp_path: Path) -> Iterator[list[tuple[str, Server]]]:
    """Two recognizer machines (this test kills them)."""
    with recognizer_tier(models_dir, tmp_path, 2) as servers:
        yield servers


@pytest.fixture(scope="module")
def turn() -> tuple[PCM, int]:
    return read_audio(eval_file(EVAL_WAV), 8000)  # a caller's turn as the phone line delivers it


def heard(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


async def test_turns_rotate_a_killed_server_is_skipped_and_all_down_falls_back_to_local(
    tier: list[tuple[str, Server]], turn: tuple[PCM, int], recognizer: WhisperRecognizer
) -> None:
    (uri_a, server_a), (uri_b, server_b) = tier
    remote = RemoteRecognizer([uri_a, uri_b], fallback=recognizer, timeout_s=120.0, clock=lambda: 0.0)
    pcm, rate = turn

    first, second = [await remote.transcribe(pcm, rate, ["ogród"]) for _ in range(2)]
    assert heard(first.text) >= EXPECTED and heard(second.text) >= EXPECTED
    assert remote.served == {uri_a: 1, uri_b: 1}  # the load is spread over the tier
    # the server's details came along: a real confidence, its n-best, its segments
    assert 0.0 < first.confidence <= 1.0 and first.alternatives and first.segments
    assert first.audio_s == pytest.approx(len(pcm) / rate)

    kill(server_a)
    after_kill = [await remote.transcribe(pcm, rate) for _ in range(3)]
    assert all(heard(t.text) >= EXPECTED for t in after_kill)
    assert remote.served == {uri_a: 1, uri_b: 4}  # every turn answered by the survivor
    assert remote.pool.down(0.0) == [uri_a]  # skipped until its cooldown ends (the clock stands still here)

    kill(server_b)
    local = await remote.transcribe(pcm, rate)
    assert heard(local.text) >= EXPECTED
    assert remote.served["local"] == 1


async def test_without_a_local_fallback_all_down_is_an_error_the_call_handles(turn: tuple[PCM, int]) -> None:
    dead = [f"tcp://127.0.0.1:{free_port()}" for _ in range(2)]  # nothing listens there
    remote = RemoteRecognizer(dead, fallback=None, timeout_s=5.0)
    failures: list[str] = []
    remote.failure_observer = failures.append
    with pytest.raises(RemoteAsrError, match="every remote recognizer failed"):
        await remote.transcribe(*turn)
    assert failures == ["asr_remote", "asr_remote", "asr_remote_all"]


async def test_a_server_that_never_answers_costs_one_deadline_then_the_turn_is_still_answered(
    turn: tuple[PCM, int], recognizer: WhisperRecognizer
) -> None:
    """A hung machine (accepts, reads, never answers): the deadline moves the turn on (here to the local
    recognizer) and the machine is skipped by the next turns."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            pass
        writer.close()

    hung = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = hung.sockets[0].getsockname()[1]
    try:
        remote = RemoteRecognizer([f"tcp://127.0.0.1:{port}"], fallback=recognizer, timeout_s=1.0, clock=lambda: 0.0)
        result = await remote.transcribe(*turn)
    finally:
        hung.close()
        await hung.wait_closed()
    assert heard(result.text) >= EXPECTED
    assert remote.served == {"local": 1}
    assert remote.pool.down(0.0) == [f"tcp://127.0.0.1:{port}"]


@pytest.fixture
def speech(synthesizer: Any) -> tuple[Any, Any]:
    from voice.vad import SileroModel

    return synthesizer, SileroModel()


async def test_a_phone_call_is_answered_with_its_turns_recognised_by_the_tier(
    models_dir: Path, tmp_path: Path, speech: tuple[Any, Any]
) -> None:
    """The simulated-call test of test_simulator.py, with the recognizer on another machine (no fall-back:
    a turn that the tier did not recognise would fail the call)."""
    from dialog.factory import build_engine
    from tests.e2e.telephony.test_simulator import BANK_KB, CALLER_WAV, EXPECTED, ShortGreeting

    eval_file(CALLER_WAV)
    synthesizer, silero = speech
    store = MemoryStore()
    kb = tmp_path / "bank.yaml"
    kb.write_text(BANK_KB, encoding="utf-8")
    dialog = ShortGreeting(build_engine(kb_path=kb, store=store))
    with recognizer_tier(models_dir, tmp_path, 1) as [(uri, _)]:
        remote = RemoteRecognizer([uri], fallback=None, timeout_s=120.0)
        deps = deps_for(
            dialog, store, remote, synthesizer, lambda: silero.detector(8000), turn_config=turn_config(Settings())
        )
        await deps.prewarm(["Dzień dobry, w czym mogę pomóc?"])
        async with gateway(deps, store) as base:
            result = await run_simulation([str(CALLER_WAV)], base, public_url=PUBLIC, auth_token=TOKEN)
    record = await store.get(record_key(result.call_sid))
    assert record is not None
    assert remote.served.get(uri, 0) >= len(record["turns"]) >= 1 and "local" not in remote.served
    answer = " ".join(e["text"] for e in record["transcript"] if e["role"] == "bot" and e["turn"] >= 1)
    assert EXPECTED in answer


async def test_the_gateway_builds_the_tier_client_with_or_without_its_own_whisper(models_dir: Path) -> None:
    """The composition root: ``INFOLINIA_ASR_REMOTE`` set -> the remote client, Whisper loaded here only as
    its fall-back; the metrics observe the tier's failures and the fall-back's queue."""
    from prometheus_client import generate_latest

    from telephony.app.services import build_gateway_speech
    from telephony.metrics import Metrics

    base = {"models_dir": str(models_dir), "asr_remote": "tcp://127.0.0.1:1", "asr_remote_timeout_s": 1.0}
    with_local, _ = await build_gateway_speech(Settings.model_validate(base))
    assert isinstance(with_local, RemoteRecognizer) and isinstance(with_local.fallback, WhisperRecognizer)
    metrics = Metrics()
    metrics.watch_speech(with_local, None)
    assert with_local.fallback.queue_observer is not None
    silence = np.zeros(8000, dtype=np.int16)
    await with_local.transcribe(silence, 8000)  # port 1 refuses: two attempts, then the local Whisper
    exposition = generate_latest(metrics.registry).decode()
    assert 'infolinia_errors_total{kind="asr_remote"} 2.0' in exposition
    assert 'infolinia_errors_total{kind="asr_remote_all"} 1.0' in exposition

    remote_only, synthesizer = await build_gateway_speech(
        Settings.model_validate({**base, "asr_remote_fallback": False})
    )
    assert isinstance(remote_only, RemoteRecognizer) and remote_only.fallback is None
    assert len(await synthesizer.synthesize("Dzień dobry.", 8000)) > 0  # the voice stays here, loaded
    with pytest.raises(RemoteAsrError):
        await remote_only.transcribe(silence, 8000)


async def test_a_gateway_s_vocabulary_replaces_the_recognizer_s_own() -> None:
    """The tier serves gateways of any shop: a gateway's turn is biased with its words alone, exactly as its
    local Whisper would be; a Home Assistant request still gets the server's vocabulary first."""
    from wyoming.asr import Transcribe
    from wyoming.audio import AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient

    from telephony.speaker.server import start_wyoming
    from tests.support.speaker import real_engine, services_with
    from tests.support.speech import EchoRecognizer, text_to_pcm

    echo = EchoRecognizer()
    dialog, store = real_engine()
    port = free_port()
    server = await start_wyoming(f"tcp://127.0.0.1:{port}", services_with(dialog, store, asr=echo))
    try:
        heard = await RemoteRecognizer([f"tcp://127.0.0.1:{port}"]).transcribe(text_to_pcm("tak"), 8000, ["Kowalski"])
        async with AsyncTcpClient("127.0.0.1", port) as ha:
            await ha.write_event(Transcribe(language="pl", transcript_names=["Salon"]).event())
            await ha.write_event(AudioStart(rate=8000, width=2, channels=1).event())
            await ha.write_event(AudioStop().event())
            while (event := await ha.read_event()) is not None and event.type != "transcript":
                pass
    finally:
        await server.stop()
    assert heard.text == "tak"
    assert echo.calls[0][2] == ("Kowalski",)
    assert echo.calls[1][2][-1] == "Salon" and len(echo.calls[1][2]) > 1  # the shop's vocabulary, then HA's name


async def test_infolinia_check_asks_each_recognizer_to_describe_itself() -> None:
    from telephony.app.check import check_asr_remote
    from telephony.speaker.server import start_wyoming
    from tests.support.speaker import real_engine, services_with
    from tests.support.speech import EchoRecognizer

    dialog, store = real_engine()
    port, dead = free_port(), free_port()
    server = await start_wyoming(f"tcp://127.0.0.1:{port}", services_with(dialog, store, asr=EchoRecognizer()))
    try:
        uris = f"tcp://127.0.0.1:{port},tcp://127.0.0.1:{dead}"
        with_fallback = await check_asr_remote(Settings.model_validate({"asr_remote": uris}))
        without = await check_asr_remote(Settings.model_validate({"asr_remote": uris, "asr_remote_fallback": False}))
    finally:
        await server.stop()
    assert (with_fallback[0].level, with_fallback[0].detail) == ("ok", f"tcp://127.0.0.1:{port}: base (pl)")
    assert with_fallback[1].level == "warn" and "ConnectionRefusedError" in with_fallback[1].detail
    assert without[1].level == "fail"
    assert await check_asr_remote(Settings.model_validate({})) == []


async def test_a_recognition_only_server_offers_asr_alone_and_refuses_the_rest_clearly() -> None:
    """``infolinia wyoming --asr-only``: no conversation agent, no voice, each refused with an error event."""
    from wyoming.client import AsyncTcpClient
    from wyoming.info import Describe, Info
    from wyoming.server import AsyncServer
    from wyoming.tts import Synthesize

    from telephony.speaker.server import recognizer_gateway
    from tests.support.speech import EchoRecognizer, text_to_pcm

    port = free_port()
    server = AsyncServer.from_uri(f"tcp://127.0.0.1:{port}")
    await server.start(recognizer_gateway(EchoRecognizer(), "base").handler)
    try:
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Describe().event())
            info = Info.from_event(await _next(client, "info"))
            await client.write_event(WyomingTranscript(text="Ile kosztuje dostawa?").event())  # a handle request
            refused_handle = (await _next(client, "error")).data
            await client.write_event(Synthesize(text="Dzień dobry.").event())
            refused_tts = (await _next(client, "error")).data
        heard = await RemoteRecognizer([f"tcp://127.0.0.1:{port}"]).transcribe(text_to_pcm("tak"), 8000)
    finally:
        await server.stop()
    assert (len(info.handle), len(info.asr), len(info.tts)) == (0, 1, 0)
    assert refused_handle["code"] == "handle-unavailable" and refused_tts["code"] == "tts-unavailable"
    assert heard.text == "tak"


async def _next(client: Any, kind: str) -> Any:
    while (event := await client.read_event()) is not None:
        if event.type == kind:
            return event
    raise AssertionError(f"the server closed the connection before {kind!r}")
