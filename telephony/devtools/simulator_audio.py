"""Audio side of the call simulator: the far-end player that behaves like Twilio's, and caller turns.

``FarEndPlayer`` is the part of Twilio a bot relies on: media is buffered and played in order at
8000 samples/s, a ``mark`` is returned only when the audio queued before it has played, and ``clear``
drops the buffer and returns every outstanding mark at once. It is driven by the simulator's 20 ms
tick, so what it "plays" lines up sample for sample with what the caller sends.

It also counts the silence a caller hears *inside* a sentence: the buffer ran dry while the sentence's
mark had not arrived yet (the gateway started a sentence before the rest of it was rendered, e.g. its
first clause or a pre-rendered opening, and the rest came late). A reply that starts sooner but stutters
is no gain, so the benchmarks report this beside the latency.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice.ports import PCM
from voice.wavio import voiced_end_s

RATE = 8000
FRAME = 160  # 20 ms at 8 kHz


@dataclass
class PlayedSegment:
    """Bot audio between two marks, as the simulated phone played it."""

    mark: str
    duration_s: float  # audio queued before the mark (since the previous one)
    played_s: float  # of which actually played
    interrupted: bool  # returned by a clear, not by playback
    returned_at: float  # simulator clock


@dataclass
class FarEndPlayer:
    """Twilio's outbound buffer: audio and marks in arrival order, played 160 samples per tick."""

    _queue: deque[PCM | tuple[str, int]] = field(default_factory=deque)  # audio, or (mark, segment samples)
    _unmarked: int = 0  # samples queued since the last mark
    _played: int = 0  # samples of the head segment played so far
    segments: list[PlayedSegment] = field(default_factory=list)
    starved_s: float = 0.0  # silence played inside a sentence (audio of it queued, its mark not yet)

    @property
    def idle(self) -> bool:
        """Nothing queued: no audio to play and no mark outstanding."""
        return not self._queue

    def add_audio(self, pcm: PCM) -> None:
        if len(pcm):
            self._queue.append(np.asarray(pcm, dtype=np.int16))
            self._unmarked += len(pcm)

    def add_mark(self, name: str) -> None:
        self._queue.append((name, self._unmarked))
        self._unmarked = 0

    def tick(self, now: float) -> tuple[PCM, list[str]]:
        """Play the next 20 ms; returns the samples played (silence-padded) and the marks now due."""
        out = np.zeros(FRAME, dtype=np.int16)
        filled = 0
        due: list[str] = []
        while self._queue:
            head = self._queue[0]
            if isinstance(head, tuple):
                self._queue.popleft()
                due.append(self._close(head, now, interrupted=False))
                continue
            if filled == FRAME:
                break
            take = min(FRAME - filled, len(head))
            out[filled : filled + take] = head[:take]
            filled += take
            self._played += take
            if take == len(head):
                self._queue.popleft()
            else:
                self._queue[0] = head[take:]
        if filled < FRAME and not self._queue and self._unmarked > 0:  # ran dry mid-sentence
            self.starved_s += (FRAME - filled) / RATE
        return out, due

    def clear(self, now: float) -> list[str]:
        """Drop all queued audio; every outstanding mark is returned immediately (as Twilio does)."""
        marks = [x for x in self._queue if isinstance(x, tuple)]
        self._queue.clear()
        self._unmarked = 0
        return [self._close(m, now, interrupted=True) for m in marks]

    def _close(self, mark: tuple[str, int], now: float, interrupted: bool) -> str:
        name, samples = mark
        played = min(self._played, samples)
        self.segments.append(PlayedSegment(name, samples / RATE, played / RATE, interrupted, now))
        self._played = 0
        return name


@dataclass
class CallerTurn:
    """One thing the caller does: say a WAV (8 kHz PCM) or press keys."""

    label: str  # file name or the text the audio says
    pcm: PCM = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    digits: str = ""  # DTMF instead of speech
    voiced_end_s: float = 0.0  # where the voiced part of ``pcm`` ends (speech end for latency)


def load_turn(spec: str) -> CallerTurn:
    """``path.wav`` (any format/rate soundfile reads) or ``dtmf:DIGITS`` (e.g. ``dtmf:48213#``)."""
    if spec.startswith("dtmf:"):
        return CallerTurn(label=spec, digits=spec[5:])
    from voice.wavio import read_audio

    pcm, _ = read_audio(spec, RATE)
    return CallerTurn(label=Path(spec).name, pcm=pcm, voiced_end_s=voiced_end_s(pcm))


def write_stereo(path: str | Path, caller: list[PCM], bot: list[PCM]) -> float:
    """Both sides of the call as a stereo 8 kHz WAV (left caller, right bot); returns its duration."""
    import soundfile as sf

    left = np.concatenate(caller) if caller else np.zeros(0, dtype=np.int16)
    right = np.concatenate(bot) if bot else np.zeros(0, dtype=np.int16)
    n = max(len(left), len(right))
    stereo = np.zeros((n, 2), dtype=np.int16)
    stereo[: len(left), 0] = left
    stereo[: len(right), 1] = right
    sf.write(str(path), stereo, RATE, subtype="PCM_16")
    return n / RATE
