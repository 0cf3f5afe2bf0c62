"""The one fake clock of the suite: time moves only when a test (or the code under test) says so."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class FakeClock:
    """A ``clock()`` callable for code that takes one (seconds, like ``time.monotonic``/``time.time``).

    Tests move it by assigning or adding to ``t``; ``sleep`` advances it instead of waiting, so
    pacing code that sleeps on this clock runs instantly and exactly.
    """

    t: float = 0.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)
