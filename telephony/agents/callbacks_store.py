"""Callback requests on the ``KeyValueStore`` port (``StoreCallbacks``), for a single worker without Redis
(speaker-only setups): the same lifecycle as ``RedisCallbacks`` in ``callbacks_redis.py`` (claim, close, a try
nobody answered back to the list, release), atomic within this one process only."""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import Callable
from typing import Any

from dialog.ports import KeyValueStore
from telephony.agents.callbacks import (
    DEFAULT_RETRIES,
    NO_ANSWER,
    UNREACHABLE,
    CallbackStatus,
    ClaimResult,
    Retries,
    due_first,
    epoch_of,
    iso_now,
    masked,
)

CALLBACK_KEY = "callback:{}"
PENDING_KEY = "callback:pending"


class StoreCallbacks:
    """Callback requests on the KeyValueStore: one worker only (the id index is read-modify-write under a
    process-local lock). With Redis configured, use ``RedisCallbacks``."""

    def __init__(
        self,
        store: KeyValueStore,
        clock: Callable[[], float] = time.time,
        ttl_s: int = 30 * 86400,
        retries: Retries = DEFAULT_RETRIES,
    ) -> None:
        self.store, self._clock, self.ttl_s, self.retries = store, clock, ttl_s, retries
        self._lock = asyncio.Lock()

    async def add(self, record: dict[str, Any]) -> str:
        """Records expire after ``ttl_s``; the id index drops the ids of expired ones on every add."""
        callback_id = str(record["id"])
        async with self._lock:
            if await self.get(callback_id) is not None:  # stored already: a retry or a replay
                return callback_id
            await self.store.set(
                CALLBACK_KEY.format(callback_id), {**masked(record), "status": "pending"}, ttl_s=self.ttl_s
            )
            index = await self.store.get(PENDING_KEY) or {}
            ids = [i for i in index.get("ids", []) if isinstance(i, str) and await self.get(i) is not None]
            await self.store.set(PENDING_KEY, {"ids": [*ids, callback_id]}, ttl_s=self.ttl_s)
        return callback_id

    async def get(self, callback_id: str) -> dict[str, Any] | None:
        return await self.store.get(CALLBACK_KEY.format(callback_id))

    def _left(self, record: dict[str, Any]) -> int:
        """Seconds of retention the record has left (a change does not extend it)."""
        return max(1, round(self.ttl_s - (self._clock() - epoch_of(record.get("created_at")))))

    async def list(self, status: CallbackStatus = "pending", limit: int = 200) -> builtins.list[dict[str, Any]]:
        index = await self.store.get(PENDING_KEY) or {}
        records = [await self.get(i) for i in index.get("ids", [])]
        found = [r for r in records if r is not None and r.get("status") == status][:limit]
        return due_first(found, self._clock()) if status == "pending" else found

    async def pending(self) -> builtins.list[dict[str, Any]]:
        return await self.list("pending")

    async def _change(
        self, callback_id: str, agent_id: str | None, expect: str, changes: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> ClaimResult:
        """``changes(record)``: the fields to set, when the record is ``expect`` (and claimed by ``agent_id``
        unless ``expect`` is pending, or ``agent_id`` is ``None``: anyone's)."""
        async with self._lock:
            record = await self.get(callback_id)
            if record is None:
                return ClaimResult(False, None, "unknown")
            mine = expect == "pending" or agent_id is None or record.get("claimed_by") == agent_id
            if record.get("status") != expect or not mine:
                return ClaimResult(False, record, "taken" if expect == "pending" else "not_yours")
            record.update(changes(record))
            for name in [k for k, v in record.items() if v is None]:
                del record[name]
            await self.store.set(CALLBACK_KEY.format(callback_id), record, ttl_s=self._left(record))
            return ClaimResult(True, record)

    async def claim(self, callback_id: str, agent_id: str) -> ClaimResult:
        changes = {"status": "claimed", "claimed_by": agent_id, "claimed_at": iso_now(self._clock)}
        return await self._change(callback_id, agent_id, "pending", lambda _: changes)

    async def close(self, callback_id: str, agent_id: str, outcome: str) -> ClaimResult:
        now = iso_now(self._clock)

        def changes(record: dict[str, Any]) -> dict[str, Any]:
            if outcome != NO_ANSWER:
                return {"status": "closed", "closed_at": now, "outcome": outcome}
            tries = int(record.get("failed_attempts") or 0) + 1
            tried = {"failed_attempts": tries, "last_attempt_at": now, "last_outcome": outcome}
            if tries >= self.retries.max_attempts:
                return tried | {"status": "closed", "closed_at": now, "outcome": UNREACHABLE}
            later = self.retries.retry_after(self._clock())
            return tried | {"status": "pending", "claimed_by": None, "claimed_at": None, "retry_after": later}

        return await self._change(callback_id, agent_id, "claimed", changes)

    async def release(self, callback_id: str, agent_id: str, *, anyone: bool = False) -> ClaimResult:
        changes = {"status": "pending", "claimed_by": None, "claimed_at": None}
        result = await self._change(callback_id, None if anyone else agent_id, "claimed", lambda _: changes)
        if result.reason == "not_yours" and result.record is not None and result.record.get("status") != "claimed":
            return ClaimResult(False, result.record, "not_claimed")
        return result

    async def attach_voicemail(self, callback_id: str, recording_url: str, duration_s: float | None = None) -> bool:
        async with self._lock:
            record = await self.get(callback_id)
            if record is None:
                return False
            record["voicemail_url"] = recording_url
            if duration_s is not None:
                record["voicemail_s"] = float(duration_s)
            await self.store.set(CALLBACK_KEY.format(callback_id), record, ttl_s=self._left(record))
            return True
