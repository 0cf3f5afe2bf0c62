"""Phone calls first: one recognizer, a phone lane and a bounded device lane.

Why: the device API (``POST /v1/voice/turn``) and phone calls share the one recognizer, and its queue is
first come, first served: ten 29 s device uploads queued ahead of a caller gave that caller 16 s of dead
air. The recognizer itself (``voice/asr.py``, its semaphore or batching queue) is left as it is; the
priority lives here, at the seam, as two ``Recognizer``s over it:

* ``phone``: goes straight into the recognizer, and counts itself while it waits or runs;
* ``device``: enters the recognizer only while no phone turn waits or runs, and at most ``slots`` at a time;
  at most ``queue`` more wait for that; beyond, or after waiting ``wait_s``, ``RecognizerBusy`` (503).

So a phone turn is never queued behind device turns: at worst it waits for the ``slots`` device
recognitions already running (1 by default), which a thread cannot interrupt. Device turns may starve
while calls keep the recognizer busy; they are the ones that can be retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from voice.loops import PerLoop
from voice.ports import PCM, Recognizer, Transcript


class RecognizerBusy(Exception):
    """The device share is full (or stayed taken by phone calls for ``wait_s``): answer 503."""

    def __init__(self, reason: str, retry_after_s: float) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


@dataclass
class _State:
    """One event loop's counts (asyncio primitives bind to a loop)."""

    phone: int = 0  # phone turns waiting for or inside the recognizer
    device_running: int = 0  # device turns inside the recognizer
    device_waiting: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class RecognizerLanes:
    """``lanes.phone`` for the call pipeline, ``lanes.device`` for the device API."""

    def __init__(self, recognizer: Recognizer, *, slots: int = 1, queue: int = 4, wait_s: float = 15.0) -> None:
        self.recognizer = recognizer
        self.slots, self.queue, self.wait_s = max(1, slots), max(0, queue), wait_s
        self._states = PerLoop(_State)
        self.phone = PhoneLane(self)
        self.device = DeviceLane(self)

    def state(self) -> _State:
        return self._states.get()

    async def changed(self, state: _State) -> None:
        async with state.changed:
            state.changed.notify_all()


class PhoneLane:
    """The call pipeline's recognizer: straight in, never behind a waiting device turn."""

    def __init__(self, lanes: RecognizerLanes) -> None:
        self._lanes = lanes

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        state = self._lanes.state()
        state.phone += 1  # before the first await: no device turn can slip in from here on
        try:
            return await self._lanes.recognizer.transcribe(pcm, rate, hotwords)
        finally:
            state.phone -= 1
            if state.phone == 0 and state.device_waiting:
                await asyncio.shield(self._lanes.changed(state))


class DeviceLane:
    """The device API's recognizer: a bounded share, behind every phone turn."""

    def __init__(self, lanes: RecognizerLanes) -> None:
        self._lanes = lanes

    def in_use(self) -> tuple[int, int]:
        """(running, waiting) in this loop: for tests and /readyz-style inspection."""
        state = self._lanes.state()
        return state.device_running, state.device_waiting

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        lanes, state = self._lanes, self._lanes.state()
        if state.device_running + state.device_waiting >= lanes.slots + lanes.queue:
            raise RecognizerBusy("the device share of the recognizer is full", lanes.wait_s)
        await self._enter(state)
        try:
            return await lanes.recognizer.transcribe(pcm, rate, hotwords)
        finally:
            state.device_running -= 1
            await asyncio.shield(lanes.changed(state))

    async def _enter(self, state: _State) -> None:
        lanes = self._lanes
        state.device_waiting += 1
        try:
            async with state.changed:
                ready = lambda: state.phone == 0 and state.device_running < lanes.slots  # noqa: E731
                await asyncio.wait_for(state.changed.wait_for(ready), lanes.wait_s)
                state.device_running += 1
        except TimeoutError as exc:
            raise RecognizerBusy("phone calls kept the recognizer busy", lanes.wait_s) from exc
        finally:
            state.device_waiting -= 1
