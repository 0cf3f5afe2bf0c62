"""One turn at a time per chat session: queued in this worker, then leased across the workers.

Why: a turn reads the session from Redis, runs the dialog and writes the session back. Two messages of one
session answered at once (a double-clicked "send", a widget that retries while the first is still
running, two tabs) each read the same old session and the last write won: a hostile probe sent 30 messages
of one session at once, all 30 got a 200 and a reply, and the stored conversation kept 2 of them (with its
slots, misses and the history the agents and the KB gaps read). Turns of one session now queue here, so
each starts from the one before it. Across ``--workers N`` (or pods) the same happened between workers;
with a ``SessionLease`` (``telephony/chat/session_lease.py``, built when Redis is configured) a turn also
holds the session's lease in Redis, taken after this worker's lock, so one worker's queued turns do not all
poll Redis: only the first of them waits on the lease. Redis down or timing out: the lock here only (the turn
takes its path without Redis); the lease held by another worker past its wait: ``SessionBusy``.

The lease's wait (``INFOLINIA_SESSION_LEASE_WAIT_S``) is the turn's whole wait, counted from when it arrives
here: the lock here is waited for within it (past it: ``SessionBusy``), and the lease gets what is left. Counted
from the lease alone, each turn queued here waited for the lock and then a whole wait of its own: with k
messages of a session that another worker held, the last was answered after k waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telephony.chat.session_lease import SessionBusy, SessionLease


class SessionLocks:
    """An ``asyncio.Lock`` per session id, kept only while a turn of that session runs or waits; ``lease``: the
    workers' lease taken after it (None: one worker, or no Redis: the lock alone)."""

    def __init__(self, lease: SessionLease | None = None) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self.lease = lease

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, session_id: str | None) -> AsyncIterator[None]:
        """``async with locks.hold(sid):`` the session's turn; a new conversation (no id) never waits. Raises
        ``SessionBusy`` (from the lease) when another worker's turn of the session held it past the wait."""
        if not session_id:
            yield
            return
        lock, users = self._locks.get(session_id, (asyncio.Lock(), 0))
        self._locks[session_id] = (lock, users + 1)
        try:
            if self.lease is None:
                async with lock:
                    yield
                return
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.lease.timing.wait_s  # the whole wait: this worker's queue, then the lease
            await _acquire_by(lock, deadline, session_id)
            try:
                async with self.lease.hold(session_id, wait_s=max(0.0, deadline - loop.time())):
                    yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[session_id]
            if users == 1:
                del self._locks[session_id]
            else:
                self._locks[session_id] = (lock, users - 1)


async def _acquire_by(lock: asyncio.Lock, deadline: float, session_id: str) -> None:
    """``lock`` by ``deadline`` (the loop's clock), else ``SessionBusy``: the turns ahead of this one in this
    worker (each maybe waiting on another worker's lease) took the whole wait."""
    try:
        async with asyncio.timeout_at(deadline):
            await lock.acquire()
    except TimeoutError:
        raise SessionBusy(f"earlier turns of session {session_id[:8]}... still run: waited its whole wait") from None
