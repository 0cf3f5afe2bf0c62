"""A cancel that lands on a Redis command the instant it has been written: where Python 3.11's
``asyncio.wait_for`` (redis-py's socket timeout around every send) loses it (CPython gh-86296)."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio.connection import Connection


class CancelAfterWrite(Connection):
    """Cancels ``victim`` the moment one of its commands has been written, before the write's ``wait_for``
    (redis-py's socket timeout around every send) resumes its caller: the instant a dropped request's cancel
    lands on a poll. Python 3.11's ``asyncio.wait_for`` then returns as if no cancel had come (CPython
    gh-86296): the cancel is lost, and only ``Task.cancelling()`` still counts it."""

    victim: asyncio.Task[Any] | None = None

    async def _send_packed_command(self, command: Any) -> None:
        await super()._send_packed_command(command)
        victim, CancelAfterWrite.victim = CancelAfterWrite.victim, None
        if victim is not None:
            victim.cancel()


async def victim_hit() -> bool:
    """The victim's command was written and the victim cancelled."""
    return CancelAfterWrite.victim is None
