"""The one bot action a call runs at a time (a reply, a prompt, a goodbye, a transfer, the apology), and
barge-in: stopping it.

Why apart from ``telephony/call/loop.py``: the main loop only reacts to the channel and never waits on
anything slow, so everything slow runs here as one task, and the loop only says start, take over,
interrupt. A failing action is not raised into the loop but posted to the loop's inbox (the loop turns
it into apology + transfer); the end of a call wakes the loop through the same inbox. Whether an action
may be stopped, and what is kept of a reply cut short, is decided by ``telephony.call.floor.Floor``;
this does the task and audio side. When the call is over the last action is settled here too: a
hang-up or a transfer in flight may finish, anything else is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from telephony.call.deps import CallMetrics
from telephony.call.floor import Floor
from telephony.call.playout import Playout
from telephony.call.speaking import Mouth


class BotAction:
    """The current bot action (``task``) of one call and the inbox from it to the main loop."""

    def __init__(self, floor: Floor, playout: Playout, mouth: Mouth, metrics: CallMetrics | None) -> None:
        self.floor, self.playout, self.mouth, self.metrics = floor, playout, mouth, metrics
        self.task: asyncio.Task[None] | None = None
        self.inbox: asyncio.Queue[BaseException | None] = asyncio.Queue()  # bot action -> main loop

    @property
    def acting(self) -> bool:
        """An action is running."""
        return self.task is not None and not self.task.done()

    def start(self, coro: Coroutine[Any, Any, None], interruptible: bool = True) -> None:
        """Run ``coro`` as the action (the previous one was stopped, or has finished). A task cancelled before its
        first step never starts ``coro``: it is closed with the task (else Python warns on stderr, outside the
        log, that it was never awaited: a socket cut right after a turn ended); closing a finished one is a no-op."""
        self.task = asyncio.create_task(self._guard(coro))
        self.task.add_done_callback(lambda _: coro.close())
        self.floor.acting(interruptible)

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except Exception as exc:  # the main loop turns it into apology + transfer
            self.inbox.put_nowait(exc)

    async def take_over(self, coro: Coroutine[Any, Any, None], interruptible: bool = True) -> None:
        """Replace the current action, unless it is a goodbye or a transfer (those finish)."""
        if not self.floor.may_take_over(self.acting):
            coro.close()
            return
        try:
            await self.interrupt()
        except BaseException:  # the call itself is cancelled while the old action stops: this one never runs
            coro.close()
            raise
        self.start(coro, interruptible)

    async def interrupt(self, in_stream: bool = True) -> None:
        """Barge-in: ``clear`` at once, cancel the action; keep what the caller did not get to hear.
        ``in_stream`` False (a stalled stream): no ``clear`` (a back-pressured socket would hold up the
        fail-safe's REST call for its send timeout); the line counts as gone, what was sent settles by the clock."""
        task = self.task if self.acting else None
        if not self.floor.interrupt(task is not None):
            return
        playing = task is None and self.playout.busy  # the last reply sent whole, still playing at the far end
        if self.metrics is not None and self.playout.busy and not self.floor.failing:
            self.metrics.barge_in()  # the caller talked over audio they had not heard out
        if task is not None:
            task.cancel()
        if in_stream:
            await self.playout.clear()
        else:
            self.playout.hang_up()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        self.floor.interrupted(task is not None, self.mouth.heard_s(), playing)

    def wake(self) -> None:
        """The call has ended: the main loop stops waiting for the channel."""
        self.inbox.put_nowait(None)

    async def settle(self) -> None:
        """The call is over: a hang-up or transfer in flight (not interruptible) gets 5 s; the rest is cancelled."""
        task = self.task if self.acting else None
        if task is not None and not self.floor.interruptible:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(task), 5.0)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
