"""Rate-limit tests that count hits in one clock-aligned window (``limits``' in-memory sliding window counter
starts its windows at multiples of their length): a window that ends between two hits lets the next one
through, so such a test starts its hits only when enough of the window is left. No timing is asserted."""

from __future__ import annotations

import asyncio
import time


async def inside_one_window(window_s: float, need_s: float = 5.0) -> None:
    """Return once at least ``need_s`` of the current ``window_s``-long window is left (sleeping past its end
    when less is)."""
    left = window_s - time.time() % window_s
    if left < need_s:
        await asyncio.sleep(left + 0.05)
