"""The session lease's doubtful takes: a take that failed in a way Redis may have run it all the same.

Why: a take sent to a stalled Redis times out, yet the stalled Redis runs it when it resumes (the command waits
in its socket); a connection reset while the answer was read leaves it as unknown. Such a lease would block its
session for the whole TTL (a Wyoming conversation heard "still answering" after the stall). So this worker's
next take of the session counts a lease holding such a token as free, and a background loop releases it for
the other workers once Redis answers again.

How long a token stays doubtful: until its release went through twice (a command the stalled Redis held may run
just after the first one that answers), not for a fixed age. A stall longer than the TTL resumes with the take
still to run, and the lease then lives a whole TTL from the resume: a token forgotten TTL after the take failed
blocked the session after every long stall. The loop sends nothing while the store breaker is open (the
recovery watcher closes it once Redis answers: releases piled up in a stalled Redis, each holding a pooled
connection for a timeout, help nobody); once a release has gone through, the lease has lapsed a TTL later at
the latest, so the loop stops then even if Redis fails again; and it gives up after ``cap_s`` (a Redis stalled
that long is treated as gone). Its end takes the token out of the record.

Only a take Redis may have run is doubtful (``may_have_run``): a refused connection, a pool with no free
connection or a connection closed before the write never sent the command, and recording those gave every
take while Redis was down a background loop and a record never pruned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from dialog.session_keeper import STORE_ERRORS, StoreBreaker
from telephony.store_health import POOL_EXHAUSTED, is_timeout

log = logging.getLogger(__name__)

# redis-py's messages for a command that never left this process: the connect failed (refused, no route, a
# connect that timed out), the pool had no free connection, or the connection was found closed before the write.
# (A Sentinel's "No master found" stays doubtful: an earlier try of the same command may have reached the old
# master and its replica before the retries ran out of masters.)
NOT_SENT = ("connecting to", "Timeout connecting", POOL_EXHAUSTED, "before write")
Release = Callable[..., Awaitable[Any]]  # the compare-and-delete script: ``release(keys=[key], args=[token])``
Track = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


def may_have_run(exc: BaseException) -> bool:
    """Whether Redis may have run the command that failed with ``exc``: a timeout, or a connection lost once
    the command was written (reset while writing or reading). Not one that was never sent (``NOT_SENT``)."""
    if any(part in str(exc) for part in NOT_SENT):
        return False
    return is_timeout(exc) or isinstance(exc, (RedisConnectionError, ConnectionError))


class DoubtfulTakes:
    """This worker's doubtful tokens per session, each released in the background by ``release`` every
    ``every_s`` until sure; ``ttl_s``: the lease's TTL; ``cap_s``: the longest a loop tries; ``breaker``: the
    store-health breaker (None: Redis always asked); ``clock``: monotonic seconds; ``track``: runs a loop as a
    task the lease awaits at its close."""

    def __init__(
        self,
        release: Release,
        timing: tuple[float, float, float],
        breaker: StoreBreaker | None,
        clock: Callable[[], float],
        track: Track,
    ) -> None:
        self._release, (self.every_s, self.ttl_s, self.cap_s) = release, timing
        self.breaker, self._clock, self._track = breaker, clock, track
        self._tokens: dict[str, list[str]] = {}

    def __len__(self) -> int:
        """The sessions with a doubtful take still being released."""
        return len(self._tokens)

    def tokens(self, session_id: str) -> list[str]:
        """The doubtful tokens of ``session_id``: a lease holding one counts as free for this worker."""
        return list(self._tokens.get(session_id, ()))

    def add(self, session_id: str, keys: list[str], token: str) -> None:
        """Record ``token`` (its lease and claim ``keys``) and start releasing it."""
        self._tokens.setdefault(session_id, []).append(token)
        self._track(self._clear(session_id, keys, token))

    async def _clear(self, session_id: str, keys: list[str], token: str) -> None:
        try:
            if not await self._release_until_sure(keys, token):
                log.warning("doubtful lease of %s... not released: it lapses after its TTL", session_id[:8])
        finally:
            kept = [t for t in self._tokens.get(session_id, ()) if t != token]
            if kept:
                self._tokens[session_id] = kept
            else:
                self._tokens.pop(session_id, None)

    async def _release_until_sure(self, keys: list[str], token: str) -> bool:
        """True once two releases went through; False when the loop gave up (``cap_s``, or a TTL after the
        first release that went through: the lease has lapsed by then)."""
        rounds, began, answered = 0, self._clock(), None
        while rounds < 2:
            now = self._clock()
            if now - began > self.cap_s or (answered is not None and now - answered > self.ttl_s):
                return False
            await asyncio.sleep(self.every_s)
            if self.breaker is not None and self.breaker.stalled:
                continue  # Redis timed out a moment ago: nothing sent until it answers again
            try:
                for key in keys:
                    await self._release(keys=[key], args=[token])
            except STORE_ERRORS:
                rounds = 0
                continue
            rounds, answered = rounds + 1, self._clock() if answered is None else answered
        return True
