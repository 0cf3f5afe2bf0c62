"""Gateway settings: built once at start-up from the environment (prefix ``INFOLINIA_``) and injected.

Nothing reads the environment at import time; ``Settings()`` is called by the CLI or the app factory
and passed down. Every field is documented in the README's settings table.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from dialog.redis_urls import is_sentinel_url, parse_sentinel_url
from telephony.access.keys import ApiKeys, parse_networks
from telephony.access.ratelimit import parse_rule
from telephony.agents.hours import QueueHours, parse_hours, parse_queues
from telephony.settings_limits import LimitsSettings
from telephony.settings_speech import SpeechSettings


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "infolinia"


DURATION_UNITS = {"_ms": 0.001, "_s": 1, "_min": 60, "_h": 3600, "_days": 86400}  # seconds per unit
MAX_DURATION_S = 10 * 365 * 86400


class Settings(LimitsSettings, SpeechSettings):
    """All settings of one gateway process. Validated at start-up so a typo fails fast and clearly. The
    speech and turn-taking part is ``SpeechSettings`` (``telephony/settings_speech.py``), the timeouts and
    limits ``LimitsSettings`` (``telephony/settings_limits.py``)."""

    # allow_inf_nan: "inf" passed every gt=0 and stopped `serve` with an OverflowError traceback (a retention)
    model_config = SettingsConfigDict(
        env_prefix="INFOLINIA_", env_file=None, extra="ignore", env_ignore_empty=True, allow_inf_nan=False
    )

    # --- state ----------------------------------------------------------------------------------
    redis_url: str | None = Field(None, description="redis://... ; unset = embedded in-process store (one worker).")
    redis_prefix: str = "infolinia:"
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
    session_secret: str = Field(
        "",
        description="Signs the session ids the gateway issues (chat, devices), so only those are ever told their "
        "conversation was lost; the same on every worker and host, at least 32 characters (`openssl rand -hex 32`). "
        "Unset = derived from INFOLINIA_TWILIO_AUTH_TOKEN, else one per `serve` (its workers share it).",
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
    rate_limit_handoff: str = Field(
        "20/minute;120/hour",
        description="A customer's messages to one live-chat hand-off (waiting for or talking to an agent), from any "
        "address: more get 429 and 'wait for the agent's reply' (CHAT_WAIT_FOR_AGENT). A few short messages in a "
        "row are normal; a flood made the agent's console unusable.",
    )
    device_asr_slots: int = Field(
        1,
        ge=1,
        le=256,
        description="Device (HTTP) recognitions in the recognizer at once; phone turns always go first.",
    )
    device_asr_queue: int = Field(4, ge=0, description="Device turns waiting for their share; more get 503.")
    device_asr_wait_s: float = Field(15.0, gt=0, description="Longest wait of a device turn, in all (503).")
    metrics_allow: str = Field(
        "127.0.0.1/32,::1/128", description="Client networks that may read /metrics without a token (CIDRs)."
    )
    metrics_token_sha256: str = Field("", description="sha256 of the bearer token that may read /metrics.")
    audit_retention_days: int = Field(90, ge=1, description="How long the transcript-read audit log is kept.")
    # --- insights (telephony/insights: KPIs, CSAT) ---------------------------------------------------
    kpi_retention_days: int = Field(
        400, ge=1, description="How long the hourly KPI counters are kept (no personal data)."
    )
    chat_idle_min: float = Field(
        15, gt=0, description="Minutes a chat without a hand-off stays quiet before it counts as solved or not."
    )
    chat_gone_after_s: float = Field(
        150,
        ge=60,  # an open stream stamps every 30 s at worst, a dropped one reconnects in seconds: a grace below it
        # would end the wait of a customer who is there
        description="Seconds a chat customer waiting for an agent may go unseen (no event stream open, no poll, no "
        "message: the chat window was closed) before the wait ends as abandoned; a reload or a blip is seconds.",
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

    @field_validator("*")
    @classmethod
    def _duration(cls, v: Any, info: ValidationInfo) -> Any:
        """A duration (a name ending ``_s``, ``_ms``, ``_min``, ``_h``, ``_days``) of at most ten years. Past
        that, 99999999999999999999 passed `infolinia check` and start-up, then Redis refused every TTL
        (INFOLINIA_SESSION_TTL_S: every chat a 503) or a socket timeout overflowed (the fifth hostile probe)."""
        unit = next((u for suffix, u in DURATION_UNITS.items() if (info.field_name or "").endswith(suffix)), None)
        if unit is not None and isinstance(v, int | float) and not isinstance(v, bool) and v * unit > MAX_DURATION_S:
            raise ValueError(f"at most {MAX_DURATION_S / unit:.0f} (ten years)")
        return v

    @field_validator("public_url", "twilio_api_base")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")

    @field_validator("api_keys")
    @classmethod
    def _api_keys(cls, v: str) -> str:
        ApiKeys.parse(v)  # a typo fails at start-up, naming the entry
        return v

    @field_validator("session_secret")
    @classmethod
    def _session_secret(cls, v: str) -> str:
        if v and len(v) < 32:
            raise ValueError("must be at least 32 characters (openssl rand -hex 32 makes one)")
        return v

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, v: str) -> str:
        parse_networks(v)
        return v

    @field_validator("rate_limit_ip", "rate_limit_token", "auth_failures", "rate_limit_handoff")
    @classmethod
    def _rule(cls, v: str) -> str:
        parse_rule(v)
        return v

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        parse_hours(v)  # "pn 8-17" is named here, by its setting, not by a bare line at start-up (check passed it)
        return v

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        """Named here, by its variable: ``infolinia check`` died with a ZoneInfoNotFoundError traceback. Spaces
        around it go (a stray one pasted into an .env file), as they do around the other settings' words."""
        v = v.strip()
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone the system knows; an IANA name such as Europe/Warsaw") from None
        return v

    @field_validator("queues")
    @classmethod
    def _queue_hours(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        QueueHours(parse_queues(v))
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
