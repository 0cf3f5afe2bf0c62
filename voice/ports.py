"""Seams of the audio side. Adapters (faster-whisper, Piper, Silero) and fakes both satisfy these.

Audio convention everywhere in infolinia: mono PCM as a numpy ``int16`` array plus its sample rate.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

PCM = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Transcript:
    """What the recognizer heard, with enough detail to decide whether to trust it."""

    text: str
    confidence: float  # 0..1, from avg log-prob and no-speech probability
    audio_s: float  # duration of the audio recognised
    processing_s: float  # wall time spent recognising (queueing excluded)
    queued_s: float = 0.0  # time waiting for a free recognizer slot
    language: str = "pl"
    segments: tuple[tuple[float, float, str], ...] = field(default_factory=tuple)  # (start, end, text)
    # Why the recognizer withheld what it decoded ("loop", "budget", "low_logprob"); ``text`` is then empty,
    # so callers treat it as an unheard turn ("proszę powtórzyć"), while logs and metrics count it apart.
    rejected: str = ""
    # The beam's n-best (text, average log-prob), best first: the dialog may pick the one it understands.
    alternatives: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def nbest(self) -> list[tuple[str, float]]:
        """What was heard, best first, each with a 0..1 confidence on one scale: exp of the wording's average
        log-prob in the beam (``confidence`` for ``text`` when the beam does not hold it), then the beam's other
        wordings. Empty when nothing was heard or the transcript was rejected: a withheld turn must not come
        back through its alternatives."""
        top = self.text.strip()
        if not top:
            return []
        beam = {t.strip(): math.exp(min(0.0, lp)) for t, lp in reversed(self.alternatives) if t.strip()}
        rest = [(t.strip(), beam[t.strip()]) for t, _ in self.alternatives if t.strip() not in ("", top)]
        return [(top, beam.get(top, self.confidence)), *rest]


class Recognizer(Protocol):
    """Speech to text. Never blocks the event loop."""

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript: ...


class Synthesizer(Protocol):
    """Text to speech, streamed sentence by sentence so the first audio comes early."""

    @property
    def native_rate(self) -> int: ...

    def stream(self, text: str, rate: int) -> AsyncIterator[PCM]:
        """Yield PCM chunks at ``rate`` (one or more per sentence) as soon as each is synthesized."""
        ...

    async def synthesize(self, text: str, rate: int) -> PCM:
        """The whole utterance at ``rate`` (cached for frequent prompts)."""
        ...


@runtime_checkable
class SpareCapacity(Protocol):
    """A recognizer that can tell whether a recognition asked for now would start at once.

    Why: a speculative recognition (started in a pause that may not end the turn) is free when a worker is
    idle and costs other callers' turns when none is: once started, it runs to its end even if the caller
    talks on (docs/benchmarks.md: an eighth of the CPU with 16 calls)."""

    def has_spare(self) -> bool: ...


@runtime_checkable
class WarmsOpenings(Protocol):
    """A voice that keeps the fixed openings of templated replies ready (``voice.tts.PiperSynthesizer``)."""

    async def warm_openings(self, rate: int) -> int:
        """Render every opening at ``rate`` ahead of use; returns how many were rendered now."""
        ...


class SpeechProbability(Protocol):
    """Per-frame voice activity: probability that a frame contains speech."""

    frame_samples: int  # samples per frame at ``rate`` the model expects
    rate: int

    def __call__(self, frame: PCM) -> float: ...

    def reset(self) -> None: ...


class EndOfTurn(Protocol):
    """Has the caller finished their turn? Judged from the turn's audio (prosody, words), not silence alone.

    Returns the probability that the turn is complete. Never blocks the event loop (a model runs in a thread)."""

    async def __call__(self, pcm: PCM, rate: int) -> float: ...
