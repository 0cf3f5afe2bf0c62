"""Agents with a live console connection in this process, and their presence put back when Redis lost it.

Why: Redis holds an agent's console session and status. After a failover without persistence it comes back
empty, the roster is republished with every agent's initial status (offline), and each console session is
gone: agents still sitting at an open console would be invisible to routing (transfers end in a callback
offer) and thrown out at their next click. The process that serves an agent's console stream still knows
who they are and what Redis last said about them, so it puts both back.

Only agents on duty (available, busy, wrap-up) are put back: an agent off duty or logging out is not
taking calls, and at worst logs in again. The snapshot is refreshed by every heartbeat and status change
here, so the window where a change made on another worker is not yet seen is one recovery interval.

How a lost store is told from a logout: a random marker (``store:epoch``) written once into Redis. A logout
deletes one session and leaves the marker; a Redis that lost its data has no marker (or, once another worker
wrote a new one, a different one). Checked by the recovery watcher every few seconds and by a console that
finds its session missing (its keep-alive heartbeat, or a request), whichever comes first.

Several workers: the marker also says when it was written (``<random>@<epoch seconds>``). A request on a
worker that does not hold the agent's stream, finding the session missing while the marker is younger than
``grace_s``, cannot tell a session Redis lost from a forged or logged-out one: it asks every worker to put
theirs back now (``PRESENCE_WANTED`` on the events channel; a stream that is still re-subscribing puts its
agent back as it does), waits ``wait_s`` for the session, else answers 503 (try again), never 401.
Nothing is granted on the cookie alone: only a worker holding a live stream of that very session, whose
agent was last seen on duty, puts a session back; a forged or logged-out one ends as a 401 after ``grace_s``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telephony.agents.events import PRESENCE_WANTED, ConsoleEvent, EventBus
from telephony.agents.repo import AgentRepo, AgentState
from telephony.agents.roster import AgentStatus
from telephony.spool import STORE_DOWN

log = logging.getLogger(__name__)

SessionRestorer = Callable[[], Awaitable[object]]  # puts one console session back in Redis


def comeback_status(seen: AgentState) -> AgentStatus:
    """The status an agent gets back: as last seen, but busy becomes wrap-up. The reservation named a call
    or chat Redis no longer knows; wrap-up keeps them off new work until they say they are free (busy with
    no reservation would never be released)."""
    return "wrap_up" if seen.status == "busy" else seen.status


def lost_recently(marker: str, now: float, grace_s: float) -> bool:
    """Was ``marker`` written less than ``grace_s`` ago? Either way round: the time is rounded, and another
    worker's clock may be a little ahead. A marker without its time (written before it carried one) is old."""
    _, _, born = marker.partition("@")
    try:
        return abs(now - float(born)) < grace_s
    except ValueError:
        return False


