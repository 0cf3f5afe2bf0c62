"""Callback requests ("please call me back"): from phone transfers and from smart speakers.

Agents list them, one agent claims one (exactly one wins, whatever the number of workers and
browsers), calls the customer and closes it with an outcome; a caller's voicemail is attached to the
same record. A try that did not reach the customer (``no_answer``) is not an ending: the callback goes
back to the pending list with ``failed_attempts`` counted and ``retry_after`` set (``Retries.gap_s`` later:
a customer who did not pick up now is unlikely to a minute later, so the list offers callbacks that are due
first), and only the ``max_attempts``-th such try closes it, as ``unreachable``. A claimed callback can be
handed back (``release``) by its holder or a supervisor.

Two implementations of ``CallbackBook``:

- ``RedisCallbacks`` (the real one): ``callback:<id>`` hash (``data``: the immutable request as JSON;
  ``status`` pending|claimed|closed, ``claimed_by``, ``claimed_at``, ``closed_at``, ``outcome``,
  ``failed_attempts``, ``voicemail_url``...) and sorted sets ``callbacks:pending|claimed|closed`` (score:
  created_at). Claim, close and release are Lua compare-and-set scripts: atomic in Redis. Records expire
  after ``ttl_s`` (retention); every add lets the indexes expire with the newest record, and ``infolinia
  purge`` drops ids of expired ones. Voicemails are also listed in ``voicemails`` (score: when recorded;
  member: ``<RecordingSid> <callback id>``), which never expires: it is the list ``infolinia purge`` works
  through to delete recordings at Twilio.
- ``StoreCallbacks`` (``callbacks_store.py``): the same on the ``KeyValueStore`` port (``callback:<id>``
  JSON and a ``callback:pending`` id list), for a single worker without Redis (speaker-only setups); its
  claim is atomic within that one process only.
"""

from __future__ import annotations

import builtins
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from redis.asyncio import Redis

from dialog.pii import mask, mask_transcript
from dialog.redis_connect import confirm_replicated
from telephony.agents.callback_scripts import ADD, CLAIM, CLOSE, RELEASE, VOICEMAIL

CallbackStatus = Literal["pending", "claimed", "closed"]
MUTABLE = ("status", "claimed_by", "claimed_at", "closed_at", "outcome", "voicemail_url", "voicemail_s",
           "failed_attempts", "last_attempt_at", "last_outcome", "retry_after")  # fmt: skip
NO_ANSWER = "no_answer"  # a try that did not reach the customer: back to the list for another one
UNREACHABLE = "unreachable"  # the outcome of the ``max_attempts``-th try nobody answered
WRONG_NUMBER = "wrong_number"
NOT_REACHED = frozenset({NO_ANSWER, UNREACHABLE, WRONG_NUMBER})  # every other outcome: the customer was reached
MAX_ATTEMPTS = 3
RETRY_GAP_S = 3600
STATUSES: tuple[CallbackStatus, ...] = ("pending", "claimed", "closed")
VOICEMAILS_KEY = "voicemails"
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


@dataclass(frozen=True)
class ClaimResult:
    """``won``: the change was made (claimed, closed, put back). Otherwise ``reason``: taken | unknown |
    not_yours | not_claimed."""

    won: bool
    record: dict[str, Any] | None
    reason: str = ""


@dataclass(frozen=True)
class Retries:
    """Tries at a callback nobody answers: ``max_attempts`` in all, each next one ``gap_s`` after the last."""

    max_attempts: int = MAX_ATTEMPTS
    gap_s: float = RETRY_GAP_S

    def retry_after(self, now: float) -> str:
        return iso_now(lambda: now + self.gap_s)


DEFAULT_RETRIES = Retries()


def due_first(records: builtins.list[dict[str, Any]], now: float) -> builtins.list[dict[str, Any]]:
    """Pending callbacks in the order agents should work them: those due now (oldest first), then those
    waiting for their next try (soonest first)."""

    def waits_until(record: dict[str, Any]) -> float:
        after = record.get("retry_after")
        return epoch_of(after) if after else 0.0

    due = [r for r in records if waits_until(r) <= now]
    later = sorted((r for r in records if waits_until(r) > now), key=waits_until)
    return due + later


