"""Agents' run-time state in Redis, shared by every worker: status, idle time, reservations.

Keys (all under the configured prefix, e.g. ``infolinia:``):

- ``agents:all``   set of agent ids (the roster as last synced)
- ``agent:<id>``   hash: ``profile`` (the roster entry as JSON), ``status`` (available|busy|wrap_up|offline),
  ``idle_since`` (epoch s, set whenever the agent becomes available), ``reserved_for`` (the transfer id
  while busy), ``last_transfer`` (kept through wrap-up), ``no_answers`` (missed rings in a row),
  ``changed_at``.

Why optimistic reservation: the choice itself (longest-idle available agent serving the queue, not
tried yet) is pure Python in ``telephony/agents/routing.py``; the reservation is a Lua compare-and-set
``available -> busy`` on the chosen agent's hash. Lua runs atomically in Redis, so two transfers can never
both win the same agent; the loser re-reads and takes the next one. Releases are guarded by the transfer
id, so a late or repeated Twilio callback cannot free an agent who already took another call.
"""

from __future__ import annotations

import builtins
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from telephony.agents.roster import STATUSES, Agent, AgentStatus, hash_token
from telephony.agents.routing import AgentView, choose_agent, count_serving

log = logging.getLogger(__name__)

# KEYS[1] agent hash; ARGV: transfer id, now, this reservation's id. available -> busy, or nothing. The id kept
# (``reserved_by``) answers the same reservation sent again (its reply lost, redis-py retried) as taken: read as
# another's, the agent was skipped, and stayed busy for a caller nobody rang her for.
_RESERVE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'available' then
  if redis.call('HGET', KEYS[1], 'reserved_by') == ARGV[3] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'busy', 'reserved_for', ARGV[1], 'changed_at', ARGV[2], 'reserved_by', ARGV[3])
return 1
"""

# KEYS[1] agent hash; ARGV: status, transfer id ('' = any), now, no_answer '1'/'0', max no-answers, the reservation's
# changed_at as read ('' = any). Returns the status set, or false when the agent is unknown, reserved for another
# transfer, or (with a changed_at) no longer in the reservation that was read.
_RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local held = redis.call('HGET', KEYS[1], 'reserved_for') or ''
if ARGV[2] ~= '' and held ~= ARGV[2] then return false end
local since = tonumber(redis.call('HGET', KEYS[1], 'changed_at') or '')
if ARGV[6] ~= '' and since ~= tonumber(ARGV[6]) then return false end
local status = ARGV[1]
-- an agent who went offline (logged out) while reserved stays offline: the end of the ring is no comeback
if status == 'available' and redis.call('HGET', KEYS[1], 'status') == 'offline' then status = 'offline' end
if ARGV[4] == '1' then
  if redis.call('HINCRBY', KEYS[1], 'no_answers', 1) >= tonumber(ARGV[5]) then status = 'offline' end
else
  redis.call('HSET', KEYS[1], 'no_answers', 0)
end
redis.call('HSET', KEYS[1], 'status', status, 'changed_at', ARGV[3])
if status == 'available' then redis.call('HSET', KEYS[1], 'idle_since', ARGV[3]) end
if held ~= '' then redis.call('HSET', KEYS[1], 'last_transfer', held) end
redis.call('HDEL', KEYS[1], 'reserved_for')
return status
"""

# KEYS[1] agent hash; ARGV: new status, now, allowed current statuses ('' = any).
# Returns {1, previous} when applied (or already so), {0, current} when refused, false when unknown.
_TRANSITION = """
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return false end
if cur == ARGV[1] then return {1, cur} end
if ARGV[3] ~= '' and not string.find(',' .. ARGV[3] .. ',', ',' .. cur .. ',', 1, true) then
  return {0, cur}
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'changed_at', ARGV[2])
if ARGV[1] == 'available' then redis.call('HSET', KEYS[1], 'idle_since', ARGV[2], 'no_answers', 0) end
if ARGV[1] ~= 'busy' and ARGV[1] ~= 'offline' then
  local held = redis.call('HGET', KEYS[1], 'reserved_for')
  if held then redis.call('HSET', KEYS[1], 'last_transfer', held) end
  redis.call('HDEL', KEYS[1], 'reserved_for')
end
return {1, cur}
"""

