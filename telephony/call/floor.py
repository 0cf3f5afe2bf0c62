"""Who has the floor on a call: the policy of barge-in, kept replies and half turns, as a pure state machine.

Why apart from the call loop: these rules decide what the caller hears after talking over the bot, and
they are easy to get subtly wrong. Here they are plain methods over explicit state, with no tasks, no
sockets and no models, so a test drives them with scripted events (tests/unit/telephony/test_floor.py).
The call loop (``telephony.call.loop``, with its bot action in ``telephony.call.actions`` and its voice
in ``telephony.call.speaking``) does the I/O and asks the floor what to do at each step.

The rules:

* **Barge-in.** Caller speech over a talking bot (``BargeIn``), or a caller starting to speak while the
  bot recognises or speaks, interrupts the bot: ``clear`` and cancel its action. A goodbye or a transfer
  is not interruptible; it finishes.
* **Backchannel.** A ``SpeechStarted`` while the bot is idle or only thinking (dialog) interrupts
  nothing; the turn detector already ignores short noises while the bot talks.
* **Carry.** A turn cut while it was being recognised is not lost: its audio is carried and recognised
  together with the caller's next turn. A ``BargeIn`` that continues the caller's last turn (they only
  paused, and the bot's reply started too early) carries that turn and **retracts** the dialog's answer
  to it, so the two halves are understood as one turn.
* **Unsaid.** A reply cut before ``UNHEARD_S`` of it was heard is kept; if the caller's new turn turns
  out to be only noise, it is said after all. A reply ready while the caller is talking is kept the same
  way instead of being said over them, and (the caller only paused) their turn is carried and retracted
  as for a ``BargeIn`` that continues it.
* **Silence.** Caller silence while the line is idle gets "still there?", then a goodbye.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from dialog.ports import Outcome
from telephony.call.inbound import SilenceAction, SilenceWatch
from voice.ports import PCM
from voice.turns import BargeIn, SpeechStarted, TurnEvent

Stage = Literal["idle", "asr", "dialog", "speak"]
Next = Literal["answer", "say_unsaid", "not_understood", "nothing"]
UNHEARD_S = 0.3  # a reply cut before this much of it played counts as never said
SPOKEN_MS = 700.0  # a turn with this much speech but no words recognised gets "please repeat" (a cough won't)


@dataclass(frozen=True)
class Turn:
    """A finished caller turn as the floor hands it to recognition."""

    audio: PCM
    merged: bool  # carried audio was put in front: recognise afresh, no speculative result fits
    continues: bool  # the dialog's answer to the first half is to be retracted


@dataclass
class Floor:
    """The floor policy of one call. Every method is a decision or a transition; none does I/O."""

    silence_prompt_s: float = 8.0
    # A merged turn keeps at most this much of its latest audio (None: all). A caller going on after each pause
    # while the bot recognises, or sound with no pause at all, grew the carry by a turn each time.
    max_turn_samples: int | None = None
    stage: Stage = "idle"  # what the bot's action is doing: idle | asr | dialog | speak
    interruptible: bool = True  # False for a goodbye, a transfer and the fail-safe apology
    failing: bool = False  # the fail-safe runs: no more silence prompts, no barge-in metrics
    pending: PCM | None = None  # the turn being recognised
    carry: PCM | None = None  # a turn cut during recognition (or a paused half turn): joins the next
    last_turn: PCM | None = None  # the audio of the caller's latest turn
    retract: bool = False  # the next answered turn replaces the dialog's latest one
    current: Outcome | None = None  # the reply being said (None: a fixed prompt)
    unsaid: Outcome | None = None  # a reply the caller did not get to hear
    silence: SilenceWatch = field(init=False)

    def __post_init__(self) -> None:
        self.silence = SilenceWatch(self.silence_prompt_s)

    # --- the caller ---------------------------------------------------------------------------
    def takes_floor(self, event: TurnEvent, acting: bool) -> bool:
        """Whether ``event`` interrupts the bot's action (``acting``: one is running)."""
        busy = acting and self.stage in ("asr", "speak")
        return isinstance(event, BargeIn) or (isinstance(event, SpeechStarted) and busy)

    def paused(self, event: TurnEvent) -> None:
        """After a barge-in: a caller who only paused goes on with their last turn; carry and retract it."""
        if isinstance(event, BargeIn) and event.continues_turn and self.carry is None:
            self.carry = self.last_turn
            self.retract = self.last_turn is not None

    def caller_active(self) -> None:
        """The caller spoke or pressed a key: silence counts from zero again."""
        self.silence.caller_active()

    def turn_ended(self, audio: PCM) -> Turn:
        """A finished turn: carried audio goes in front of it, and it becomes the caller's latest turn."""
        merged, continues = self.carry is not None, False
        if self.carry is not None:
            audio, self.carry = np.concatenate([self.carry, audio]), None
            if self.max_turn_samples is not None:
                audio = audio[-self.max_turn_samples :]
            continues, self.retract = self.retract, False
        self.last_turn = audio
        return Turn(audio, merged, continues)

    def silence_due(self, now: float, acting: bool, playing: bool, caller_quiet: bool) -> SilenceAction | None:
        """The prompt caller silence calls for at media time ``now``, if any."""
        idle = not (acting or playing or not caller_quiet or self.failing)
        return self.silence.check(now, idle)

    # --- the bot ------------------------------------------------------------------------------
    def acting(self, interruptible: bool) -> None:
        """A new bot action starts."""
        self.interruptible = interruptible

    def may_take_over(self, acting: bool) -> bool:
        """Whether a new action may replace the running one (a goodbye or a transfer finishes first)."""
        return not (acting and not self.interruptible)

    def recognising(self, audio: PCM) -> None:
        self.stage, self.pending = "asr", audio

    def recognised(self, text: str, speech_ms: float) -> tuple[Next, Outcome | None]:
        """What to do with a transcript: answer it, say the kept reply (it was only noise), or say so."""
        unsaid, self.unsaid = self.unsaid, None
        if text:
            return "answer", None
        if unsaid is not None:
            return "say_unsaid", unsaid
        return ("not_understood" if speech_ms >= SPOKEN_MS else "nothing"), None

    def deciding(self) -> None:
        self.stage = "dialog"

    def reply_ready(self, outcome: Outcome, yield_floor: bool, caller_speaking: bool, spoken: bool = False) -> bool:
        """A reply is ready: True to say it now; False keeps it unsaid (the caller is talking).

        ``spoken``: the reply answers the caller's latest spoken turn. A caller already talking again
        before a word of it was said only paused (a comma, a breath): their turn goes on, so it is
        carried into the next one and the dialog's answer to the first half is retracted."""
        self.current = outcome
        if outcome.action in ("end", "transfer"):
            self.interruptible = False
        elif yield_floor and caller_speaking:
            self.unsaid = outcome
            if spoken and self.carry is None and self.last_turn is not None:
                self.carry, self.retract = self.last_turn, True
            return False
        return True

    def prompting(self) -> None:
        """A fixed prompt is said: not a reply to keep if it is cut."""
        self.current = None

    def speaking(self) -> None:
        self.stage = "speak"

    def done(self) -> None:
        self.stage = "idle"

    # --- interruption -------------------------------------------------------------------------
    def interrupt(self, acting: bool) -> bool:
        """Barge-in: False when the running action may not be stopped. A turn being recognised is carried."""
        if acting and not self.interruptible:
            return False
        if acting and self.stage == "asr":
            self.carry = self.pending
        return True

    def interrupted(self, cancelled: bool, heard_s: float, playing: bool = False) -> None:
        """After ``clear``: a reply cut before the caller heard ``UNHEARD_S`` of it is kept unsaid, whether it
        was still being sent (``cancelled`` while speaking) or sent whole and still playing (``playing``: the
        far end holds up to the playout lead, so a short reply is all sent before a word of it is heard)."""
        reply = self.current is not None and self.current.action in ("answer", "clarify")
        cut = (cancelled and self.stage == "speak") or (playing and self.stage == "idle")
        if cut and reply and heard_s < UNHEARD_S:
            self.unsaid = self.current
        self.stage = "idle"

    def fail(self) -> bool:
        """The call failed: False when the fail-safe itself failed (give up); True to run it."""
        if self.failing:
            return False
        self.failing, self.interruptible = True, True
        return True
