"""Deterministic stand-ins for the speech models, for unit tests of the pieces around them.

Why these and not mocks: they satisfy the real ``Recognizer``/``Synthesizer`` protocols with
behaviour a test can predict exactly. ``EchoRecognizer`` "hears" text smuggled inside the PCM
(``text_to_pcm``), so a test can push a caller's words through the whole audio path; ``ToneSynthesizer``
produces audio whose length says how much text was spoken, streamed sentence by sentence like Piper.
They lived in ``voice/`` but no product code (the simulator and benches included) uses them: test doubles
belong to the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

import numpy as np

from voice.ports import PCM, Transcript
from voice.sentences import split_sentences


def text_to_pcm(text: str) -> PCM:
    """Encode UTF-8 text as int16 samples (padded with a NUL byte to an even length) for EchoRecognizer."""
    data = text.encode("utf-8")
    if len(data) % 2:
        data += b"\x00"
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


class EchoRecognizer:
    """Recognizer that decodes the int16 array's bytes as UTF-8 text (see ``text_to_pcm``).

    Audio that is not valid UTF-8 (real sound) is "heard" as an empty, zero-confidence transcript.
    ``calls`` records (text, rate, hotwords) so tests can check what was sent for recognition.
    """

    def __init__(self, processing_s: float = 0.0) -> None:
        self.processing_s = processing_s
        self.calls: list[tuple[str, int, tuple[str, ...]]] = []

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        try:
            text = np.asarray(pcm, dtype="<i2").tobytes().rstrip(b"\x00").decode("utf-8").strip()
        except UnicodeDecodeError:
            text = ""
        self.calls.append((text, rate, tuple(hotwords)))
        return Transcript(
            text=text,
            confidence=1.0 if text else 0.0,
            audio_s=len(pcm) / float(rate),
            processing_s=self.processing_s,
        )


class ToneSynthesizer:
    """Synthesizer producing a 440 Hz tone, ``ms_per_char`` milliseconds per character, per sentence.

    ``spoken`` records every sentence streamed, so tests can check what the caller would have heard.
    """

    def __init__(self, ms_per_char: float = 60.0, native_rate: int = 22050, amplitude: int = 8000) -> None:
        self.ms_per_char = ms_per_char
        self._native_rate = native_rate
        self.amplitude = amplitude
        self.spoken: list[str] = []

    @property
    def native_rate(self) -> int:
        return self._native_rate

    def tone(self, text: str, rate: int) -> PCM:
        """The deterministic audio for ``text`` at ``rate``."""
        n = round(len(text) * self.ms_per_char / 1000.0 * rate)
        t = np.arange(n) / float(rate)
        return np.rint(self.amplitude * np.sin(2 * np.pi * 440.0 * t)).astype(np.int16)

    async def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        for sentence in split_sentences(text):
            self.spoken.append(sentence)
            yield self.tone(sentence, rate)

    async def synthesize(self, text: str, rate: int) -> PCM:
        chunks = [c async for c in self.stream(text, rate)]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


class GatedRecognizer:
    """A recognizer that runs one recognition at a time in arrival order (as the real one's slot does) and
    holds each until the test releases it, so tests order events without any clock.

    ``arrived``: texts in the order ``transcribe`` was called; ``started``: in the order they got the slot.
    Texts come from ``text_to_pcm``. Use from one event loop.
    """

    def __init__(self) -> None:
        self.arrived: list[str] = []
        self.started: list[str] = []
        self._gates: dict[str, asyncio.Event] = {}
        self._slot: asyncio.Semaphore | None = None

    def _gate(self, text: str) -> asyncio.Event:
        return self._gates.setdefault(text, asyncio.Event())

    def release(self, text: str) -> None:
        self._gate(text).set()

    @staticmethod
    async def wait_until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        """Let the other tasks run until ``predicate()`` holds (``timeout_s`` is a generous outer guard)."""
        async with asyncio.timeout(timeout_s):
            while not predicate():
                await asyncio.sleep(0.001)

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        text = np.asarray(pcm, dtype="<i2").tobytes().rstrip(b"\x00").decode("utf-8")
        self._slot = self._slot or asyncio.Semaphore(1)
        self.arrived.append(text)
        async with self._slot:
            self.started.append(text)
            await self._gate(text).wait()
        return Transcript(text=text, confidence=1.0, audio_s=len(pcm) / float(rate), processing_s=0.0)
