"""The device share of the recognizer for the whole host, not per worker process.

Why: ``INFOLINIA_DEVICE_ASR_SLOTS`` (1) was counted in each worker's event loop, so ``serve --workers 2`` let two
30 s device recognitions run at once on a 2-core host: both cores decoding uploads, and a phone caller's reply
came after 3.9-5.7 s instead of 1.1-1.8 s (README "Phone calls before devices" promises one device
recognition at a time). The workers of a host share the data folder, so a slot is an exclusive ``flock`` on
one of ``count`` files there: the kernel releases it when its holder exits, even a crashed worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from telephony.access.deadline import Deadline

POLL_S = 0.02  # how often a waiting device turn tries the slot files again (a recognition takes seconds)


class HostSlotsTaken(Exception):
    """Every slot of the host stayed taken for the whole wait."""


class HostSlots:
    """``count`` slots shared by every process that opens the same ``folder``."""

    def __init__(self, folder: Path, count: int = 1, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """``sleep``: how a waiting turn waits between tries (a test's fake clock moves instead)."""
        self.sleep = sleep
        folder.mkdir(parents=True, exist_ok=True)
        self.paths = [folder / f"device-asr-{i}.lock" for i in range(max(1, count))]
        for path in self.paths:  # an existing folder on a read-only mount passes mkdir: fail here, not per turn
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        probe = self.try_take()  # a mount without locks (ENOLCK) raises here too, so the caller falls back
        if probe is not None:
            self.give_back(probe)

    def try_take(self) -> int | None:
        """The file descriptor holding a free slot, or None when all are taken."""
        for path in self.paths:
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                os.close(fd)
            except OSError:  # locks unsupported here (ENOLCK on some network mounts): no descriptor left open
                os.close(fd)
                raise
        return None

    @staticmethod
    def give_back(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @contextlib.asynccontextmanager
    async def slot(self, deadline: Deadline) -> AsyncIterator[None]:
        """Hold a slot for the block, waiting for one until ``deadline`` (``HostSlotsTaken`` then): the turn's
        own deadline, what its wait for the worker's lane left of it."""
        fd = self.try_take()
        while fd is None:
            if deadline.passed():
                raise HostSlotsTaken(f"the host's {len(self.paths)} device recognition slot(s) stayed taken")
            await self.sleep(min(POLL_S, deadline.left()))
            fd = self.try_take()
        try:
            yield
        finally:
            self.give_back(fd)
