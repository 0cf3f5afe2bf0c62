"""One turn at a time per session across every worker: a short lease on the session in Redis.

Why: the in-worker lock (``telephony/chat/session_locks.py``) queues the turns of one session in one worker
only. Behind ``--workers N`` (or N pods) the messages of one chat, split between two workers, each read the
same old session, ran the dialog and wrote it back: the last write won. 24 messages of one session sent at
once to two workers kept 12 to 19 of them in the stored conversation (its slots and the history the agents
and the KB gaps read went with them). A turn now holds the session's lease while it reads, answers and saves.

How: ``SET lease token NX PX ttl`` in a Lua script, released by compare-and-delete, so a turn never frees a
lease a later turn holds (its own expired). The TTL (``INFOLINIA_SESSION_LEASE_TTL_S``, 30 s) is well above a
turn's worst time (a few Redis commands and an orders look-up, each bounded by its own 2 s timeout), so it
never expires under a running turn, and a worker that crashed holding a lease blocks its session only that
long. A waiter polls with a back-off (10 ms doubling to 100 ms) for at most ``INFOLINIA_SESSION_LEASE_WAIT_S``
(10 s). Polling alone is unfair: the worker that just released takes the lease straight back for its next
queued turn, before the other worker's next poll, and that one's turns could starve. So a waiter that finds
the lease taken claims the next turn (``<lease>:next``, expiring after a second unless renewed by its polls);
while a claim stands, only the claimant may take a free lease. Each worker has one waiter per session (the
in-worker lock is in front), so the workers take turns.

A take that timed out may still land (a stalled Redis runs what it had received when it resumes): this worker's
next take of the session counts that lease as free, and a background task frees it for the others
(``telephony/chat/lease_doubts.py``). A take whose answer was lost (a reset while reading it, a Sentinel
failover right after the write) is sent again by redis-py with the same token: a lease that already holds the
turn's own token is the turn's (renewed, not waited for: the turn waited for itself and then blocked the
session for the TTL).

The wait is the turn's, not the lease's alone: ``SessionLocks`` takes one deadline when the turn arrives and
passes what is left of it here, so a worker's queued turns of a session wait at most ``wait_s`` each, not one
``wait_s`` per turn ahead of them. A release is awaited through a cancellation (shielded: a dropped request or
a cancel scope must not leave the session blocked for the TTL) and, like the background ones, awaited by
``close`` before the pool closes at shutdown.

Redis down or timing out, or the store breaker open (``telephony/store_health.py``): nothing is waited for;
the turn runs under the in-worker lock only and takes the path it takes without Redis (a chat: 503 when the
session cannot be read; a device: its worker's copy). A Redis that answers, held by another worker's turn past
the wait: ``SessionBusy``. The chat answers it 503 with ``Retry-After`` and a Polish "the previous message is
still being answered, send this one again" (the message was not taken, and the widget says so: it is never
dropped silently, nor answered from a session the other turn is about to overwrite); a device and a speaker
say it aloud instead of answering (``catalogue.SESSION_BUSY_SPOKEN``): the user asks again, as after a line
not heard.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from redis.asyncio import Redis

from dialog.session_keeper import STORE_ERRORS, StoreBreaker
from telephony.cancel_guard import honour_cancel
from telephony.chat.lease_doubts import DoubtfulTakes, may_have_run

log = logging.getLogger(__name__)

# KEYS: the lease, the next turn's claim; ARGV: this turn's token, the lease's TTL (ms), the claim's TTL (ms), then
# this worker's tokens whose take timed out (Redis may have applied it after all: such a lease counts as free).
# 1: taken (also when the lease already holds this token: the same take sent again after its answer was lost).
# 0: held by another turn (or claimed by another waiter): this waiter claims the next turn if nobody has.
ACQUIRE = """
local held = redis.call('GET', KEYS[1])
local claim = redis.call('GET', KEYS[2])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if claim == ARGV[1] then redis.call('DEL', KEYS[2]) end
  return 1
end
for i = 4, #ARGV do
  if held == ARGV[i] then held = false end
  if claim == ARGV[i] then claim = false end
