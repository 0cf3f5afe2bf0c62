"""Rate limits per client IP and per credential, and the failed-credential brake, shared by every worker.

Built on the ``limits`` package (MIT, ~60 KB, maintained): sliding-window counters (one Redis key pair per
client and window, O(1) per hit) in the gateway's own Redis pool, so ``--workers N`` share the counts; an
in-process store without Redis (a single worker, like the embedded session store).

Four rules (``limits`` syntax, ``"10/5 minutes"``; several with ``;``):

* ``per_ip``: requests to the chat and voice-turn APIs without a credential (development mode), per client IP;
* ``per_token``: every request made with one API key or one agent token, from wherever it comes (a chat
  backend sends all its users from one address: its key, not its IP, is what is limited);
* ``failures``: failed credentials (API keys, agent tokens, the console login) per client IP; once spent,
  that IP is refused (429) even with a right token until the window passes: guessing a 256-bit token at
  10 tries per 5 minutes is hopeless, at ~600/s without the brake it was merely slow;
* ``per_handoff``: a customer's messages to one live-chat hand-off (waiting for or talking to an agent) since the
  agent's latest reply, from whichever addresses they come: the per-IP rule let one customer (or many addresses)
  fill an agent's chat with 500 messages of 2,000 characters, and the console re-read all of them after each one
  (the fifth hostile probe). Each reply opens a fresh count: counted for the whole hand-off, a long talk of short
  answers ("ok", "tak") passed 120 an hour and was refused for up to an hour, however often the agent wrote.

A store error (Redis down) lets the request through with a warning: the limits protect capacity, and
refusing every customer while Redis restarts would be the outage they exist to prevent. A *stalled* Redis is
treated the same way, without waiting on it again: once a command timed out (``health``, the gateway's
``StoreHealth``), the limits and the brake let requests through for the back-off instead of each sending
its command into another timeout (a keyed chat waited for two before its turn began).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis

from telephony.access.serial import SerialChecks
from telephony.store_health import StoreHealth

log = logging.getLogger(__name__)

DEFAULT_PER_IP = "120/minute"
DEFAULT_PER_TOKEN = "600/minute"
DEFAULT_FAILURES = "10/5 minutes"
# A person writes a few short messages in a row before the agent answers, not 20 in a minute, nor 120 an hour
DEFAULT_PER_HANDOFF = "20/minute;120/hour"


def parse_rule(text: str) -> list[RateLimitItem]:
    """Validate a rule at start-up; raises ValueError with the rule named."""
    try:
        return parse_many(text)
    except ValueError as exc:
        raise ValueError(f"invalid rate limit {text!r} (examples: '120/minute', '10/5 minutes')") from exc


@dataclass(frozen=True)
class Rules:
    per_ip: str = DEFAULT_PER_IP
    per_token: str = DEFAULT_PER_TOKEN
    failures: str = DEFAULT_FAILURES
    per_handoff: str = DEFAULT_PER_HANDOFF


def limits_storage(redis: Redis | None, prefix: str) -> Storage:
    """Redis over the process's pool (every worker counts together), else this process's memory."""
    if redis is None:
        return MemoryStorage()
    # limits types its options as scalars, but hands them to redis-py, which takes the pool object
    pool: Any = redis.connection_pool
    return RedisStorage("async+redis://", implementation="redispy", connection_pool=pool, key_prefix=f"{prefix}limits")


class Limiter:
    """``hit_*`` count a request and return None (go on) or the seconds until it may retry (429). ``health``:
    told of a timeout, and asked first (stalled: let through without asking Redis); None: always asked."""

    def __init__(
        self,
        storage: Storage,
        rules: Rules = Rules(),
        clock: Callable[[], float] = time.time,
        health: StoreHealth | None = None,
    ) -> None:
        self._limiter, self.health = SlidingWindowCounterRateLimiter(storage), health
        self._per_ip, self._per_token = parse_rule(rules.per_ip), parse_rule(rules.per_token)
        self._failures, self._per_handoff = parse_rule(rules.failures), parse_rule(rules.per_handoff)
        self._clock = clock
        # the brake's check, a credential's check and the failure count, one unproven credential at a time per IP
        self.checks = SerialChecks()

    async def hit_ip(self, ip: str) -> float | None:
        return await self._hit(self._per_ip, "ip", ip)

    async def hit_token(self, token_id: str) -> float | None:
        """``token_id`` names the credential ("key:kiosk", "agent:anna"), never the secret itself."""
        return await self._hit(self._per_token, "token", token_id)

    async def hit_handoff(self, transfer_id: str, replied: int = 0) -> float | None:
        """A customer's message to the live-chat hand-off ``transfer_id`` since the agent's message ``replied``
        (its seq; 0: none yet): one count per hand-off and reply, every worker's. A message refused by one
        rule takes nothing from the others (refused by the hour's rule, it used to take a minute's slot as well)."""
        ids = ("handoff", transfer_id, str(replied))
        return await self._tested(self._per_handoff, "request let through", *ids) or await self._hit(
            self._per_handoff, *ids
        )

    async def blocked(self, ip: str) -> float | None:
        """Seconds until ``ip`` may present a credential again, or None."""
        return await self._tested(self._failures, "failed-credential check skipped", "fail", ip)

    async def failed(self, ip: str) -> None:
        """Count a failed credential of ``ip``."""
        await self._hit(self._failures, "fail", ip)

    async def _tested(self, items: list[RateLimitItem], skipped: str, *ids: str) -> float | None:
        """Seconds until ``ids`` may go again under ``items`` (None: now), counting nothing."""
        if self._stalled():
            return None
        try:
            for item in items:
                if not await self._limiter.test(item, *ids):
                    return await self._retry_after(item, *ids)
        except Exception as exc:
            self._failed_store(exc, skipped)
        return None

    async def _hit(self, items: list[RateLimitItem], *ids: str) -> float | None:
        if self._stalled():
            return None
        try:
            for item in items:
                if not await self._limiter.hit(item, *ids):
                    return await self._retry_after(item, *ids)
        except Exception as exc:
            self._failed_store(exc, "request let through")
        return None

    def _stalled(self) -> bool:
        """Redis timed out a moment ago: skipped as if it were down (let through), and not waited on again."""
        return self.health is not None and self.health.stalled

    def _failed_store(self, exc: Exception, what: str) -> None:
        if self.health is not None:
            self.health.saw(exc)  # a timeout: the next checks skip Redis for the back-off
        log.warning("rate limiter store unavailable: %s", what, exc_info=True)

    async def _retry_after(self, item: RateLimitItem, *ids: str) -> float:
        stats = await self._limiter.get_window_stats(item, *ids)
        return max(1.0, stats.reset_time - self._clock())
