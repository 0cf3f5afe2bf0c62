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
* With an end-of-turn model (``model_check_ms`` set): ``model_check_ms`` of silence (once ``tail_ms`` is
  heard) gives ``EndOfTurnCheck``; the caller runs the model and passes its probability to ``verdict``.
  "Complete" ends the turn at once (``reason="complete"``); "incomplete" moves the end to
  ``incomplete_ms``; a verdict that comes after speech resumed (another ``pause``) is ignored.
"""

from __future__ import annotations

from collections import deque
from typing import Literal

import numpy as np

from voice.ports import PCM
from voice.turn_events import (
    Backchannel,
    BargeIn,
    EarlyEndCandidate,
    EndOfTurnCheck,
    SpeechResumed,
    SpeechStarted,
    State,
    TurnConfig,
    TurnEnded,
    TurnEvent,
)

__all__ = [
    "Backchannel",
    "BargeIn",
    "EarlyEndCandidate",
    "EndOfTurnCheck",
    "SpeechResumed",
    "SpeechStarted",
    "TurnConfig",
    "TurnDetector",
    "TurnEnded",
    "TurnEvent",
]

_AUDIBLE_RMS = 100.0  # ~-50 dBFS: quieter turns (or synthetic test frames) are not back-dated


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
        self._pause = 0  # numbers the model checks, so a stale verdict is recognised
        self._checked = False  # this pause's check was sent
        self._incomplete = False  # the model judged this pause a turn going on
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

    def verdict(self, pause: int, complete_prob: float, now: float) -> list[TurnEvent]:
        """The end-of-turn model's answer to ``EndOfTurnCheck`` number ``pause``, arriving at ``now``."""
        if self.state != "speaking" or pause != self._pause or not self._checked or self._silence_ms == 0.0:
            return []  # the caller spoke again (or the turn ended) before the verdict came
        if complete_prob >= self.config.complete_threshold:
            return [self._end(now, "complete")]
        self._incomplete = True
        return []

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
            self._early_sent = self._checked = self._incomplete = False
        elif self._silence_ms == 0.0:
            self._silence_ms = frame_ms + self._backdate_ms(now - frame_ms / 1000.0)
        else:
            self._silence_ms += frame_ms
        if (now - self._onset) * 1000.0 >= cfg.max_turn_ms:
            return [*events, self._end(now, "max_length")]
        if self._silence_ms >= (cfg.incomplete_ms if self._incomplete else cfg.end_ms):
            return [*events, self._end(now, "silence")]
        tail_heard = self._samples - self._voiced_end >= cfg.tail_ms * self.rate / 1000.0  # early audio == final
        check = cfg.model_check_ms is not None and self._silence_ms >= cfg.model_check_ms
        if check and tail_heard and not self._checked:
            self._checked, self._pause = True, self._pause + 1
            events.append(EndOfTurnCheck(at=now, audio=np.concatenate(self._frames), pause=self._pause))
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

    def _end(self, now: float, reason: Literal["silence", "complete", "max_length"]) -> TurnEnded:
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
        if reason != "max_length":
            for frame in self._frames:
                self._remember(frame)
        self._frames = []
        self.state = "idle"
        self._early_sent = self._checked = self._incomplete = False
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
