"""Transfer records (``telephony.transfer.record``), the per-queue waiting line, and guarded status
transitions, all in Redis.

Every step of a warm transfer arrives as a Twilio callback that any worker may handle, possibly twice
or out of order. So the record's ``status`` only moves by compare-and-set (a Lua script: "from one of
these statuses to that one"), and ``first_time(key)`` marks a processed event (SET NX): whatever loses
either race changes nothing.

Keys (under the prefix): ``transfer:<tid>`` hash (``status`` plain, every other field JSON),
``transfer:<tid>:tried`` set of agents already tried, ``queue:<name>`` sorted set of waiting transfer
ids (score: ``routing.queue_score``: priority, then arrival), ``queues`` set of queue names seen,
``transfer-call:<CallSid>`` the transfer id of a caller's call (their status callback knows only the
CallSid), ``event:<key>`` processed-event markers.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Collection, Iterable
from typing import Any

from redis.asyncio import Redis

from telephony.agents.routing import queue_score
from telephony.redis_scripts import RELEASE_OWN, TAKE_OWN, WRITE_OWN
from telephony.transfer.record import TransferRecord, TransferStatus, masked
from telephony.transfer.store_scripts import REQUEUE, RING_HELD, SET_UNSET, TRANSITION, UPDATE_EXISTING

WAITING_STATUSES = frozenset({"waiting", "ringing"})  # the caller is in the queue (counted for positions)

# Which statuses each status may be reached from. Anything else is refused (a stale callback).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "waiting": frozenset({"ringing"}),  # the rung agent declined / did not answer
    "ringing": frozenset({"waiting"}),
    "connected": frozenset({"waiting", "ringing"}),
    "callback_offered": frozenset({"waiting", "ringing"}),
    "callback": frozenset({"callback_offered"}),
    "voicemail": frozenset({"callback_offered"}),
    "abandoned": frozenset({"waiting", "ringing", "callback_offered"}),  # voicemail: only voicemail_abandoned's own
    "completed": frozenset({"connected"}),
    # Twilio REST failed (refused, or past its deadline) while moving the caller or ringing an agent: the
    # caller goes to the fallback number, no agent stays reserved for them.
    "fallback": frozenset({"waiting", "ringing", "callback_offered"}),
}


def _encode(record: TransferRecord) -> dict[Any, str]:
    data = record.model_dump(mode="json", exclude={"tried_agents"})
    return {k: (v if k == "status" else json.dumps(v, ensure_ascii=False)) for k, v in data.items()}


class TransferStore:
    """Transfer records and queues. ``redis`` must decode responses."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "infolinia:",
        ttl_s: int = 2 * 86400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.prefix, self.ttl_s, self._clock = redis, prefix, ttl_s, clock
        self._transition, self._requeue = redis.register_script(TRANSITION), redis.register_script(REQUEUE)
        self._ring_held = redis.register_script(RING_HELD)
        self._update_existing = redis.register_script(UPDATE_EXISTING)
        self._hold, self._let_go = redis.register_script(TAKE_OWN), redis.register_script(RELEASE_OWN)
        self._set_unset, self._write_own = redis.register_script(SET_UNSET), redis.register_script(WRITE_OWN)

    def _key(self, tid: str) -> str:
        return f"{self.prefix}transfer:{tid}"

    def _queue(self, name: str) -> str:
        return f"{self.prefix}queue:{name}"

    def keys_of(self, record: TransferRecord) -> tuple[str, str]:
        """The record's hash and its queue's sorted set (for scripts guarding more than the status)."""
        return self._key(record.tid), self._queue(record.queue)

    def _call(self, call_sid: str) -> str:
        return f"{self.prefix}transfer-call:{call_sid}"

    async def create(self, record: TransferRecord) -> TransferRecord:
        """Store a new record, its summary and transcript masked (``masked``; the record stored is
        returned); when it is waiting, put it in its queue in the same transaction."""
        record = masked(record)
        key = self._key(record.tid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=_encode(record))
            pipe.expire(key, self.ttl_s)
            pipe.set(self._call(record.call_sid), record.tid, ex=self.ttl_s)
            if record.tried_agents:
                pipe.sadd(f"{key}:tried", *record.tried_agents)
                pipe.expire(f"{key}:tried", self.ttl_s)
            if record.status in WAITING_STATUSES:
                pipe.zadd(self._queue(record.queue), {record.tid: queue_score(record.priority, record.enqueued_at)})
                pipe.sadd(f"{self.prefix}queues", record.queue)
            await pipe.execute()
        return record

    async def by_call(self, call_sid: str) -> str | None:
        """The transfer id of the caller's call ``call_sid`` (its latest transfer), None when it has none."""
        tid = await self.redis.get(self._call(call_sid))
        return None if tid is None else str(tid)

    async def get(self, tid: str) -> TransferRecord | None:
        found = await self.records([tid])
        return found[0] if found else None

    @staticmethod
    def _record(row: dict[str, str], tried: set[str]) -> TransferRecord | None:
        if not row or "status" not in row:
            return None
        data: dict[str, Any] = {k: (v if k == "status" else json.loads(v)) for k, v in row.items()}
        data["tried_agents"] = sorted(tried)
        return TransferRecord.model_validate(data)

    async def transition(
        self, tid: str, to: TransferStatus, *, expect: Collection[str] | None = None, **fields: Any
    ) -> TransferRecord | None:
        """Move to ``to`` if the current status is in ``expect`` (default: ``ALLOWED_FROM[to]``), setting
        ``fields`` in the same atomic step; leaving waiting/ringing also takes it out of its queue.
        Returns the updated record, or None when refused or unknown (a repeated/stale callback)."""
        record = await self.get(tid)
        if record is None:
            return None
        allowed = list(ALLOWED_FROM[to] if expect is None else expect)
        pairs = [x for k, v in fields.items() for x in (k, json.dumps(v, ensure_ascii=False))]
        receipt = f"{self.prefix}transition-receipt:{tid}"
        result = await self._transition(
            keys=[self._key(tid), self._queue(record.queue), receipt],
            args=[to, tid, uuid.uuid4().hex, len(allowed), *allowed, *pairs],
        )
        if not result or not int(result[0]):
            return None
        return await self.get(tid)

    async def requeue(self, record: TransferRecord, **fields: Any) -> bool:
        """``record``'s claim (``connected``, its ``connected_at``) back to ``waiting`` at the place it had in its
        queue (its priority and arrival), ``fields`` set, in one step: a status move and then a ZADD left a caller
        waiting in no queue when Redis died between them (never rung, only the maximum wait's offer). False when
        the transfer moved on meanwhile (another tick, the agent's leg ending)."""
        token = json.dumps(uuid.uuid4().hex)
        pairs = [x for k, v in fields.items() for x in (k, json.dumps(v, ensure_ascii=False))]
        score = queue_score(record.priority, record.enqueued_at)
        args: list[str | float] = [record.tid, json.dumps(record.connected_at), score, token, *pairs]
        return bool(await self._requeue(keys=list(self.keys_of(record)), args=args))

    async def ring_held(self, tid: str, agent_id: str, agent_key: str, now: float) -> bool:
        """Does the transfer ring ``agent_id`` and is she still reserved for it (her hash ``agent_key``)? Then her
        reservation is the ring's from ``now`` on, in the same step: a check, then the dial left a window where a
        tick's release of the reservation as it read it (stale) freed her while her phone rang."""
        args: list[str | float] = [tid, json.dumps(agent_id), now]
        return bool(await self._ring_held(keys=[self._key(tid), agent_key], args=args))

    async def update(self, tid: str, **fields: Any) -> bool:
        """Set non-status fields (agent_call_sid, callback_id, ...). False when the record is gone."""
        if "status" in fields or "tried_agents" in fields:
            raise ValueError("use transition() for the status and add_tried() for tried agents")
        pairs = [x for k, v in fields.items() for x in (k, json.dumps(v, ensure_ascii=False))]
        if not pairs:
            return bool(await self.redis.exists(self._key(tid)))
        return bool(await self._update_existing(keys=[self._key(tid)], args=pairs))

    async def update_unset(self, tid: str, field: str, value: Any) -> bool:
        """Set ``field`` only if the record has none yet (in one step): False when it has one or is gone."""
        if field in ("status", "tried_agents"):
            raise ValueError("use transition() for the status and add_tried() for tried agents")
        receipt, value_json = f"{self.prefix}unset-receipt:{tid}:{field}", json.dumps(value, ensure_ascii=False)
        return bool(await self._set_unset(keys=[self._key(tid), receipt], args=[field, value_json, uuid.uuid4().hex]))

    async def add_tried(self, tid: str, agent_id: str) -> None:
        """Remember that ``agent_id`` was tried for this call (never ring them again for it)."""
        key = f"{self._key(tid)}:tried"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, agent_id)
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def forget_tried(self, tid: str, agent_id: str) -> None:
        """``agent_id`` may be rung for this call again (a ring given up with no word on how it went)."""
        await self.redis.srem(f"{self._key(tid)}:tried", agent_id)

    async def waiting(self, queue: str) -> list[str]:
        """Transfer ids waiting in ``queue``, in serving order."""
        return [str(t) for t in await self.redis.zrange(self._queue(queue), 0, -1)]

    async def position(self, queue: str, tid: str) -> int | None:
        """1-based place in the queue, None when not waiting."""
        rank = await self.redis.zrank(self._queue(queue), tid)
        return None if rank is None else int(rank) + 1  # type: ignore[arg-type]

    async def dequeue(self, queue: str, tid: str) -> bool:
        return bool(await self.redis.zrem(self._queue(queue), tid))

    async def queue_names(self) -> list[str]:
        return sorted(str(q) for q in await self.redis.smembers(f"{self.prefix}queues"))

    async def records(self, tids: Iterable[str]) -> list[TransferRecord]:
        """The records of ``tids`` that still exist, in the given order: one pipeline, one round trip whatever
        their number (the chat sweep reads every busy agent's hand-off on every worker every few seconds)."""
        keys = [self._key(tid) for tid in tids]
        if not keys:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(key)
                pipe.smembers(f"{key}:tried")
            rows = await pipe.execute()
        found = (self._record(rows[i], rows[i + 1]) for i in range(0, len(rows), 2))
        return [r for r in found if r is not None]

    async def first_time(self, event_key: str, ttl_s: int | None = None) -> bool:
        """True exactly once per ``event_key`` (e.g. CallSid + event + SequenceNumber) across workers. The marker
        holds this call's token: a SET NX Redis applied whose reply was lost is sent again by redis-py and finds the
        marker set, by itself, which must still read as the first time (it read as a copy: a decline or a lost
        ring's give-up skipped for good, the caller held past the maximum wait, the agent busy)."""
        key, token = f"{self.prefix}event:{event_key}", uuid.uuid4().hex
        if await self.redis.set(key, token, nx=True, ex=ttl_s or self.ttl_s):
            return True
        return bool(await self.redis.get(key) == token)

    async def hold(self, key: str, token: str, ttl_s: int) -> bool:
        """A short lock on ``key`` for the holder of ``token`` (one request), across workers; it lapses after
        ``ttl_s`` if its holder dies. ``let_go`` frees it."""
        return bool(await self._hold(keys=[f"{self.prefix}hold:{key}"], args=[token, ttl_s]))

    async def take_over(self, key: str, token: str, ttl_s: int) -> None:
        """``hold(key, token)`` whoever held it: the holder it was taken from writes nothing more (``update_held``)."""
        await self.redis.set(f"{self.prefix}hold:{key}", token, ex=ttl_s)

    async def holds(self, key: str, token: str) -> bool:
        """Does ``hold(key, token)`` still stand (not lapsed, not taken over)?"""
        return bool(await self.redis.get(f"{self.prefix}hold:{key}") == token)

    async def update_held(self, tid: str, key: str, token: str, **fields: Any) -> bool:
        """``update`` only while ``hold(key, token)`` still stands (one step in Redis); False when it was lost."""
        pairs = [x for k, v in fields.items() for x in (k, json.dumps(v, ensure_ascii=False))]
        return bool(await self._write_own(keys=[f"{self.prefix}hold:{key}", self._key(tid)], args=[token, *pairs]))

    async def let_go(self, key: str, token: str) -> None:
        """Free ``hold(key, token)``, unless it lapsed and another holder has it now (compare-and-delete)."""
        await self._let_go(keys=[f"{self.prefix}hold:{key}"], args=[token])
