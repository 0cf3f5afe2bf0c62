"""Phone calls in progress across workers (the dashboard's "Rozmowy z botem teraz"), each worker's own count.

Why per worker and not one shared counter: a worker killed mid-call (OOM, a lost machine) never ends its calls,
and the shared ``HINCRBY`` kept them for good: the tile never went back to 0. Each worker writes its count and
when it said so (``<prefix>kpi:calls``, field: the worker, value ``<count>|<epoch>``) on every change and at each
gauges refresh (``InsightMetrics.keep_gauges``, every 15 s); a reader sums the counts heard from within
``ALIVE_S`` and drops the others. An ``HSET`` of the whole value is also the same when redis-py sends it again.

A rolling update: workers of the previous release still count their calls in the shared counter
(``<prefix>kpi:active``, field ``phone``, no TTL), which the new ones would never read, so the old workers' calls
vanished from the tile. The reader adds it while it moves (``LEGACY``). Not deleted at start-up: an old worker
still running would then end its calls below 0. Its value also holds the calls of every old worker ever killed
mid-call (the bug above), so once it has not moved for ``LEGACY_STALE_S`` no old worker is taken to be counting
in it: it is left out and given a TTL. At 0 it is deleted at once (the same as 0 for an ``HINCRBY``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from redis.asyncio import Redis

from telephony.insights.buckets import as_text

ALIVE_S = 60.0  # a worker not heard from for this long is gone (it says so every 15 s)
LEGACY_STALE_S = 1800.0  # the old counter unmoved this long is no old worker's calls (a call rarely lasts this)
LEGACY_TTL_S = 86400  # the old counter, left out, goes this long after (it had no TTL)
SEEN_TTL_S = 7 * 86400  # when the old counter last moved, kept while it is there

# KEYS: the old counter (hash, field 'phone'), when it last moved (hash: value, since). ARGV: now, stale after,
# the old counter's TTL once left out, the marker's TTL. Returns the calls of the old workers to add. One script:
# an old worker's HINCRBY comes wholly before or after it, so a 0 deleted is never a call lost.
LEGACY = """
local v = redis.call('HGET', KEYS[1], 'phone')
if not v or tonumber(v) == 0 then
  if v then redis.call('HDEL', KEYS[1], 'phone') end
  redis.call('DEL', KEYS[2])
  return 0
end
local seen = redis.call('HMGET', KEYS[2], 'value', 'since')
local since = seen[2]
if seen[1] ~= v or not since then
  since = ARGV[1]
  redis.call('HSET', KEYS[2], 'value', v, 'since', since)
end
redis.call('EXPIRE', KEYS[2], ARGV[4])
if tonumber(ARGV[1]) - tonumber(since) > tonumber(ARGV[2]) then
  if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
  return 0
end
return math.max(0, tonumber(v))
"""


class LiveCalls:
    """This worker's calls in progress (``change``, ``publish``) and everyone's (``total``)."""

    def __init__(self, redis: Redis, prefix: str, clock: Callable[[], float]) -> None:
        self.redis, self.key, self.clock = redis, f"{prefix}kpi:calls", clock
        self.worker, self.count = uuid.uuid4().hex, 0
        self.legacy = (f"{prefix}kpi:active", f"{prefix}kpi:active:seen")  # the previous release's counter
        self._legacy = redis.register_script(LEGACY)
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
        return total + await self.old_workers()

    async def old_workers(self) -> int:
        """The calls of workers of the previous release (a rolling update), while their counter moves."""
        args = [self.clock(), LEGACY_STALE_S, LEGACY_TTL_S, SEEN_TTL_S]
        return int(await self._legacy(keys=list(self.legacy), args=args))
