"""The outbound lead (``INFOLINIA_PLAYOUT_LEAD_S``): what it buys and what it must not cost, on a fake clock.

What it buys: a worker's event loop busy for up to the lead (a webhook burst) leaves no hole in the audio the
far end plays. What it must not cost: on barge-in ``clear`` still drops everything queued at the far end, the
heard transcript still says what the caller actually heard, and a reply sent whole before a word of it was
heard is still kept unsaid when it is cut at once. The far end is the call simulator's model of Twilio
(``FarEndPlayer``: a buffer played 20 ms per tick, marks returned once played, dropped on ``clear``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

from dialog.ports import Outcome
from telephony.call.actions import BotAction
from telephony.call.deps import PromptCache
from telephony.call.floor import UNHEARD_S, Floor
from telephony.call.playout import HeardTranscript, Playout, Segment
from telephony.call.speaking import Mouth
from telephony.call.timing import TurnLog
from telephony.devtools.pace_bench import silences
from telephony.devtools.simulator_audio import FarEndPlayer
from tests.support.clock import FakeClock
from tests.support.speech import ToneSynthesizer
from voice.ports import PCM

RATE = 8000
TICK = 0.02


@dataclass
class FarEnd:
    """The line: what the playout sends reaches ``FarEndPlayer`` at once; it plays on ``clock`` (ticked up to
    now before each message). ``events`` is the wire as the far end saw it, for ``silences``."""

    clock: FakeClock
    player: FarEndPlayer = field(default_factory=FarEndPlayer)
    events: list[tuple[float, str, int]] = field(default_factory=list)
    played: list[PCM] = field(default_factory=list)
    cleared_at: float | None = None
    turn_s: float = 0.0  # a busy loop: each send costs a turn this long before the sender runs again
    _ticks: int = 0

    def catch_up(self) -> None:
        while (self._ticks + 1) * TICK <= self.clock() + 1e-9:
            self._ticks += 1
            pcm, _ = self.player.tick(self._ticks * TICK)
            self.played.append(pcm)

    async def send_audio(self, pcm8k: PCM) -> None:
        self.catch_up()
        self.player.add_audio(pcm8k)
        self.events.append((self.clock(), "audio", len(pcm8k)))
        self.clock.t += self.turn_s

    async def send_mark(self, name: str) -> None:
        self.catch_up()
        self.player.add_mark(name)
        self.events.append((self.clock(), "mark", 0))

    async def clear(self) -> None:
        self.catch_up()
        self.cleared_at = self.clock()
        self.player.clear(self.clock())

    async def receive(self) -> object:
        raise NotImplementedError

    async def close(self) -> None:
        pass


def tone(seconds: float) -> PCM:
    return np.full(round(seconds * RATE), 1000, dtype=np.int16)


def line(lead: float, stall_at: float | None = None, stall_s: float = 0.0) -> tuple[FakeClock, FarEnd, Playout]:
    """A playout over the far end; its loop is away ``stall_s`` once the clock passes ``stall_at`` (a sleep that
    returns that much late: the loop was busy with other work, e.g. 2,000 webhooks)."""
    clock = FakeClock()
    far = FarEnd(clock)
    stalled: list[bool] = []

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        if stall_at is not None and clock.t >= stall_at and not stalled:
            stalled.append(True)
            clock.t += stall_s

    return clock, far, Playout(far, clock=clock, sleep=sleep, max_lead_s=lead)  # type: ignore[arg-type]


@pytest.mark.parametrize("lead", [0.25, 1.5])
async def test_a_stalled_loop_leaves_no_hole_in_the_audio_while_the_stall_is_within_the_lead(lead: float) -> None:
    clock, far, playout = line(lead, stall_at=1.0, stall_s=lead)
    seg = Segment("t1-1", "Długie zdanie.", 1)
    playout.begin(seg)
    await playout.send(seg, tone(4.0))
    await playout.end(seg)
    clock.t = 5.0
    far.catch_up()
    assert silences(far.events) == []  # the far end never ran dry
    heard = np.concatenate(far.played)
    assert np.count_nonzero(heard) == 4 * RATE and np.all(heard[: 4 * RATE] != 0)  # 4 s without a gap
    assert far.player.starved_s == 0.0


@pytest.mark.parametrize("lead", [0.25, 1.5])
async def test_a_stall_longer_than_the_lead_is_heard_as_a_hole_of_the_difference(lead: float) -> None:
    clock, far, playout = line(lead, stall_at=1.0, stall_s=lead + 0.4)
    seg = Segment("t1-1", "Długie zdanie.", 1)
    playout.begin(seg)
    await playout.send(seg, tone(4.0))
    await playout.end(seg)
    clock.t = 6.0
    far.catch_up()
    (hole,) = silences(far.events)
    assert 0.4 - TICK <= hole <= 0.4 + 1e-9  # the lead absorbed the rest (up to a frame: where the stall fell)
    assert far.player.starved_s == pytest.approx(hole, abs=TICK)  # the simulator's far end heard the same hole


async def test_a_loop_that_is_busy_at_every_turn_still_keeps_the_far_end_fed() -> None:
    """A burst being served: every turn of the loop takes 0.4 s, the sender runs between turns, each send costs
    one. The lead is refilled in one message per turn, so the far end never runs dry; a frame per turn would
    drain 0.38 s of the buffer at every turn, and the lead would not help at all."""
    clock, far, playout = line(1.5)
    far.turn_s = 0.4
    playout.sleep = _slow_sleep(clock, 0.4)
    seg = Segment("t1-1", "Długie zdanie.", 1)
    playout.begin(seg)
    await playout.send(seg, tone(6.0))
    await playout.end(seg)
    clock.t = 8.0
    far.catch_up()
    assert silences(far.events) == [] and far.player.starved_s == 0.0
    assert len([e for e in far.events if e[1] == "audio"]) < 6.0 / 0.4 + 2  # a message per turn, not per frame


def _slow_sleep(clock: FakeClock, turn_s: float) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:  # the timer fires at the end of the loop's current turn
        await clock.sleep(seconds)
        clock.t += turn_s

    return sleep


@pytest.mark.parametrize("lead", [0.25, 1.5, 3.0])
async def test_barge_in_drops_the_queued_audio_and_records_what_played_whatever_the_lead(lead: float) -> None:
    """The caller talks 1.2 s into a 4 s sentence: with a 1.5 s lead 2.7 s of it sit at the far end. ``clear``
    drops them all (nothing more plays), and the record says 1.2 s of it were heard, as the far end played."""
    clock, far, playout = line(lead)
    transcript = HeardTranscript()
    (seg,) = transcript.bot("jeden dwa trzy cztery pięć sześć siedem osiem dziewięć dziesięć.", turn=1)
    playout.begin(seg)
    sending = asyncio.create_task(playout.send(seg, tone(4.0)))
    while clock.t < 1.2 and not sending.done():  # a 3 s lead sends the last frame at 1.0 s
        await asyncio.sleep(0)
    sending.cancel()
    await asyncio.gather(sending, return_exceptions=True)
    clock.t = max(clock.t, 1.2)
    cut_at = clock.t  # 1.2 s, or a frame's wait past it
    if not sending.cancelled():
        await playout.end(seg)  # sent whole: its mark is out, it plays on at the far end
    playout.abandon(seg)
    assert sum(n for _, kind, n in far.events if kind == "audio") / RATE >= min(4.0, cut_at + lead) - TICK
    assert await playout.clear() == [seg] and far.cleared_at == cut_at
    clock.t = 5.0
    far.catch_up()
    heard = np.concatenate(far.played)
    assert np.count_nonzero(heard) == pytest.approx(cut_at * RATE, abs=160)  # nothing after the clear played
    assert seg.status == "interrupted" and seg.heard_s == pytest.approx(cut_at, abs=TICK)
    assert seg.heard_text() == "jeden dwa trzy"  # 1.2 of 4 s: 3 of 10 words, not the 2.7 s sent ahead
    assert playout.on_mark(seg.id) is None and seg.status == "interrupted"  # the mark echoed by the clear


@pytest.mark.parametrize("lead", [0.25, 1.5])
async def test_a_short_reply_cut_at_once_is_kept_unsaid_even_when_it_was_sent_whole(lead: float) -> None:
    """A 1 s reply: with a 1.5 s lead it is all sent (the bot's action over) before a word plays. Cut 0.1 s in,
    the caller heard nothing of it: it is kept, to be said if their turn was only noise (the floor's rule),
    as with a short lead, where the cut catches it still being sent."""
    clock, far, playout = line(lead)
    floor = Floor()
    mouth = Mouth(floor, playout, PromptCache(ToneSynthesizer(ms_per_char=40.0)), HeardTranscript(), TurnLog(0.0), 5)
    action = BotAction(floor, playout, mouth, None)
    reply = Outcome("s1", "answer", "Dobrze, sprawdzam.")  # 18 characters: 0.72 s of tone + nothing else

    async def answer() -> None:
        assert floor.reply_ready(reply, yield_floor=True, caller_speaking=False)
        await mouth.say(reply.reply, None)
        floor.done()

    action.start(answer())
    while clock.t < 0.1 and action.acting:
        await asyncio.sleep(0)
    clock.t = max(clock.t, 0.1)  # the long lead's action is over at once: the caller speaks 0.1 s in
    assert action.acting == (lead < 0.72)  # a long lead: the reply went out whole, the action is over
    await action.interrupt()
    assert far.cleared_at == clock.t and floor.unsaid is reply
    assert mouth.heard_s() == pytest.approx(0.1, abs=TICK) and mouth.heard_s() < UNHEARD_S


def test_the_bench_counts_holes_inside_a_sentence_not_pauses_between_sentences() -> None:
    """``bench pace``'s far end, from arrival times: 0.2 s of audio, the next frame 0.1 s after it ran out (a
    hole), the sentence's mark, and the next sentence 0.7 s later (a pause between sentences: no hole)."""
    events = [(0.0, "audio", 1600), (0.3, "audio", 160), (0.32, "mark", 0), (1.0, "audio", 160)]
    assert silences(events) == [pytest.approx(0.1)]
    assert silences([(0.0, "audio", 1600), (0.1, "audio", 1600), (0.25, "audio", 160)]) == []  # on time
