"""Phone calls first: one recognizer, a phone lane and a bounded device lane.

Why: the device API (``POST /v1/voice/turn``) and phone calls share the one recognizer, and its queue is
first come, first served: ten 29 s device uploads queued ahead of a caller gave that caller 16 s of dead
air. The recognizer itself (``voice/asr.py``, its semaphore or batching queue) is left as it is; the
priority lives here, at the seam, as two ``Recognizer``s over it:

* ``phone``: goes straight into the recognizer, and counts itself while it waits or runs;
* ``device``: enters the recognizer only while no phone turn waits or runs, and at most ``slots`` at a time;
  at most ``queue`` more wait for that; beyond, or after waiting ``wait_s``, ``RecognizerBusy`` (503). The
  ``wait_s`` is one deadline for the whole wait: the worker's lane, then the host's slot (``host_slots.py``)
  with what is left of it (each had its own ``wait_s``: 15 s promised, 30 s waited).

The last word is said just before a device turn enters the recognizer (``entry``): a phone turn may have begun
in this worker while the device turn waited for the host's slot (or in the loop iteration between its lane
letting it in and its waking up), and it went straight in. Such a device turn gives the host's slot and its place
back and waits again, first in line, within the same deadline: without that look, a device recognition started
beside a caller's, which the README promises never happens.

So a phone turn is never queued behind device turns: at worst it waits for the ``slots`` device
recognitions already running (1 by default), which a thread cannot interrupt. Device turns may starve
while calls keep the recognizer busy; they are the ones that can be retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import Enum

from telephony.access.deadline import Deadline
from telephony.access.host_slots import HostSlots, HostSlotsTaken
from voice.loops import PerLoop
from voice.ports import PCM, Recognizer, SpareCapacity, Transcript


class RecognizerBusy(Exception):
    """The device share is full (or stayed taken by phone calls for ``wait_s``): answer 503."""

    def __init__(self, reason: str, retry_after_s: float) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class Entry(Enum):
    """What a device turn holding its place (and the host's slot, when shared) does next."""

    GO = "go"  # no phone turn in this worker: into the recognizer
    WAIT = "wait"  # a phone turn began meanwhile: give the place and the slot back, wait again
    BUSY = "busy"  # the same, with the turn's deadline passed: 503


def entry(phone_turns: int, deadline: Deadline) -> Entry:
    """The decision just before a device turn enters the recognizer (pure: counts and a deadline in, no waiting).

    Why: a device turn waits twice (its worker's lane, then the host's slot); a phone turn that began during the
    second wait went straight into the recognizer, and the device turn must not join it there."""
    if phone_turns == 0:
        return Entry.GO
    return Entry.BUSY if deadline.passed() else Entry.WAIT


@dataclass
class _State:
    """One event loop's counts (futures bind to a loop). Changed only synchronously: no locks."""

    phone: int = 0  # phone turns waiting for or inside the recognizer
    device_running: int = 0  # device turns let into the recognizer
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)  # device turns, oldest first


