"""The call's fail-safe: an apology, then the fallback number; a caller is never dropped silently.

Apart from the call loop (``telephony/call/loop.py``) because it is the one path that must work when
everything else failed: it needs only the cached apology audio, the call control and the channel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from telephony.call.actions import BotAction
from telephony.call.deps import CallDeps
from telephony.call.floor import Floor
from telephony.call.speaking import Mouth
from telephony.ports import AudioChannel


async def fail_safe(
    deps: CallDeps, mouth: Mouth, sid: str, channel: AudioChannel, ended: Callable[[str], None], in_stream: bool
) -> None:
    """The apology (cached audio; if it can't play, Twilio says it), then the fallback number; ``ended``
    is told how the call ended ("fallback", or "fallback_twiml" just before the stream is closed).

    ``in_stream`` False (a stalled stream): the apology is not sent into the stream at all. Nothing comes
    back from it, marks included, so nobody can tell whether the caller would hear it (a stream dead both
    ways takes it into socket buffers nobody reads); Twilio says it with the transfer instead, once.

    With no fallback number configured there is nobody to connect to: the apology asks the caller to call
    again and the call ends; if that apology could not play, closing the stream makes Twilio say it (the
    TwiML after ``</Connect>`` says the same sentence and hangs up). Not on a stalled stream: its close may
    never reach Twilio (the media path is what broke), so the REST hang-up carries the apology instead."""
    number, apology = deps.fallback_number, deps.fail_safe_apology
    spoken = in_stream and await mouth.apologise(apology, deps.synthesizer, sid)
    if number:
        if deps.metrics is not None:
            deps.metrics.transfer("fallback", "fallback")
        await deps.call_control.transfer_to_number(sid, number, None if spoken else apology)
        ended("fallback")
    elif spoken or not in_stream or mouth.apology_cut:  # a stalled stream's close may never reach Twilio
        await deps.call_control.hang_up(sid, None if spoken else apology)
        ended("fallback")  # the fail-safe ran (no transfer counted: there was nobody to transfer to)
    else:
        ended("fallback_twiml")
        await channel.close()


async def start_fail_safe(
    deps: CallDeps,
    action: BotAction,
    floor: Floor,
    mouth: Mouth,
    sid: str,
    channel: AudioChannel,
    ended: Callable[[str], None],
    in_stream: bool = True,
) -> None:
    """After a failure anywhere in the call: ``fail_safe`` becomes the call's one bot action (whatever was
    being said is cut off), not to be interrupted; ``in_stream`` as for ``fail_safe``. If the fail-safe
    itself failed (``Floor.fail``), the channel is closed instead: that makes Twilio run the
    apology-and-dial TwiML after ``</Connect>``. A stall (``in_stream`` False) while the fail-safe apologises
    in the stream is no failure of it: the apology stops and the fail-safe goes on to its REST step, saying
    it there (closing the stream instead would end the call before that step, the caller left unanswered)."""
    if not floor.fail():
        if not in_stream and mouth.cut_apology():
            return
        ended("fallback_twiml")
        with contextlib.suppress(Exception):
            await channel.close()
        return
    await action.interrupt(in_stream)
    action.start(fail_safe(deps, mouth, sid, channel, ended, in_stream), interruptible=False)
