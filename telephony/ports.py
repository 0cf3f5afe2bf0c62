"""Seams of the telephony edge: the audio channel a call runs over, and call control.

The call pipeline (telephony/call/loop.py) only sees these; Twilio's wire format lives in the serializer and
the WebSocket transport, so a test or another provider can drive the same pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from voice.ports import PCM


@dataclass(frozen=True)
class CallStarted:
    """First event of a stream: who is calling and the stream/call ids."""

    call_sid: str
    stream_sid: str
    params: dict[str, str] = field(default_factory=dict)  # <Parameter>s of the TwiML


@dataclass(frozen=True)
class AudioIn:
    """Caller audio, already decoded from μ-law: PCM int16 at 8 kHz."""

    pcm: PCM
    timestamp_ms: int | None = None  # media time from stream start, when the wire gives it


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class MarkPlayed:
    """A mark came back: the audio queued before it finished playing (or was cleared)."""

    name: str


@dataclass(frozen=True)
class CallEnded:
    """The stream stopped (caller hung up, call redirected) or the socket closed.

    ``reason``: stop (the far end ended it) | disconnected (the socket broke) | draining (the gateway ended
    it because its worker drains, ``telephony/playground/channel.py``)."""

    reason: str = "stop"


InboundEvent = CallStarted | AudioIn | Dtmf | MarkPlayed | CallEnded


class AudioChannel(Protocol):
    """A live, bidirectional phone audio channel (Twilio Media Stream, or a test double)."""

    async def receive(self) -> InboundEvent:
        """Next inbound event; returns CallEnded once the channel is closed (never raises on close)."""
        ...

    async def send_audio(self, pcm8k: PCM) -> None:
        """Queue bot audio (PCM int16 at 8 kHz) for playout; the transport encodes it."""
        ...

    async def send_mark(self, name: str) -> None: ...

    async def clear(self) -> None:
        """Drop all audio queued at the far end (barge-in)."""
        ...

    async def close(self) -> None: ...


class CallControl(Protocol):
    """Actions on the call itself (Twilio REST API, or a local stand-in)."""

    async def hang_up(self, call_sid: str, goodbye: str | None = None) -> None:
        """End the call; ``goodbye``: Twilio says it first (the media stream may be what broke)."""
        ...

    async def transfer_to_number(self, call_sid: str, number: str, announcement: str | None = None) -> None:
        """Redirect the live call to dial a number (fallback or a human queue)."""
        ...
