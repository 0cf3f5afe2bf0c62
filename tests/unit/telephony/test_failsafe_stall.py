"""The fail-safe's pieces on a stalled stream (nothing comes back from it, marks included): the apology playing
in the stream stops at once and counts as unsaid, and the bot action is stopped without a ``clear`` that a
back-pressured socket could hold up. On ``tests.support.line.Line``, whose marks only come back when read."""

from __future__ import annotations

import asyncio

from telephony.call.actions import BotAction
from telephony.call.deps import PromptCache
from telephony.call.floor import Floor
from telephony.call.playout import HeardTranscript, Playout
from telephony.call.speaking import Mouth
from telephony.call.timing import TurnLog
from tests.support.line import Line, wait_for
from tests.support.speech import ToneSynthesizer

APOLOGY = "Przepraszam. Łączę."


def _mouth(line: Line) -> tuple[Floor, Playout, Mouth]:
    floor, playout = Floor(), Playout(line)
    prompts = PromptCache(ToneSynthesizer(ms_per_char=5.0))
    return floor, playout, Mouth(floor, playout, prompts, HeardTranscript(), TurnLog(0.0), mark_timeout_s=30.0)


async def test_a_stall_cuts_the_apology_waiting_for_its_marks_and_it_counts_as_unsaid() -> None:
    line = Line()  # nobody reads it: the apology's mark never comes back
    _, playout, mouth = _mouth(line)
    assert not mouth.cut_apology()  # no apology playing: nothing to cut
    apology = asyncio.create_task(mouth.apologise(APOLOGY, ToneSynthesizer(ms_per_char=5.0), "CA1"))
    await wait_for(lambda: bool(line.marks()))  # all of it sent: now it waits up to 30 s for the mark
    assert mouth.cut_apology()
    async with asyncio.timeout(2.0):  # bounds a hang only: before, this waited out the mark timeout
        assert await apology is False  # the REST step says it instead
    assert line.clears() == 0 and not playout.busy
    assert not mouth.cut_apology()


async def _talking(line: Line) -> tuple[BotAction, Playout]:
    """A bot action saying a prompt, all of it sent, its mark not back yet."""
    floor, playout, mouth = _mouth(line)
    action = BotAction(floor, playout, mouth, None)
    action.start(mouth.say_prompt("Dzień dobry, w czym mogę pomóc?"))
    await wait_for(lambda: bool(line.marks()))
    return action, playout


async def test_a_bot_action_stopped_for_a_stalled_stream_sends_no_clear() -> None:
    stalled, live = Line(), Line()
    action, playout = await _talking(stalled)
    await action.interrupt(in_stream=False)
    assert stalled.clears() == 0 and not action.acting and not playout.busy  # settled by the playout clock
    action, _ = await _talking(live)
    await action.interrupt()  # a barge-in on a live stream still clears
    assert live.clears() == 1
