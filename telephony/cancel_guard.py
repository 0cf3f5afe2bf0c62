"""Cancels around Redis takes: one the client library lost, raised again; and what a cancelled take may hold,
given back.

Why: redis-py bounds each write with ``asyncio.wait_for``, and on Python 3.11 a cancel that lands just as the write
completes is lost there (CPython gh-86296): ``wait_for`` returns as if none had come. A request dropped while it
polled for a lease, a lock or a claim then polled on, took it, and went on for nobody (the session lease's waiting
turn blocked its session for the TTL; a dropped logout took an agent's wrap-up claim and logged them out). The
task still counts the cancel (``Task.cancelling()``), so ``honour_cancel`` raises it. And a take whose cancel did
arrive may have run in Redis all the same: left there, the lock blocked the next holder for its whole TTL, so the
taker gives it back (``give_back_anyway``: through the cancel, and never raising).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

import anyio

log = logging.getLogger(__name__)
T = TypeVar("T")
_RUNNING: set[asyncio.Task[Any]] = set()  # give-backs still running after their caller went (kept referenced)


async def honour_cancel(command: Awaitable[T]) -> T:
    """``await command``, honouring a cancel that landed on it even if the library below swallowed it (raised
    again when it did not)."""
    task = asyncio.current_task()
    before = task.cancelling() if task is not None else 0
    try:
        return await command
    finally:
        if task is not None and task.cancelling() > before:
            raise asyncio.CancelledError  # the cancel the library swallowed


async def give_back_anyway(release: Coroutine[Any, Any, Any], what: str) -> None:
    """Run ``release`` (a compare-and-delete of this taker's own token) to its end while the caller is being
    cancelled: shielded from a cancel scope that cancels again at every step, and from a second plain cancel
    (which ends only this wait; the release goes on). A failure is logged: the lock then lapses after its TTL."""
    task = asyncio.ensure_future(_quietly(release, what))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    with anyio.CancelScope(shield=True):
        await asyncio.shield(task)


async def _quietly(release: Coroutine[Any, Any, Any], what: str) -> None:
    try:
        await release
    except Exception as exc:
        log.warning("%s not given back after a cancel (%r): it lapses after its TTL", what, exc)
