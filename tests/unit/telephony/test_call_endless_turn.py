"""A caller who never stops (a probe, 2026-12-07): a radio or a television behind the caller, or a monologue.

A turn is cut at ``max_turn_ms``; the next one starts at once, and its ``SpeechStarted`` interrupts the cut turn's
recognition, whose audio the floor carries into the next turn. Without a bound the carry grew by a turn each
time: on the playground 60 s of unbroken sound had Whisper recognise 30 s and then 45 s of audio in one go, and
on and on for as long as the sound lasted (more CPU per turn, never a reply). Now the merged turn keeps at most
``max_merged_turn_s`` of the latest audio (never less than one turn cut at the maximum). Media time on the
in-memory line (``tests/support/line.py``), no sleeping but the fake recognizer's, which lets the caller's audio
run on during a recognition as it does on a line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from telephony.call.floor import Floor
from tests.support.call import LOUD, Recognizer
from tests.support.line import call, harness
from voice.ports import PCM, Transcript
from voice.turns import TurnConfig

MAX_TURN_MS = 2000.0


class Measuring(Recognizer):
    """The fake recognizer, slow enough for the caller to talk on, noting how long each audio was (s)."""

    def __init__(self) -> None:
        super().__init__(delay_s=0.05)
        self.lengths: list[float] = []

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        self.lengths.append(len(pcm) / rate)
        return await super().transcribe(pcm, rate, hotwords)


async def test_unbroken_sound_is_recognised_a_turn_at_most_at_a_time() -> None:
    recognizer = Measuring()
    config = TurnConfig(max_turn_ms=MAX_TURN_MS)
    # the cap alone: no hand-over at the second cut (test_unbroken_sound.py); 2.5 s stands for 30 s of 20 s turns
    h = await harness(recognizer=recognizer, turn_config=config, max_merged_turn_s=2.5, unbroken_turns=100)
    h.line.silence(0.5).audio(np.full(8000 * 14, LOUD, dtype=np.int16)).silence(1.0)
    await call(h)
    assert len(recognizer.lengths) >= 3, recognizer.lengths  # cut at the maximum, again and again
    assert max(recognizer.lengths) < 1.5 * MAX_TURN_MS / 1000.0, recognizer.lengths  # never two turns' worth


def test_the_floor_keeps_the_latest_audio_of_a_carried_turn_up_to_its_cap() -> None:
    floor = Floor(max_turn_samples=4)
    floor.acting(True)
    floor.recognising(np.array([1, 2, 3], dtype=np.int16))
    assert floor.interrupt(acting=True)  # a new turn started while this one was recognised: carried
    turn = floor.turn_ended(np.array([4, 5, 6], dtype=np.int16))
    assert turn.merged and list(turn.audio) == [3, 4, 5, 6]
    assert list(Floor().turn_ended(np.arange(9, dtype=np.int16)).audio) == list(range(9))  # no cap: as it came