# KEYS: agent hash, roster set. ARGV: agent id, profile, status, idle_since, last_transfer ('' = none), now.
# Puts back an agent Redis lost, unless something newer set a live status since (returns 0 then).
_RESTORE = """
local cur = redis.call('HGET', KEYS[1], 'status')
if cur and cur ~= 'offline' then return 0 end
redis.call('HSET', KEYS[1], 'profile', ARGV[2], 'status', ARGV[3], 'idle_since', ARGV[4], 'changed_at', ARGV[6])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'last_transfer', ARGV[5]) end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""


class StatusConflict(Exception):
    """The status change is not allowed from the agent's current status (e.g. available while busy)."""

    def __init__(self, current: str) -> None:
        super().__init__(f"not allowed while {current}")
        self.current = current


@dataclass(frozen=True)
class AgentState:
    """An agent with their live state."""

    agent: Agent
    status: AgentStatus
    idle_since: float
    reserved_for: str | None = None
    last_transfer: str | None = None
    no_answers: int = 0
    changed_at: float = 0.0  # when the status last changed (a reservation: when it was made)

    @property
    def id(self) -> str:
        return self.agent.id

    def view(self) -> AgentView:
        return AgentView(self.agent.id, frozenset(self.agent.queues), self.status, self.idle_since)

    def public(self) -> dict[str, object]:
        return {**self.agent.public(), "status": self.status, "idle_since": self.idle_since}


