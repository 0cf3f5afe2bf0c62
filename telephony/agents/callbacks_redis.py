"""Callback requests in Redis (``RedisCallbacks``, the real ``CallbackBook``; the lifecycle and the shared
record helpers are in ``callbacks.py``, the single-worker one without Redis in ``callbacks_store.py``).

``callback:<id>`` hash (``data``: the immutable request as JSON; ``status`` pending|claimed|closed,
``claimed_by``, ``claimed_at``, ``closed_at``, ``outcome``, ``failed_attempts``, ``voicemail_url``...) and
sorted sets ``callbacks:pending|claimed|closed`` (score: created_at). Claim, close and release are Lua
compare-and-set scripts: atomic in Redis. Records expire after ``ttl_s`` (retention); every add lets the
indexes expire with the newest record, and ``infolinia purge`` drops ids of expired ones. Voicemails are also
listed in ``voicemails`` (score: when recorded; member: ``<RecordingSid> <callback id>``), which never
expires: it is the list ``infolinia purge`` works through to delete recordings at Twilio.
"""

from __future__ import annotations

import builtins
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis

from dialog.redis_connect import confirm_replicated
from telephony.agents.callback_scripts import ADD, CLAIM, CLOSE, RELEASE, VOICEMAIL
from telephony.agents.callbacks import (
    DEFAULT_RETRIES,
    NO_ANSWER,
    UNREACHABLE,
    VOICEMAILS_KEY,
    CallbackStatus,
    ClaimResult,
    Retries,
    due_first,
    epoch_of,
    iso_now,
    masked,
)

MUTABLE = ("status", "claimed_by", "claimed_at", "closed_at", "outcome", "voicemail_url", "voicemail_s",
           "failed_attempts", "last_attempt_at", "last_outcome", "retry_after")  # fmt: skip
_RECORDING_SID = re.compile(r"RE[0-9a-fA-F]{32}")


def _record(row: Mapping[Any, Any]) -> dict[str, Any] | None:
    """A callback as stored (``RedisCallbacks``): the request's data and its mutable fields; None if gone."""
    if not row or "data" not in row:
        return None
    record: dict[str, Any] = json.loads(row["data"])
    for name in MUTABLE:
        if name in row:
            record[name] = _typed(name, row[name])
    return record


def recording_sid(recording_url: str) -> str | None:
    """The Recording SID in a Twilio ``RecordingUrl`` (``.../Recordings/RE...``), None when there is none."""
    found = _RECORDING_SID.findall(recording_url)
    return found[-1] if found else None


def _typed(name: str, value: str | bytes) -> Any:
    """A mutable field as read from the hash: numbers as numbers (the API shows ``failed_attempts: 1``)."""
    if name == "voicemail_s":
        return float(value)
    return int(value) if name == "failed_attempts" else value


