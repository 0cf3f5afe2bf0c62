"""Reading Wyoming events with limits: what arrives from the network is never trusted.

Why not ``wyoming.event.async_read_event``: it reads whatever ``data_length`` and ``payload_length`` a
client announces (a 4 GB payload is buffered in memory before anyone looks at it), and a client that
disconnects mid-event raises ``IncompleteReadError`` out of the handler. This reader checks the
announced sizes before reading, reports malformed frames as ``FrameError`` (answered with a Wyoming
``error`` event, then the connection is closed because the stream is out of step), and treats a
truncated frame as a disconnect.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from wyoming.event import Event


@dataclass(frozen=True)
class WyomingLimits:
    """Bounds on one connection. Defaults fit Home Assistant satellites with a wide margin."""

    max_audio_s: float = 30.0  # audio per utterance (ASR)
    max_payload_bytes: int = 1 << 20  # one event's binary payload (HA sends ~2 KB chunks)
    max_data_bytes: int = 64 << 10  # one event's JSON data block
    max_text_chars: int = 2000  # one transcript to handle / one text to synthesize
    max_stream_chars: int = 10_000  # all synthesize-chunk text of one streaming request
    idle_timeout_s: float = 120.0  # silence on the connection before it is closed
    # Connections served at once; more are answered with a ``busy`` error and closed. Each may buffer a payload
    # (1 MiB) and an utterance (30 s, up to 96 kHz: 5.8 MB): 400 connections holding a payload each grew the
    # server by 445 MB, and the file limit (20,000) let a client take it to an out-of-memory kill. 128 turns at
    # once on one server already wait past a gateway's remote deadline (10 s), so nobody legitimate gets ``busy``.
    max_connections: int = 128
    # Connections from one client address at once (0: no such cap); more are answered ``busy`` too, that address
    # alone. Without it one client on the LAN could hold all ``max_connections``. A satellite opens a few; a
    # server that is a gateway's recognizer or synthesizer tier needs more (``INFOLINIA_WYOMING_MAX_CONNECTIONS_
    # PER_PEER``): each of the gateway's calls opens its own connection.
    max_connections_per_peer: int = 16


class FrameError(Exception):
    """A frame that cannot be read; ``code`` goes into the Wyoming error event."""

    def __init__(self, text: str, code: str) -> None:
        super().__init__(text)
        self.text, self.code = text, code


def _length(header: dict[str, object], name: str, limit: int) -> int:
    value = header.get(name) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FrameError(f"{name} must be a non-negative integer", "bad-frame")
    if value > limit:
        raise FrameError(f"{name} {value} exceeds the limit of {limit} bytes", "frame-too-large")
    return value


def _json_object(raw: bytes, what: str) -> dict[str, object]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise FrameError(f"{what} is not valid JSON", "bad-frame") from exc
    if not isinstance(value, dict):
        raise FrameError(f"{what} must be a JSON object", "bad-frame")
    return value


async def read_event(reader: asyncio.StreamReader, limits: WyomingLimits) -> Event | None:
    """The next event, or None when the client has gone (EOF, or a frame cut short)."""
    try:
        line = await reader.readline()
    except ValueError as exc:  # the stream's line limit (64 KiB) was exceeded
        raise FrameError("event header line too long", "frame-too-large") from exc
    if not line:
        return None
    header = _json_object(line, "event header")
    event_type = header.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise FrameError("event header has no type", "bad-frame")
    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise FrameError("event data must be a JSON object", "bad-frame")
    data_length = _length(header, "data_length", limits.max_data_bytes)
    payload_length = _length(header, "payload_length", limits.max_payload_bytes)
    try:
        if data_length:
            data.update(_json_object(await reader.readexactly(data_length), "event data"))
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        return None
    return Event(type=event_type, data=data, payload=payload)
