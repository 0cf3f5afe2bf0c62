"""Twilio wire formats: Media Streams JSON frames <-> ``telephony.ports`` events, and status callbacks.

Why a separate, I/O-free module: the frame shapes are Twilio's (protocols.md §2.2–2.3), not ours, so
they are pinned by recorded-style fixtures in one place, and the WebSocket transport only moves text.
Twilio sends counters and timestamps as *strings*; payloads are base64 of raw μ-law 8 kHz mono.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from telephony.ports import AudioIn, CallEnded, CallStarted, Dtmf, InboundEvent, MarkPlayed
from voice.codec import ulaw_decode, ulaw_encode
from voice.ports import PCM

WIRE_RATE = 8000  # Twilio Media Streams are always audio/x-mulaw, 8000 Hz, mono
_WIRE_FORMAT = ("audio/x-mulaw", str(WIRE_RATE))
_DTMF_DIGITS = frozenset("0123456789*#ABCD")
# Twilio sends 20 ms (160 bytes) per frame. A frame of more than a second is no Twilio's: one of 50 s would
# jump the call's media clock and set off the silence prompt at once, so it is refused like any bad frame.
MAX_MEDIA_BYTES = WIRE_RATE


class WireError(ValueError):
    """A frame that is not valid JSON or lacks a field Twilio always sends."""


@dataclass(frozen=True)
class Connected:
    """First frame of every stream; carries no call data, so the pipeline never sees it."""

    protocol: str
    version: str


@dataclass(frozen=True)
class Frame:
    """One decoded inbound frame with the envelope fields the transport checks."""

    event: Connected | InboundEvent
    stream_sid: str | None = None
    sequence: int | None = None


def decode_frame(raw: str | bytes) -> Frame | None:
    """Parse one text frame. ``None`` for an event type we do not know (Twilio may add some).

    Raises ``WireError`` for malformed JSON or a known event missing its required fields.
    """
    try:
        msg = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError(f"not JSON: {exc}") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("event"), str):
        raise WireError("frame without an 'event' string")
    decoder = _DECODERS.get(msg["event"])
    if decoder is None:
        return None
    stream_sid = msg.get("streamSid")
    if stream_sid is not None and not isinstance(stream_sid, str):
        raise WireError("streamSid is not a string")
    return Frame(event=decoder(msg), stream_sid=stream_sid, sequence=_opt_int(msg.get("sequenceNumber")))


def _decode_connected(msg: dict[str, Any]) -> Connected:
    return Connected(protocol=str(msg.get("protocol", "")), version=str(msg.get("version", "")))


def _decode_start(msg: dict[str, Any]) -> CallStarted:
    start = _section(msg, "start")
    params = start.get("customParameters") or {}
    if not isinstance(params, dict):
        raise WireError("start.customParameters is not an object")
    fmt = start.get("mediaFormat") or {}
    if isinstance(fmt, dict) and fmt and (fmt.get("encoding"), str(fmt.get("sampleRate"))) != _WIRE_FORMAT:
        raise WireError(f"unsupported mediaFormat {fmt!r}")
    return CallStarted(
        call_sid=_str(start, "callSid"),
        stream_sid=_str(start, "streamSid"),
        params={str(k): str(v) for k, v in params.items()},
    )


def _decode_media(msg: dict[str, Any]) -> AudioIn:
    media = _section(msg, "media")
    track = media.get("track", "inbound")
    if track not in ("inbound", "inbound_track"):
        raise WireError(f"unexpected media track {track!r}")  # bidirectional streams carry inbound only
    payload = _str(media, "payload")
    if len(payload) > (MAX_MEDIA_BYTES + 2) // 3 * 4:  # refused before decoding it
        raise WireError(f"media.payload of about {len(payload) * 3 // 4} bytes: over {MAX_MEDIA_BYTES} (1 s)")
    try:
        ulaw = base64.b64decode(payload, validate=True)
    except binascii.Error as exc:
        raise WireError(f"media.payload is not base64: {exc}") from None
    if len(ulaw) > MAX_MEDIA_BYTES:
        raise WireError(f"media.payload of {len(ulaw)} bytes: over {MAX_MEDIA_BYTES} (1 s)")
    return AudioIn(pcm=ulaw_decode(ulaw), timestamp_ms=_opt_int(media.get("timestamp")))


def _decode_dtmf(msg: dict[str, Any]) -> Dtmf:
    digit = _str(_section(msg, "dtmf"), "digit")
    if digit not in _DTMF_DIGITS:
        raise WireError(f"unexpected DTMF digit {digit!r}")
    return Dtmf(digit=digit)


def _decode_mark(msg: dict[str, Any]) -> MarkPlayed:
    return MarkPlayed(name=_str(_section(msg, "mark"), "name"))


def _decode_stop(msg: dict[str, Any]) -> CallEnded:
    return CallEnded(reason="stop")


_DECODERS: dict[str, Callable[[dict[str, Any]], Connected | InboundEvent]] = {
    "connected": _decode_connected,
    "start": _decode_start,
    "media": _decode_media,
    "dtmf": _decode_dtmf,
    "mark": _decode_mark,
    "stop": _decode_stop,
}


def encode_media(stream_sid: str, pcm8k: PCM) -> str:
    """Bot audio frame: PCM int16 at 8 kHz -> base64 raw μ-law (no header), any length."""
    payload = base64.b64encode(ulaw_encode(pcm8k)).decode("ascii")
    return _dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}})


def encode_mark(stream_sid: str, name: str) -> str:
    """Twilio echoes the mark once the audio queued before it has played (or was cleared)."""
    return _dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def encode_clear(stream_sid: str) -> str:
    """Drop all audio buffered at Twilio (barge-in); outstanding marks come back at once."""
    return _dumps({"event": "clear", "streamSid": stream_sid})


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _section(msg: dict[str, Any], name: str) -> dict[str, Any]:
    value = msg.get(name)
    if not isinstance(value, dict):
        raise WireError(f"'{msg.get('event')}' frame without a '{name}' object")
    return value


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise WireError(f"missing or non-string field {key!r}")
    return value


def _opt_int(value: object) -> int | None:
    """Twilio sends counters as strings ("4"); tolerate ints, reject garbage."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise WireError(f"counter {value!r} is neither a string nor an int")
    try:
        return int(value)
    except ValueError:
        raise WireError(f"counter {value!r} is not a number") from None


