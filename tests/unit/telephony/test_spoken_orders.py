"""``bench spoken-orders``: which order number the dialog takes from a recognised turn, and the count."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from telephony.devtools import spoken_orders
from telephony.devtools.spoken_orders import numbers_right, order_read
from telephony.devtools.workload import DIGITS, Recordings
from voice.ports import PCM, Transcript


def heard(text: str, *alternatives: str) -> Transcript:
    return Transcript(text, 0.8, 3.0, 0.3, alternatives=tuple((a, -0.5) for a in (text, *alternatives)))


def test_the_best_hypothesis_first_then_the_first_alternative_with_a_number() -> None:
    assert order_read(heard("5, 2, 0, 0, 7")) == "52007"
    assert order_read(heard("Pięźdwa, trzecie dem", "pięć dwa zero zero siedem")) == "52007"
    assert order_read(heard("nie wiem")) is None


class ScriptedRecognizer:
    """Hears the number whose spliced audio is as long as one it was told about (a fake of one piece)."""

    def __init__(self, by_length: dict[int, str]) -> None:
        self.by_length = by_length

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        return heard(self.by_length.get(len(pcm), "nie wiem"))


async def test_numbers_right_counts_and_names_the_wrong_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    digits = {word: np.full(800 * (i + 1), 1000, dtype=np.int16) for i, word in enumerate(DIGITS)}
    monkeypatch.setattr(spoken_orders, "load_recordings", lambda _: Recordings(digits, [("a b c", digits["zero"])]))
    said = spoken_orders.spoken_number("52007", digits)
    right, wrong = await numbers_right(ScriptedRecognizer({len(said): "5 2 0 0 7"}), ["52007", "52102"], Path("."), [])
    assert right == 1 and wrong == [("52102", "nie wiem")]
