"""The Wyoming **tts** program for one connection: classic ``synthesize`` and the streaming variant.

After wyoming-piper's handler: each sentence becomes ``audio-start``, ``audio-chunk``..., ``audio-stop``
as soon as it is synthesized. In streaming mode (``synthesize-start``, ``synthesize-chunk``...,
``synthesize-stop``) sentences are cut from the arriving text and spoken while more text comes; the
``synthesize`` that HA sends inside a stream for older servers is ignored, and ``synthesize-stopped``
ends the stream. A rejected stream (too much text) gets one ``error`` and is drained to its stop.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from wyoming.audio import AudioStart, AudioStop
from wyoming.event import Event
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStopped

from telephony.speaker.frames import WyomingLimits
from telephony.speaker.speech import chunk_events
from voice.ports import Synthesizer
from voice.sentences import SentenceStream

log = logging.getLogger(__name__)

Write = Callable[[Event], Awaitable[None]]
SendError = Callable[[str, str], Awaitable[None]]
_TAG = re.compile(r"<[^>]+>")


class TtsResponder:
    """Per-connection TTS state; every method returns True to keep the connection open."""

    def __init__(self, synthesizer: Synthesizer | None, limits: WyomingLimits, write: Write, error: SendError) -> None:
        self.synthesizer, self.limits = synthesizer, limits
        self._write, self._error = write, error
        self._streaming = False  # inside synthesize-start ... synthesize-stop
        self._sentences: SentenceStream | None = None  # None while streaming: the stream was rejected
        self._chars = 0

    async def _ready(self) -> bool:
        if self.synthesizer is None:
            await self._error("speech synthesis is not enabled on this server", "tts-unavailable")
            return False
        return True

    async def synthesize(self, event: Event) -> bool:
        if self._streaming:
            return True  # the compatibility copy of a streaming request: its chunks are spoken already
        request = Synthesize.from_event(event)
        text = _TAG.sub(" ", request.text) if request.text_format == "ssml" else request.text
        if not isinstance(text, str) or not text.strip():
            await self._error("nothing to synthesize", "empty-text")
        elif len(text) > self.limits.max_text_chars:
            await self._error(f"text longer than {self.limits.max_text_chars} characters", "text-too-long")
        elif await self._ready():
            await self._speak(text.strip())
        return True

    async def start(self, event: Event) -> bool:
        self._streaming, self._chars = True, 0
        self._sentences = SentenceStream() if await self._ready() else None
        return True

    async def chunk(self, event: Event) -> bool:
        text = SynthesizeChunk.from_event(event).text
        if not self._streaming or not isinstance(text, str):
            await self._error("synthesize-chunk outside synthesize-start/stop", "bad-sequence")
            return True
        if self._sentences is None:
            return True  # rejected stream: the error went out, the rest is dropped up to synthesize-stop
        self._chars += len(text)
        if self._chars > self.limits.max_stream_chars:
            self._sentences = None
            await self._error(f"streamed text longer than {self.limits.max_stream_chars} characters", "text-too-long")
            return True
        for sentence in self._sentences.feed(text):
            await self._speak(sentence)
        return True

    async def stop(self, event: Event) -> bool:
        if not self._streaming:
            await self._error("synthesize-stop without synthesize-start", "bad-sequence")
            return True
        rest = self._sentences.flush() if self._sentences is not None else ""
        self._streaming, self._sentences = False, None
        if rest:
            await self._speak(rest)
        await self._write(SynthesizeStopped().event())
        return True

    async def _speak(self, text: str) -> None:
        """audio-start, audio-chunk..., audio-stop for ``text`` at the voice's native rate."""
        assert self.synthesizer is not None
        rate = self.synthesizer.native_rate
        await self._write(AudioStart(rate=rate, width=2, channels=1).event())
        try:
            async for pcm in self.synthesizer.stream(text, rate):
                for chunk in chunk_events(pcm, rate):
                    await self._write(chunk)
        except ConnectionError:
            raise
        except Exception:
            log.exception("wyoming: synthesis failed")
            await self._error("speech synthesis failed", "tts-failed")
        await self._write(AudioStop().event())