class StoreEpoch:
    """The marker that changes when Redis lost its data (see the module's docstring)."""

    def __init__(self, agents: AgentRepo, clock: Callable[[], float] = time.time) -> None:
        self.redis, self.key, self.clock = agents.redis, f"{agents.prefix}store:epoch", clock

    async def read(self) -> str:
        """The current marker, written first where there is none (atomic: SET NX, then GET)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.key, f"{uuid.uuid4().hex}@{self.clock():.3f}", nx=True)
            pipe.get(self.key)
            _, value = await pipe.execute()
        return str(value)


@dataclass
class Presence:
    """One per process: the console streams attach while open; ``heartbeat()`` keeps or puts back."""

    agents: AgentRepo
    epoch: StoreEpoch
    bus: EventBus | None = None  # asks the other workers to put their agents back (``recall``)
    grace_s: float = 30.0  # after an empty restart: a missing session is "try again", not "log in"
    wait_s: float = 2.0  # how long a request waits for another worker to put its session back
    restored: int = 0  # agents put back since start (tests, logs)
    _live: dict[int, tuple[str, SessionRestorer]] = field(default_factory=dict)
    _sids: dict[int, str] = field(default_factory=dict)  # the console session of each stream
    _seen: dict[str, AgentState] = field(default_factory=dict)
    _known: str | None = None
    _replaced: str | None = None  # the last marker seen replacing a known one: Redis lost its data
    _asked: str | None = None  # the marker the other workers were last asked about (once per loss)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _begun: int = 0  # heartbeats begun (``refresh``: one begun after an ask answers it)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one heartbeat at a time: no snapshot mid-restore

    @classmethod
    def of(
        cls,
        agents: AgentRepo,
        bus: EventBus | None = None,
        clock: Callable[[], float] = time.time,
        grace_s: float = 30.0,
    ) -> Presence:
        """``grace_s``: the deployment's ``INFOLINIA_RECOVERY_GRACE_S``, given at construction by the composition
        root (never set afterwards: a Presence built elsewhere would silently keep the default)."""
        return cls(agents, StoreEpoch(agents, clock), bus, grace_s)

    async def recall(self) -> bool:
        """Did Redis come back empty less than ``grace_s`` ago? If so, every worker is asked (once per
        loss) to put its agents back now: a session missing here may be held by a stream elsewhere. Only a
        marker seen replacing the one this worker knew is a loss: a Redis new to the deployment lost nothing."""
        marker = await self.epoch.read()
        if self._known is not None and marker != self._known:
            self._replaced = marker
        if marker != self._replaced or not lost_recently(marker, self.epoch.clock(), self.grace_s):
            return False
        if self.bus is not None and marker != self._asked:
            self._asked = marker
            await self.bus.publish(ConsoleEvent(PRESENCE_WANTED))
        return True

    def attach(self, agent_id: str, restore_session: SessionRestorer, sid: str = "") -> int:
        """A console stream opened for ``agent_id`` (session ``sid``); the handle to ``detach`` it."""
        handle = next(self._ids)
        self._live[handle] = (agent_id, restore_session)
        self._sids[handle] = sid
        return handle

    def detach(self, handle: int) -> None:
        agent_id, _ = self._live.pop(handle, ("", None))
        self._sids.pop(handle, None)
        if agent_id and agent_id not in self.online():
            self._seen.pop(agent_id, None)

    def watches(self, sid: str | None) -> bool:
        """A stream of this process is open for console session ``sid``: a request carrying it that finds
        the session missing may be one Redis lost (any other cookie costs no Redis read)."""
        return bool(sid) and sid in self._sids.values()

    def online(self) -> set[str]:
        return {agent_id for agent_id, _ in self._live.values()}

    async def heartbeat(self) -> int:
        """Remember what Redis says about the agents online here or, when it lost its data since the last
        heartbeat, put their sessions and statuses back. Returns how many agents were put back. Raises what
        Redis raises (the caller decides: the recovery watcher logs, a console answers 503)."""
        async with self._lock:
            self._begun += 1
            return await self._beat()

    async def refresh(self) -> None:
        """``note`` for an ask every stream of this process hears at once (``PRESENCE_WANTED``, Redis back):
        a heartbeat begun after the ask answers it. Why: each stream ran its own, every one re-reading every
        agent online here, one after another under the lock: N streams cost N x N reads just as Redis came back."""
        asked = self._begun
        try:
            async with self._lock:
                if self._begun > asked:
                    return
                self._begun += 1
                await self._beat()
        except STORE_DOWN:
            log.warning("presence not refreshed: Redis unavailable")

    async def note(self) -> None:
        """``heartbeat`` after a status change, never raising: the change is made, and a store that fails
        now is the recovery watcher's to notice (a console action must not fail on its bookkeeping)."""
        try:
            await self.heartbeat()
        except STORE_DOWN:
            log.warning("presence not noted: Redis unavailable")

    async def _beat(self) -> int:
        epoch = await self.epoch.read()
        if self._known is None or epoch == self._known:
            self._known = epoch
            await self._remember()
            return 0
        self._replaced = epoch
        back = await self._put_back()
        self._known = epoch  # only now: a put-back Redis interrupted is done again at the next heartbeat
        return back

    async def _put_back(self) -> int:
        """Sessions and statuses of the agents online here, as last seen (on duty only); how many."""
        back = 0
        for agent_id, restore_session in list(self._live.values()):
            seen = self._seen.get(agent_id)
            status = "offline" if seen is None else comeback_status(seen)
            if seen is None or status == "offline":  # off duty or logged out: nothing to put back
                continue
            await self.agents.restore_presence(seen, status)  # False: a live status was set since, kept
            await restore_session()  # after the agent: a request that finds the session finds them too
            back += 1
        if back:
            log.warning("Redis lost its data: %d agents with a live console are back online", back)
        self.restored += back
        return back

    async def _remember(self) -> None:
        for agent_id in self.online():
            state = await self.agents.get(agent_id)
            if state is not None:
                self._seen[agent_id] = state
