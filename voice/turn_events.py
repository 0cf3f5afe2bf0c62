"""What the turn detector (``voice.turns``) is configured with and what it reports: plain data, no logic.

Kept apart from the detector so the state machine stays one readable file; ``voice.turns`` re-exports all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voice.ports import PCM


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
    # End-of-turn model (``voice.ports.EndOfTurn``). None: silence alone ends a turn (end_ms). Set: after
    # ``model_check_ms`` of silence the detector asks for a verdict (EndOfTurnCheck); "complete" (probability
    # >= complete_threshold) ends the turn at once, "incomplete" lets it wait up to ``incomplete_ms`` (caller
    # thinking, reading out a number). Until the verdict arrives end_ms still applies, so a slow model never
    # makes a turn wait longer than the silence rule alone.
    model_check_ms: float | None = None
    complete_threshold: float = 0.5
    incomplete_ms: float = 1500.0

    def __post_init__(self) -> None:
        if not 0 < self.continue_threshold <= self.start_threshold <= 1:
            raise ValueError("need 0 < continue_threshold <= start_threshold <= 1")
        if not self.tail_ms <= self.early_ms <= self.end_ms:
            raise ValueError("need tail_ms <= early_ms <= end_ms (early audio must equal final audio)")
        if self.model_check_ms is not None and not self.tail_ms <= self.model_check_ms <= self.end_ms:
            raise ValueError("need tail_ms <= model_check_ms <= end_ms")


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
class EndOfTurnCheck:
    """Silence reached model_check_ms: run the end-of-turn model on ``audio`` (the turn so far, trailing
    silence included) and hand its probability to ``TurnDetector.verdict`` with this ``pause``."""

    at: float
    audio: PCM
    pause: int


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
    reason: Literal["silence", "complete", "max_length"] = "silence"  # complete: the end-of-turn model said so


TurnEvent = SpeechStarted | BargeIn | Backchannel | EarlyEndCandidate | EndOfTurnCheck | SpeechResumed | TurnEnded
State = Literal["idle", "pending", "speaking"]
