"""What the engine reports about conversations, through two best-effort ports: each turn's conversation
to the history (``ConversationLog``) and each turn not understood to the KB gaps report (``MissLog``).

Why in the background: both are for the people who run the hotline later; a caller must never wait on
them (a Redis that hangs would add its timeouts to every turn) nor hear an error because Redis hiccuped.
The writes run as tasks after the turn is decided (their data is copied first: the session object goes
on changing); failures are logged. ``drain()`` waits for those in flight (shutdown, tests).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from redis.exceptions import RedisError

from dialog.engine_intents import is_follow_up
from dialog.pii import mask
from dialog.ports import CallerInfo, ConversationLog, Miss, MissLog, Outcome
from dialog.session import Session

log = logging.getLogger(__name__)
LATEST_KEPT = 10_000
T = TypeVar("T")
OFFERED_MISS = "offered_miss"  # session slot: [at, text, channel] of the miss whose reply offered two entries


@dataclass
class EngineLogs:
    misses: MissLog | None
    history: ConversationLog | None
    clock: Callable[[], float]
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # the latest turn's miss per session, with its write: what ``retract`` takes back (same process: a
    # retract follows its turn within one call); bounded, the oldest forgotten first
    _latest: OrderedDict[str, tuple[Miss, asyncio.Task[None]]] = field(default_factory=OrderedDict)
    # the write of the miss whose reply offered two entries, per session, until the caller picks (or not)
    _offered: OrderedDict[str, asyncio.Task[None]] = field(default_factory=OrderedDict)
    _picked: OrderedDict[str, tuple[Miss, asyncio.Task[None]]] = field(default_factory=OrderedDict)  # latest turn's
    _written: OrderedDict[str, asyncio.Task[None]] = field(default_factory=OrderedDict)  # latest history write

    def conversation(self, s: Session, caller: CallerInfo, outcome: Outcome) -> None:
        """The conversation as stored (masked) to the history. One session's writes go in order: a turn and
        its amendment (``Dialog.record``) follow each other at once, and the later must not be read before
        the earlier is written (it would drop what only the earlier knows: the transfer's queue)."""
        if self.history is None:
            return
        earlier, history, stored = self._written.get(s.id), self.history, s.stored()

        async def write() -> None:
            if earlier is not None:
                await asyncio.gather(earlier, return_exceptions=True)
            await history.saved(stored, caller, outcome)

        _keep(self._written, s.id, self._spawn(write(), f"session {s.id} not written to the history"))

    def miss(self, s: Session, text: str, caller: CallerInfo, transferred: bool, offered: bool = False) -> None:
        """A question the KB could not answer, masked like the session, for the gaps report. ``offered``: the
        reply offered two entries; the session keeps which miss it was, so the caller's pick can resolve it
        (``resolved``) whichever worker takes the next turn."""
        if self.misses is not None:
            context = mask(s.topic, keep=[s.order_id]) if s.topic and is_follow_up(text) else ""
            miss = Miss(mask(text, keep=[s.order_id]), caller.channel, self.clock(), transferred, s.id, context=context)
            task = self._spawn(self.misses.record(miss), f"miss of session {s.id} not recorded (gaps report)")
            _keep(self._latest, s.id, (miss, task))
            if offered:
                s.slots[OFFERED_MISS] = json.dumps([miss.at, miss.text, miss.channel], ensure_ascii=False)
                _keep(self._offered, s.id, task)

    def gap(self, s: Session, caller: CallerInfo, question: str, transferred: bool) -> None:
        """``miss`` in the order small talk calls it: a question an answer missed ("nie, to nie to")."""
        self.miss(s, question, caller, transferred)

    def resolved(self, s: Session, entry_id: str) -> None:
        """The miss before the two entries were offered was about ``entry_id``: the caller picked it."""
        raw = s.slots.pop(OFFERED_MISS, None)
        if raw is None or self.misses is None:
            return
        at, text, channel = json.loads(raw)
        miss, misses = Miss(text, channel, float(at), session_id=s.id), self.misses
        recorded = self._offered.pop(s.id, None)  # in this process: its write may still be under way

        async def resolve() -> None:
            if recorded is not None:
                await asyncio.gather(recorded, return_exceptions=True)
            await misses.resolve(miss, entry_id)

        task = self._spawn(resolve(), f"miss of session {s.id} not marked resolved (gaps report)")
        _keep(self._picked, s.id, (miss, task))  # what a retract of this turn takes back

    def turn_done(self, session_id: str) -> None:
        """A new turn: the session's earlier miss (or pick) is no longer its latest turn."""
        self._latest.pop(session_id, None)
        self._picked.pop(session_id, None)

    def withdraw_miss(self, session_id: str) -> None:
        """The session's latest turn was taken back: so is its miss, once recorded, or its pick (the miss
        it resolved is a gap again until the whole turn picks)."""
        picked = self._picked.pop(session_id, None)
        if picked is not None and self.misses is not None:
            miss, resolving, misses = *picked, self.misses

            async def unresolve() -> None:
                await asyncio.gather(resolving, return_exceptions=True)
                await misses.resolve(miss, "")

            self._spawn(unresolve(), f"pick of session {session_id} not taken back (gaps report)")
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


def _keep(latest: OrderedDict[str, T], session_id: str, value: T) -> None:
    """Remember ``value`` as the session's latest, forgetting the oldest beyond ``LATEST_KEPT`` sessions."""
    latest[session_id] = value
    while len(latest) > LATEST_KEPT:
        latest.popitem(last=False)
