"""The ``info`` answer to ``describe``: what Home Assistant turns into entities.

Why each field matters to HA: a program with an installed model/voice becomes an entity (handle ->
conversation agent, asr -> STT, tts -> TTS); the ``languages`` of installed models decide which Assist
pipeline languages may use them; the ``supports_*`` flags switch HA to the streaming variants.
"""

from __future__ import annotations

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


def _handle_program() -> HandleProgram:
    model = HandleModel(
        name="infolinia-dialog",
        attribution=_INFOLINIA,
        installed=True,
        description="Polish customer-support dialog (shop knowledge base, order status, callbacks)",
        version=VERSION,
        languages=LANGUAGES,
    )
    return HandleProgram(
        name=HANDLE_PROGRAM,
        attribution=_INFOLINIA,
        installed=True,
        description="infolinia customer support (conversation agent)",
        version=VERSION,
        models=[model],
        supports_handled_streaming=False,
        supports_home_control=False,
    )


def _asr_program(model_name: str) -> AsrProgram:
    model = AsrModel(
        name=model_name,
        attribution=_WHISPER,
        installed=True,
        description=f"Whisper {model_name} (Polish)",
        version=None,
        languages=LANGUAGES,
    )
    return AsrProgram(
        name=ASR_PROGRAM,
        attribution=_INFOLINIA,
        installed=True,
        description="infolinia Polish speech recognition",
        version=VERSION,
        models=[model],
        supports_transcript_streaming=True,  # chunks are Whisper segments, sent when recognition ends
        requires_external_vad=True,  # HA (or the satellite) decides when the utterance ends
    )


def _tts_program(voice_name: str) -> TtsProgram:
    voice = TtsVoice(
        name=voice_name,
        attribution=_PIPER,
        installed=True,
        description=f"Piper {voice_name} (Polish)",
        version=None,
        languages=LANGUAGES,
    )
    return TtsProgram(
        name=TTS_PROGRAM,
        attribution=_INFOLINIA,
        installed=True,
        description="infolinia Polish speech synthesis",
        version=VERSION,
        voices=[voice],
        supports_synthesize_streaming=True,
    )


def build_info(asr_model: str | None, voice: str | None, handle: bool = True) -> Info:
    """Info advertising the handle program (unless recognition only), and asr/tts when their models are loaded."""
    return Info(
        handle=[_handle_program()] if handle else [],
        asr=[_asr_program(asr_model)] if asr_model else [],
        tts=[_tts_program(voice)] if voice else [],
    )
