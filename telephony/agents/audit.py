"""Audit log of who read which caller's transcript (a transfer's or a callback's bot conversation).

A Redis stream ``audit:transcripts`` (entries: at, agent, kind, id, via), trimmed by age on every write
(``XADD ... MINID``: entries older than the retention go) and expiring when nothing is written for as long;
every entry is also a log line, so the trail survives in the log shipper when Redis is wiped. Supervisors read
it through ``GET /v1/audit``.

The console refetches its panels after every event, so one agent looking at one call would write hundreds
of identical entries: a read is recorded once per agent, record and ``dedup_s`` (10 minutes).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from redis.asyncio import Redis

log = logging.getLogger(__name__)
Kind = Literal["transfer", "callback", "history"]
PAGE = 500  # stream entries read per command when looking for one agent's reads


class TranscriptAudit:
    """Record and list transcript reads. ``redis`` must decode responses."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "infolinia:",
        retention_s: int = 90 * 86400,
        dedup_s: int = 600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis, self.prefix, self.retention_s, self.dedup_s, self._clock = (
            redis,
            prefix,
            retention_s,
            dedup_s,
            clock,
        )
        self.stream = f"{prefix}audit:transcripts"

    async def record(self, agent_id: str, kind: Kind, record_id: str, via: str) -> bool:
        """Note that ``agent_id`` read the transcript of ``kind`` ``record_id`` (``via`` api|console);
        False when the same read was recorded within ``dedup_s``."""
        marker = f"{self.prefix}audit:seen:{agent_id}:{kind}:{record_id}"
        if not await self.redis.set(marker, "1", nx=True, ex=self.dedup_s):
            return False
        now = self._clock()
        at = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
        log.info("audit: agent %s read the transcript of %s %s via %s", agent_id, kind, record_id, via)
        oldest_ms = max(0, int((now - self.retention_s) * 1000))
        async with self.redis.pipeline(transaction=True) as pipe:
            fields = {"at": at, "agent": agent_id, "kind": kind, "id": record_id, "via": via}
            pipe.xadd(self.stream, fields, minid=oldest_ms, approximate=False)  # type: ignore[arg-type]
            pipe.expire(self.stream, self.retention_s)
            await pipe.execute()
        return True

    async def entries(self, limit: int = 100, agent_id: str | None = None) -> list[dict[str, Any]]:
        """Newest first; only ``agent_id``'s reads when given. Read ``PAGE`` entries at a time, back until
        ``limit`` match: one agent's reads among 90 days of everyone's were one reply of the whole stream (a
        Redis busy building it, past the command timeout, a worker holding it all in memory)."""
        out: list[dict[str, Any]] = []
        end, count = "+", PAGE if agent_id is not None else limit
        while len(out) < limit:
            rows = await self.redis.xrevrange(self.stream, max=end, count=count) or []
            entries = [{str(k): str(v) for k, v in (fields or {}).items()} for _entry_id, fields in rows]
            out += [e for e in entries if agent_id is None or e.get("agent") == agent_id]
            if len(rows) < count:
                break
            last_id = rows[-1][0]
            end = f"({last_id.decode() if isinstance(last_id, bytes) else last_id}"  # exclusive: older ones
        return out[:limit]
