"""Keys typed without the closing ``#``: callers type an order number and wait, since no prompt asks for
``#``. The entry ends a few seconds after the last key, as if ``#`` had been pressed, instead of the bot
going quiet, asking "still there?" and hanging up with the digits thrown away.

Driven through the scripted in-memory phone line of tests/support/line.py (media time, no sleeping).
"""

from __future__ import annotations

from dialog.ports import Outcome
from telephony.call.inbound import KEYS_END_S, Keypad
from tests.support.call import TEXTS
from tests.support.line import bot_lines, call, harness


def test_typed_keys_end_a_while_after_the_last_one() -> None:
    pad = Keypad()
    assert [pad.press(k, True, now=t) for k, t in (("4", 1.0), ("8", 2.0), ("2", 3.0))] == [None] * 3
    assert pad.timed_out(3.0 + KEYS_END_S - 0.1) is None  # still typing
    assert pad.timed_out(3.0 + KEYS_END_S) == ("text", "482")
    assert pad.typed == "" and pad.timed_out(60.0) is None  # the entry is over: nothing more to end
    pad.press("0", True, now=70.0)
    assert pad.timed_out(70.0 + KEYS_END_S) == ("human", "")  # a lone 0 means a human, as "0#" does


async def test_an_order_number_typed_without_hash_is_a_turn_and_never_a_silence_prompt() -> None:
    h = await harness(silence_prompt_s=8.0)
    h.dialog.replies["Zamówienie"] = Outcome("s1", "clarify", "Proszę podać numer.", expects="order_number")
    h.line.replied(1).play_out().say("Zamówienie").replied(2).play_out()
    h.line.press("048213").silence(KEYS_END_S + 0.5).until(lambda: len(h.dialog.handled) == 2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Zamówienie", "048213"]
    assert report.turns[-1].source == "dtmf"
    assert TEXTS.still_there not in [text for text, _ in bot_lines(report)]


async def test_a_key_pressed_before_speaking_does_not_become_a_turn_of_its_own() -> None:
    """A stray key, then the caller says what they want: the spoken turn is answered, and the key is never
    sent to the dialog a few seconds later, cutting that answer short."""
    h = await harness()
    h.line.replied(1).play_out().press("1").say("Dostawa").replied(2).play_out().silence(KEYS_END_S + 0.5)
    report = await call(h)
    assert h.dialog.handled == ["Dostawa"]
    assert [t.source for t in report.turns] == ["speech"]
