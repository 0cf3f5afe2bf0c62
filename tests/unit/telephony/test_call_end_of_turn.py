"""The call pipeline with an end-of-turn model (a fake one): the scripted phone line of test_call.py.

Why: the model's verdict arrives from another task while caller audio keeps flowing; "complete" must end
the turn sooner than the silence rule, "incomplete" must keep a caller's mid-sentence pause in one turn,
and a broken model must leave the silence rule in charge, never the caller in silence. The fake models
answer at once, so the verdict lands with the next audio frame: deterministic on media time.
"""

from __future__ import annotations

import pytest

from tests.support.call import Recognizer
from tests.support.line import call, harness
from voice.ports import PCM
from voice.turns import TurnConfig

WITH_MODEL = TurnConfig(model_check_ms=200.0, early_ms=200.0, incomplete_ms=1500.0)  # as telephony.app.phone


class FakeModel:
    """An ``EndOfTurn`` that always gives ``prob``; records what it was asked."""

    def __init__(self, prob: float, fail: bool = False) -> None:
        self.prob, self.fail = prob, fail
        self.asked: list[int] = []  # samples of each audio judged

    async def __call__(self, pcm: PCM, rate: int) -> float:
        self.asked.append(len(pcm))
        if self.fail:
            raise RuntimeError("model exploded")
        return self.prob


async def test_complete_ends_the_turn_sooner_than_the_silence_rule() -> None:
    model = FakeModel(0.9)
    h = await harness(turn_config=WITH_MODEL, end_of_turn=model)
    h.line.replied(1).play_out().say("Gdzie jest moja paczka?").replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Gdzie jest moja paczka?"]
    (turn,) = report.turns
    assert len(model.asked) == 1 and model.asked[0] > 0.6 * 8000  # the speech and the pause so far
    assert turn.speculative  # recognition started with the model's check, so the verdict found it running
    # 200 ms check + one 20 ms frame for the verdict (+ a VAD window of rounding), not end_ms (0.5 s)
    assert turn.turn_detected - turn.speech_end == pytest.approx(0.25, abs=0.05)


async def test_incomplete_keeps_a_mid_sentence_pause_in_one_turn() -> None:
    h = await harness(turn_config=WITH_MODEL, end_of_turn=FakeModel(0.1), recognizer=Recognizer())
    h.line.replied(1).play_out().say("Mój numer to", then_silence=0.8).say("cztery osiem dwa", then_silence=1.8)
    h.line.until(lambda: bool(h.dialog.handled)).replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Mój numer to cztery osiem dwa"]  # the silence rule would have cut at 0.5 s
    assert h.dialog.retracted == []
    (turn,) = [t for t in report.turns if t.text]
    assert turn.turn_detected - turn.speech_end == pytest.approx(1.5, abs=0.05)  # incomplete_ms


async def test_a_failing_model_leaves_the_silence_rule_in_charge() -> None:
    h = await harness(turn_config=WITH_MODEL, end_of_turn=FakeModel(0.9, fail=True))
    h.line.replied(1).play_out().say("Gdzie jest moja paczka?").replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Gdzie jest moja paczka?"]  # answered, not dropped, no apology
    assert report.ended == "caller_hung_up" and report.errors == []
    (turn,) = report.turns
    assert turn.turn_detected - turn.speech_end == pytest.approx(0.5, abs=0.1)  # end_ms, as without a model


async def test_a_config_asking_a_model_without_one_is_refused() -> None:
    from telephony.call.inbound import Ears
    from tests.support.call import AmplitudeVAD

    with pytest.raises(ValueError, match="end-of-turn model"):
        Ears(AmplitudeVAD(), WITH_MODEL)


def test_the_phone_config_starts_recognition_when_the_model_is_asked() -> None:
    from telephony.app.phone import turn_config
    from telephony.settings import Settings

    silence = turn_config(Settings(turn_model="silence"))
    model = turn_config(Settings(turn_model="smart-turn", turn_model_check_ms=150, turn_incomplete_ms=1200))
    assert silence.model_check_ms is None and silence.early_ms == 220
    assert model.model_check_ms == model.early_ms == 150 and model.incomplete_ms == 1200