# --- Call status callbacks (form params of POST /twilio/status, protocols.md §1.2) ---------------------

CALL_SID_RE = re.compile(r"^CA[0-9a-fA-F]{32}$")
TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def call_key(call_sid: str) -> str:
    """Store key of a call record."""
    return f"call:{call_sid}"


def new_call_record(params: Mapping[str, str], stream_token: str, session_id: str, now: float) -> dict[str, Any]:
    """The record the voice webhook stores: who called whom, and the call's stream token."""
    return {
        "call_sid": params.get("CallSid", ""),
        "from": params.get("From", ""),
        "to": params.get("To", ""),
        "status": params.get("CallStatus", "ringing"),
        "created": utc_iso(now),
        "stream_token": stream_token,
        "session_id": session_id,
        "last_sequence": None,
        "duration_s": None,
        "ended_at": None,
    }


def apply_status_callback(
    record: Mapping[str, Any] | None, params: Mapping[str, str], now: float
) -> dict[str, Any] | None:
    """The updated record, or ``None`` when the callback is stale or a repeat (nothing to write).

    Twilio may deliver callbacks out of order; ``SequenceNumber`` orders them, so one not newer than
    the last applied is ignored. Without a number, a terminal status is never reopened.
    """
    try:
        seq = _opt_int(params.get("SequenceNumber") or None)
    except WireError:
        seq = None
    current = dict(record) if record is not None else new_call_record(params, "", "", now)
    last = current.get("last_sequence")
    if seq is not None and isinstance(last, int) and seq <= last:
        return None
    status = params.get("CallStatus", "")
    if seq is None and current.get("status") in TERMINAL_STATUSES:
        return None
    if status:
        current["status"] = status
    if seq is not None:
        current["last_sequence"] = seq
    duration = params.get("CallDuration", "")
    if duration.isdigit():
        current["duration_s"] = int(duration)
    if status in TERMINAL_STATUSES and not current.get("ended_at"):
        current["ended_at"] = _rfc2822_to_iso(params.get("Timestamp")) or utc_iso(now)
    return current


def utc_iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat()


def _rfc2822_to_iso(value: str | None) -> str | None:
    """Twilio's ``Timestamp`` ("Mon, 16 Aug 2010 03:45:01 +0000") as ISO 8601 UTC; ``None`` if unusable."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC).isoformat()
    except (TypeError, ValueError):
        return None


# A recording's URL is linked in the agents' console and its Recording SID deleted at Twilio after retention: only
# Twilio's own (https on twilio.com, printable ASCII, of a URL's length) is kept. Twilio signs what it sends, but a
# leaked token or a proxy that rewrites fields must not put a script link or an inside address before an agent.
MAX_RECORDING_URL = 2048
MAX_RECORDING_S = 24 * 3600.0  # <Record maxLength> allows 4 hours; a longer one is no recording's length
_KEPT_RECORDING_STATUSES = ("", "completed")  # "absent" (silence), "failed": no message to listen to


def recording_of(form: Mapping[str, str]) -> tuple[str, float | None] | None:
    """(URL, seconds) of a voicemail callback's recording; None when there is none worth an agent's click."""
    url = form.get("RecordingUrl", "")
    if form.get("RecordingStatus", "") not in _KEPT_RECORDING_STATUSES or not _twilio_url(url):
        return None
    return url, recording_seconds(form.get("RecordingDuration", ""))


def _twilio_url(url: str) -> bool:
    # A browser reads a backslash in an https URL as "/": "https://evil.example\@api.twilio.com/" goes to
    # evil.example, though urlsplit's host is api.twilio.com. Twilio's URLs have no backslash and no credentials.
    if not url or len(url) > MAX_RECORDING_URL or not url.isascii() or not url.isprintable() or "\\" in url:
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    twilio = host == "twilio.com" or host.endswith(".twilio.com")
    return parts.scheme == "https" and twilio and "@" not in parts.netloc


def recording_seconds(duration: str) -> float | None:
    """Twilio's ``RecordingDuration`` as seconds, None when it is no plain finite number ("²" passed
    ``isdigit`` and then crashed ``float``: a probe; the recording is kept without a length)."""
    try:
        seconds = float(duration) if duration.isascii() else math.nan
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_RECORDING_S else None
