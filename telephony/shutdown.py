"""Writes still held in memory at shutdown, tried once, all at once, within a bound.

Why: a gateway stopped (SIGTERM, a rolling deploy) holds writes Redis has not taken yet: the KPI increments
of requests that just finished (``telephony/insights/kpis.py``) and the session copies a device or speaker
conversation kept while Redis was down (``telephony/speaker/kept.py``). Closing the Redis pool under them
loses them silently. But a shutdown must finish (systemd and Kubernetes kill what does not stop), and a dead
Redis never answers: so every write is started at once, the whole lot waited for ``timeout_s`` at most, and
what did not make it is cancelled and named in the log (how many, which) instead of holding the stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import Protocol

log = logging.getLogger(__name__)


class HeldWrites(Protocol):
    """Something holding writes for the store that the gateway's ``close`` tries once more."""

    async def flush_pending(self, timeout_s: float) -> list[str]:
        """Try every held write once within ``timeout_s``; the ids of those still not written."""
        ...


async def settle_within(jobs: Mapping[str, Awaitable[bool]], timeout_s: float) -> list[str]:
    """Run ``jobs`` (id -> a write answering True when done) at once; the ids not done within ``timeout_s``
    (failed, answered False, or still waiting: those are cancelled). Never raises for a job's error."""
    tasks = {key: asyncio.ensure_future(job) for key, job in jobs.items()}
    if not tasks:
        return []
    await asyncio.wait(tasks.values(), timeout=max(0.0, timeout_s))
    failed: list[str] = []
    for key, task in tasks.items():
        if not task.done():
            task.cancel()
            failed.append(key)
        elif task.cancelled() or task.exception() is not None or task.result() is not True:
            failed.append(key)
    return failed


async def flush_all(held: list[HeldWrites], timeout_s: float) -> list[str]:
    """Every holder's ``flush_pending`` at once, within ``timeout_s`` overall; the ids still not written."""
    results = await asyncio.gather(*(h.flush_pending(timeout_s) for h in held), return_exceptions=True)
    failed: list[str] = []
    for result in results:
        if isinstance(result, BaseException):
            log.warning("held writes not flushed at shutdown: %r", result)
        else:
            failed.extend(result)
    return failed
