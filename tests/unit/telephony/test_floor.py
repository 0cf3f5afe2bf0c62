"""The floor policy (telephony.call.floor) driven by scripted events: no tasks, no audio, no models."""

from __future__ import annotations

import numpy as np

from dialog.ports import Outcome
from telephony.call.floor import SPOKEN_MS, UNHEARD_S, Floor
from voice.turns import BargeIn, SpeechStarted


def audio(*samples: int) -> np.ndarray:
    return np.array(samples, dtype=np.int16)


def reply(action: str = "answer") -> Outcome:
    return Outcome(session_id="s", action=action, reply="Paczka dotrze jutro.")  # type: ignore[arg-type]


def answering(floor: Floor, outcome: Outcome) -> None:
    """The bot recognised a turn, decided, and is now saying ``outcome``."""
    floor.acting(True)
    floor.recognising(audio(1))
    assert floor.recognised("kiedy paczka", 300.0) == ("answer", None)
    floor.deciding()
    assert floor.reply_ready(outcome, yield_floor=True, caller_speaking=False)
    floor.speaking()


def test_barge_in_during_a_reply_interrupts_and_keeps_a_reply_barely_heard() -> None:
    floor, outcome = Floor(), reply()
    answering(floor, outcome)
    assert floor.takes_floor(BargeIn(at=1.0, onset=0.8), acting=True)
    assert floor.interrupt(acting=True)
    floor.interrupted(cancelled=True, heard_s=UNHEARD_S / 2)
    assert floor.stage == "idle" and floor.unsaid is outcome
    # The caller's new turn was only noise: the kept reply is said after all, once.
    floor.recognising(audio(2))
    assert floor.recognised("", 100.0) == ("say_unsaid", outcome)
    assert floor.unsaid is None


def test_a_reply_heard_for_a_while_is_not_said_again() -> None:
    floor = Floor()
    answering(floor, reply())
    assert floor.interrupt(acting=True)
    floor.interrupted(cancelled=True, heard_s=UNHEARD_S * 3)
    assert floor.unsaid is None
    floor.recognising(audio(2))
    assert floor.recognised("", 100.0) == ("nothing", None)


def test_speech_while_the_bot_is_idle_or_thinking_interrupts_nothing() -> None:
    floor = Floor()
    assert not floor.takes_floor(SpeechStarted(at=0.5, onset=0.3), acting=False)
    floor.acting(True)
    floor.deciding()  # the dialog is deciding: a backchannel ('mhm') does not cancel it
    assert not floor.takes_floor(SpeechStarted(at=0.5, onset=0.3), acting=True)
    floor.speaking()
    assert floor.takes_floor(SpeechStarted(at=0.5, onset=0.3), acting=True)


def test_a_turn_cut_while_recognised_is_carried_into_the_next_one() -> None:
    floor = Floor()
    floor.acting(True)
    floor.recognising(audio(1, 2))
    assert floor.takes_floor(SpeechStarted(at=2.0, onset=1.9), acting=True)
    assert floor.interrupt(acting=True)
    floor.interrupted(cancelled=True, heard_s=0.0)
    turn = floor.turn_ended(audio(3))
    assert turn.merged and not turn.continues and list(turn.audio) == [1, 2, 3]
    assert floor.carry is None and list(floor.last_turn if floor.last_turn is not None else []) == [1, 2, 3]


def test_continuation_within_the_carry_window_retracts_and_merges() -> None:
    floor = Floor()
    first = floor.turn_ended(audio(1, 2))
    assert not first.merged and not first.continues
    answering(floor, reply())
    event = BargeIn(at=3.0, onset=2.9, continues_turn=True)  # the caller only paused
    assert floor.takes_floor(event, acting=True) and floor.interrupt(acting=True)
    floor.interrupted(cancelled=True, heard_s=1.0)
    floor.paused(event)
    second = floor.turn_ended(audio(3))
    assert second.merged and second.continues and list(second.audio) == [1, 2, 3]
    assert not floor.retract and floor.carry is None
    assert not floor.turn_ended(audio(4)).continues  # retracted once only


def test_a_barge_in_that_starts_a_new_turn_carries_nothing() -> None:
    floor = Floor()
    floor.turn_ended(audio(1))
    answering(floor, reply())
    event = BargeIn(at=9.0, onset=8.9, continues_turn=False)
    floor.interrupt(acting=True)
    floor.interrupted(cancelled=True, heard_s=2.0)
    floor.paused(event)
    assert floor.carry is None and not floor.turn_ended(audio(2)).merged


