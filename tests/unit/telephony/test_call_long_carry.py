"""A long sentence said in two breaths is recognised whole (review of the carry cap, 2026-12-07).

The cap on a carried turn (``Floor.max_turn_samples``) bounds what unbroken sound makes of the carry; it must not
cut the real start of a caller's sentence: 12 s, a pause the turn detector ends the turn on, 12 s more while the
first half is being recognised. The recognizer gets the whole 24 s (Whisper takes it), as it did before the cap.
Media time on the in-memory line; the first recognition waits (never returns) until the caller's next words
cancel it, so no wall-clock race decides what is carried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from tests.support.call import Recognizer
from tests.support.line import call, harness
from voice.ports import PCM, Transcript


class FirstHangs(Recognizer):
    """The first recognition never ends (the caller's next words cancel it); the others echo the words."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[float] = []

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        self.heard.append(len(pcm) / rate)
        if len(self.heard) == 1:
            await asyncio.Event().wait()
        return await super().transcribe(pcm, rate, hotwords)


async def test_a_long_sentence_in_two_breaths_is_recognised_from_its_start() -> None:
    recognizer = FirstHangs()
    h = await harness(recognizer=recognizer)
    h.line.replied(1).play_out().say("Chciałbym zapytać", seconds=12.0, then_silence=0.55)
    h.line.until(lambda: len(recognizer.heard) == 1).say("o zwrot towaru", seconds=12.0)
    h.line.until(lambda: bool(h.dialog.handled)).replied(2).play_out()
    await call(h)
    assert h.dialog.handled == ["Chciałbym zapytać o zwrot towaru"], (h.dialog.handled, recognizer.heard)
