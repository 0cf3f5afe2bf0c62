"""A local append-only spool for what must not be lost while Redis is down.

Why a file and not memory: a callback request, a voicemail or a caller's final call status arrives
once (Twilio does not retry a 2xx), so when Redis cannot take it, the gateway writes one JSON line
here, fsynced, and answers the caller normally. When Redis is reachable again ``replay`` applies every
line in order and then empties the file. Entries carry their own idempotency (the callback id is
``cb-<transfer id>``, statuses carry their ``SequenceNumber``), so a line replayed twice, after a crash
between applying and truncating, stores once.

Several worker processes share one file: an ``flock`` on ``<path>.lock`` serialises an append against a
replay in another process (a replay rewrites the file), an asyncio lock does the same within one.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)


# What "the store is down" looks like (refused, reset, timed out, or no pooled connection within the wait):
# these requests are spooled or refused with a 503, never answered with a 500.
class StoreDown(RuntimeError):
    """The state store cannot be read or written for this request: a 503 with a retry hint (the app's
    handler), its message the detail for developers, the catalogue's ``STORE_DOWN_REPLY`` for people."""


STORE_DOWN: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)

Apply = Callable[[str, dict[str, Any]], Awaitable[None]]


class Spool:
    """JSON lines ``{"kind": ..., "data": {...}}`` in ``path``; ``replay`` hands each to ``apply``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def append(self, kind: str, data: dict[str, Any]) -> None:
        """Write one entry durably (fsync) before the caller is told it is saved."""
        line = json.dumps({"kind": kind, "data": data}, ensure_ascii=False, separators=(",", ":")) + "\n"
        async with self._lock:
            await asyncio.to_thread(self._write, line)
        log.warning("store unavailable: %s spooled to %s", kind, self.path)

    def _write(self, line: str) -> None:
        fd = self._lock_file()
        try:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        finally:
            os.close(fd)  # closing releases the flock

    def _lock_file(self) -> int:
        """Take the cross-process lock (blocking; called in a worker thread); close the fd to release."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(str(self.path) + ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def pending(self) -> int:
        """How many entries wait for replay (``/readyz`` shows it)."""
        try:
            with self.path.open(encoding="utf-8") as f:
                return sum(1 for line in f if line.strip())
        except FileNotFoundError:
            return 0

    async def replay(self, apply: Apply) -> int:
        """Apply every entry in order; on the first failure keep it and what follows for the next try.
        Returns how many were applied. Unreadable lines are logged and dropped (they cannot be applied)."""
        if not self.path.exists():
            return 0
        async with self._lock:
            fd = await asyncio.to_thread(self._lock_file)
            try:
                entries = await asyncio.to_thread(self._read)
                done = await self._apply_all(entries, apply)
                await asyncio.to_thread(self._keep, entries[done:])
            finally:
                os.close(fd)
        if done:
            log.info("spool %s: replayed %d entries", self.path, done)
        return done

    @staticmethod
    async def _apply_all(entries: list[dict[str, Any] | None], apply: Apply) -> int:
        done = 0
        for entry in entries:
            if entry is not None:
                try:
                    await apply(str(entry["kind"]), dict(entry["data"]))
                except Exception:
                    log.warning("spool replay stopped after %d entries; the rest waits", done, exc_info=True)
                    break
            done += 1
        return done

    def _read(self) -> list[dict[str, Any] | None]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries: list[dict[str, Any] | None] = []
        for line in lines:
            if not line.strip():
                continue
            try:
                value = json.loads(line)
                entries.append(value if isinstance(value, dict) and "kind" in value and "data" in value else None)
            except json.JSONDecodeError:
                log.error("spool %s: unreadable line dropped: %.80s", self.path, line)
                entries.append(None)
        return entries

    def _keep(self, rest: list[dict[str, Any] | None]) -> None:
        """Rewrite the file with what is left (atomically: a crash keeps the old file, replayed again)."""
        if not rest and not self.path.exists():
            return
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for entry in rest:
                if entry is not None:
                    f.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
