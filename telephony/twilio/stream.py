"""``AudioChannel`` over an accepted FastAPI WebSocket carrying a Twilio Media Stream.

Why it never raises on a bad frame or a closed socket: one malformed message or a caller hanging up
mid-sentence must not crash the call pipeline. Bad frames are logged and skipped; the end of the
stream (``stop``, a disconnect, or our own ``close``) becomes ``CallEnded``, and sends after the end
are dropped, since bot speech racing a hang-up is normal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from telephony.ports import CallEnded, CallStarted, InboundEvent
from telephony.twilio.wire import (
    Connected,
    Frame,
    WireError,
    decode_frame,
    encode_clear,
    encode_mark,
    encode_media,
)
from voice.ports import PCM

log = logging.getLogger(__name__)

_SEND_ERRORS = (WebSocketDisconnect, RuntimeError, OSError)  # Starlette/uvicorn "socket is gone"
_NORMAL_CLOSES = (1000, 1001, 1005)  # a hang-up's close; any other code is worth a line (1009: frame too big)
# A stream's first skipped frames are logged each; after that one line per this many. A stream sending 50 bad
# frames a second wrote 50 warnings a second for as long as it lasted (2,000 frames: 2,000 lines).
_LOG_FIRST_SKIPPED, _LOG_EVERY_SKIPPED = 3, 500


class StreamBlocked(ConnectionError):
    """The far end took none of our audio for ``send_timeout_s``: it stopped reading the stream."""


class TwilioWebSocketChannel:
    """One Twilio bidirectional stream. One task calls ``receive``; any task may send (sends are ordered).

    ``send_timeout_s``: a send the far end does not take within it (TCP back-pressure: Twilio stopped reading)
    raises ``StreamBlocked``, and so does every later audio or mark send, at once; the call's fail-safe then
    moves the caller over REST, with the apology said by Twilio. Before, a send waited for as long as the
    socket lived (uvicorn's pings close it after about 40 s), the call stuck in it and the caller in silence.
    ``clear`` never raises (nothing plays on a blocked stream anyway). None: sends wait as long as it takes.
    """

    def __init__(
        self,
        websocket: WebSocket,
        send_timeout_s: float | None = None,
        handed_over: Callable[[str], bool] | None = None,
    ) -> None:
        self._ws = websocket
        self._handed_over = handed_over
        self._send_timeout_s = send_timeout_s
        self.blocked = False
        self._send_lock = asyncio.Lock()
        self._stream_sid: str | None = None
        self._call_sid: str | None = None
        self._end_reason: str | None = None
        self._closed = False
        self.malformed_frames = 0  # skipped frames, for logs and tests
        self.skipped_frames = 0  # frames dropped for any reason (malformed, before start, another stream's)

    @property
    def stream_sid(self) -> str | None:
        return self._stream_sid

    @property
    def call_sid(self) -> str | None:
        return self._call_sid

    @property
    def ended(self) -> bool:
        return self._end_reason is not None

    async def receive(self) -> InboundEvent:
        """Next event for the pipeline; ``CallEnded`` from the end of the stream on, forever."""
        while self._end_reason is None:
            raw = await self._next_text()
            if raw is None:
                self._end_reason = "closed" if self._closed else "disconnected"
                break
            try:
                frame = decode_frame(raw)
            except WireError as exc:
                self.malformed_frames += 1
                self._skipped("malformed frame: %s", exc)
                continue
            if frame is None:
                self._skipped("an unknown event %.60r", raw)
                continue
            event = self._admit(frame)
            if event is not None:
                return event
        return CallEnded(reason=self._end_reason)

    async def send_audio(self, pcm8k: PCM) -> None:
        """Queue bot audio at Twilio (any length; pacing is the pipeline's job)."""
        if len(pcm8k):
            await self._send(lambda sid: encode_media(sid, pcm8k))

    async def send_mark(self, name: str) -> None:
        await self._send(lambda sid: encode_mark(sid, name))

    async def clear(self) -> None:
        with contextlib.suppress(StreamBlocked):
            await self._send(encode_clear)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close our side (idempotent). Twilio then runs the TwiML after ``</Connect>``."""
        if self._closed:
            return
        self._closed = True
        if self._end_reason is None:
            self._end_reason = "closed"
        if self._ws.application_state != WebSocketState.CONNECTED:
            return
        async with self._send_lock:
            try:  # a blocked far end takes no close frame either: bounded like a send
                await asyncio.wait_for(self._ws.close(code=code, reason=reason), self._send_timeout_s)
            except (*_SEND_ERRORS, TimeoutError) as exc:
                log.debug("stream %s: close on a gone or blocked socket: %r", self._stream_sid, exc)

    def _admit(self, frame: Frame) -> InboundEvent | None:
        """Stream-state checks: one ``start`` first, then only frames of that stream."""
        event = frame.event
        if isinstance(event, Connected):
            log.debug("stream connected (protocol %s %s)", event.protocol, event.version)
            return None
        if isinstance(event, CallStarted):
            if self._stream_sid is not None:
                self._skipped("a second start (%.40s)", event.stream_sid)
                return None
            self._stream_sid, self._call_sid = event.stream_sid, event.call_sid
            return event
        if self._stream_sid is None:
            self._skipped("%s before start", type(event).__name__)
            return None
        if frame.stream_sid is not None and frame.stream_sid != self._stream_sid:
            self._skipped("a frame of stream %.40s", frame.stream_sid)
            return None
        if isinstance(event, CallEnded):
            if self._handed_over is not None and self._call_sid and self._handed_over(self._call_sid):
                event = CallEnded(reason="draining")  # Twilio stops the stream because we moved the call
            self._end_reason = event.reason
        return event

    def _skipped(self, what: str, detail: object) -> None:
        """Log a dropped frame: each of the first few, then one line per ``_LOG_EVERY_SKIPPED`` with the count."""
        self.skipped_frames += 1
        n = self.skipped_frames
        if n <= _LOG_FIRST_SKIPPED or n % _LOG_EVERY_SKIPPED == 0:
            log.warning("stream %s: skipping " + what + " (%d skipped so far)", self._stream_sid, detail, n)

    async def _next_text(self) -> str | None:
        """Next text (or UTF-8 binary) message; ``None`` once the socket is closed either way."""
        if self._closed:
            return None
        try:
            message = await self._ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            code = message.get("code", 1000)
            if code not in _NORMAL_CLOSES:  # e.g. the server's own 1009 for a message over its size limit
                log.warning(
                    "stream %s: socket closed with code %s %s", self._stream_sid, code, message.get("reason") or ""
                )
            return None
        text = message.get("text")
        if text is None:
            text = (message.get("bytes") or b"").decode("utf-8", errors="replace")
        return str(text)

    async def _send(self, build: Callable[[str], str]) -> None:
        if self._stream_sid is None:
            raise RuntimeError("cannot send on a Twilio stream before its start event")
        if self._end_reason is not None:
            log.debug("stream %s: dropping a send after the end of the stream", self._stream_sid)
            return
        if self.blocked:
            raise StreamBlocked(f"stream {self._stream_sid}: the far end takes no audio")
        text = build(self._stream_sid)
        async with self._send_lock:
            try:
                await asyncio.wait_for(self._ws.send_text(text), self._send_timeout_s)
            except TimeoutError:
                self.blocked = True
                log.warning("stream %s: the far end took no audio for %s s", self._stream_sid, self._send_timeout_s)
                raise StreamBlocked(f"stream {self._stream_sid}: no audio taken for {self._send_timeout_s} s") from None
            except _SEND_ERRORS as exc:
                log.info("stream %s: socket gone while sending: %r", self._stream_sid, exc)
                self._end_reason = "disconnected"
