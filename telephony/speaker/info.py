"""The ``info`` answer to ``describe``: what Home Assistant turns into entities.

Why each field matters to HA: a program with an installed model/voice becomes an entity (handle ->
conversation agent, asr -> STT, tts -> TTS); the ``languages`` of installed models decide which Assist
pipeline languages may use them; the ``supports_*`` flags switch HA to the streaming variants.
"""

from __future__ import annotations

from typing import Any

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
)

LANGUAGES = ["pl"]
HANDLE_PROGRAM, ASR_PROGRAM, TTS_PROGRAM = "infolinia", "infolinia-stt", "infolinia-tts"
PROGRAM_NAMES = frozenset({HANDLE_PROGRAM, ASR_PROGRAM, TTS_PROGRAM})
VERSION = "0.1.0"

_INFOLINIA = Attribution(name="infolinia", url="")
_WHISPER = Attribution(name="OpenAI Whisper / faster-whisper", url="https://github.com/SYSTRAN/faster-whisper")
_PIPER = Attribution(name="Piper", url="https://github.com/OHF-Voice/piper1-gpl")


def _model(name: str, attribution: Attribution, description: str, version: str | None = None) -> dict[str, Any]:
    """What every model and voice we advertise shares: installed, Polish (HA offers it for ``pl``)."""
    return {
        "name": name,
        "attribution": attribution,
        "installed": True,
        "description": description,
        "version": version,
        "languages": LANGUAGES,
    }


def _program(name: str, description: str) -> dict[str, Any]:
    """What every program of ours shares: installed, our attribution and version."""
    return {"name": name, "attribution": _INFOLINIA, "installed": True, "description": description, "version": VERSION}


def _handle_program() -> HandleProgram:
    about = "Polish customer-support dialog (shop knowledge base, order status, callbacks)"
    return HandleProgram(
        **_program(HANDLE_PROGRAM, "infolinia customer support (conversation agent)"),
        models=[HandleModel(**_model("infolinia-dialog", _INFOLINIA, about, VERSION))],
        supports_handled_streaming=False,
        supports_home_control=False,
    )


def _asr_program(model_name: str) -> AsrProgram:
    return AsrProgram(
        **_program(ASR_PROGRAM, "infolinia Polish speech recognition"),
        models=[AsrModel(**_model(model_name, _WHISPER, f"Whisper {model_name} (Polish)"))],
        supports_transcript_streaming=True,  # chunks are Whisper segments, sent when recognition ends
        requires_external_vad=True,  # HA (or the satellite) decides when the utterance ends
    )


def _tts_program(voice_name: str, fallback: bool) -> TtsProgram:
    about = "offline fallback: Polish words, English timbre" if fallback else "Polish"
    return TtsProgram(
        **_program(TTS_PROGRAM, "infolinia Polish speech synthesis"),
        voices=[TtsVoice(**_model(voice_name, _PIPER, f"Piper {voice_name} ({about})"))],
        supports_synthesize_streaming=True,
    )


def build_info(asr_model: str | None, voice: str | None, handle: bool = True, voice_fallback: bool = False) -> Info:
    """Info advertising the handle program (unless recognition only), and asr/tts when their models are loaded;
    the offline fallback voice says so in its description (HA shows it when the voice is picked)."""
    return Info(
        handle=[_handle_program()] if handle else [],
        asr=[_asr_program(asr_model)] if asr_model else [],
        tts=[_tts_program(voice, voice_fallback)] if voice else [],
    )
