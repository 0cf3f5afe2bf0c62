"""The bot's voice on one call: saying a text, what it is saying now, and the fail-safe apology.

Why apart from ``telephony/call/loop.py``: a reply, a fixed prompt and the apology are all said the same
way (the floor is told, the segments go into the heard transcript, audio is paced out, pre-rendered when
the prompt cache has it), and a barge-in needs to know how much of the current text the caller heard.
The apology has its own rule: cached audio first, because synthesis may be exactly what failed. The loop
keeps the call path and decides *when* to speak; ``Mouth`` (the pair of ``telephony.call.inbound.Ears``)
is *how*.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telephony.call.deps import PromptCache
from telephony.call.floor import Floor
from telephony.call.playout import RATE, HeardTranscript, Playout, Segment
from telephony.call.speak import speak
from telephony.call.timing import TurnLog, TurnTiming
from voice.ports import Synthesizer

log = logging.getLogger(__name__)


class Mouth:
    """Says texts on one call's ``Playout`` and keeps the segments of what the bot says now."""

    def __init__(
        self,
        floor: Floor,
        playout: Playout,
        prompts: PromptCache,
        heard: HeardTranscript,
        turns: TurnLog,
        mark_timeout_s: float,
    ) -> None:
        self.floor, self.playout, self.prompts, self.heard, self.turns = floor, playout, prompts, heard, turns
        self.mark_timeout_s = mark_timeout_s
        self.saying: list[Segment] = []  # the segments of what the bot says now
        self._apology: asyncio.Task[bool] | None = None  # the fail-safe apology while it plays
        self.apology_cut = False  # the stream stalled while the apology played (``cut_apology``)

    async def say(self, text: str, timing: TurnTiming | None) -> None:
        """A reply (``timing`` of its turn: the first audio sent is stamped there) or a prompt (None)."""
        self.floor.speaking()
        turn = timing.turn if timing is not None else len(self.turns.turns)
        self.saying = self.heard.bot(text, turn, whole=self.prompts.get(text) is not None)
        first = None if timing is None else (lambda at: timing.stamp("first_audio_sent", at))
        await speak(self.playout, self.prompts, self.saying, first)

    async def say_prompt(self, text: str) -> None:
        """A fixed sentence (not a reply: nothing to keep unsaid if the caller cuts it)."""
        self.floor.prompting()
        await self.say(text, None)
        self.floor.done()

    async def wait_played(self) -> None:
        """Until the caller has heard everything sent (its marks came back), or ``mark_timeout_s``."""
        await self.playout.wait_played(self.mark_timeout_s)

    def heard_s(self) -> float:
        """How much of the current text the caller heard: a reply cut too early is kept unsaid (the floor)."""
        return sum(s.duration_s if s.status == "heard" else s.heard_s for s in self.saying)

    async def apologise(self, apology: str, synthesizer: Synthesizer, call_sid: str) -> bool:
        """Fail-safe: the apology from cached audio (synthesized now, 5 s at most, when not prewarmed),
        played out. False when it could not be played, or the stream stalled meanwhile (``cut_apology``):
        then Twilio must say it."""
        self._apology = asyncio.ensure_future(self._apologise(apology, synthesizer, call_sid))
        try:
            await asyncio.wait({self._apology})
        finally:
            self._apology.cancel()  # this one cancelled (the call is over): the apology goes with it
        return not self._apology.cancelled() and self._apology.result()

    def cut_apology(self) -> bool:
        """The stream stalled while the apology plays: it stops at once (no marks will come back, and waiting
        for them would outlast the call, whose REST step then never runs) and counts as not said, so the
        REST call carries it. False when no apology is playing."""
        if self._apology is None or self._apology.done():
            return False
        self._apology.cancel()
        self.apology_cut = True  # the fail-safe's REST step must say it: this stream's close may never arrive
        self.playout.hang_up()  # what was sent settles by the clock: nothing comes back from this stream
        return True

    async def _apologise(self, apology: str, synthesizer: Synthesizer, call_sid: str) -> bool:
        try:
            if self.prompts.get(apology) is None:  # not prewarmed: synthesis may be what is broken
                self.prompts.put(apology, await asyncio.wait_for(synthesizer.synthesize(apology, RATE), 5.0))
            await self.say_prompt(apology)
            await self.wait_played()
            return True
        except Exception:
            log.exception("call %s: the apology could not be played", call_sid)
            with contextlib.suppress(Exception):
                await self.playout.clear()
            return False
