"""Speech stand-ins for the scripted day: the caller's words travel as tones of distinct lengths.

Why not the real models: the scripted day checks what is *counted* (KPIs, CSAT, the dashboard) against
what the script did, exactly; Whisper cannot understand our offline Piper voice, and real recognition
would make a caller's turn a matter of chance. The call pipeline, the dialog engine, Redis, the
transfer and Twilio's part on the wire are the real ones; only the ears and the voice are replaced:
``WordsByLength`` hears turn ``i`` of the vocabulary as a tone of ``utterance_s(i)`` seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import numpy as np

from voice.ports import PCM, Transcript

TONE_HZ = 440.0


def utterance_s(index: int) -> float:
    """The length of the tone that says vocabulary word ``index`` (0.6 s, 1.0 s, 1.4 s, ...)."""
    return 0.6 + 0.4 * index


def tone(seconds: float, rate: int = 8000, amplitude: int = 9000) -> PCM:
    t = np.arange(int(seconds * rate)) / float(rate)
    return np.rint(amplitude * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.int16)


class WordsByLength:
    """A recognizer that hears the vocabulary entry whose tone length is nearest to the turn's voiced part."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.vocabulary = list(vocabulary)

    def turn(self, text: str, rate: int = 8000) -> PCM:
        """The caller's audio for ``text`` (an entry of the vocabulary), with a short pause after it."""
        pcm = tone(utterance_s(self.vocabulary.index(text)), rate)
        return np.concatenate([pcm, np.zeros(rate // 10, dtype=np.int16)])

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        voiced = int(np.count_nonzero(np.abs(pcm.astype(np.int32)) > 2000)) / float(rate) * 1.05
        index = min(range(len(self.vocabulary)), key=lambda i: abs(utterance_s(i) - voiced))
        return Transcript(self.vocabulary[index], 1.0, len(pcm) / float(rate), 0.001)


class LoudnessVAD:
    """Speech probability 1.0 for loud frames (tones), 0.0 for silence: deterministic."""

    frame_samples, rate = 256, 8000

    def __call__(self, frame: PCM) -> float:
        return 1.0 if float(np.abs(frame.astype(np.int32)).mean()) > 3000 else 0.0

    def reset(self) -> None:
        pass


class ToneVoice:
    """The bot's voice: 30 ms of tone per character (what the caller hears is not under test)."""

    native_rate = 8000

    async def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        yield tone(min(4.0, 0.03 * len(text)), rate, amplitude=6000)

    async def synthesize(self, text: str, rate: int) -> PCM:
        return tone(min(4.0, 0.03 * len(text)), rate, amplitude=6000)