def iso_now(clock: Callable[[], float] = time.time) -> str:
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds")


def epoch_of(iso: str | None) -> float:
    try:
        return datetime.fromisoformat(iso or "").timestamp()
    except ValueError:
        return time.time()


def _typed(name: str, value: str | bytes) -> Any:
    """A mutable field as read from the hash: numbers as numbers (the API shows ``failed_attempts: 1``)."""
    if name == "voicemail_s":
        return float(value)
    return int(value) if name == "failed_attempts" else value


def masked(record: dict[str, Any]) -> dict[str, Any]:
    """A callback request as stored and shown to agents: summary and transcript with personal data masked
    (``dialog.pii``); the number to call back (``phone``) and the order id stay."""
    keep = (record.get("order_id"),)
    out = dict(record)
    if isinstance(out.get("summary"), str):
        out["summary"] = mask(out["summary"], keep)
    if isinstance(out.get("transcript"), list):
        out["transcript"] = mask_transcript([e for e in out["transcript"] if isinstance(e, dict)], keep)
    return out


def callback_from_transfer(transfer: Any, *, callback_id: str, created_at: str) -> dict[str, Any]:
    """The callback record for a phone caller (``transfer``: a ``TransferRecord``): number, summary and
    transcript travel with it so the agent calling back knows everything."""
    return {
        "id": callback_id,
        "queue": transfer.queue,
        "reason": transfer.reason,
        "priority": transfer.priority,
        "summary": transfer.summary,
        "phone": transfer.caller,
        "created_at": created_at,
        "session_id": transfer.session_id,
        "conversation_id": None,
        "channel": "phone",
        "status": "pending",
        "transfer_id": transfer.tid,
        "order_id": transfer.order_id,
        "transcript": list(transfer.transcript),
    }


class CallbackBook(Protocol):
    """Where callback requests live. Records are dicts with at least id, queue, phone, summary,
    created_at (ISO 8601) and status."""

    async def add(self, record: dict[str, Any]) -> str: ...

    async def get(self, callback_id: str) -> dict[str, Any] | None: ...

    async def list(self, status: CallbackStatus = "pending", limit: int = 200) -> builtins.list[dict[str, Any]]: ...

    async def pending(self) -> builtins.list[dict[str, Any]]: ...

    async def claim(self, callback_id: str, agent_id: str) -> ClaimResult: ...

    async def close(self, callback_id: str, agent_id: str, outcome: str) -> ClaimResult:
        """Closed with ``outcome``; ``no_answer`` before the last try: pending again (``record["status"]``)."""
        ...

    async def release(self, callback_id: str, agent_id: str, *, anyone: bool = False) -> ClaimResult:
        """Claimed -> pending, by its holder (``anyone``: by whoever asks, a supervisor)."""
        ...

    async def attach_voicemail(self, callback_id: str, recording_url: str, duration_s: float | None = None) -> bool: ...


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
            args=[callback_id, agent_id, iso_now(self._clock), self._clock()],
        )
        return ClaimResult(result == "ok", await self.get(callback_id), "" if result == "ok" else str(result))

    async def close(self, callback_id: str, agent_id: str, outcome: str) -> ClaimResult:
        """Closed, or for ``no_answer`` before the ``max_attempts``-th try back in the pending list (one script:
        two agents' clicks or a retried request never count one try twice)."""
        result = await self._close(
            keys=[self._key(callback_id), self._index("claimed"), self._index("closed"), self._index("pending")],
            args=[callback_id, agent_id, iso_now(self._clock), outcome, int(outcome == NO_ANSWER),
                  self.retries.max_attempts, UNREACHABLE, self.retries.retry_after(self._clock())],
        )  # fmt: skip
        won = result in ("ok", "retry")
        return ClaimResult(won, await self.get(callback_id), "" if won else str(result))

    async def release(self, callback_id: str, agent_id: str, *, anyone: bool = False) -> ClaimResult:
        result = await self._release(
            keys=[self._key(callback_id), self._index("claimed"), self._index("pending")],
            args=[callback_id, agent_id, int(anyone)],
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
