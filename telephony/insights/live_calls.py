"""Phone calls in progress across workers (the dashboard's "Rozmowy z botem teraz"), each worker's own count.

Why per worker and not one shared counter: a worker killed mid-call (OOM, a lost machine) never ends its calls,
and the shared ``HINCRBY`` kept them for good: the tile never went back to 0. Each worker writes its count and
when it said so (``<prefix>kpi:calls``, field: the worker, value ``<count>|<epoch>``) on every change and at each
gauges refresh (``InsightMetrics.keep_gauges``, every 15 s); a reader sums the counts heard from within
``ALIVE_S`` and drops the others. An ``HSET`` of the whole value is also the same when redis-py sends it again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from redis.asyncio import Redis

from telephony.insights.buckets import as_text

ALIVE_S = 60.0  # a worker not heard from for this long is gone (it says so every 15 s)


class LiveCalls:
    """This worker's calls in progress (``change``, ``publish``) and everyone's (``total``)."""

    def __init__(self, redis: Redis, prefix: str, clock: Callable[[], float]) -> None:
        self.redis, self.key, self.clock = redis, f"{prefix}kpi:calls", clock
        self.worker, self.count = uuid.uuid4().hex, 0
        self._saying = asyncio.Lock()  # one word at a time: the last one sent is the count now

    def change(self, delta: int) -> None:
        self.count = max(0, self.count + delta)

    async def publish(self) -> None:
        """Say this worker's count now (and that it is alive). One at a time, the count read once it is this
        one's turn: said twice in a row (a call begun and ended at once), the two went on two connections and
        the first one's "1" could land after the "0" (a new connection in its handshake; redis-py sending it
        again after a lost reply): the tile kept a call that had ended, until the next refresh."""
        async with self._saying, self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(self.key, self.worker, f"{self.count}|{self.clock()}")
            pipe.expire(self.key, int(2 * ALIVE_S))
            await pipe.execute()

    async def total(self) -> int:
        """The calls of every worker heard from within ``ALIVE_S``; the others' counts are removed."""
        now, total, gone = self.clock(), 0, list[str | bytes]()
        for worker, value in (await self.redis.hgetall(self.key)).items():
            count, _, said = as_text(value).partition("|")
            try:
                alive, n = now - float(said) <= ALIVE_S, int(count)
            except ValueError:
                alive, n = False, 0
            if alive:
                total += max(0, n)
            else:
                gone.append(worker)
        if gone:
            await self.redis.hdel(self.key, *gone)
        return total