class RecognizerLanes:
    """``lanes.phone`` for the call pipeline, ``lanes.device`` for the device API."""

    def __init__(
        self,
        recognizer: Recognizer,
        *,
        slots: int = 1,
        queue: int = 4,
        wait_s: float = 15.0,
        host: HostSlots | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``host``: the device share of the whole host (every worker's lanes open the same folder); None =
        this process's ``slots`` only (one worker, tests). ``clock``: when a device turn's wait ends."""
        self.recognizer = recognizer
        self.slots, self.queue, self.wait_s = max(1, slots), max(0, queue), wait_s
        self.host, self.clock = host, clock
        self._states = PerLoop(_State)
        self.phone = PhoneLane(self)
        self.device = DeviceLane(self)

    def state(self) -> _State:
        return self._states.get()

    def admit(self, state: _State) -> None:
        """Hand free device places to the oldest waiting device turns, while no phone turn is in."""
        while state.waiters and state.phone == 0 and state.device_running < self.slots:
            waiter = state.waiters.popleft()
            if not waiter.done():  # a cancelled (timed-out, hung-up) waiter is skipped
                waiter.set_result(None)
                state.device_running += 1


class PhoneLane:
    """The call pipeline's recognizer: straight in, never behind a waiting device turn."""

    def __init__(self, lanes: RecognizerLanes) -> None:
        self._lanes = lanes

    def has_spare(self) -> bool:
        """The recognizer's own answer (``SpareCapacity``); one that cannot tell (a remote tier) has room."""
        recognizer = self._lanes.recognizer
        return not isinstance(recognizer, SpareCapacity) or recognizer.has_spare()

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        state = self._lanes.state()
        state.phone += 1  # before the first await: no device turn can slip in from here on
        try:
            return await self._lanes.recognizer.transcribe(pcm, rate, hotwords)
        finally:
            state.phone -= 1
            self._lanes.admit(state)


class DeviceLane:
    """The device API's recognizer: a bounded share, behind every phone turn, first come first served."""

    def __init__(self, lanes: RecognizerLanes) -> None:
        self._lanes = lanes

    def in_use(self) -> tuple[int, int]:
        """(running, waiting) in this loop: for tests and inspection."""
        state = self._lanes.state()
        return state.device_running, sum(1 for w in state.waiters if not w.done())

    async def transcribe(self, pcm: PCM, rate: int, hotwords: Sequence[str] = ()) -> Transcript:
        lanes, state = self._lanes, self._lanes.state()
        running, waiting = self.in_use()
        if running + waiting >= lanes.slots + lanes.queue:
            raise RecognizerBusy("the device share of the recognizer is full", lanes.wait_s)
        deadline = Deadline.after(lanes.wait_s, lanes.clock)  # one for the lane and the host's slot together
        again = False
        while True:
            await self._enter(state, deadline, first=again)
            transcript = await self._attempt(state, deadline, pcm, rate, hotwords)
            if transcript is not None:
                return transcript
            again = True  # a phone turn got in first: back in line, at its head

    async def _attempt(
        self, state: _State, deadline: Deadline, pcm: PCM, rate: int, hotwords: Sequence[str]
    ) -> Transcript | None:
        """Holding a place: take the host's slot (when shared), then ``entry`` decides. None = wait again (place
        and slot given back); ``RecognizerBusy`` once the deadline passed."""
        lanes = self._lanes
        try:
            async with self._host_slot(deadline):
                decision = entry(state.phone, deadline)
                if decision is Entry.GO:
                    return await lanes.recognizer.transcribe(pcm, rate, hotwords)
        except HostSlotsTaken as exc:
            raise RecognizerBusy("the host's device share stayed taken by other workers", lanes.wait_s) from exc
        finally:
            state.device_running -= 1
            lanes.admit(state)
        if decision is Entry.BUSY:
            raise RecognizerBusy("phone calls kept the recognizer busy", lanes.wait_s)
        return None

    def _host_slot(self, deadline: Deadline) -> AbstractAsyncContextManager[None]:
        """The host's slot in what is left of ``deadline``; nothing to take when this worker's share is all."""
        host = self._lanes.host
        return host.slot(deadline) if host is not None else contextlib.nullcontext()

    async def _enter(self, state: _State, deadline: Deadline, first: bool = False) -> None:
        """Take a device place: at once when free and nobody waits, else in turn, before ``deadline``. ``first``:
        a turn that had its place and gave it back to a phone turn keeps its turn (head of the line)."""
        lanes = self._lanes
        waiter = asyncio.get_running_loop().create_future()
        if first:
            state.waiters.appendleft(waiter)
        else:
            state.waiters.append(waiter)
        lanes.admit(state)
        if waiter.done():
            return
        try:
            async with asyncio.timeout(deadline.left()):
                await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():  # granted just as we gave up: give it back
                state.device_running -= 1
                lanes.admit(state)
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    state.waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise RecognizerBusy("phone calls kept the recognizer busy", lanes.wait_s) from exc
            raise
