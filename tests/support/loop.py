"""Proof that blocking model work leaves the event loop free (phone frames keep flowing during it).

Why not measure the loop's tick gaps: that is a wall-clock threshold, and on two shared cores it fails
or passes by load. Instead the model call is wrapped: before doing its real work it waits, in the thread
it runs in, until the loop has turned a few times. Off the loop (``asyncio.to_thread``) that happens at
once on any machine; on the loop's own thread it can never happen (the loop is stuck inside the call),
so the wait runs out and the proof is recorded as failed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class LoopWatch:
    """Wraps blocking calls; ``proofs`` holds, per call, whether the loop turned while the call was made."""

    def __init__(self, turns: int = 3, timeout_s: float = 10.0) -> None:
        self.turns, self.timeout_s = turns, timeout_s
        self.proofs: list[bool] = []
        self._cond = threading.Condition()
        self._inside = False
        self._seen = 0  # loop turns since the current call started waiting

    def wrap(self, fn: Callable[..., T]) -> Callable[..., T]:
        def watched(*args: Any, **kwargs: Any) -> T:
            with self._cond:
                self._inside, self._seen = True, 0
                self.proofs.append(self._cond.wait_for(lambda: self._seen >= self.turns, self.timeout_s))
            try:
                return fn(*args, **kwargs)
            finally:
                with self._cond:
                    self._inside = False

        return watched

    def turned(self) -> None:
        """One turn of the event loop (called on the loop's thread)."""
        with self._cond:
            if self._inside:
                self._seen += 1
                self._cond.notify_all()


@asynccontextmanager
async def watching_the_loop(turns: int = 3, timeout_s: float = 10.0) -> AsyncIterator[LoopWatch]:
    """A ``LoopWatch`` whose loop turns are counted by a ticker task for the length of the block."""
    watch = LoopWatch(turns, timeout_s)
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            await asyncio.sleep(0.001)
            watch.turned()

    tick = asyncio.create_task(ticker())
    try:
        yield watch
    finally:
        done.set()
        await tick
