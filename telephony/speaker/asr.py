"""The Wyoming **asr** program for one connection: ``transcribe`` + audio in, ``transcript`` out.

After wyoming-faster-whisper's handler: audio is collected until ``audio-stop`` (HA or the satellite
runs the VAD), then recognised in one go (the recognizer works in a worker thread). Unlike it, rejected
audio (bad format, too long, wrong language) is answered with one ``error`` event and the rest of that
utterance is dropped up to its ``audio-stop``, so the connection stays usable: closing it with unread
chunks in the socket would make the kernel reset it, and the client could lose the error itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.event import Event

from telephony.speaker.speech import UtteranceBuffer, audio_format
from voice.asr_remote import EXTENSION, exact_hotwords, extension_of
from voice.ports import Recognizer
from voice.ports import Transcript as Heard

log = logging.getLogger(__name__)

Write = Callable[[Event], Awaitable[None]]
SendError = Callable[[str, str], Awaitable[None]]
_NO_ASR = "speech recognition is not enabled on this server"


def _strings(values: object, limit: int = 50) -> list[str]:
    return [v for v in values if isinstance(v, str)][:limit] if isinstance(values, list) else []


class AsrResponder:
    """Per-connection ASR state; every method returns True to keep the connection open."""

    def __init__(
        self,
        recognizer: Recognizer | None,
        max_audio_s: float,
        hotwords: Sequence[str],
        write: Write,
        error: SendError,
    ) -> None:
        self.recognizer, self.max_audio_s, self.hotwords = recognizer, max_audio_s, tuple(hotwords)
        self._write, self._error = write, error
        self._utterance: UtteranceBuffer | None = None
        self._request = Transcribe()
        self._discarding = False  # audio of a rejected utterance: dropped until its audio-stop

    async def reject(self, text: str, code: str) -> bool:
        log.warning("wyoming: audio rejected: %s", text)
        self._utterance, self._discarding = None, True
        await self._error(text, code)
        return True

    async def transcribe(self, event: Event) -> bool:
        request = Transcribe.from_event(event)
        if self.recognizer is None:
            return await self.reject(_NO_ASR, "asr-unavailable")
        if request.language and not request.language.lower().startswith("pl"):
            return await self.reject(
                f"language {request.language!r} is not supported (pl only)", "unsupported-language"
            )
        self._request, self._utterance, self._discarding = request, None, False
        return True

    async def audio_start(self, event: Event) -> bool:
        if self._discarding:
            return True
        if self.recognizer is None:
            return await self.reject(_NO_ASR, "asr-unavailable")
        self._utterance = UtteranceBuffer(self.max_audio_s, audio_format(event.data))
        return True

    async def audio_chunk(self, event: Event) -> bool:
        if self._discarding:
            return True
        if self.recognizer is None:
            return await self.reject(_NO_ASR, "asr-unavailable")
        if self._utterance is None:  # audio-start is optional for lenient clients
            self._utterance = UtteranceBuffer(self.max_audio_s)
        self._utterance.add(event.data, event.payload)
        return True

    async def audio_stop(self, event: Event) -> bool:
        utterance, request, discarded = self._utterance, self._request, self._discarding
        self._utterance, self._request, self._discarding = None, Transcribe(), False
        if discarded:
            return True  # the error went out when the audio was rejected
        if self.recognizer is None:
            return await self.reject(_NO_ASR, "asr-unavailable")
        pcm, rate = (utterance or UtteranceBuffer(1.0)).pcm()
        names = [*_strings(request.transcript_names, 200), *_strings(request.transcript_terms)]
        # A gateway's remote recognizer sends its own shop's vocabulary and asks for it alone; others add to ours.
        bias = list(dict.fromkeys(names if exact_hotwords(request.context) else [*self.hotwords, *names]))
        try:
            result = await self.recognizer.transcribe(pcm, rate, bias[:200])
        except Exception:
            log.exception("wyoming: recognition failed")
            await self._error("speech recognition failed", "asr-failed")
            return True
        pieces = [s[2] for s in result.segments] or ([result.text] if result.text else [])
        await self._send(result, request.context, pieces)
        return True

    async def _send(self, result: Heard, context: dict[str, Any] | None, pieces: list[str]) -> None:
        """Streaming events (start, one chunk per Whisper segment, stop) around the classic ``transcript``,
        which also carries the details a gateway's remote recognizer uses (``voice/asr_remote.py``)."""
        language = result.language
        await self._write(TranscriptStart(context=context, language=language).event())
        for piece in pieces:
            await self._write(TranscriptChunk(text=piece).event())
        transcript = Transcript(text=result.text, context=context, language=language).event()
        transcript.data[EXTENSION] = extension_of(result)
        await self._write(transcript)
        await self._write(TranscriptStop().event())
