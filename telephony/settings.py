"""Gateway settings: built once at start-up from the environment (prefix ``INFOLINIA_``) and injected.

Nothing reads the environment at import time; ``Settings()`` is called by the CLI or the app factory
and passed down. Every field is documented in the README's settings table.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialog.redis_connect import is_sentinel_url, parse_sentinel_url
from telephony.access.keys import ApiKeys, parse_networks
from telephony.access.ratelimit import parse_rule
from voice.remote_pool import parse_uris


def _default_models_dir() -> Path:
    return Path.home() / ".cache" / "infolinia" / "models"


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "infolinia"


class Settings(BaseSettings):
    """All settings of one gateway process. Validated at start-up so a typo fails fast and clearly."""

    model_config = SettingsConfigDict(env_prefix="INFOLINIA_", env_file=None, extra="ignore", env_ignore_empty=True)

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
        description="ctranslate2 threads per model; 1: Whisper's decoder is ~3x faster than on 2 threads on a "
        "2-core machine (a 3 s turn 590 -> 375 ms); 0 = library default.",
    )
    asr_window_s: int = Field(
        8, ge=1, le=30, description="Shortest Whisper encoder input (s); 8 is ~3x faster than 30 on caller turns."
    )
    asr_concurrency: int = Field(
        2,
        ge=1,
        description="Recognitions (or batches) running at once, one thread each: 2 keeps both cores of a 2-core "
        "machine busy under load (docs/benchmarks.md, 'One CTranslate2 thread per recognition').",
    )
    asr_batch: int = Field(
        4, ge=1, le=16, description="Most callers' turns recognised as one batch when they queue up; 1 = no batching."
    )
    tts_concurrency: int = Field(2, ge=1, description="Syntheses running at once.")
    tts_threads: int = Field(
        0,
        ge=0,
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

    # --- state ----------------------------------------------------------------------------------
    redis_url: str | None = Field(None, description="redis://... ; unset = embedded in-process store (one worker).")
    redis_prefix: str = "infolinia:"
    redis_failover_s: float = Field(
        10.0,
        ge=0,
        description="With Sentinel (redis+sentinel://): how long a command waits for the promoted replica "
        "during a failover before the caller degrades (spool, 503). Plain URLs retry for about 0.2 s.",
    )
    redis_wait_replicas: int = Field(
        0,
        ge=0,
        description="Callback and voicemail requests are confirmed only once this many replicas have them "
        "(Redis WAIT); unconfirmed ones stay in the local spool. 1 with Sentinel; 0 = a single Redis.",
    )
    redis_wait_ms: int = Field(500, ge=1, description="How long WAIT waits for the replicas (ms).")
    session_ttl_s: int = Field(
        3600, ge=60, description="Dialog/chat sessions expire this long after their last turn (personal data)."
    )

    # --- personal data retention (README "Personal data"; enforced by TTLs and `infolinia purge`) -------
    retention_transcripts_days: float = Field(7, gt=0, description="Call records with the heard transcript.")
    retention_transfers_days: float = Field(2, gt=0, description="Transfer records (summary, transcript, number).")
    retention_callbacks_days: float = Field(30, gt=0, description="Callback requests, voicemail links included.")
    retention_history_days: float = Field(
        30, gt=0, description="Conversation history (masked transcripts, caller number) and the KB gaps' misses."
    )
    retention_voicemails_days: float = Field(
        30, gt=0, description="Voicemail recordings at Twilio: `infolinia purge` deletes older ones there."
    )
    data_dir: Path = Field(default_factory=_default_data_dir, description="Local state of this host (the spool).")
    spool_path: Path | None = Field(
        None,
        description="Append-only file where callback/voicemail requests and final call statuses wait while "
        "Redis is down (replayed when it returns); unset = <data_dir>/spool.jsonl. Shared by the workers.",
    )
    recovery_interval_s: float = Field(
        5.0, gt=0, description="How often a degraded gateway checks Redis (replays the spool, restores the roster)."
    )

    # --- dialog ---------------------------------------------------------------------------------
    kb_path: Path | None = Field(None, description="Knowledge-base YAML; unset = the bundled demo shop.")
    orders_path: Path | None = Field(
        None, description="Orders JSON file; unset = the bundled demo orders with the demo KB, none with your own KB."
    )
    orders_url: str | None = Field(None, description="Orders HTTP service base URL (takes precedence).")
    orders_timeout_s: float = Field(2.0, gt=0)  # the whole request: the caller waits in silence meanwhile
    prompts_path: Path | None = Field(
        None, description="Prompts YAML: the shop's brand and any caller-facing text replaced (see README)."
    )
    brand_name: str | None = Field(
        None, description="The shop's name in the greeting; unset = the prompts file's or the KB's 'brand:'."
    )

    # --- telephony ------------------------------------------------------------------------------
    public_url: str = Field("http://127.0.0.1:8080", description="Public base URL Twilio calls (signatures).")
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: str = Field("", description="Twilio auth token; empty = webhooks refused (403).")
    twilio_api_base: str = "https://api.twilio.com"
    twilio_timeout_s: float = Field(
        2.5, gt=0, description="Total deadline of one Twilio REST request (a caller is silent while it runs)."
    )
    fallback_number: str = Field("", description="E.164 number a caller is transferred to when anything fails.")
    twilio_number: str = Field("", description="Our Twilio number: caller id of the legs that ring agents.")

    # --- agents and warm transfer (need Redis) --------------------------------------------------
    agents_path: Path | None = Field(None, description="Agents roster YAML; unset = no agents (callbacks only).")
    queues: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Per-queue settings as JSON: {"reklamacje": {"max_wait_s": 120, "hours": "pn-pt 9:00-17:00"}}.',
    )
    business_hours: str = Field(
        "pn-pt 8:00-20:00, sob 9:00-15:00",
        description="Default hours of every queue (public holidays closed).",
    )
    timezone: str = "Europe/Warsaw"
    hold_repeat_s: float = Field(45.0, ge=30, le=60, description="How often the hold announcement repeats.")
    agent_ring_timeout_s: int = Field(20, ge=5, le=120, description="How long an agent's phone rings.")

    # --- capacity, shutdown, observability -----------------------------------------------------
    max_concurrent_calls: int = Field(
        0,
        ge=0,
        description="Calls one worker answers at once; more hear 'all lines busy' and go to the fallback number. "
        "0 = no limit (set it to the measured capacity / workers).",
    )
    drain_grace_s: float = Field(
        60.0, ge=0, description="On SIGTERM: how long calls in progress may go on before going to the fallback number."
    )
    metrics_dir: Path | None = Field(
        None, description="prometheus_client multiprocess directory shared by the workers (set by serve --workers N)."
    )
    log_json: bool = Field(True, description="Logs as one JSON object per line (serve, wyoming); false = plain text.")

    # --- access (README "Security") ---------------------------------------------------------------
    api_keys: str = Field(
        "",
        description="API keys of devices and chat integrations for /v1/chat and /v1/voice/turn: comma-separated "
        "sha256 hex digests of the keys, each optionally named (kiosk=<sha256>); `infolinia apikey` makes one.",
    )
    dev_mode: bool | None = Field(
        None,
        description="Development mode: /v1/chat, /v1/voice/turn and /docs open without a credential. Unset = on "
        "only when no API key is set, the public URL is http:// on a loopback host and the server listens on one.",
    )
    rate_limit_ip: str = Field(
        "120/minute", description="Chat and voice-turn requests without a credential per client IP ('limits' syntax)."
    )
    rate_limit_token: str = Field(
        "600/minute", description="Requests per API key (chat, voice turn) and per agent token (agents API)."
    )
    auth_failures: str = Field(
        "10/5 minutes", description="Failed credentials per client IP (API keys, agent tokens, console login)."
    )
    device_asr_slots: int = Field(
        1, ge=1, description="Device (HTTP) recognitions in the recognizer at once; phone turns always go first."
    )
    device_asr_queue: int = Field(4, ge=0, description="Device turns waiting for their share; more get 503.")
    device_asr_wait_s: float = Field(15.0, gt=0, description="Longest wait of a device turn for its share (503).")
    metrics_allow: str = Field(
        "127.0.0.1/32,::1/128", description="Client networks that may read /metrics without a token (CIDRs)."
    )
    metrics_token_sha256: str = Field("", description="sha256 of the bearer token that may read /metrics.")
    audit_retention_days: int = Field(90, ge=1, description="How long the transcript-read audit log is kept.")
    # --- insights (telephony/insights: KPIs, CSAT) ---------------------------------------------------
    kpi_retention_days: int = Field(
        400, ge=1, description="How long the hourly KPI counters are kept (no personal data)."
    )
    callback_promise_h: float = Field(
        24, gt=0, description="A callback closed within this many hours counts as in time."
    )
    callback_max_attempts: int = Field(
        3, ge=1, le=20, description="Tries at a callback nobody answers before it closes as unreachable."
    )
    callback_retry_min: float = Field(
        60, ge=0, description="Minutes after a try nobody answered before the callback is due again."
    )
    csat_survey: bool = Field(
        True, description="Ask phone callers for a 1-5 rating after the bot or an agent solved it."
    )

    # --- server ---------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def spool_file(self) -> Path:
        return self.spool_path or self.data_dir / "spool.jsonl"

    @field_validator("public_url", "twilio_api_base")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")

    @field_validator("asr_remote", "tts_remote")
    @classmethod
    def _remote_uris(cls, v: str) -> str:
        parse_uris(v)  # a typo fails at start-up, naming the URI
        return v

    @field_validator("api_keys")
    @classmethod
    def _api_keys(cls, v: str) -> str:
        ApiKeys.parse(v)  # a typo fails at start-up, naming the entry
        return v

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, v: str) -> str:
        parse_networks(v)
        return v

    @field_validator("rate_limit_ip", "rate_limit_token", "auth_failures")
    @classmethod
    def _rule(cls, v: str) -> str:
        parse_rule(v)
        return v

    @field_validator("metrics_token_sha256")
    @classmethod
    def _sha256(cls, v: str) -> str:
        v = v.strip().lower()
        if v and (len(v) != 64 or any(c not in "0123456789abcdef" for c in v)):
            raise ValueError("must be the 64 hex digits of sha256 of the token")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str | None) -> str | None:
        if v and is_sentinel_url(v):
            parse_sentinel_url(v)  # a typo in the sentinels or the master's name fails at start-up
        elif v and not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss://, unix:// or redis+sentinel://")
        return v


# Variables with the prefix that are not settings: the compose file's and the tests' own.
NOT_SETTINGS = frozenset({"INFOLINIA_CONFIG_DIR", "INFOLINIA_ASR_EVAL_DIR", "INFOLINIA_TEST_REDIS_URL"})


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``INFOLINIA_*`` variables no setting reads, each with the name it probably meant. Why: the
    environment holds other things too, so unknown names are ignored (``extra="ignore"``), and a
    misspelled setting ("INFOLINIA_BRANDNAME") would otherwise silently keep its default."""
    names = sorted(name.upper() for name in Settings.model_fields)
    out = []
    for var in sorted(environ):
        name = var.removeprefix("INFOLINIA_")
        if var.startswith("INFOLINIA_") and name not in names and var not in NOT_SETTINGS:
            close = difflib.get_close_matches(name, names, n=1)  # the names alone: the prefix matches all
            out.append(f"{var} (did you mean INFOLINIA_{close[0]}?)" if close else var)
    return out
