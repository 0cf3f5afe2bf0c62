"""One turn at a time per chat session, in this worker.

Why: a turn reads the session from Redis, runs the dialog and writes the session back. Two messages of one
session answered at once (a double-clicked "send", a widget that retries while the first is still
running, two tabs) each read the same old session and the last write won: a hostile probe sent 30 messages
of one session at once, all 30 got a 200 and a reply, and the stored conversation kept 2 of them (with its
slots, misses and the history the agents and the KB gaps read). Turns of one session now queue here, so
each starts from the one before it. Across ``--workers N`` two workers can still race on one session,
as with the failed-credential brake (``telephony/access/serial.py``); a client behind one connection or one
sticky balancer never does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SessionLocks:
    """An ``asyncio.Lock`` per session id, kept only while a turn of that session runs or waits."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, session_id: str | None) -> AsyncIterator[None]:
        """``async with locks.hold(sid):`` the session's turn; a new conversation (no id) never waits."""
        if not session_id:
            yield
            return
        lock, users = self._locks.get(session_id, (asyncio.Lock(), 0))
        self._locks[session_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[session_id]
            if users == 1:
                del self._locks[session_id]
            else:
                self._locks[session_id] = (lock, users - 1)
