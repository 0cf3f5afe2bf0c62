"""THE live phone call: caller audio -> VAD/turns -> ASR -> dialog -> TTS -> audio out, or -> transfer.

One ``_Call`` per stream. The main loop only reads the channel and reacts at once (VAD and turn
events, marks, DTMF); everything slow (ASR, dialog, speaking, hanging up, transferring) runs in ONE
"bot action" task at a time (``telephony.call.actions``), so a barge-in is just: send ``clear``, cancel
that task. Who has the floor (barge-in, carried half turns, retraction, replies kept unsaid, silence
prompts) is decided by the pure ``telephony.call.floor.Floor``; ``_Call`` does the I/O, and speaks
through ``telephony.call.speaking.Mouth``. The call path itself (turn -> reply, then hang-up or transfer)
and the call's state are ``telephony.call.path.CallPath``, which ``_Call`` extends with the reactions.

Turn taking runs on media time (``Ears``); outbound pacing and the per-turn timestamps on
``deps.clock``. Speculative ASR starts on the detector's early end-of-turn candidate and is used when
the final turn audio is identical. The bot never starts a reply over a talking caller: the reply is
kept and said after all if the caller's new turn was only noise.

Fail-safe: an exception anywhere (models, store, dialog, this file) ends in an apology (cached audio,
so it plays even when TTS is what failed; otherwise, and on a stalled stream, Twilio says it) and a
transfer to the fallback number through ``CallControl``. If even that fails the channel is closed, which
makes Twilio run the apology-and-dial TwiML after ``</Connect>``. A caller is never dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telephony.call.deps import CallDeps, CallReport
from telephony.call.failsafe import start_fail_safe
from telephony.call.inbound import KeyAction, StreamStalled
from telephony.call.path import CallPath
from telephony.logs import call_context
from telephony.ports import AudioChannel, AudioIn, CallEnded, CallStarted, Dtmf, MarkPlayed
from voice.turns import EarlyEndCandidate, SpeechResumed, SpeechStarted, TurnEnded, TurnEvent

__all__ = ["CallDeps", "CallReport", "run_call"]
log = logging.getLogger(__name__)

# How the call ended, by the end of its stream (``CallEnded.reason``); any other reason: the caller hung up.
_ENDED_BY = {"disconnected": "stream_lost", "draining": "drained"}


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


class _Call(CallPath):
    """The caller's side of one call; the bot actions it starts are ``CallPath``'s."""

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
            self.ended = self.ended or _ENDED_BY.get(event.reason, "caller_hung_up")
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
            if self.unbroken.turn_ended(event.reason):  # a radio, a noisy line: no turn will ever end on its own
                self.spec.drop()
                await self.action.take_over(self._unbroken_sound(timing), interruptible=False)
                return
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

    # --- the fail-safe (telephony/call/failsafe.py) and the end --------------------------------------
    async def _stalled(self) -> None:
        """No inbound frame for ``stream_stall_s`` and no ``stop``: the fail-safe, as for a crash, but with the
        apology said by Twilio with the REST transfer, which reaches the caller whatever broke the media path:
        audio sent into a stream that gives nothing back, marks included, may never be heard."""
        await self._fail(StreamStalled(f"no media for {self.watch.stall_s} s and no stop"), in_stream=False)

    def _fail_safe_ended(self, how: str) -> None:
        if how == "fallback_twiml":  # said before the stream closes: that close is no caller hanging up
            self.ended = how
        else:
            self._finish(how)

    async def _fail(self, exc: BaseException, in_stream: bool = True) -> None:
        log.error("call %s failed: %r", self.sid, exc, exc_info=exc)
        self.errors.append(repr(exc))
        ended = self._fail_safe_ended
        await start_fail_safe(self.d, self.action, self.floor, self.mouth, self.sid, self.ch, ended, in_stream)

    async def _shutdown(self) -> None:
        try:
            await self.action.settle()  # a hang-up or transfer in flight may finish (cancellable: a stopping worker)
        finally:
            self.spec.drop()
            self.ears.close()
            await self.thread.close()  # a session kept through a Redis outage goes back (telephony/call/resume.py)
            await self._save()
