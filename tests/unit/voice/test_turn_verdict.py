"""The turn detector with an end-of-turn model: scripted probabilities, a fake clock and a fake model verdict.

Why: "complete" must end a turn after a short silence, "incomplete" must make it wait longer, and a verdict
that arrives after the caller spoke again must not end anything; all of that is pure decision logic.
"""

from __future__ import annotations

import numpy as np
import pytest

from voice.turns import (
    EarlyEndCandidate,
    EndOfTurnCheck,
    SpeechResumed,
    TurnConfig,
    TurnDetector,
    TurnEnded,
    TurnEvent,
)

RATE, FRAME_MS = 8000, 20
SPEECH, SILENCE = 0.9, 0.02
MODEL = TurnConfig(model_check_ms=200.0, incomplete_ms=1500.0)


class Script:
    """Feeds 20 ms frames of a given probability; time starts at 100 s (never zero)."""

    def __init__(self, config: TurnConfig = MODEL) -> None:
        self.detector = TurnDetector(RATE, config)
        self.now = 100.0
        self.events: list[TurnEvent] = []

    def feed(self, prob: float, ms: int) -> list[TurnEvent]:
        new: list[TurnEvent] = []
        for _ in range(ms // FRAME_MS):
            self.now = round(self.now + FRAME_MS / 1000.0, 6)
            new += self.detector.push(prob, np.zeros(RATE * FRAME_MS // 1000, np.int16), self.now)
        self.events += new
        return new

    def verdict(self, check: EndOfTurnCheck, prob: float) -> list[TurnEvent]:
        new = self.detector.verdict(check.pause, prob, self.now)
        self.events += new
        return new

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def checked(script: Script, speech_ms: int = 1000) -> EndOfTurnCheck:
    """Speech, then silence until the detector asks the model; returns the check."""
    script.feed(SPEECH, speech_ms)
    for _ in range(50):
        checks = [e for e in script.feed(SILENCE, FRAME_MS) if isinstance(e, EndOfTurnCheck)]
        if checks:
            return checks[0]
    raise AssertionError("no EndOfTurnCheck after 1 s of silence")


def test_check_comes_after_the_short_silence_with_the_turn_audio_so_far() -> None:
    s = Script()
    s.feed(SPEECH, 1000)
    speech_end = s.now
    check = checked(s, speech_ms=0)
    assert check.at - speech_end == pytest.approx(0.2, abs=1e-6)  # model_check_ms, no back-dating (silent frames)
    assert len(check.audio) >= RATE * 1.2  # the speech and the silence after it
    assert s.of(TurnEnded) == []


def test_complete_ends_the_turn_at_once() -> None:
    s = Script()
    check = checked(s)
    s.feed(SILENCE, 60)  # the model takes a while; silence goes on meanwhile
    (ended,) = s.verdict(check, 0.93)
    assert isinstance(ended, TurnEnded) and ended.reason == "complete" and ended.at == s.now
    assert s.feed(SILENCE, 2000) == []  # nothing more: the turn is over


def test_complete_turn_audio_equals_the_early_candidate_so_speculative_asr_is_used() -> None:
    s = Script()
    check = checked(s)
    s.feed(SILENCE, 40)
    (early,) = s.of(EarlyEndCandidate)
    (ended,) = s.verdict(check, 0.9)
    assert isinstance(ended, TurnEnded)
    assert np.array_equal(ended.audio, early.audio)


def test_incomplete_waits_longer_than_the_silence_rule() -> None:
    s = Script()
    check = checked(s)
    assert s.verdict(check, 0.2) == []
    silence_start = check.at - 0.2
    s.feed(SILENCE, 1000)  # past end_ms (500): the silence rule would have ended it
    assert s.of(TurnEnded) == []
    while not s.of(TurnEnded):
        s.feed(SILENCE, FRAME_MS)
    (ended,) = s.of(TurnEnded)
    assert ended.reason == "silence"
    assert ended.at - silence_start == pytest.approx(1.5, abs=0.021)  # incomplete_ms


def test_incomplete_then_the_caller_goes_on_is_one_turn() -> None:
    s = Script()
    check = checked(s)
    s.verdict(check, 0.1)
    s.feed(SILENCE, 700)  # a thinking pause, e.g. between digits
    s.feed(SPEECH, 800)
    assert s.of(TurnEnded) == []
    second = checked(s, speech_ms=0)
    assert second.pause == check.pause + 1
    (ended,) = s.verdict(second, 0.8)
    assert isinstance(ended, TurnEnded) and ended.speech_ms == pytest.approx(1800.0)


def test_a_verdict_after_speech_resumed_is_ignored() -> None:
    s = Script()
    check = checked(s)
    s.feed(SILENCE, 20)
    s.feed(SPEECH, 100)  # the caller went on before the model answered
    assert s.verdict(check, 0.99) == []
    s.feed(SILENCE, 100)
    assert s.verdict(check, 0.99) == []  # still stale in the new pause
    assert s.of(TurnEnded) == [] and len(s.of(SpeechResumed)) <= 1


def test_no_verdict_in_time_falls_back_to_the_silence_rule() -> None:
    s = Script()
    check = checked(s)
    s.feed(SILENCE, 400)
    (ended,) = s.of(TurnEnded)
    assert ended.reason == "silence"
    assert s.verdict(check, 0.99) == []  # too late: the turn already ended on silence


def test_without_a_model_no_check_is_asked() -> None:
    s = Script(TurnConfig())
    s.feed(SPEECH, 1000)
    s.feed(SILENCE, 1000)
    assert s.of(EndOfTurnCheck) == [] and len(s.of(TurnEnded)) == 1


def test_check_time_must_fit_between_tail_and_end() -> None:
    with pytest.raises(ValueError, match="model_check_ms"):
        TurnConfig(model_check_ms=800.0, end_ms=500.0)
