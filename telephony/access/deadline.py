"""One deadline for a whole wait made of several waits.

Why: a device turn waited ``INFOLINIA_DEVICE_ASR_WAIT_S`` for its worker's device lane and then as long again
for the host's slot, so a turn promised 15 s could hang 30 s before its 503. The deadline is fixed once, when
the turn arrives, and every wait after takes only what is left of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    """``at`` on ``clock`` (seconds, like ``time.monotonic``, the event loop's clock)."""

    at: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, wait_s: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + wait_s, clock)

    def left(self) -> float:
        """Seconds still to wait; 0 once the deadline passed."""
        return max(0.0, self.at - self.clock())

    def passed(self) -> bool:
        return self.clock() >= self.at
