"""A deadline for a store call that counts while the call works with Redis, not while it waits for a connection.

Why: the session keeper bounds each store call (``dialog/session_keeper.py``, 2 s) so that a *stalled* Redis
costs a turn that long, and its timeout opens the worker's store breaker (``telephony/store_health.py``). But
under a burst every pooled connection may be busy while Redis answers well: the call then waits in the pool
(up to ``INFOLINIA_REDIS_WAIT_S``), and the keeper's deadline firing there read as a stall and opened the
breaker, switching the rate limits off under exactly the load they are for. The pool's wait has its own bound
and its own error ("No connection available", which the breaker ignores). So while a call waits for a pooled
connection its deadline stands still, and once it has one the deadline goes on with the time that was left.

How: ``within`` runs the call under ``asyncio.timeout`` and names that deadline in a context variable (seen by
the tasks the call starts too); the pool (``DeadlinePool``, which ``dialog.redis_connect`` builds every
client on) suspends it while a caller waits for a connection because none is free, and resumes it once one is
free, before connecting it. A call with no deadline, or one that finds a free connection, goes through the
pool as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from redis.asyncio import BlockingConnectionPool
from redis.asyncio.connection import AbstractConnection

T = TypeVar("T")


class _Deadline:
    """One call's ``asyncio.Timeout``, suspended while any of its tasks waits for a pooled connection."""

    def __init__(self, timeout: asyncio.Timeout) -> None:
        self.timeout, self.active = timeout, True  # active: inside its ``async with`` (reschedulable)
        self.waiting = 0  # the call's waits for a connection under way (its tasks may wait at once)
        self.left: float | None = None  # what was left of the deadline when the first wait began

    def wait_begins(self) -> None:
        self.waiting += 1
        when = self.timeout.when()
        if self.waiting == 1 and self.active and when is not None and not self.timeout.expired():
            self.left = when - asyncio.get_running_loop().time()
            self.timeout.reschedule(None)

    def wait_ends(self) -> None:
        self.waiting -= 1
        if self.waiting == 0 and self.left is not None and self.active and not self.timeout.expired():
            self.timeout.reschedule(asyncio.get_running_loop().time() + self.left)
            self.left = None


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("infolinia_store_deadline", default=None)


async def within(call: Callable[[], Awaitable[T]], timeout_s: float) -> T:
    """``await call()``, raising ``TimeoutError`` once it has spent ``timeout_s`` other than waiting for a
    pooled connection (that wait is bounded by the pool itself: ``RedisConnectionError``)."""
    async with asyncio.timeout(timeout_s) as timeout:
        deadline = _Deadline(timeout)
        token = _DEADLINE.set(deadline)
        try:
            return await call()
        finally:
            deadline.active = False
            _DEADLINE.reset(token)


class _Wait:
    """One ``get_connection``'s pause of its call's deadline; ended once (a connection is ours, or none came)."""

    def __init__(self, deadline: _Deadline) -> None:
        self.deadline: _Deadline | None = deadline
        deadline.wait_begins()

    def end(self) -> None:
        if self.deadline is not None:
            self.deadline.wait_ends()
            self.deadline = None


_WAIT: ContextVar[_Wait | None] = ContextVar("infolinia_store_pool_wait", default=None)


class DeadlinePool(BlockingConnectionPool):
    """The blocking pool, whose wait for a free connection does not count against a ``within`` deadline.

    Only the wait: the deadline goes on the moment a connection is ours, before ``ensure_connection``
    connects it (TCP connect, TLS and AUTH handshake, the Sentinel master lookup), which is work with
    Redis. A stalled Redis met by a fresh connection after a pool wait costs the call its deadline, not
    the client's connect and socket timeouts. The pause ends in ``ensure_connection``, which redis-py's
    ``get_connection`` calls in the same task once it holds the connection, so its acquisition (locks,
    counters) is used as it is, not copied."""

    async def get_connection(self, *args: Any, **kwargs: Any) -> AbstractConnection:
        deadline = _DEADLINE.get()
        if deadline is None or self.can_get_connection():
            return await super().get_connection(*args, **kwargs)
        wait = _Wait(deadline)
        token = _WAIT.set(wait)
        try:
            return await super().get_connection(*args, **kwargs)
        finally:
            _WAIT.reset(token)
            wait.end()  # no connection came (the pool's own timeout): the wait ends here

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        wait = _WAIT.get()
        if wait is not None:
            wait.end()  # a connection is ours: connecting it is work with Redis, under the deadline
        await super().ensure_connection(connection)