def test_goodbye_and_transfer_are_not_interruptible_and_not_replaced() -> None:
    floor = Floor()
    floor.acting(True)
    assert floor.reply_ready(reply("end"), yield_floor=True, caller_speaking=True)  # said even over the caller
    floor.speaking()
    assert not floor.interrupt(acting=True)
    assert not floor.may_take_over(acting=True)
    assert floor.may_take_over(acting=False)  # once it finished, the next action may start


def test_a_reply_ready_while_the_caller_talks_is_kept_not_said_over_them() -> None:
    floor, outcome = Floor(), reply()
    assert not floor.reply_ready(outcome, yield_floor=True, caller_speaking=True)
    assert floor.unsaid is outcome
    assert floor.reply_ready(outcome, yield_floor=False, caller_speaking=True)  # the greeting does not yield


def test_speech_without_words_gets_a_please_repeat_but_a_cough_does_not() -> None:
    floor = Floor()
    assert floor.recognised("", SPOKEN_MS) == ("not_understood", None)
    assert floor.recognised("", SPOKEN_MS / 3) == ("nothing", None)


def test_silence_prompt_then_goodbye_and_speech_starts_over() -> None:
    floor = Floor(silence_prompt_s=8.0)
    assert floor.silence_due(0.0, acting=False, playing=False, caller_quiet=True) is None
    assert floor.silence_due(7.9, acting=False, playing=False, caller_quiet=True) is None
    assert floor.silence_due(8.0, acting=False, playing=False, caller_quiet=True) == "still_there"
    assert floor.silence_due(9.0, acting=True, playing=True, caller_quiet=True) is None  # the prompt plays
    assert floor.silence_due(10.0, acting=False, playing=False, caller_quiet=True) is None
    assert floor.silence_due(18.0, acting=False, playing=False, caller_quiet=True) == "goodbye"
    floor.caller_active()
    assert floor.silence_due(20.0, acting=False, playing=False, caller_quiet=True) is None
    assert floor.silence_due(28.0, acting=False, playing=False, caller_quiet=True) == "still_there"


def test_no_silence_prompt_while_the_caller_speaks_or_the_fail_safe_runs() -> None:
    floor = Floor(silence_prompt_s=1.0)
    assert floor.silence_due(0.0, acting=False, playing=False, caller_quiet=False) is None
    assert floor.silence_due(5.0, acting=False, playing=False, caller_quiet=False) is None
    assert floor.fail() and floor.interruptible
    assert floor.silence_due(6.0, acting=False, playing=False, caller_quiet=True) is None
    assert floor.silence_due(9.0, acting=False, playing=False, caller_quiet=True) is None
    assert not floor.fail()  # the fail-safe itself failed: give up


def test_a_caller_talking_again_before_the_reply_goes_on_with_their_turn() -> None:
    """They paused at a comma, the turn ended, and they went on while the dialog answered the first half."""
    floor, outcome = Floor(), reply()
    floor.turn_ended(audio(1, 2))
    floor.acting(True)
    floor.recognising(audio(1, 2))
    assert floor.recognised("w bankach można założyć konto osobiste", 900.0) == ("answer", None)
    floor.deciding()
    assert not floor.reply_ready(outcome, yield_floor=True, caller_speaking=True, spoken=True)
    second = floor.turn_ended(audio(3))
    assert second.merged and second.continues and list(second.audio) == [1, 2, 3]
    floor.recognising(second.audio)
    assert floor.recognised("w bankach można założyć konto osobiste, oszczędnościowe", 900.0) == ("answer", None)
    assert floor.unsaid is None  # the whole turn gets a fresh answer; the half one is never said


def test_a_keypad_reply_kept_from_a_talking_caller_carries_no_speech() -> None:
    floor, outcome = Floor(), reply()
    floor.turn_ended(audio(1, 2))  # an earlier spoken turn, long answered
    floor.acting(True)
    floor.deciding()
    assert not floor.reply_ready(outcome, yield_floor=True, caller_speaking=True, spoken=False)
    assert floor.unsaid is outcome and floor.carry is None and not floor.retract
