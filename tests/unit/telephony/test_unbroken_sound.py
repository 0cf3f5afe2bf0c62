"""Unbroken sound on a call (review of the sixth probe, 2026-12-07): a radio behind the caller, a noisy line.

Every turn was cut at ``max_turn_ms`` and carried into the next: the caller never got a reply and never heard a
word, for as long as the sound lasted. Now at the second cut in a row (40 s with the default 20 s turns) the bot
says why (``catalogue.UNBROKEN_SOUND``), not to be cut by the sound, and the dialog hands the call over as for a
turn it cannot answer. The rule on scripted end reasons; the call on the in-memory line (media time, no sleeping).
"""

from __future__ import annotations

import numpy as np

from dialog import catalogue
from telephony.call.unbroken import UNBROKEN_MARK, UnbrokenSound
from tests.support.call import FALLBACK, LOUD, SID
from tests.support.line import call, harness
from voice.turns import TurnConfig


def test_the_second_cut_in_a_row_is_the_end_and_a_turn_that_ended_on_its_own_starts_afresh() -> None:
    rule = UnbrokenSound(turns=2)
    assert [rule.turn_ended(r) for r in ("max_length", "silence", "max_length", "complete")] == [False] * 4
    assert [rule.turn_ended(r) for r in ("max_length", "max_length")] == [False, True]
    # the count starts again: a hand-over that did not end the call is not asked for at every later cut
    assert [rule.turn_ended("max_length") for _ in range(3)] == [False, True, False]


async def test_unbroken_sound_gets_the_reason_said_whole_and_a_hand_over() -> None:
    h = await harness(turn_config=TurnConfig(max_turn_ms=2000.0))
    h.line.replied(1).play_out().audio(np.full(8000 * 9, LOUD, dtype=np.int16)).play_out()
    report = await call(h)
    assert h.dialog.escalated == ["not_understood"]  # the dialog's hand-over: its queue, its out-of-hours rules
    assert h.control.actions == [("transfer", SID, FALLBACK, "")] and report.ended == "transferred"
    said = [(e["text"], e["status"]) for e in report.transcript if e["role"] == "bot"]
    # heard whole, though the sound went on all along (the first cut's reply, to nothing recognised, was cut by it)
    assert said[-2:] == [(catalogue.UNBROKEN_SOUND, "heard"), ("Łączę z konsultantem.", "heard")], said
    assert [e["text"] for e in report.transcript if e["role"] == "caller"][-1] == UNBROKEN_MARK
