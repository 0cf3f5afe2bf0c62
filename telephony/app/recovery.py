"""Degraded mode and the way back: while Redis is down the gateway keeps answering (calls on in-memory
state, callback requests and final statuses spooled to a local file); this watcher notices when Redis is
reachable again and puts back what the outage left behind.

Why a periodic check and not only "on first miss": after a failover without persistence Redis answers
normally but is empty, so nothing fails that would trigger a repair; the roster must be republished
(else every agent gets 401), the agents with a live console put back online (``Presence``: else they are
offline to routing until they log in again), and the spool replayed without waiting for a user to stumble
on it.

It also ends the back-off of the store-health breaker (``telephony/store_health.py``): once its check finds
Redis answering after a stall, rate limits, chat and device turns use Redis again at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dialog.ports import KeyValueStore
from telephony.agents.presence import Presence
from telephony.agents.repo import AgentRepo
from telephony.agents.roster import Agent
from telephony.spool import STORE_DOWN, Spool
from telephony.store_health import StoreHealth

log = logging.getLogger(__name__)

Applier = Callable[[dict[str, Any]], Awaitable[object]]


@dataclass
class Recovery:
    """``check()`` once (tests, ``/readyz``), or ``run()`` every ``interval_s`` in the background."""

    store: KeyValueStore
    spool: Spool
    interval_s: float = 5.0
    agents: AgentRepo | None = None
    presence: Presence | None = None  # agents with a live console here: put back when Redis lost them
    roster: list[Agent] = field(default_factory=list)
    appliers: dict[str, Applier] = field(default_factory=dict)  # spool entry kind -> how to store it
    store_up: bool = True
    roster_restored: int = 0  # how many times Redis came back without the roster
    observer: Callable[[bool], None] | None = None  # told every verdict (the ``infolinia_store_up`` gauge)
    health: StoreHealth = field(default_factory=StoreHealth)  # Redis timed out a moment ago (the breaker)
    _reached: bool = False  # Redis answered a check before: a missing roster then means Redis lost it

    def on(self, kind: str, applier: Applier) -> None:
        """Register how spooled entries of ``kind`` are stored (the composition root wires each part)."""
        self.appliers[kind] = applier

    async def _apply(self, kind: str, data: dict[str, Any]) -> None:
        applier = self.appliers.get(kind)
        if applier is None:
            raise LookupError(f"no applier for spooled {kind!r} (kept for a gateway that has one)")
        await applier(data)

    async def check(self) -> bool:
        """Store reachable? If so: roster back if lost, spool replayed. Never raises."""
        try:
            self.store_up = bool(await self.store.ping())
            if not self.store_up:
                return False
            self.health.answered()
            if self.agents is not None and self.roster and await self.agents.restore_roster(self.roster):
                self.roster_restored += 1
                if self._reached:
                    log.warning("Redis came back without the agents roster: published it again")
                else:  # a fresh Redis (or its first check here): nothing was lost
                    log.info("agents roster published to Redis (%d agents)", len(self.roster))
            self._reached = True
            await self._put_agents_back()  # never keeps the spool below from being replayed
            await self.spool.replay(self._apply)
        except STORE_DOWN:
            self.store_up = False
        except Exception:
            log.exception("recovery check failed")
        if self.observer is not None:
            self.observer(self.store_up)
        return self.store_up

    async def _put_agents_back(self) -> None:
        """Agents at a live console back on duty after Redis lost them (``presence``); a failure here is
        logged and retried at the next check, while the spooled requests still go in now."""
        if self.presence is None:
            return
        try:
            await self.presence.heartbeat()
        except STORE_DOWN:
            raise  # Redis went again: the check says so
        except Exception:
            log.exception("putting agents back failed; tried again at the next check")

    async def run(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.interval_s)

    def degraded(self) -> list[str]:
        """What ``/readyz`` lists: ``store`` (Redis down), ``spool`` (requests waiting to be stored)."""
        out = [] if self.store_up else ["store"]
        if self.spool.pending():
            out.append("spool")
        return out
