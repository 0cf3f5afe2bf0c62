"""The call path of a live phone call: turn -> dialog -> reply said -> hang-up or transfer (the bot's side).

Why apart from ``telephony/call/loop.py``: the loop there is the caller's side, reading the channel and
reacting at once (VAD and turn events, marks, keys, silence, a stall, a crash); what it starts, one bot
action at a time, is here: greet, recognise a turn (its speculative ASR taken when the audio is the same),
ask the dialog within the turn's deadline, say the reply unless the caller is talking, then end or hand
the call over. ``CallPath`` also holds the call's state both sides share (built once in ``__init__``) and
what the call leaves behind (``CallReport``, its stored record). ``loop._Call`` extends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from dialog.ports import CallerInfo, Hypothesis, Outcome
from telephony.call.actions import BotAction
from telephony.call.deadline import within_turn_deadline
from telephony.call.deps import CallContext, CallDeps, CallReport, count_transfer, save_record
from telephony.call.floor import Floor
from telephony.call.inbound import Ears, Keypad, Speculation, StreamWatch
from telephony.call.playout import HeardTranscript, Playout
from telephony.call.resume import CallThread
from telephony.call.speaking import Mouth
from telephony.call.timing import TurnLog, TurnTiming
from telephony.call.unbroken import UNBROKEN_MARK, UnbrokenSound
from telephony.ports import AudioChannel, CallStarted
from voice.ports import PCM, Transcript

log = logging.getLogger(__name__)


class CallPath:
    """One call's state and its path from a turn to the reply and what follows it."""

    def __init__(self, deps: CallDeps, channel: AudioChannel, started: CallStarted) -> None:
        self.d, self.ch, self.sid, self.stream_sid = deps, channel, started.call_sid, started.stream_sid
        phone = started.params.get("from") or None
        self.caller = CallerInfo(channel="phone", phone=phone, extra=dict(started.params))
        self.session_id: str | None = started.params.get("session_id") or None
        self.prompts = deps.prompt_cache
        self.playout = Playout(channel, clock=deps.clock, max_lead_s=deps.playout_lead_s)
        self.ears = Ears(deps.vad_factory(), deps.turn_config, end_of_turn=deps.end_of_turn)
        self.keypad = Keypad()
        self.watch = StreamWatch(deps.stream_stall_s, deps.clock())
        self.log, self.heard = TurnLog(origin=deps.clock()), HeardTranscript()
        # A merged turn keeps at most max_merged_turn_s of its latest audio (at least a turn cut at the maximum, with
        # its pre-roll): bounded, yet a long sentence said in two breaths is recognised from its start.
        turn = deps.turn_config
        most_s = max((turn.max_turn_ms + turn.preroll_ms) / 1000.0, deps.max_merged_turn_s)
        most = round(most_s * self.ears.rate)
        self.floor = Floor(deps.silence_prompt_s, most)  # barge-in, carry, retract, unsaid: decided there
        self.mouth = Mouth(self.floor, self.playout, self.prompts, self.heard, self.log, deps.mark_timeout_s)
        self.action = BotAction(self.floor, self.playout, self.mouth, deps.metrics)  # answer, prompt, transfer
        self.spec = Speculation(self.d.recognizer)
        self.unbroken = UnbrokenSound(deps.unbroken_turns)  # sound with no end of turn: say so and hand over
        self.thread = CallThread(deps.dialog, deps.texts.thread_lost, deps.metrics, deps.session_timeout_s)
        self.expects = "text"
        self.hotwords: list[str] | None = None
        self.ended: str | None = None
        self.errors: list[str] = []

    # --- bot actions (one at a time, in self.action) ---------------------------------------------
    async def _greet(self) -> None:
        """Plays from the prompt cache when prewarmed; otherwise streamed sentence by sentence."""
        outcome = await self._decide(self.thread.dialog.greet(self.session_id, self.caller))
        await self._perform(outcome, None, yield_floor=False)

    async def _answer(
        self, audio: PCM, timing: TurnTiming, spec: asyncio.Task[Transcript] | None, speech_ms: float
    ) -> None:
        self.floor.recognising(audio)
        transcript = await spec if spec is not None else await self._transcribe(audio)
        timing.speculative, timing.asr_s = spec is not None, transcript.processing_s
        timing.stamp("transcript_ready", self.d.clock())
        text = transcript.text.strip()
        then, unsaid = self.floor.recognised(text, speech_ms)
        if then == "answer":
            await self._answer_text(text, timing, transcript.confidence, transcript.nbest())
        elif then == "say_unsaid" and unsaid is not None:  # only noise cut the last reply: say it after all
            await self._perform(unsaid, timing)
        elif then == "not_understood":  # someone spoke and nothing was understood: say so, don't go quiet
            await self._answer_text("", timing, 0.0)

    async def _answer_text(
        self, text: str, timing: TurnTiming, confidence: float = 1.0, nbest: Sequence[tuple[str, float]] = ()
    ) -> None:
        """One turn to the dialog: the recognizer's n-best when it has one (the dialog picks the wording it
        understands, ``Outcome.heard``), else ``text``; the call's transcript keeps the words it went with."""
        self.floor.deciding()
        if timing.extra.pop("continues", False) and self.session_id:
            await self.thread.dialog.retract(self.session_id)
        said = [Hypothesis(t, c) for t, c in nbest] or [Hypothesis(text, confidence)]
        entry = self.heard.caller(timing.turn, text, timing.source, confidence)
        outcome = await self._decide(self.thread.turn(self.session_id, text, said, self.caller))
        self.heard.reword(entry, outcome.heard, said)
        timing.stamp("dialog_decided", self.d.clock())
        timing.text, timing.action = entry["text"], outcome.action
        await self._perform(outcome, timing)

    async def _escalate(self, timing: TurnTiming) -> None:
        self.heard.caller(timing.turn, "[0]", timing.source, 1.0)
        outcome = await self._decide(self.thread.dialog.escalate(self.session_id or "", "requested_human", self.caller))
        timing.stamp("dialog_decided", self.d.clock())
        timing.text, timing.action = "[0]", outcome.action
        await self._perform(outcome, timing)

    async def _unbroken_sound(self, timing: TurnTiming) -> None:
        """Sound with no end of turn for ``unbroken_turns`` turns (``telephony/call/unbroken.py``): the caller hears
        why, then the dialog's hand-over for a turn it cannot answer; started not interruptible, so the sound
        going on cannot cut it (a callback offer after it is said whole, too)."""
        self.heard.caller(timing.turn, UNBROKEN_MARK, timing.source, 0.0)
        await self.mouth.say_prompt(self.d.texts.unbroken_sound)
        outcome = await self._decide(self.thread.dialog.escalate(self.session_id or "", "not_understood", self.caller))
        timing.stamp("dialog_decided", self.d.clock())
        timing.text, timing.action = UNBROKEN_MARK, outcome.action
        await self._perform(outcome, timing, yield_floor=False)

    async def _perform(self, outcome: Outcome, timing: TurnTiming | None, yield_floor: bool = True) -> None:
        """Say the reply; then for ``end`` hang up, for ``transfer`` hand the call over."""
        self.session_id, self.expects = outcome.session_id, outcome.expects
        spoken = timing is not None and timing.source == "speech"
        if not self.floor.reply_ready(outcome, yield_floor, self.ears.caller_speaking, spoken):
            return  # kept unsaid: the caller is talking
        await self.mouth.say(outcome.reply, timing)
        if timing is not None:
            log.info("%s", timing.summary())
            if self.d.on_turn is not None:
                self.d.on_turn(timing)
        if outcome.action == "end":
            await self.mouth.wait_played()
            await (self.d.after_solved or self.d.call_control.hang_up)(self.sid)
            self._finish("hung_up")
        elif outcome.action == "transfer":
            count_transfer(self.d.metrics, outcome)
            await self.mouth.wait_played()
            await self.d.transfer_call(self._context(), outcome)
            self._finish("transferred")
        else:
            await self._save(ended="in_progress")  # a record to read mid-call; the final one at the end
        self.floor.done()

    async def _end_call(self, goodbye: str) -> None:
        await self.mouth.say_prompt(goodbye)
        await self.mouth.wait_played()
        await self.d.call_control.hang_up(self.sid)
        self._finish("hung_up")

    # --- helpers ---------------------------------------------------------------------------------
    async def _decide(self, turn: Coroutine[Any, Any, Outcome]) -> Outcome:
        """The engine's turn within its deadline; past it, apology and transfer (``telephony/call/deadline.py``)."""
        return await within_turn_deadline(turn, self.d.dialog_turn_timeout_s, self.session_id, self.d.texts.apology)

    async def _transcribe(self, audio: PCM) -> Transcript:
        if self.hotwords is None:
            self.hotwords = self.d.dialog.vocabulary()
        return await self.d.recognizer.transcribe(audio, self.ears.rate, self.hotwords)

    def _finish(self, how: str) -> None:
        # Twilio may stop the stream before our hang-up/transfer request returns: that "hang-up" was ours.
        self.ended = how if self.ended in (None, "caller_hung_up", "stream_lost") else self.ended
        self.action.wake()

    def _context(self) -> CallContext:
        return CallContext(self.sid, self.stream_sid, self.session_id, self.caller, self.heard.to_list(), self.ch)

    def _report(self, ended: str = "caller_hung_up") -> CallReport:
        ended = self.ended or ended
        turns, heard = self.log.turns, self.heard.to_list()
        return CallReport(self.sid, self.session_id, ended, turns, heard, self.errors, self.ears.vad_ms_per_window)

    async def _save(self, ended: str = "caller_hung_up") -> None:
        await save_record(self.d.store, self._report(ended), self.log.origin, self.d.record_ttl_s)
