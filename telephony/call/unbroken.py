"""Unbroken sound on a call (a radio behind the caller, a noisy line): when the bot stops waiting for a turn to end.

Why: the turn detector cuts a turn at ``max_turn_ms`` (20 s) and sound going on starts the next one at once; its
start interrupts the cut turn's recognition, which the floor carries into the next turn (``telephony/call/floor``).
With sound that never stops every turn is cut and carried: the caller never gets a reply and never hears a word,
for as long as the sound lasts. Nobody talks ``turns`` times ``max_turn_ms`` (40 s) without one half-second pause,
and answering what a radio said (or a reply the sound would barge in on at once) helps nobody; a human can ask the
caller to turn it down. So at the ``turns``-th cut in a row the bot says so, not to be interrupted (the sound
would cut any reply), and hands the call over as the dialog does for a turn it cannot answer (``not_understood``:
its queue, its out-of-hours rules). Any turn that ends on silence (or the end-of-turn model) starts the count
afresh. Pure: a turn's end reason in, a decision out (``tests/unit/telephony/test_unbroken_sound.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

# The caller's line in the call's transcript (the agent reads it): the turn that was no words but sound.
UNBROKEN_MARK = "[ciągły dźwięk na linii]"


@dataclass
class UnbrokenSound:
    """Counts turns cut at their maximum length one after another (``turns``: how many mean the line is noise)."""

    turns: int = 2
    cut: int = 0  # turns cut at the maximum since the last turn that ended on its own

    def turn_ended(self, reason: str) -> bool:
        """A turn ended (``TurnEnded.reason``): True when it is the ``turns``-th cut at the maximum in a row (then
        the count starts again, so a call whose hand-over fails is not handed over at every later cut)."""
        self.cut = self.cut + 1 if reason == "max_length" else 0
        if self.cut < self.turns:
            return False
        self.cut = 0
        return True
