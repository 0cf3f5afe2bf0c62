"""``AudioChannel`` over a browser's WebSocket: the playground's microphone into THE call pipeline.

Why a channel and not a separate "browser bot": the playground must show how the phone line behaves
(VAD, turn taking, barge-in, ASR, dialog, TTS), so it feeds ``telephony.call.loop.run_call`` exactly as
the Twilio stream does (``telephony/twilio/stream.py``); only the wire differs.

The wire (one WebSocket, same origin):

* browser -> gateway: first a text ``{"type": "start", "rate": 48000}`` (the microphone's sample rate),
  then binary messages of mono PCM int16 little-endian at that rate, at most a second each (resampled here to
  the phone's 8 kHz, so the recognizer hears what a caller would give it); text ``{"type": "mark", "name": ...}``
  when the audio queued before a mark has played (or was cleared), ``{"type": "dtmf", "digit": "0"}``,
  ``{"type": "hangup"}``.
* gateway -> browser: binary = bot audio, PCM int16 LE at 8 kHz; text JSON ``mark``/``clear`` (as Twilio
  gets) and ``event`` messages for the page (transcript lines, turn timings, the end of the call).

Like the Twilio channel it never raises on a bad message or a closed socket: a bad message is skipped,
the end of the socket is ``CallEnded``, and sends after the end are dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import numpy as np
from fastapi import WebSocket
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect, WebSocketState

from telephony.ports import AudioIn, CallEnded, Dtmf, InboundEvent, MarkPlayed
from voice.ports import PCM
from voice.resample import StreamResampler

log = logging.getLogger(__name__)

WIRE_RATE = 8000
MIN_RATE, MAX_RATE = 8000, 192000
DIGITS = set("0123456789*#")
_SEND_ERRORS = (WebSocketDisconnect, RuntimeError, OSError)
# A talk's first bad messages are logged each, then one line per this many (as the Twilio stream's frames): a page
# sending 5,000 bad messages wrote 5,000 warnings, a log flood any holder of a ticket could start.
_LOG_FIRST_SKIPPED, _LOG_EVERY_SKIPPED = 10, 500


class BrowserChannel:
    """One browser conversation. One task calls ``receive``; any task may send (sends are ordered)."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self._lock = asyncio.Lock()
        self._resampler: StreamResampler | None = None
        self._ended: str | None = None
        self._started = False  # audio before the rate is known cannot be resampled
        self._max_bytes = 2 * WIRE_RATE  # one message's audio: a second at the announced rate
        self._reading: asyncio.Task[Message] | None = None  # the socket read under way
        self._hung_up: str | None = None  # why the gateway ended the talk (``hang_up``)
        self._close_code = 1000
        self.skipped = 0  # bad messages, for logs and tests

    @property
    def ended(self) -> bool:
        return self._ended is not None

    async def receive(self) -> InboundEvent:
        """Next event for the pipeline; ``CallEnded`` from the end of the socket on, forever."""
        while self._ended is None:
            message = await self._next()
            if message is None:
                self._ended = self._ended or self._hung_up or "disconnected"
                break
            event = self._decode(message)
            if event is not None:
                return event
        return CallEnded(reason=self._ended or "closed")

    async def send_audio(self, pcm8k: PCM) -> None:
        if len(pcm8k):
            await self._send(pcm8k.astype("<i2").tobytes())

    async def send_mark(self, name: str) -> None:
        await self._send(json.dumps({"type": "mark", "name": name}))

    async def clear(self) -> None:
        await self._send(json.dumps({"type": "clear"}))

    async def event(self, kind: str, **data: Any) -> None:
        """A line for the page (transcript, timings, the end); not audio, so the pipeline never sends it."""
        await self._send(json.dumps({"type": "event", "kind": kind, **data}, ensure_ascii=False))

    def hang_up(self, reason: str, code: int) -> None:
        """The gateway ends the talk (the worker drains): ``receive`` gives ``CallEnded`` now, without waiting
        for the browser's next message, and ``close`` closes with ``code``. Whatever the page should hear is
        sent before this."""
        self._hung_up, self._close_code = reason, code
        if self._reading is not None:
            self._reading.cancel()

    async def close(self, code: int | None = None) -> None:
        """Close our side (idempotent), with ``code`` or else the one ``hang_up`` chose (1000: normal)."""
        code = self._close_code if code is None else code
        self._ended = self._ended or "closed"
        if self._ws.application_state != WebSocketState.CONNECTED:
            return
        async with self._lock:
            try:
                await self._ws.close(code=code)
            except _SEND_ERRORS as exc:
                log.debug("playground: close on a gone socket: %r", exc)

    def _decode(self, message: dict[str, Any]) -> InboundEvent | None:
        data = message.get("bytes")
        if data is not None:
            return self._audio(data)
        try:
            body = json.loads(message.get("text") or "")
            kind = body["type"]
        except (ValueError, KeyError, TypeError):
            self._skip("not a JSON message with a type")
            return None
        if kind == "start":
            self._start(body.get("rate"))
            return None
        if kind == "mark" and isinstance(body.get("name"), str):
            return MarkPlayed(body["name"])
        digit = body.get("digit")
        if kind == "dtmf" and isinstance(digit, str) and digit in DIGITS:  # a list or an object is unhashable
            return Dtmf(digit)
        if kind == "hangup":
            self._ended = "caller_hung_up"
            return CallEnded(reason="stop")
        self._skip(f"unknown or malformed {kind!r} message")
        return None

    def _start(self, rate: Any) -> None:
        if not isinstance(rate, int) or not MIN_RATE <= rate <= MAX_RATE:
            self._skip(f"start with an unusable rate {rate!r}")
            return
        self._resampler = StreamResampler(rate, WIRE_RATE) if rate != WIRE_RATE else None
        self._started, self._max_bytes = True, 2 * rate

    def _audio(self, data: bytes) -> AudioIn | None:
        if not self._started or len(data) % 2 or len(data) > self._max_bytes:
            # The page sends 2,048 samples a message. One of 14 MB (900 s of speech) put 150 turns into the talk
            # at once, each cut at the maximum and each interrupting the last one's recognition: no microphone's.
            why = "odd-length audio" if len(data) % 2 else "an audio message over a second"
            self._skip("audio before start" if not self._started else why)
            return None
        pcm = np.frombuffer(data, dtype="<i2").astype(np.int16)
        if self._resampler is not None:
            pcm = self._resampler.process(pcm)
        return AudioIn(pcm) if len(pcm) else None

    def _skip(self, why: str) -> None:
        """A bad message is counted and logged (the first few each, then one line in ``_LOG_EVERY_SKIPPED``),
        never fatal: the conversation goes on."""
        self.skipped += 1
        if self.skipped <= _LOG_FIRST_SKIPPED or self.skipped % _LOG_EVERY_SKIPPED == 0:
            log.warning("playground: skipping a message: %s (%d skipped so far)", why, self.skipped)

    async def _next(self) -> dict[str, Any] | None:
        """The socket's next message; None at its end, or once the gateway hung up (the read is cancelled)."""
        if self._hung_up is not None:
            return None
        self._reading = asyncio.ensure_future(self._ws.receive())
        try:
            message = await self._reading
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._hung_up is None or (current is not None and current.cancelling()):
                raise  # this task itself is cancelled, not only the read
            return None
        except (WebSocketDisconnect, RuntimeError):
            return None
        finally:
            self._reading = None
        return None if message["type"] == "websocket.disconnect" else dict(message)

    async def _send(self, payload: str | bytes) -> None:
        if self._ended is not None:
            return  # bot speech racing a hang-up is normal
        async with self._lock:
            try:
                if isinstance(payload, bytes):
                    await self._ws.send_bytes(payload)
                else:
                    await self._ws.send_text(payload)
            except _SEND_ERRORS as exc:
                log.info("playground: socket gone while sending: %r", exc)
                self._ended = "disconnected"
