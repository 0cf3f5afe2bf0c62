"""Audio plumbing of the Wyoming server: collecting an utterance, cutting audio into chunk events.

Why separate from the handler: both pieces make decisions about untrusted input (audio formats, sizes)
that deserve tests of their own, and neither needs a socket. Streamed text is cut into sentences by the
one splitter, ``voice.sentences.SentenceStream``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
from wyoming.audio import AudioChunk, AudioChunkConverter
from wyoming.event import Event

from voice.ports import PCM
from voice.wavio import to_mono_int16

SUPPORTED_WIDTHS = (1, 2, 3, 4)  # bytes per sample that audioop converts to 16-bit
MIN_RATE, MAX_RATE = 8000, 96000
SAMPLES_PER_CHUNK = 1024  # per audio-chunk event we send (~46 ms at 22.05 kHz), as Wyoming servers do

AudioFormat = tuple[int, int, int]  # (rate, width, channels)


class AudioRejected(Exception):
    """Audio we cannot or will not take; ``code`` goes into the Wyoming error event."""

    def __init__(self, text: str, code: str) -> None:
        super().__init__(text)
        self.text, self.code = text, code


def audio_format(data: Mapping[str, object]) -> AudioFormat:
    """(rate, width, channels) of an audio-start/audio-chunk event, validated."""
    values = [data.get(k) for k in ("rate", "width", "channels")]
    ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if len(ints) != 3:
        raise AudioRejected("audio events need integer rate, width and channels", "bad-audio-format")
    rate, width, channels = ints
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioRejected(f"sample rate {rate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz", "bad-audio-format")
    if width not in SUPPORTED_WIDTHS:
        raise AudioRejected(f"sample width {width} bytes is not supported (1-4)", "bad-audio-format")
    if channels not in (1, 2):
        raise AudioRejected(f"{channels} channels are not supported (mono or stereo)", "bad-audio-format")
    return rate, width, channels


class UtteranceBuffer:
    """One utterance's audio, converted to 16-bit mono as it arrives and capped in duration.

    Rate conversion is left to the recognizer (soxr, better than audioop's ``ratecv``); the sample width
    is converted with wyoming's own ``AudioChunkConverter``; stereo is averaged here (the converter
    *sums* the channels, which clips loud audio). The format may not change mid-utterance: a satellite
    that does so is broken, and guessing would feed noise to Whisper.
    """

    def __init__(self, max_s: float, fmt: AudioFormat | None = None) -> None:
        self.max_s = max_s
        self.format = fmt
        self._converter = AudioChunkConverter(width=2)
        self._parts: list[PCM] = []
        self.samples = 0

    def add(self, data: Mapping[str, object], payload: bytes | None) -> None:
        fmt = audio_format(data)
        if self.format is None:
            self.format = fmt
        elif fmt != self.format:
            raise AudioRejected(f"audio format changed mid-utterance ({self.format} -> {fmt})", "bad-audio-format")
        rate, width, channels = fmt
        audio = payload or b""
        frame = width * channels
        if len(audio) % frame:
            raise AudioRejected(f"audio chunk is not a whole number of {frame}-byte frames", "bad-audio-format")
        if (self.samples + len(audio) // frame) > self.max_s * rate:
            raise AudioRejected(f"utterance longer than {self.max_s:g} s", "audio-too-long")
        if audio:
            wide = self._converter.convert(AudioChunk(rate, width, channels, audio)).audio
            samples = np.frombuffer(wide, dtype="<i2").reshape(-1, channels)
            self._parts.append(to_mono_int16(samples))
            self.samples += len(samples)

    def pcm(self) -> tuple[PCM, int]:
        """The utterance as mono int16 PCM and its rate (16 kHz when nothing arrived)."""
        rate = self.format[0] if self.format else 16000
        pcm = np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.int16)
        return pcm.astype(np.int16, copy=False), rate


def chunk_events(pcm: PCM, rate: int, samples_per_chunk: int = SAMPLES_PER_CHUNK) -> Iterator[Event]:
    """``audio-chunk`` events (16-bit mono) for ``pcm``."""
    data = np.asarray(pcm, dtype="<i2").tobytes()
    step = samples_per_chunk * 2
    for start in range(0, len(data), step):
        yield AudioChunk(rate=rate, width=2, channels=1, audio=data[start : start + step]).event()
