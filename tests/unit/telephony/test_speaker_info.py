"""What Home Assistant is told about our voice: the real voice's name (found by a walkthrough: the speaker
server wraps the voice in the pre-render cache, and ``describe`` then advertised a voice called "piper"),
and, for the offline fallback voice, that it is one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from telephony.settings import Settings
from telephony.speaker.server import gateway_from_services
from tests.support.speech import ToneSynthesizer
from voice.models import VoiceSpec
from voice.tts_cache import PrerenderedSynthesizer


def speaker_services(synthesizer: Any) -> Any:
    """The few things ``gateway_from_services`` reads, without loading a dialog engine."""
    return SimpleNamespace(
        settings=Settings(whisper_model="base"),
        store=None,
        dialog=SimpleNamespace(vocabulary=lambda: []),
        recognizer=None,
        synthesizer=synthesizer,
        callbacks=None,
    )


def voice_of(spec: VoiceSpec) -> Any:
    inner = ToneSynthesizer()
    inner.spec = spec  # type: ignore[attr-defined]  # what PiperSynthesizer carries
    return PrerenderedSynthesizer(inner, inner.native_rate)  # as telephony/app/speaker.py builds it


def test_the_advertised_voice_is_the_loaded_voice_behind_the_cache() -> None:
    spec = VoiceSpec(onnx=Path("v.onnx"), config=Path("v.onnx.json"), name="pl_PL-darkman-medium")
    info = gateway_from_services(speaker_services(voice_of(spec))).info
    (voice,) = info.tts[0].voices
    assert voice.name == "pl_PL-darkman-medium" and voice.languages == ["pl"]
    assert voice.description == "Piper pl_PL-darkman-medium (Polish)"


def test_the_fallback_voice_is_advertised_as_such() -> None:
    spec = VoiceSpec(Path("v.onnx"), Path("v.onnx.json"), "en_US-joe-medium", espeak_voice="pl", is_fallback=True)
    (voice,) = gateway_from_services(speaker_services(voice_of(spec))).info.tts[0].voices
    assert voice.name == "en_US-joe-medium"
    assert voice.description == "Piper en_US-joe-medium (offline fallback: Polish words, English timbre)"