class RedisCallbacks:
    """Callback requests in Redis (any worker, atomic claim). ``redis`` must decode responses."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "infolinia:",
        ttl_s: int = 30 * 86400,
        clock: Callable[[], float] = time.time,
        replicas: int = 0,
        replica_wait_ms: int = 500,
        retries: Retries = DEFAULT_RETRIES,
    ) -> None:
        """``retries``: how often and how far apart a callback nobody answers is tried. ``replicas``: a
        request (``add``, ``attach_voicemail``) counts as stored only once this many replicas confirm it
        (``WAIT``); else ``NotReplicated`` (a ConnectionError: the steps spool it). Why: Redis replicates
        asynchronously, so a master that dies right after a write takes it with it, and the caller was
        already told "saved"."""
        self.redis, self.prefix, self.ttl_s, self._clock = redis, prefix, ttl_s, clock
        self.replicas, self.replica_wait_ms, self.retries = replicas, replica_wait_ms, retries
        self._release = redis.register_script(RELEASE)
        self._add = redis.register_script(ADD)
        self._claim = redis.register_script(CLAIM)
        self._close = redis.register_script(CLOSE)
        self._voicemail = redis.register_script(VOICEMAIL)

    def _key(self, callback_id: str) -> str:
        return f"{self.prefix}callback:{callback_id}"

    def _index(self, status: str) -> str:
        return f"{self.prefix}callbacks:{status}"

    async def add(self, record: dict[str, Any]) -> str:
        """Store a new request; an id already stored is kept as it is (claimed, closed, with its voicemail),
        so a retried step or a spool replayed twice stores it once."""
        callback_id = str(record["id"])
        data = {k: v for k, v in masked(record).items() if k not in MUTABLE}
        async with self._durable() as conn:
            await self._add(
                keys=[self._key(callback_id), self._index("pending")],
                args=[
                    json.dumps(data, ensure_ascii=False),
                    self.ttl_s,
                    epoch_of(record.get("created_at")),
                    callback_id,
                ],
                client=conn,
            )
            await confirm_replicated(conn, self.replicas, self.replica_wait_ms)
        return callback_id

    @asynccontextmanager
    async def _durable(self) -> AsyncIterator[Redis]:
        """The client a durable write goes through: one connection of the pool when replicas must confirm
        it (WAIT counts its own connection's writes), else the pooled client itself."""
        if self.replicas <= 0:
            yield self.redis
            return
        async with self.redis.client() as conn:
            yield conn

    async def get(self, callback_id: str) -> dict[str, Any] | None:
        return _record(await self.redis.hgetall(self._key(callback_id)))

    async def list(self, status: CallbackStatus = "pending", limit: int = 200) -> builtins.list[dict[str, Any]]:
        """Oldest first (the queue order agents work in); pending ones due now before those waiting for
        their next try."""
        ids = await self.redis.zrange(self._index(status), 0, limit - 1)
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip, not one per callback
            for i in ids:
                pipe.hgetall(self._key(str(i)))
            rows = await pipe.execute() if ids else []
        found = [r for r in map(_record, rows) if r is not None]
        return due_first(found, self._clock()) if status == "pending" else found

    async def pending(self) -> builtins.list[dict[str, Any]]:
        return await self.list("pending")

    async def claim(self, callback_id: str, agent_id: str) -> ClaimResult:
        result = await self._claim(
            keys=[self._key(callback_id), self._index("pending"), self._index("claimed")],
            args=[callback_id, agent_id, iso_now(self._clock), self._clock(), uuid.uuid4().hex],
        )
        return ClaimResult(result == "ok", await self.get(callback_id), "" if result == "ok" else str(result))

    async def close(self, callback_id: str, agent_id: str, outcome: str) -> ClaimResult:
        """Closed, or for ``no_answer`` before the ``max_attempts``-th try back in the pending list (one script:
        two agents' clicks or a retried request never count one try twice)."""
        result = await self._close(
            keys=[self._key(callback_id), self._index("claimed"), self._index("closed"), self._index("pending")],
            args=[callback_id, agent_id, iso_now(self._clock), outcome, int(outcome == NO_ANSWER),
                  self.retries.max_attempts, UNREACHABLE, self.retries.retry_after(self._clock()), uuid.uuid4().hex],
        )  # fmt: skip
        won = result in ("ok", "retry")
        return ClaimResult(won, await self.get(callback_id), "" if won else str(result))

    async def release(self, callback_id: str, agent_id: str, *, anyone: bool = False) -> ClaimResult:
        result = await self._release(
            keys=[self._key(callback_id), self._index("claimed"), self._index("pending")],
            args=[callback_id, agent_id, int(anyone), uuid.uuid4().hex],
        )
        return ClaimResult(result == "ok", await self.get(callback_id), "" if result == "ok" else str(result))

    async def attach_voicemail(self, callback_id: str, recording_url: str, duration_s: float | None = None) -> bool:
        sid = recording_sid(recording_url)  # listed to delete at Twilio after retention
        seconds = "" if duration_s is None else str(float(duration_s))
        async with self._durable() as conn:  # a script, not MULTI: a pipeline would take another connection
            attached = await self._voicemail(
                keys=[self._key(callback_id), f"{self.prefix}{VOICEMAILS_KEY}"],
                args=[recording_url, seconds, "" if sid is None else f"{sid} {callback_id}", self._clock()],
                client=conn,
            )
            if attached:
                await confirm_replicated(conn, self.replicas, self.replica_wait_ms)
        return bool(attached)
