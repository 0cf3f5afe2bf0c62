"""Whether Redis timed out a moment ago: the gateway's store-health breaker for a *stalled* Redis.

Why: a stalled Redis (SIGSTOPped, a host swapping: connections accepted, nothing answered) fails each command
only after ``INFOLINIA_REDIS_TIMEOUT_S``, and a ``POST /v1/chat`` sends several one after another: the
failed-credential brake, the rate limit, the session save and the turn's undo record. A hostile probe saw a
chat wait 8 s (four 2 s timeouts) for its 503. Once one command has timed out, the next ones are not sent
for a short back-off: each part then answers as it does when Redis is *down*, at once. The rate limits and
the brake let the request through (``telephony/access/ratelimit.py``: they protect capacity, and refusing
every customer would be the outage they exist to prevent); a chat turn is answered 503 with the Polish
reply (``telephony/chat/turn.py``: a reply whose conversation is not stored would be forgotten); a device's
voice turn goes on from its worker's copy of the session (``dialog/session_keeper.py``, whose own timeouts
open the back-off too), and an HTTP response no longer waits for its KPI writes (``telephony/insights/flush.py``).
So one stalled request costs about one timeout, and the requests after it none.

The Wyoming speaker server (``infolinia wyoming``, ``telephony/app/speaker.py``) has a breaker of its own: a
speaker turn goes on from the server's copies of its conversation (``telephony/speaker/conversation.py``).

The back-off ends when the recovery watcher (``telephony/app/recovery.py``; the speaker server's is
``StoreWatch`` below) finds Redis answering, or after ``backoff_s`` (the watcher's interval: by then it has
checked again). Only a *timeout* opens it: a refused or reset connection (Redis down, restarting) fails in a
fraction of a second already, and its retries within the failover window must still reach a promoted replica.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

POOL_EXHAUSTED = "No connection available"  # redis-py's BlockingConnectionPool, waited its timeout


def is_timeout(exc: BaseException) -> bool:
    """A command Redis did not answer in time (redis-py's own, or an ``asyncio`` deadline), also when another
    error wraps it (``limits`` may). Not the pool's own wait for a free connection ("No connection available",
    raised from a TimeoutError): that is this worker's load, with Redis answering, and a breaker opened by it
    would switch the rate limits off under exactly the load they are for."""
    seen: BaseException | None = exc
    for _ in range(8):  # a chain of causes is short; a cycle of contexts must not loop
        if seen is None:
            break
        if isinstance(seen, RedisConnectionError) and POOL_EXHAUSTED in str(seen):
            return False
        if isinstance(seen, (RedisTimeoutError, TimeoutError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class StoreHealth:
    """``stalled``: Redis timed out less than ``backoff_s`` ago and has not answered since (0: never skipped);
    ``clock``: monotonic seconds (the tests')."""

    def __init__(self, backoff_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.backoff_s, self._clock = backoff_s, clock
        self._until = 0.0

    @property
    def stalled(self) -> bool:
        """Skip Redis now: answer as when it is down, without waiting for another timeout."""
        return self._clock() < self._until

    def saw(self, exc: BaseException) -> bool:
        """Note a failed command; True (and the back-off begins) when it timed out."""
        if not is_timeout(exc):
            return False
        if not self.stalled and self.backoff_s > 0:
            log.warning(
                "Redis did not answer in time: limits, chat, device and speaker turns skip it %.0f s", self.backoff_s
            )
        self._until = self._clock() + self.backoff_s
        return True

    def answered(self) -> None:
        """Redis answered (the recovery watcher's check): the back-off ends now."""
        if self.stalled:
            log.info("Redis answers again: rate limits, chat, device and speaker turns use it")
        self._until = 0.0


class Pinged(Protocol):
    """What the watcher asks (``KeyValueStore.ping``: False, never an error, while Redis does not answer)."""

    async def ping(self) -> bool: ...


class StoreWatch:
    """The recovery watcher of a process without the gateway's ``Recovery`` (``infolinia wyoming``: no spool,
    no roster to put back): while ``health`` is open it pings ``store`` every ``poll_s`` and closes it once
    Redis answers, so the speakers' conversations reach Redis again within ``poll_s`` of its return instead of
    at the back-off's end. While Redis is healthy it sends nothing."""

    def __init__(self, store: Pinged, health: StoreHealth, poll_s: float = 1.0) -> None:
        self.store, self.health, self.poll_s = store, health, poll_s

    async def check(self) -> bool:
        """Redis answers: the back-off ends (a ping that waits on a stalled Redis waits the client's timeout)."""
        if not await self.store.ping():
            return False
        self.health.answered()
        return True

    async def run(self) -> None:
        """Until cancelled (the server's close): a check every ``poll_s`` while the back-off is open."""
        while True:
            await asyncio.sleep(self.poll_s)
            if not self.health.stalled:
                continue
            try:
                await self.check()
            except Exception:  # a store whose ping raises: the back-off still ends by itself
                log.exception("store check failed; tried again in %.0f s", self.poll_s)
