"""How a call's end is recorded when the media stream breaks: Twilio says ``stop`` when the call ends, so a
socket gone without it (a network break, a frame over the server's size limit) is no hang-up by the caller:
Twilio goes on with the TwiML after ``</Connect>`` (the apology and the fallback number). The record and the
containment metric must not count it as a call the bot handled alone.

Driven through the scripted in-memory phone line of tests/support/line.py (media time, no sleeping).
"""

from __future__ import annotations

from telephony.metrics import CONTAINED_ENDINGS
from telephony.ports import CallEnded, InboundEvent
from tests.support.line import Line, call, harness


class BrokenLine(Line):
    """The far end's socket goes away without Twilio's ``stop`` once the script has run."""

    async def receive(self) -> InboundEvent:
        event = await super().receive()
        return CallEnded("disconnected") if isinstance(event, CallEnded) else event


async def test_a_stream_broken_without_stop_is_recorded_as_lost_not_as_the_callers_hang_up() -> None:
    h = await harness()
    h.line = BrokenLine()
    h.line.replied(1).play_out().say("Pytanie").replied(2).play_out()
    report = await call(h)
    assert h.dialog.handled == ["Pytanie"]
    assert report.ended == "stream_lost" and report.ended not in CONTAINED_ENDINGS


async def test_a_stop_is_the_callers_hang_up() -> None:
    h = await harness()
    h.line.replied(1).play_out().say("Pytanie").replied(2).play_out()
    assert (await call(h)).ended == "caller_hung_up"
