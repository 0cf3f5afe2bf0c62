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
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from redis.asyncio import Redis

log = logging.getLogger(__name__)
Kind = Literal["transfer", "callback", "history"]
PAGE = 500  # stream entries read per command when looking for one agent's reads
SCAN_CAP = 5000  # stream entries read per request at most; then the caller goes on from ``AuditPage.older``
STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")


@dataclass(frozen=True)
class AuditPage:
    """One request's reads, newest first. ``older``: the stream id to go on from (exclusive) for the reads
    before these, None when the start of the stream was reached; ``capped``: the scan stopped at its cap
    before ``limit`` matches were found (the agent's older reads, if any, are further back)."""

    entries: list[dict[str, str]]
    older: str | None = None
    capped: bool = False


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
        scan_cap: int = SCAN_CAP,
    ) -> None:
        self.redis, self.prefix, self.retention_s, self.dedup_s, self._clock = (
            redis,
            prefix,
            retention_s,
            dedup_s,
            clock,
        )
        self.scan_cap = max(1, scan_cap)
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

    async def entries(self, limit: int = 100, agent_id: str | None = None) -> list[dict[str, str]]:
        """Newest first; only ``agent_id``'s reads when given, among the newest ``scan_cap`` entries."""
        return (await self.page(limit, agent_id)).entries

    async def page(self, limit: int = 100, agent_id: str | None = None, before: str | None = None) -> AuditPage:
        """Newest first from ``before`` (a stream id, exclusive; None: the newest); only ``agent_id``'s reads
        when given. Read ``PAGE`` entries a command, ``scan_cap`` a request at most: one agent's reads among
        90 days of everyone's were one reply of the whole stream (a Redis busy building it, a worker holding
        it all), and a rare agent's, paged, still walked the whole stream on every request."""
        found: list[tuple[str, dict[str, str]]] = []
        end, scanned = "+" if before is None else f"({before}", 0
        while True:
            count = min(PAGE if agent_id is not None else limit - len(found), self.scan_cap - scanned)
            rows = await self.redis.xrevrange(self.stream, max=end, count=count) or []
            scanned += len(rows)
            for entry_id, fields in rows:
                entry = {str(k): str(v) for k, v in (fields or {}).items()}
                if agent_id is None or entry.get("agent") == agent_id:
                    found.append((_text(entry_id), entry))
            if len(found) >= limit:  # go on after the last one shown, not the last one read
                return AuditPage([e for _, e in found[:limit]], found[limit - 1][0])
            if len(rows) < count:
                return AuditPage([e for _, e in found])
            end = f"({_text(rows[-1][0])}"
            if scanned >= self.scan_cap:
                return AuditPage([e for _, e in found], _text(rows[-1][0]), capped=True)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def stream_id(text: str) -> str | None:
    """``text`` if it is a stream id (``1733550000000-0``) Redis can page back from, else None: a cursor from
    a URL is checked before it goes to Redis. Each part fits 64 bits and it is not ``0-0`` (nothing is before
    it): Redis answers those with an error, which was a bare 500 instead of the newest entries."""
    if not STREAM_ID.fullmatch(text):
        return None
    ms, seq = (int(part) for part in text.split("-"))
    return text if max(ms, seq) < 2**64 and (ms, seq) != (0, 0) else None