class AgentRepo:
    """Agents in Redis. ``redis`` must be created with ``decode_responses=True``."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "infolinia:",
        max_no_answers: int = 2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.prefix, self.max_no_answers, self._clock = redis, prefix, max_no_answers, clock
        self._reserve = redis.register_script(_RESERVE)
        self._release = redis.register_script(_RELEASE)
        self._transition = redis.register_script(_TRANSITION)
        self._restore = redis.register_script(_RESTORE)

    def _key(self, agent_id: str) -> str:
        return f"{self.prefix}agent:{agent_id}"

    def key_of(self, agent_id: str) -> str:
        """The agent's hash, for a script that guards an agent and a transfer in one step (``ring_held``)."""
        return self._key(agent_id)

    @property
    def _all(self) -> str:
        return f"{self.prefix}agents:all"

    async def sync_roster(self, agents: Sequence[Agent]) -> None:
        """Publish the roster: profiles are overwritten, live statuses kept (a restart resets nobody);
        agents no longer in the roster are removed. Idempotent, so every worker may run it at start-up."""
        now = str(self._clock())
        known = {str(i) for i in await self.redis.smembers(self._all)}
        async with self.redis.pipeline(transaction=True) as pipe:
            for agent in agents:
                key = self._key(agent.id)
                pipe.hset(key, "profile", agent.to_json())
                pipe.hsetnx(key, "status", agent.status)
                pipe.hsetnx(key, "idle_since", now)
                pipe.sadd(self._all, agent.id)
            for gone in known - {a.id for a in agents}:
                pipe.srem(self._all, gone)
                pipe.delete(self._key(gone))
            await pipe.execute()

    async def restore_roster(self, agents: Sequence[Agent]) -> bool:
        """Publish ``agents`` again when Redis lost any of them (it came back empty after a failover without
        persistence: every agent would get 401). True when it had to."""
        known = {str(i) for i in await self.redis.smembers(self._all)}
        if not {a.id for a in agents} - known:
            return False
        await self.sync_roster(agents)
        return True

    async def restore_presence(self, seen: AgentState, status: AgentStatus) -> bool:
        """Put back an agent Redis lost (``telephony/agents/presence.py``) as ``status``, with what was last
        seen; never over a live status set since (a new reservation). True when put back."""
        last = seen.reserved_for or seen.last_transfer or ""
        args: list[str | float] = [seen.id, seen.agent.to_json(), status, seen.idle_since, last, self._clock()]
        return bool(await self._restore(keys=[self._key(seen.id), self._all], args=args))

    async def list(self) -> builtins.list[AgentState]:
        """Every agent with their live state, sorted by id."""
        ids = sorted(str(i) for i in await self.redis.smembers(self._all))
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for agent_id in ids:
                pipe.hgetall(self._key(agent_id))
            rows = await pipe.execute()
        return [s for s in (self._state(row) for row in rows) if s is not None]

    async def get(self, agent_id: str) -> AgentState | None:
        row = await self.redis.hgetall(self._key(agent_id))
        return self._state({str(k): str(v) for k, v in row.items()})

    @staticmethod
    def _state(row: dict[str, str]) -> AgentState | None:
        if not row or "profile" not in row:
            return None
        status = row.get("status", "offline")
        return AgentState(
            agent=Agent.model_validate(json.loads(row["profile"])),
            status=status if status in STATUSES else "offline",  # type: ignore[arg-type]
            idle_since=float(row.get("idle_since") or 0.0),
            reserved_for=row.get("reserved_for") or None,
            last_transfer=row.get("last_transfer") or None,
            no_answers=int(row.get("no_answers") or 0),
            changed_at=float(row.get("changed_at") or 0.0),
        )

    async def authenticate(self, token: str) -> Agent | None:
        """The agent whose token this is, or None. Compares every hash in constant time (no early exit)."""
        if not token:
            return None
        digest = hash_token(token)
        found: Agent | None = None
        for state in await self.list():
            if hmac.compare_digest(digest, state.agent.token_sha256):
                found = state.agent
        return found

    async def reserve(self, queue: str, exclude: Collection[str] = (), *, transfer_id: str) -> Agent | None:
        """Atomically take the longest-idle available agent serving ``queue`` (not in ``exclude``) for
        ``transfer_id``: their status becomes busy. None when nobody is free."""
        skipped = set(exclude)
        for _ in range(64):  # each lost race removes one candidate; the roster is far smaller than 64
            states = await self.list()
            chosen = choose_agent([s.view() for s in states], queue, skipped)
            if chosen is None:
                return None
            if await self._reserve(keys=[self._key(chosen.id)], args=[transfer_id, self._clock(), uuid.uuid4().hex]):
                log.info("agent %s reserved for transfer %s", chosen.id, transfer_id)
                return next(s.agent for s in states if s.id == chosen.id)
            skipped.add(chosen.id)  # another worker was faster
        return None

    async def release(
        self,
        agent_id: str,
        status: AgentStatus,
        *,
        transfer_id: str | None = None,
        no_answer: bool = False,
        read_at: float | None = None,
    ) -> AgentStatus | None:
        """End a reservation: the agent becomes ``status`` (available after a decline, wrap_up after a
        call). With ``transfer_id`` it only applies while the agent is reserved for that transfer (so a
        repeated callback is a no-op). ``no_answer``: a missed ring; ``max_no_answers`` in a row take the
        agent offline. An agent who went offline meanwhile is not made available again: they left.
        ``read_at``: the ``changed_at`` of the reservation as read; a newer one (for the same transfer) is left
        alone: two ticks freeing the same stale reservation, the second freed the fresh one the first had rung.
        Returns the status set, or None when nothing changed."""
        read: str | float = "" if read_at is None else read_at
        missed = "1" if no_answer else "0"
        args: list[str | float | int] = [status, transfer_id or "", self._clock(), missed, self.max_no_answers, read]
        result = await self._release(keys=[self._key(agent_id)], args=args)
        return str(result) if result else None  # type: ignore[return-value]

    async def set_status(
        self, agent_id: str, status: AgentStatus, *, expect: Collection[str] | None = None
    ) -> str | None:
        """Change an agent's status; returns the previous one (None: unknown agent).

        ``expect``: the statuses the change is allowed from. Default: going offline always works (an
        agent can always leave); anything else is refused while busy (the call decides). Raises
        StatusConflict when refused."""
        if expect is None:
            expect = () if status == "offline" else ("available", "wrap_up", "offline")
        result = await self._transition(keys=[self._key(agent_id)], args=[status, self._clock(), ",".join(expect)])
        if not result:
            return None
        applied, previous = int(result[0]), str(result[1])
        if not applied:
            raise StatusConflict(previous)
        return previous

    async def finish_wrap_up(self, agent_id: str) -> bool:
        """Wrap-up done: wrap_up -> available. False when the agent was not in wrap-up."""
        try:
            return await self.set_status(agent_id, "available", expect=("wrap_up",)) is not None
        except StatusConflict:
            return False

    async def counts(self, queue: str) -> tuple[int, int]:
        """(available, staffed) agents for ``queue``."""
        return count_serving([s.view() for s in await self.list()], queue)
