"""THE live phone call: caller audio -> VAD/turns -> ASR -> dialog -> TTS -> audio out, or -> transfer.

One ``_Call`` per stream. The main loop only reads the channel and reacts at once (VAD and turn
events, marks, DTMF); everything slow (ASR, dialog, speaking, hanging up, transferring) runs in ONE
"bot action" task at a time (``telephony.call.actions``), so a barge-in is just: send ``clear``, cancel
that task. Who has the floor (barge-in, carried half turns, retraction, replies kept unsaid, silence
prompts) is decided by the pure ``telephony.call.floor.Floor``; ``_Call`` does the I/O, and speaks
through ``telephony.call.speaking.Mouth``. This file keeps the call path itself: turns -> reply.

Turn taking runs on media time (``Ears``); outbound pacing and the per-turn timestamps on
``deps.clock``. Speculative ASR starts on the detector's early end-of-turn candidate and is used when
the final turn audio is identical. The bot never starts a reply over a talking caller: the reply is
kept and said after all if the caller's new turn was only noise.

Fail-safe: an exception anywhere (models, store, dialog, this file) ends in an apology (cached audio,
so it plays even when TTS is what failed; otherwise Twilio says it) and a transfer to the fallback
number through ``CallControl``. If even that fails the channel is closed, which makes Twilio run the
apology-and-dial TwiML after ``</Connect>``. A caller is never dropped silently.
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
from telephony.call.failsafe import start_fail_safe
from telephony.call.floor import Floor
from telephony.call.inbound import Ears, KeyAction, Keypad, Speculation, StreamStalled, StreamWatch
from telephony.call.playout import HeardTranscript, Playout
from telephony.call.resume import CallThread
from telephony.call.speaking import Mouth
from telephony.call.timing import TurnLog, TurnTiming
from telephony.logs import call_context
from telephony.ports import AudioChannel, AudioIn, CallEnded, CallStarted, Dtmf, MarkPlayed
from voice.ports import PCM, Transcript
from voice.turns import EarlyEndCandidate, SpeechResumed, SpeechStarted, TurnEnded, TurnEvent

__all__ = ["CallDeps", "CallReport", "run_call"]
log = logging.getLogger(__name__)


async def run_call(deps: CallDeps, channel: AudioChannel, started: CallStarted) -> CallReport:
    """Run one call from its ``start`` event until it ends (hang-up either side, or a transfer)."""
    with call_context(started.call_sid):  # every line this call's tasks log carries its id
        call = _Call(deps, channel, started)
        if deps.metrics is not None:
            deps.metrics.call_started()
        try:
            return await call.run()
        finally:
            if deps.metrics is not None:
                deps.metrics.call_ended(call._report())


class _Call:
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
        self.floor = Floor(deps.silence_prompt_s)  # barge-in, carry, retract, unsaid: decided there
        self.mouth = Mouth(self.floor, self.playout, self.prompts, self.heard, self.log, deps.mark_timeout_s)
        self.action = BotAction(self.floor, self.playout, self.mouth, deps.metrics)  # answer, prompt, transfer
        self.spec = Speculation(self.d.recognizer)
        self.thread = CallThread(deps.dialog, deps.texts.thread_lost, deps.metrics, deps.session_timeout_s)
        self.expects = "text"
        self.hotwords: list[str] | None = None
        self.ended: str | None = None
        self.errors: list[str] = []

    # --- main loop: read the channel, react at once ----------------------------------------------
    async def run(self) -> CallReport:
        try:
            self.action.start(self._greet())
            await self._loop()
        except Exception as exc:  # a bug in this file must not drop the caller either
            await self._fail(exc)
            try:
                await self._loop(safe=True)
            except Exception as again:
                await self._fail(again)
        finally:
            await self._shutdown()
        return self._report()

    async def _loop(self, safe: bool = False) -> None:
        """Until the call ends. ``safe`` (after a crash here): only marks and the end are handled."""
        recv: asyncio.Task[Any] | None = None
        wake: asyncio.Task[Any] | None = None
        try:
            while self.ended is None:
                if recv is None:  # a stall counts from here: the loop busy with the last event is no stall
                    recv = asyncio.create_task(self.ch.receive())
                    self.watch.reading(self.d.clock())
                wake = wake or asyncio.create_task(self.action.inbox.get())
                stall_in = self.watch.wait_s(self.d.clock())
                done, _ = await asyncio.wait({recv, wake}, timeout=stall_in, return_when=asyncio.FIRST_COMPLETED)
                if not done and self.watch.check(self.d.clock()):
                    await self._stalled()
                if wake in done:
                    item, wake = wake.result(), None
                    if isinstance(item, BaseException):
                        await self._fail(item)
                if recv in done and self.ended is None:
                    event, recv = recv.result(), None
                    if not safe or isinstance(event, MarkPlayed | CallEnded):
                        await self._on_event(event)
        finally:
            for t in (recv, wake):
                if t is not None:
                    t.cancel()

    async def _on_event(self, event: Any) -> None:
        if isinstance(event, AudioIn):
            for now, events in await self.ears.hear(event.pcm, self.playout.busy):
                for turn_event in events:
                    await self._on_turn(turn_event, now)
                await self._on_keys(self.keypad.timed_out(now) if self.ears.idle else None)  # not while they talk
                self._check_silence(now)
        elif isinstance(event, MarkPlayed):
            seg = self.playout.on_mark(event.name)
            if seg is not None:
                self.log.mark_played(seg.turn, self.d.clock())
        elif isinstance(event, Dtmf):
            await self._on_dtmf(event.digit)
        elif isinstance(event, CallEnded):  # Twilio says stop as the call ends; a socket gone without it broke
            self.ended = self.ended or ("stream_lost" if event.reason == "disconnected" else "caller_hung_up")
            self.playout.hang_up()

    async def _on_turn(self, event: TurnEvent, now: float) -> None:
        # The caller has the floor: stop talking, or stop recognising (that audio joins this turn).
        log.debug("%s at %.3f s of caller audio (bot %s)", type(event).__name__, now, self.floor.stage)
        if self.floor.takes_floor(event, self.action.acting):
            await self.action.interrupt()
            self.floor.paused(event)
        if isinstance(event, SpeechStarted):
            self.floor.caller_active()
        elif isinstance(event, EarlyEndCandidate) and self.spec.worthwhile():
            self.spec.start(event.audio, self._transcribe(event.audio))
        elif isinstance(event, SpeechResumed):
            self.spec.drop()
        elif isinstance(event, TurnEnded):
            self.keypad.drop()
            timing = self.log.spoken(self.d.clock(), now - event.ended_at)
            turn = self.floor.turn_ended(event.audio)
            if turn.merged:  # the caller went on after a pause: one turn, recognised afresh
                timing.extra["continues"] = turn.continues
                self.spec.drop()
            spec = None if turn.merged else self.spec.take(turn.audio)
            await self.action.take_over(self._answer(turn.audio, timing, spec, event.speech_ms))

    async def _on_dtmf(self, digit: str) -> None:
        self.floor.caller_active()
        now = self.ears.now
        await self._on_keys(self.keypad.press(digit, self.expects == "order_number", self.expects == "choice", now))

    async def _on_keys(self, action: KeyAction | None) -> None:
        """A keypad entry is complete (a key, '#', or the pause after the last key): the turn it makes."""
        if action is None:
            return
        timing = self.log.typed(self.d.clock())  # the turn is complete the moment the key is pressed
        if action[0] == "human":
            await self.action.take_over(self._escalate(timing))
        else:
            await self.action.take_over(self._answer_text(action[1], timing))

    def _check_silence(self, now: float) -> None:
        due = self.floor.silence_due(now, self.action.acting, self.playout.busy, self.ears.idle)
        if due == "still_there":
            self.action.start(self.mouth.say_prompt(self.d.texts.still_there))
        elif due == "goodbye":
            self.action.start(self._end_call(self.d.texts.silence_goodbye), interruptible=False)

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

    async def _stalled(self) -> None:
        """No inbound frame for ``stream_stall_s`` and no ``stop``: the fail-safe, as for a crash (the apology,
        then the fallback number over REST, which reaches the caller whatever broke the media path). Its
        marks will not come back, so the apology counts as heard by the playout clock."""
        self.playout.deafen()
        await self._fail(StreamStalled(f"no media for {self.watch.stall_s} s and no stop"))

    def _fail_safe_ended(self, how: str) -> None:
        if how == "fallback_twiml":  # said before the stream closes: that close is no caller hanging up
            self.ended = how
        else:
            self._finish(how)

    # --- helpers ---------------------------------------------------------------------------------
    async def _decide(self, turn: Coroutine[Any, Any, Outcome]) -> Outcome:
        """The engine's turn within its deadline; past it, apology and transfer (``telephony/call/deadline.py``)."""
        return await within_turn_deadline(turn, self.d.dialog_turn_timeout_s, self.session_id, self.d.texts.apology)

    async def _transcribe(self, audio: PCM) -> Transcript:
        if self.hotwords is None:
            self.hotwords = self.d.dialog.vocabulary()
        return await self.d.recognizer.transcribe(audio, self.ears.rate, self.hotwords)

    async def _fail(self, exc: BaseException) -> None:
        log.error("call %s failed: %r", self.sid, exc, exc_info=exc)
        self.errors.append(repr(exc))
        await start_fail_safe(self.d, self.action, self.floor, self.mouth, self.sid, self.ch, self._fail_safe_ended)

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

    async def _shutdown(self) -> None:
        try:
            await self.action.settle()  # a hang-up or transfer in flight may finish (cancellable: a stopping worker)
        finally:
            self.spec.drop()
            self.ears.close()
            await self.thread.close()  # a session kept through a Redis outage goes back (telephony/call/resume.py)
            await self._save()
