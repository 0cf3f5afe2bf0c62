"""One credential check at a time per client IP, for credentials not yet proven right.

Why: the failed-credential brake is "check the IP's failures, check the credential, count a failure". A
burst of guesses sent at once all passed the first step before any of them reached the third, so 200
concurrent wrong tokens got about 100 tries instead of the brake's 10 (and more connections meant more
tries). Checking a client IP's unproven credentials one after the other in this worker makes the count
exact here (across ``--workers N`` at most N - 1 more slip through, one per worker in flight).

A credential proven right a moment ago (``ProvenSecrets``: sha256 digests only, bounded, expiring) skips the
queue, so a chat backend sending hundreds of requests at once with its one key is not made to wait in line;
a guesser never holds a proven secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class ProvenSecrets:
    """Digests of secrets that passed a check within ``ttl_s``, at most ``size`` of them (oldest dropped)."""

    def __init__(self, size: int = 1024, ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self.size, self.ttl_s, self._clock = size, ttl_s, clock

    @staticmethod
    def _digest(secret: str) -> str:
        return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()

    def add(self, secret: str) -> None:
        digest = self._digest(secret)
        self._seen[digest] = self._clock()
        self._seen.move_to_end(digest)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)

    def __contains__(self, secret: str) -> bool:
        at = self._seen.get(self._digest(secret))
        return at is not None and self._clock() - at < self.ttl_s


class SerialChecks:
    """``async with checks.one_at_a_time(ip, secret)``: wait for this IP's other unproven checks."""

    def __init__(self, proven: ProvenSecrets | None = None) -> None:
        self.proven = proven or ProvenSecrets()
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # ip -> (lock, holders and waiters)

    @asynccontextmanager
    async def one_at_a_time(self, ip: str, secret: str) -> AsyncIterator[None]:
        if secret in self.proven:
            yield
            return
        lock, users = self._locks.get(ip) or (asyncio.Lock(), 0)
        self._locks[ip] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[ip]
            if users <= 1:
                del self._locks[ip]  # nobody else waits: no lock kept per address ever seen
            else:
                self._locks[ip] = (lock, users - 1)

    def waiting_ips(self) -> int:
        """Addresses with a check in progress (for tests: the table does not grow with every address)."""
        return len(self._locks)
