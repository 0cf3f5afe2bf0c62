"""What the engine reports about conversations, through two best-effort ports: each turn's conversation
to the history (``ConversationLog``) and each turn not understood to the KB gaps report (``MissLog``).

Why in the background: both are for the people who run the hotline later; a caller must never wait on
them (a Redis that hangs would add its timeouts to every turn) nor hear an error because Redis hiccuped.
The writes run as tasks after the turn is decided (their data is copied first: the session object goes
on changing); failures are logged. ``drain()`` waits for those in flight (shutdown, tests).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from redis.exceptions import RedisError

from dialog.pii import mask
from dialog.ports import CallerInfo, ConversationLog, Miss, MissLog, Outcome
from dialog.session import Session

log = logging.getLogger(__name__)
LATEST_KEPT = 10_000


@dataclass
class EngineLogs:
    misses: MissLog | None
    history: ConversationLog | None
    clock: Callable[[], float]
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # the latest turn's miss per session, with its write: what ``retract`` takes back (same process: a
    # retract follows its turn within one call); bounded, the oldest forgotten first
    _latest: OrderedDict[str, tuple[Miss, asyncio.Task[None]]] = field(default_factory=OrderedDict)

    def conversation(self, s: Session, caller: CallerInfo, outcome: Outcome) -> None:
        """The conversation as stored (masked) to the history."""
        if self.history is not None:
            self._spawn(self.history.saved(s.stored(), caller, outcome), f"session {s.id} not written to the history")

    def miss(self, s: Session, text: str, caller: CallerInfo, transferred: bool) -> None:
        """A question the KB could not answer, masked like the session, for the gaps report."""
        if self.misses is not None:
            miss = Miss(mask(text, keep=[s.order_id]), caller.channel, self.clock(), transferred, s.id)
            task = self._spawn(self.misses.record(miss), f"miss of session {s.id} not recorded (gaps report)")
            self._latest[s.id] = (miss, task)
            while len(self._latest) > LATEST_KEPT:
                self._latest.popitem(last=False)

    def turn_done(self, session_id: str) -> None:
        """A turn that was not a miss: the session's earlier miss is no longer its latest turn."""
        self._latest.pop(session_id, None)

    def withdraw_miss(self, session_id: str) -> None:
        """The session's latest turn was taken back: so is its miss, once recorded."""
        latest = self._latest.pop(session_id, None)
        if latest is None or self.misses is None:
            return
        miss, recorded = latest
        misses = self.misses

        async def withdraw() -> None:
            await recorded
            await misses.withdraw(miss)

        self._spawn(withdraw(), f"miss of session {session_id} not withdrawn (gaps report)")

    async def drain(self) -> None:
        """Wait for the writes in flight."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, write: Awaitable[None], failure: str) -> asyncio.Task[None]:
        async def run() -> None:
            try:
                await write
            except (RedisError, OSError) as exc:  # the store is down: one line, no traceback
                log.warning("%s: %r", failure, exc)
            except Exception:
                log.exception(failure)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
