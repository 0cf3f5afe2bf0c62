"""Turn taking for one audio channel: a pure state machine over per-frame speech probabilities.

Why a separate, pure piece: when to answer, when to stop talking and what to ignore decides how
natural the line feels, and it is easiest to tune with scripted probabilities and a fake clock.
No I/O, no model: the caller runs the VAD, passes each frame's probability, its PCM and the time
it arrived (``now``, seconds, end of the frame), and sets ``bot_speaking`` while TTS plays.

Rules (all durations in ``TurnConfig``):

* Frames are voiced with hysteresis: a frame turns voiced at ``p >= start_threshold`` and stays
  voiced while ``p >= continue_threshold``.
* A speech candidate accumulates voiced time; ``blip_gap_ms`` of silence drops it. It becomes a
  turn (``SpeechStarted``) after ``start_ms`` of speech, so coughs and clicks are ignored. While
  the bot speaks it needs ``barge_in_ms`` (``BargeIn`` then ``SpeechStarted``); shorter bursts
  ("mhm", "aha", "yhm") are reported as ``Backchannel`` and dropped.
* After ``early_ms`` of silence in a turn comes ``EarlyEndCandidate`` with the audio so far, so
  ASR can start speculatively; voice before ``end_ms`` gives ``SpeechResumed`` (discard it).
  ``end_ms`` of silence gives ``TurnEnded``. Its audio is the same as the early candidate's
  when no ``SpeechResumed`` came between (both keep ``tail_ms`` after the last voiced frame).
* Turn audio starts ``preroll_ms`` before the speech onset, so the first phoneme is not clipped.
* ``max_turn_ms`` force-ends a turn (``reason="max_length"``); speech going on starts a new one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from voice.ports import PCM

_AUDIBLE_RMS = 100.0  # ~-50 dBFS: quieter turns (or synthetic test frames) are not back-dated


@dataclass(frozen=True)
class TurnConfig:
    start_threshold: float = 0.5
    continue_threshold: float = 0.35
    start_ms: float = 200.0
    barge_in_ms: float = 600.0  # Silero lingers ~60-100 ms, so a 450 ms "no tak" measures ~550 ms
    blip_gap_ms: float = 200.0
    early_ms: float = 220.0
    end_ms: float = 500.0
    tail_ms: float = 60.0  # audio kept after the VAD's end, which itself lags the words by ~150 ms
    preroll_ms: float = 300.0
    max_turn_ms: float = 20000.0
    # Silero keeps scoring ~150-200 ms of a word's fading tail as speech (measured on the phone eval set),
    # so the silence clocks start where the turn's audio energy fell this far below its loudest frame, at
    # most ``backdate_ms`` before the VAD's own end. None: count silence from the VAD alone.
    end_energy_db: float | None = -30.0
    backdate_ms: float = 200.0
    # Speech this soon after the caller's last turn ended is that turn going on (a pause longer than
    # end_ms), not a backchannel: it takes the floor after start_ms even while the bot has begun replying.
    continuation_ms: float = 1000.0

    def __post_init__(self) -> None:
        if not 0 < self.continue_threshold <= self.start_threshold <= 1:
            raise ValueError("need 0 < continue_threshold <= start_threshold <= 1")
        if not self.tail_ms <= self.early_ms <= self.end_ms:
            raise ValueError("need tail_ms <= early_ms <= end_ms (early audio must equal final audio)")


@dataclass(frozen=True)
class SpeechStarted:
    at: float  # when the turn was recognised (start_ms or barge_in_ms into the speech)
    onset: float  # when the speech began


@dataclass(frozen=True)
class BargeIn:
    """The caller talks over the bot for real: stop playback. Always followed by SpeechStarted.

    ``continues_turn``: it began within ``continuation_ms`` of the caller's previous turn, so it is most
    likely the rest of that turn (the caller only paused), to be recognised together with it."""

    at: float
    onset: float
    continues_turn: bool = False


@dataclass(frozen=True)
class Backchannel:
    """A short burst while the bot spoke ("mhm", "aha"): neither a turn nor a barge-in."""

    at: float
    ms: float


@dataclass(frozen=True)
class EarlyEndCandidate:
    """Silence reached early_ms: recognise ``audio`` speculatively; SpeechResumed cancels it."""

    at: float
    audio: PCM
    started_at: float
    ended_at: float
    speech_ms: float


@dataclass(frozen=True)
class SpeechResumed:
    at: float


@dataclass(frozen=True)
class TurnEnded:
    """A finished user turn. ``audio`` runs from preroll_ms before started_at to tail_ms after ended_at."""

    at: float
    audio: PCM
    started_at: float
    ended_at: float
    speech_ms: float
    reason: Literal["silence", "max_length"] = "silence"


TurnEvent = SpeechStarted | BargeIn | Backchannel | EarlyEndCandidate | SpeechResumed | TurnEnded
State = Literal["idle", "pending", "speaking"]


class TurnDetector:
    """One per channel. ``push`` every VAD frame in order; set ``bot_speaking`` while the bot talks."""

    def __init__(self, rate: int, config: TurnConfig | None = None) -> None:
        self.rate = rate
        self.config = config or TurnConfig()
        self.bot_speaking = False
        self.reset()

    def reset(self) -> None:
        """Forget everything heard (new call, or after the pipeline dropped the channel's audio)."""
        self.state: State = "idle"
        self._voiced = False
        self._history: deque[PCM] = deque()  # recent audio outside a turn, for the pre-roll
        self._frames: list[PCM] = []  # candidate or turn audio, pre-roll first
        self._samples = 0  # samples in _frames
        self._voiced_end = 0  # samples in _frames up to the end of the last voiced frame
        self._onset = 0.0
        self._last_voiced_at = 0.0
        self._speech_ms = 0.0
        self._silence_ms = 0.0
        self._early_sent = False
        self._peak_rms = 0.0  # loudest frame of the turn
        self._last_end_at = float("-inf")  # when the caller's last turn ended (its speech end)
        self._loud_at = 0.0  # end of the last frame within end_energy_db of the peak

    def push(self, prob: float, frame: PCM, now: float) -> list[TurnEvent]:
        """Feed one frame (its probability, its PCM, its arrival time); return the events it causes."""
        frame_ms = 1000.0 * len(frame) / self.rate
        cfg = self.config
        self._voiced = prob >= (cfg.continue_threshold if self._voiced else cfg.start_threshold)
        if self.state == "idle":
            return self._idle(frame, frame_ms, now)
        self._frames.append(frame)
        self._samples += len(frame)
        if self._voiced:
            self._speech_ms += frame_ms
            self._voiced_end = self._samples
            self._last_voiced_at = now
            self._track_energy(frame, now)
        if self.state == "pending":
            return self._pending(frame_ms, now)
        return self._speaking(frame_ms, now)

    def _idle(self, frame: PCM, frame_ms: float, now: float) -> list[TurnEvent]:
        if not self._voiced:
            self._remember(frame)
            return []
        self.state = "pending"
        self._frames = [self._preroll(), frame]
        self._samples = self._voiced_end = len(self._frames[0]) + len(frame)
        self._onset = now - frame_ms / 1000.0
        self._last_voiced_at = now
        self._speech_ms = frame_ms
        self._silence_ms = 0.0
        self._peak_rms, self._loud_at = 0.0, now
        self._track_energy(frame, now)
        return self._pending(frame_ms, now)

    def _pending(self, frame_ms: float, now: float) -> list[TurnEvent]:
        continues = self._onset - self._last_end_at <= self.config.continuation_ms / 1000.0
        needed = self.config.barge_in_ms if self.bot_speaking and not continues else self.config.start_ms
        if self._voiced:
            self._silence_ms = 0.0
            if self._speech_ms < needed:
                return []
            self.state = "speaking"
            started = SpeechStarted(at=now, onset=self._onset)
            if not self.bot_speaking:
                return [started]
            return [BargeIn(at=now, onset=self._onset, continues_turn=continues), started]
        self._silence_ms += frame_ms
        if self._silence_ms < self.config.blip_gap_ms:
            return []
        events: list[TurnEvent] = []
        if self.bot_speaking:
            events.append(Backchannel(at=now, ms=self._speech_ms))
        self._drop_candidate()
        return events

    def _speaking(self, frame_ms: float, now: float) -> list[TurnEvent]:
        cfg = self.config
        events: list[TurnEvent] = []
        if self._voiced:
            if self._early_sent:
                events.append(SpeechResumed(at=now))
            self._silence_ms = 0.0
            self._early_sent = False
        elif self._silence_ms == 0.0:
            self._silence_ms = frame_ms + self._backdate_ms(now - frame_ms / 1000.0)
        else:
            self._silence_ms += frame_ms
        if (now - self._onset) * 1000.0 >= cfg.max_turn_ms:
            return [*events, self._end(now, "max_length")]
        if self._silence_ms >= cfg.end_ms:
            return [*events, self._end(now, "silence")]
        tail_heard = self._samples - self._voiced_end >= cfg.tail_ms * self.rate / 1000.0  # early audio == final
        if self._silence_ms >= cfg.early_ms and tail_heard and not self._early_sent:
            self._early_sent = True
            events.append(
                EarlyEndCandidate(
                    at=now,
                    audio=self._turn_audio(),
                    started_at=self._onset,
                    ended_at=self._speech_end(),
                    speech_ms=self._speech_ms,
                )
            )
        return events

    def _end(self, now: float, reason: Literal["silence", "max_length"]) -> TurnEnded:
        ended = TurnEnded(
            at=now,
            audio=self._turn_audio(),
            started_at=self._onset,
            ended_at=self._speech_end() if reason != "max_length" else now,
            speech_ms=self._speech_ms,
            reason=reason,
        )
        self._last_end_at = ended.ended_at
        # The trailing silence (end_ms, beyond tail_ms) may serve as the next turn's pre-roll;
        # audio of a cut turn may not, or the words around the cut would be recognised twice.
        self._history.clear()
        if reason == "silence":
            for frame in self._frames:
                self._remember(frame)
        self._frames = []
        self.state = "idle"
        self._early_sent = False
        return ended

    def _track_energy(self, frame: PCM, now: float) -> None:
        db = self.config.end_energy_db
        if db is None or len(frame) == 0:
            return
        rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64))))
        self._peak_rms = max(self._peak_rms, rms)
        if rms >= self._peak_rms * 10.0 ** (db / 20.0):
            self._loud_at = now

    def _backdate_ms(self, vad_end: float) -> float:
        """How long before the VAD's end the voice energy had already faded (0 for silent test audio)."""
        if self.config.end_energy_db is None or self._peak_rms < _AUDIBLE_RMS:
            return 0.0
        return max(0.0, min(self.config.backdate_ms, 1000.0 * (vad_end - self._loud_at)))

    def _speech_end(self) -> float:
        """When the caller stopped speaking: the faded-energy end when back-dated, else the VAD's."""
        return self._last_voiced_at - self._backdate_ms(self._last_voiced_at) / 1000.0

    def _turn_audio(self) -> PCM:
        """Turn audio from the pre-roll to tail_ms after the last voiced frame."""
        tail = int(self.config.tail_ms * self.rate / 1000.0)
        audio = np.concatenate(self._frames) if self._frames else np.zeros(0, dtype=np.int16)
        return audio[: self._voiced_end + tail]

    def _drop_candidate(self) -> None:
        """A blip, not a turn: its audio goes back to the pre-roll history."""
        for frame in self._frames[1:]:
            self._remember(frame)
        self._frames = []
        self.state = "idle"

    def _remember(self, frame: PCM) -> None:
        self._history.append(frame)
        keep = int(self.config.preroll_ms * self.rate / 1000.0)
        total = sum(len(f) for f in self._history)
        while self._history and total - len(self._history[0]) >= keep:
            total -= len(self._history.popleft())

    def _preroll(self) -> PCM:
        keep = int(self.config.preroll_ms * self.rate / 1000.0)
        if not self._history or keep == 0:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self._history)[-keep:]
