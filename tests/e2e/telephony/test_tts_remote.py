"""Synthesis as its own tier: the gateway's ``RemoteSynthesizer`` against a real ``infolinia wyoming``
process speaking Polish with the offline voice; killed, the gateway's own voice speaks instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import generate_latest

from telephony.app.check import check_tts_remote
from telephony.app.services import build_gateway_speech
from telephony.metrics import Metrics
from telephony.settings import Settings
from tests.support.recognizers import kill, recognizer_tier
from tests.support.servers import Server, free_port
from voice.asr import WhisperRecognizer
from voice.ports import PCM
from voice.tts import PiperSynthesizer
from voice.tts_remote import RemoteSynthesizer

pytestmark = pytest.mark.models
TEXT = "Dzień dobry. Pani zamówienie numer czterdzieści dwa zostało wysłane wczoraj."


@pytest.fixture
def tier(models_dir: Path, tmp_path: Path) -> Iterator[tuple[str, Server]]:
    """One synthesis machine (the full ``infolinia wyoming``; this test kills it)."""
    with recognizer_tier(models_dir, tmp_path, 1, asr_only=False) as servers:
        yield servers[0]


def rms(pcm: PCM) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))


async def test_the_tier_speaks_polish_at_the_requested_rate_and_a_killed_one_falls_back_to_local(
    tier: tuple[str, Server], synthesizer: PiperSynthesizer
) -> None:
    uri, server = tier
    remote = RemoteSynthesizer([uri], fallback=synthesizer, timeout_s=60.0, clock=lambda: 0.0)
    local_8k = await synthesizer.synthesize(TEXT, 8000)  # the same voice, here: the reference length

    remote_8k = await remote.synthesize(TEXT, 8000)
    streamed = [chunk async for chunk in remote.stream(TEXT, 16000)]
    assert remote.served == {uri: 2}
    # the server speaks at its voice's rate; what comes back is at the rate asked for: the same duration
    # as the local voice's rendering (its noise scales vary the timing a little, not by a quarter)
    assert len(remote_8k) / 8000 == pytest.approx(len(local_8k) / 8000, rel=0.25)
    remote_16k = np.concatenate(streamed)
    assert len(remote_16k) / 16000 == pytest.approx(len(local_8k) / 8000, rel=0.25)
    assert len(streamed) >= 2  # played as it arrives, not after the whole reply
    assert rms(remote_8k) > 500 and rms(remote_16k) > 500  # speech, not silence

    dead = f"tcp://127.0.0.1:{free_port()}"
    checked = await check_tts_remote(Settings.model_validate({"tts_remote": f"{uri},{dead}"}))
    assert [f.level for f in checked] == ["ok", "warn"] and checked[0].detail.startswith(f"{uri}: ")
    assert "ConnectionRefusedError" in checked[1].detail  # infolinia check names the machine that is down

    kill(server)
    after = await remote.synthesize(TEXT, 8000)
    assert remote.served == {uri: 2, "local": 1}
    assert remote.pool.down(0.0) == [uri]
    assert len(after) == len(local_8k) and rms(after) > 500  # the local voice (deterministic) spoke it


async def test_the_gateway_builds_the_tier_client_with_its_own_voice_as_fall_back(models_dir: Path) -> None:
    """The composition root: ``INFOLINIA_TTS_REMOTE`` set -> the remote client, the voice loaded here as its
    fall-back (recognition stays local); the metrics count the tier's failures and watch the voice's queue."""
    settings = {"models_dir": str(models_dir), "tts_remote": "tcp://127.0.0.1:1", "tts_remote_timeout_s": 1.0}
    recognizer, synthesizer = await build_gateway_speech(Settings.model_validate(settings))
    assert isinstance(recognizer, WhisperRecognizer)
    assert isinstance(synthesizer, RemoteSynthesizer) and isinstance(synthesizer.fallback, PiperSynthesizer)
    metrics = Metrics()
    metrics.watch_speech(None, synthesizer)
    assert synthesizer.fallback.queue_observer is not None
    pcm = await synthesizer.synthesize("Dzień dobry.", 8000)  # port 1 refuses: two attempts, then the local voice
    assert rms(pcm) > 500 and synthesizer.served == {"local": 1}
    exposition = generate_latest(metrics.registry).decode()
    assert 'infolinia_errors_total{kind="tts_remote"} 2.0' in exposition
    assert 'infolinia_errors_total{kind="tts_remote_all"} 1.0' in exposition