end
if not held and (not claim or claim == ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  if claim then redis.call('DEL', KEYS[2]) end
  return 1
end
if not claim then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
elseif claim == ARGV[1] then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return 0
"""
# KEYS: a lease or a claim; ARGV: the token it must still hold (a later turn's is never deleted).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SessionBusy(RuntimeError):
    """Another turn of this session (on another worker) held it past the wait: this message was not answered."""


@dataclass(frozen=True)
class LeaseTiming:
    """``ttl_s``: the lease expires this long after it was taken (above a turn's worst time); ``wait_s``: the
    longest a turn waits for it; ``poll_s``/``poll_max_s``: the first pause between tries and the longest;
    ``claim_s``: a waiter's claim on the next turn lapses this long after its last try (it gave up, or died);
    ``unsure_s``: how often a take that may have landed is released again until Redis answers;
    ``unsure_cap_s``: the longest that is tried (a Redis stalled longer is treated as gone)."""

    ttl_s: float = 30.0
    wait_s: float = 10.0
    poll_s: float = 0.01
    poll_max_s: float = 0.1
    claim_s: float = 1.0
    unsure_s: float = 0.5
    unsure_cap_s: float = 600.0


class SessionLease:
    """The sessions' leases in ``redis`` under ``prefix`` + ``kind`` (``session``: dialog sessions, which the
    chat and the devices share; ``conversation``: the speakers' conversation ids). ``breaker``: the worker's
    store-health breaker (None: Redis always asked); ``clock``: monotonic seconds (the tests')."""

    def __init__(
        self,
        redis: Redis,
        prefix: str = "infolinia:",
        kind: str = "session",
        timing: LeaseTiming | None = None,
        breaker: StoreBreaker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis, self._prefix, self.timing = redis, f"{prefix}lease:{kind}:", timing or LeaseTiming()
        self.breaker, self._clock = breaker, clock
        self._acquire, self._release = redis.register_script(ACQUIRE), redis.register_script(RELEASE)
        self._background: set[asyncio.Task[None]] = set()  # releases not (or no longer) waited for; see close()
        t = self.timing
        self.doubts = DoubtfulTakes(self._release, (t.unsure_s, t.ttl_s, t.unsure_cap_s), breaker, clock, self._track)

    @property
    def in_flight(self) -> int:
        """Releases still running in the background (``close`` waits for them)."""
        return len(self._background)

    def key(self, session_id: str) -> str:
        """The lease's key; ``{...}``: the claim beside it hashes to the same Redis Cluster slot."""
        return f"{self._prefix}{{{session_id}}}"

    @asynccontextmanager
    async def hold(self, session_id: str, wait_s: float | None = None) -> AsyncIterator[bool]:
        """``async with lease.hold(sid) as leased:`` the turn; ``leased`` False: Redis unavailable, the turn runs
        without a lease. Raises ``SessionBusy`` when another worker's turn held it past ``wait_s`` (None:
        ``timing.wait_s``). The release is awaited through a cancellation (``_settle``)."""
        token = await self.take(session_id, wait_s)
        try:
            yield token is not None
        finally:
            if token is not None:
                await _settle(self._track(self.give_back(session_id, token)))

    async def take(self, session_id: str, wait_s: float | None = None) -> str | None:
        """This turn's token once the lease is taken within ``wait_s`` (None: ``timing.wait_s``; at least one
        try); None at once when Redis is unavailable."""
        keys, token = [self.key(session_id), self.key(session_id) + ":next"], uuid.uuid4().hex
        try:
            return await self._wait(session_id, keys, token, self.timing.wait_s if wait_s is None else wait_s)
        except asyncio.CancelledError:  # the request was dropped mid-way: what it may hold goes back at once
            await _settle(self._track(self._forget_all(keys, token)))
            raise

    async def _wait(self, session_id: str, keys: list[str], token: str, wait_s: float) -> str | None:
        t = self.timing
        args: list[str | int] = [token, _ms(t.ttl_s), _ms(t.claim_s), *self.doubts.tokens(session_id)]
        deadline, pause = self._clock() + wait_s, t.poll_s
        while True:
            if self._stalled():
                return None  # Redis timed out a moment ago (maybe while this turn waited): nothing to wait for
            try:
                if await honour_cancel(self._acquire(keys=keys, args=args)):
                    return token
            except STORE_ERRORS as exc:
                self._unavailable(session_id, exc)
                if may_have_run(exc):  # Redis may run it yet (stalled) or have run it (reset after the write)
                    self.doubts.add(session_id, keys, token)
                return None
            left = deadline - self._clock()
            if left <= 0:
                await self._forget(keys[1], token)
                raise SessionBusy(f"another turn of session {session_id[:8]}... still runs after {wait_s:g} s")
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, t.poll_max_s)

    async def give_back(self, session_id: str, token: str) -> None:
        """Free the lease if this turn still holds it; a failure leaves it to its TTL. While Redis times out the
        turn does not wait for it: the release is sent in the background (a stalled Redis answers it when it
        resumes, so the session's next turn need not wait out the TTL)."""
        if self._stalled():
            self._track(self._forget(self.key(session_id), token))
            return
        await self._forget(self.key(session_id), token)

    async def close(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for the releases still running (sent while Redis timed out, a dropped turn's,
        the doubtful takes'), before the pool is closed under them at shutdown; those left are cancelled
        (their leases lapse after the TTL)."""
        running = set(self._background)
        if not running:
            return
        _, left = await asyncio.wait(running, timeout=max(0.0, timeout_s))
        for task in left:
            task.cancel()
        if left:
            log.warning("%d session lease releases unfinished at shutdown: they lapse after the TTL", len(left))
        await asyncio.gather(*left, return_exceptions=True)

    def _track(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _stalled(self) -> bool:
        return self.breaker is not None and self.breaker.stalled

    async def _forget_all(self, keys: list[str], token: str) -> None:
        await asyncio.gather(*(self._forget(key, token) for key in keys))

    async def _forget(self, key: str, token: str) -> None:
        try:
            await self._release(keys=[key], args=[token])
        except STORE_ERRORS as exc:
            if self.breaker is not None:
                self.breaker.saw(exc)
            log.warning("session lease %s not released (%r): it lapses after its TTL", key, exc)

    def _unavailable(self, session_id: str, exc: BaseException) -> None:
        if self.breaker is not None:
            self.breaker.saw(exc)  # a timeout: the next turns skip Redis at once
        log.warning("session lease unavailable (%r): turn of %s... under this worker's lock only", exc, session_id[:8])


async def _settle(release: asyncio.Task[None]) -> None:
    """Wait for ``release`` through a cancellation of the turn: a cancel scope (anyio's, Starlette's task
    groups) cancels again at every step and would cancel the wait each time, so the wait is shielded from it;
    a plain ``task.cancel()`` (a second one, at shutdown) ends the wait only, and the release goes on as a
    tracked task that ``close`` awaits. Unshielded, the release was cancelled with the turn and the session
    stayed blocked for the TTL."""
    with anyio.CancelScope(shield=True):
        await asyncio.shield(release)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
